// Config.swift — every size that defines the model (SPEC §1 letters E H L D M A Vs Vt) in one Codable struct,
// stored inside the checkpoint's metadata with explicit snake_case keys.

/// The sizes of a model: embeddings E, encoder hidden units H per direction and layers L, decoder hidden units D and
/// layers M, attention units A, and the vocabularies Vs and Vt. Stored in every checkpoint.
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

    /// One encoder and one decoder layer unless said otherwise. The vocabulary sizes may be left at 0 when the
    /// config goes to `Trainer`, which fills them in from the corpus.
    public init(embeddingSize: Int, encoderHiddenSize: Int, encoderLayers: Int = 1, decoderHiddenSize: Int,
                decoderLayers: Int = 1, attentionSize: Int, sourceVocabularySize: Int = 0, targetVocabularySize: Int = 0,
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
        func size(_ key: CodingKeys, _ range: ClosedRange<Int>) throws -> Int { try container.decodeInteger(forKey: key, in: range) }
        embeddingSize = try size(.embeddingSize, Self.sizeRange)
        encoderHiddenSize = try size(.encoderHiddenSize, Self.sizeRange)
        encoderLayers = try size(.encoderLayers, Self.layerRange)
        decoderHiddenSize = try size(.decoderHiddenSize, Self.sizeRange)
        decoderLayers = try size(.decoderLayers, Self.layerRange)
        attentionSize = try size(.attentionSize, Self.sizeRange)
        sourceVocabularySize = try size(.sourceVocabularySize, Self.vocabularyRange)
        targetVocabularySize = try size(.targetVocabularySize, Self.vocabularyRange)
        if let rate = try? container.decode(Float.self, forKey: .dropout) {
            dropout = rate
        } else {  // a number beyond Float (or not a number at all, which decoding it as Double reports)
            let rate = try container.decode(Double.self, forKey: .dropout)
            throw Seq2SeqError.invalidConfiguration(reason: "dropout is \(rate), it must be in [0, 1)")
        }
        tieEmbeddings = try container.decodeIfPresent(Bool.self, forKey: .tieEmbeddings) ?? false
    }

    /// The largest sizes a model may have: the ranges `train`'s flags accept (E H D A up to 4096, L M up to 16,
    /// vocabularies up to 10,000,000 tokens). A checkpoint claiming more is refused before anything is allocated.
    public static let maximumSize = 4096
    public static let maximumLayers = 16
    public static let maximumVocabularySize = 10_000_000

    /// The values each kind of size may take; a vocabulary holds the four specials (ids 0..3) and at least one token more.
    static let sizeRange = 1...maximumSize
    static let layerRange = 1...maximumLayers
    static let vocabularyRange = 5...maximumVocabularySize

    /// Throws `invalidConfiguration` for sizes no model can have, or that no checkpoint of ours can hold.
    public func validate() throws(Seq2SeqError) {
        let sizes: [(CodingKeys, Int, ClosedRange<Int>)] = [
            (.embeddingSize, embeddingSize, Self.sizeRange), (.encoderHiddenSize, encoderHiddenSize, Self.sizeRange),
            (.encoderLayers, encoderLayers, Self.layerRange), (.decoderHiddenSize, decoderHiddenSize, Self.sizeRange),
            (.decoderLayers, decoderLayers, Self.layerRange), (.attentionSize, attentionSize, Self.sizeRange),
            (.sourceVocabularySize, sourceVocabularySize, Self.vocabularyRange),
            (.targetVocabularySize, targetVocabularySize, Self.vocabularyRange),
        ]
        for (key, value, range) in sizes where !range.contains(value) {
            throw Seq2SeqError.invalidConfiguration(
                reason: "\(key.stringValue) is \(value), it must be from \(range.lowerBound) to \(range.upperBound)")
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

extension KeyedDecodingContainer {
    /// An integer field. A number that is not a whole number within Int is refused naming the field and `range`
    /// (JSONDecoder on Linux reports it only as "not valid JSON"); a missing key or a string fails as usual.
    func decodeInteger(forKey key: Key, in range: ClosedRange<Int>) throws -> Int {
        if let value = try? decode(Int.self, forKey: key) { return value }
        let number = try decode(Double.self, forKey: key)
        throw Seq2SeqError.invalidConfiguration(
            reason: "\(key.stringValue) is \(number), it must be a whole number from \(range.lowerBound) to \(range.upperBound)")
    }
}
