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

    /// Throws `invalidConfiguration` for sizes no model can have.
    public func validate() throws {
        let sizes: [(String, Int, Int)] = [
            ("embedding_size", embeddingSize, 1), ("encoder_hidden_size", encoderHiddenSize, 1),
            ("encoder_layers", encoderLayers, 1), ("decoder_hidden_size", decoderHiddenSize, 1),
            ("decoder_layers", decoderLayers, 1), ("attention_size", attentionSize, 1),
            // Ids 0..3 are the specials, so a vocabulary has at least one more token.
            ("source_vocabulary_size", sourceVocabularySize, 5), ("target_vocabulary_size", targetVocabularySize, 5),
        ]
        for (name, value, minimum) in sizes where value < minimum {
            throw Seq2SeqError.invalidConfiguration(reason: "\(name) is \(value), it must be at least \(minimum)")
        }
        if !(dropout >= 0 && dropout < 1) {
            throw Seq2SeqError.invalidConfiguration(reason: "dropout is \(dropout), it must be in [0, 1)")
        }
        if tieEmbeddings && embeddingSize != decoderHiddenSize {
            throw Seq2SeqError.invalidConfiguration(reason: "tie_embeddings needs embedding_size (E = \(embeddingSize)) equal to decoder_hidden_size (D = \(decoderHiddenSize))")
        }
    }
}
