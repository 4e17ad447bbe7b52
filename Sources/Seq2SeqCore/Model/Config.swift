// Config.swift — every size that defines the model (SPEC §1 letters E H L D M A Vs Vt) in one Codable struct,
// stored inside the checkpoint's metadata with explicit snake_case keys.

public struct ModelConfig: Codable, Equatable, Sendable {
    public var embeddingSize: Int          // E
    public var encoderHiddenSize: Int      // H, per direction
    public var encoderLayers: Int          // L
    public var decoderHiddenSize: Int      // D
    public var decoderLayers: Int          // M
    public var attentionSize: Int          // A
    public var sourceVocabularySize: Int   // Vs
    public var targetVocabularySize: Int   // Vt
    /// Dropout rate used in training (embeddings, between stacked LSTM layers, readout input); never at inference.
    public var dropout: Float
    /// `target_embedding.weight` [Vt, E] and `generator.weight` [Vt, D] are one shared matrix (needs E == D). Both
    /// tensors are still stored, equal (see TiedEmbeddings.swift).
    public var tieEmbeddings: Bool

    enum CodingKeys: String, CodingKey {
        case embeddingSize = "embedding_size"
        case encoderHiddenSize = "encoder_hidden_size"
        case encoderLayers = "encoder_layers"
        case decoderHiddenSize = "decoder_hidden_size"
        case decoderLayers = "decoder_layers"
        case attentionSize = "attention_size"
        case sourceVocabularySize = "source_vocabulary_size"
        case targetVocabularySize = "target_vocabulary_size"
        case dropout
        case tieEmbeddings = "tie_embeddings"
    }

    public init(embeddingSize: Int, encoderHiddenSize: Int, encoderLayers: Int, decoderHiddenSize: Int,
                decoderLayers: Int, attentionSize: Int, sourceVocabularySize: Int, targetVocabularySize: Int,
                dropout: Float = 0, tieEmbeddings: Bool = false) {
        self.embeddingSize = embeddingSize
        self.encoderHiddenSize = encoderHiddenSize
        self.encoderLayers = encoderLayers
        self.decoderHiddenSize = decoderHiddenSize
        self.decoderLayers = decoderLayers
        self.attentionSize = attentionSize
        self.sourceVocabularySize = sourceVocabularySize
        self.targetVocabularySize = targetVocabularySize
        self.dropout = dropout
        self.tieEmbeddings = tieEmbeddings
    }

    /// Every key is required except `tie_embeddings`, which checkpoints written before it existed lack (untied).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        embeddingSize = try container.decode(Int.self, forKey: .embeddingSize)
        encoderHiddenSize = try container.decode(Int.self, forKey: .encoderHiddenSize)
        encoderLayers = try container.decode(Int.self, forKey: .encoderLayers)
        decoderHiddenSize = try container.decode(Int.self, forKey: .decoderHiddenSize)
        decoderLayers = try container.decode(Int.self, forKey: .decoderLayers)
        attentionSize = try container.decode(Int.self, forKey: .attentionSize)
        sourceVocabularySize = try container.decode(Int.self, forKey: .sourceVocabularySize)
        targetVocabularySize = try container.decode(Int.self, forKey: .targetVocabularySize)
        dropout = try container.decode(Float.self, forKey: .dropout)
        tieEmbeddings = try container.decodeIfPresent(Bool.self, forKey: .tieEmbeddings) ?? false
    }

    /// The largest sizes a model may have: the ranges `train`'s flags accept (E H D A up to 4096, L M up to 16,
    /// vocabularies up to 10,000,000 tokens). A checkpoint claiming more is refused before anything is allocated.
    public static let maximumSize = 4096
    public static let maximumLayers = 16
    public static let maximumVocabularySize = 10_000_000

    /// Throws `invalidConfiguration` for sizes no model can have, or that no checkpoint of ours can hold.
    public func validate() throws(Seq2SeqError) {
        let sizes: [(String, Int, ClosedRange<Int>)] = [
            ("embedding_size", embeddingSize, 1...Self.maximumSize),
            ("encoder_hidden_size", encoderHiddenSize, 1...Self.maximumSize),
            ("encoder_layers", encoderLayers, 1...Self.maximumLayers),
            ("decoder_hidden_size", decoderHiddenSize, 1...Self.maximumSize),
            ("decoder_layers", decoderLayers, 1...Self.maximumLayers),
            ("attention_size", attentionSize, 1...Self.maximumSize),
            // Ids 0..3 are the specials, so a vocabulary has at least one more token.
            ("source_vocabulary_size", sourceVocabularySize, 5...Self.maximumVocabularySize),
            ("target_vocabulary_size", targetVocabularySize, 5...Self.maximumVocabularySize),
        ]
        for (name, value, range) in sizes where !range.contains(value) {
            throw Seq2SeqError.invalidConfiguration(
                reason: "\(name) is \(value), it must be from \(range.lowerBound) to \(range.upperBound)")
        }
        if !(dropout >= 0 && dropout < 1) {
            throw Seq2SeqError.invalidConfiguration(reason: "dropout is \(dropout), it must be in [0, 1)")
        }
        if tieEmbeddings && embeddingSize != decoderHiddenSize {
            throw Seq2SeqError.invalidConfiguration(reason: "tie_embeddings needs embedding_size (E = \(embeddingSize)) equal to decoder_hidden_size (D = \(decoderHiddenSize))")
        }
        // The bounds above keep the count far inside Int; checked anyway, so that widening a bound cannot make
        // `ParameterTable`'s unchecked products wrap.
        guard parameterCount != nil else {
            throw Seq2SeqError.invalidConfiguration(reason: "the model's parameter count does not fit in a \(Int.bitWidth)-bit integer")
        }
    }

    /// How many floats the parameter table holds, from the sizes alone, every product and sum checked: nil when one
    /// overflows or a size is negative. `ParameterTable(config:)` lays out the same count tensor by tensor (SPEC §2).
    public var parameterCount: Int? {
        struct Overflow: Error {}
        func times(_ a: Int, _ b: Int) throws(Overflow) -> Int {
            let (product, overflow) = a.multipliedReportingOverflow(by: b)
            if overflow { throw Overflow() }
            return product
        }
        func plus(_ terms: Int...) throws(Overflow) -> Int {
            var sum = 0
            for term in terms {
                let (result, overflow) = sum.addingReportingOverflow(term)
                if overflow { throw Overflow() }
                sum = result
            }
            return sum
        }
        /// One LSTM layer in one direction: W_ih [4h, input], W_hh [4h, h], b_ih and b_hh [4h].
        func lstm(input: Int, hidden h: Int) throws(Overflow) -> Int {
            let gates = try times(4, h)
            return try plus(times(gates, input), times(gates, h), times(2, gates))
        }
        let (E, H, L, D, M, A) = (embeddingSize, encoderHiddenSize, encoderLayers, decoderHiddenSize, decoderLayers, attentionSize)
        let (Vs, Vt) = (sourceVocabularySize, targetVocabularySize)
        guard [E, H, L, D, M, A, Vs, Vt].allSatisfy({ $0 >= 0 }) else { return nil }
        do {
            let twoH = try times(2, H)
            // Encoder: two directions per layer; layer 0 reads E, the others 2H. Decoder: layer 0 reads E+2H, the others D.
            let encoder = try L == 0 ? 0 : times(2, plus(lstm(input: E, hidden: H), times(L - 1, lstm(input: twoH, hidden: H))))
            let decoder = try M == 0 ? 0 : plus(lstm(input: plus(E, twoH), hidden: D), times(M - 1, lstm(input: D, hidden: D)))
            return try plus(
                times(Vs, E), times(Vt, E),                              // source_embedding [Vs, E], target_embedding [Vt, E]
                encoder,
                times(D, twoH), D,                                       // bridge [D, 2H], [D]
                times(A, twoH), A, times(A, D), A,                       // attention key [A, 2H], [A]; query [A, D]; energy [1, A]
                decoder,
                times(D, plus(D, twoH)), D,                              // readout [D, D+2H], [D]
                times(Vt, D), Vt)                                        // generator [Vt, D], [Vt]
        } catch {
            return nil
        }
    }
}
