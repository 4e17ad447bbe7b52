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
    }

    public init(embeddingSize: Int, encoderHiddenSize: Int, encoderLayers: Int, decoderHiddenSize: Int,
                decoderLayers: Int, attentionSize: Int, sourceVocabularySize: Int, targetVocabularySize: Int,
                dropout: Float = 0) {
        self.embeddingSize = embeddingSize
        self.encoderHiddenSize = encoderHiddenSize
        self.encoderLayers = encoderLayers
        self.decoderHiddenSize = decoderHiddenSize
        self.decoderLayers = decoderLayers
        self.attentionSize = attentionSize
        self.sourceVocabularySize = sourceVocabularySize
        self.targetVocabularySize = targetVocabularySize
        self.dropout = dropout
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
    }
}
