// TinyModels.swift — seeded tiny models whose sizes all differ (so a transposed or mixed-up shape cannot pass),
// and batches mixing sentence lengths, shared by the model tests.

@testable import Seq2SeqCore

enum TinyModels {
    /// E=3 H=4 L=2 D=5 M=2 A=6 Vs=7 Vt=9.
    static let config = ModelConfig(embeddingSize: 3, encoderHiddenSize: 4, encoderLayers: 2, decoderHiddenSize: 5,
                                    decoderLayers: 2, attentionSize: 6, sourceVocabularySize: 7, targetVocabularySize: 9)

    static func model(seed: UInt64 = 7, config: ModelConfig = config) -> Seq2SeqModel {
        Seq2SeqModel(config: config, seed: seed)
    }

    /// Three pairs of different source and target lengths (ids ≥ 4 are ordinary tokens; no specials).
    static let sources: [[Int]] = [[4, 5, 6], [5], [6, 4, 4, 5, 6, 4]]
    static let targets: [[Int]] = [[7, 8], [5, 6, 7, 8], [4]]

    static var batch: Batch { Batch(sources: sources, targets: targets) }
}
