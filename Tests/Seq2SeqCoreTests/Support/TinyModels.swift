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

    // MARK: - Wider, with longer and more varied sentences

    /// E=11 H=13 L=3 D=19 M=2 A=10 Vs=23 Vt=29: every width is past one SIMD group of 8 and none is a multiple of 8, so
    /// the lane loops run full groups and a tail; products such as [T·B, E] · [4H, E]ᵀ (T·B = 23·13, 4H = 52) fill
    /// the product kernel's 6 × 16 tiles and leave partial ones.
    static let wideConfig = ModelConfig(embeddingSize: 11, encoderHiddenSize: 13, encoderLayers: 3, decoderHiddenSize: 19,
                                        decoderLayers: 2, attentionSize: 10, sourceVocabularySize: 23, targetVocabularySize: 29)

    /// Weights 3 × PyTorch's initial ones, and </s> made a little likelier: decisive greedy choices, peaky attention,
    /// and (with this seed) six of `wideSources` ending with </s> before their step limit while the others run into it.
    static func wideModel(seed: UInt64 = 42) -> Seq2SeqModel {
        let model = Seq2SeqModel(config: wideConfig, seed: seed)
        for n in 0..<model.parameters.storage.count { model.parameters.storage.base[n] *= 3 }
        if let bias = model.parameters.generator.bias { bias[0, Vocabulary.eos] += 1 }
        return model
    }

    /// Thirteen pairs (more than `stepProjectionRows`), source lengths 1 to 22 and target lengths 1 to 21 in no
    /// order; ids ≥ 4 spread over the vocabularies by a formula.
    static let wideSourceLengths = [1, 22, 5, 13, 2, 17, 8, 3, 20, 11, 6, 9, 15]
    static let wideTargetLengths = [3, 18, 1, 9, 14, 2, 21, 6, 4, 12, 7, 1, 10]
    static let wideSources: [[Int]] = wideSourceLengths.enumerated().map { b, n in (0..<n).map { 4 + (7 * b + 5 * $0 + $0 * $0) % 19 } }
    static let wideTargets: [[Int]] = wideTargetLengths.enumerated().map { b, n in (0..<n).map { 4 + (3 * b + 11 * $0) % 25 } }
    static var wideBatch: Batch { Batch(sources: wideSources, targets: wideTargets) }
}
