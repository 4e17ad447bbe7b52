// TinyCheckpoint.swift — a small, seeded checkpoint with real vocabularies (word tokenization) written to a
// temporary file, for tests of everything that starts from a checkpoint on disk.

import Foundation
@testable import Seq2SeqCore

enum TinyCheckpoint {
    static let sourceWords = ["a", "b", "c", "d", "e"]
    static let targetWords = ["x", "y", "z", "w", "v", "u"]

    static func make(seed: UInt64 = 7, scale: Float = 3) throws -> Checkpoint {
        let sourceVocabulary = try Vocabulary(tokens: Vocabulary.specials + sourceWords)
        let targetVocabulary = try Vocabulary(tokens: Vocabulary.specials + targetWords)
        let model = ModelConfig(embeddingSize: 3, encoderHiddenSize: 4, encoderLayers: 2, decoderHiddenSize: 5, decoderLayers: 2,
                                attentionSize: 6, sourceVocabularySize: sourceVocabulary.count, targetVocabularySize: targetVocabulary.count)
        let config = TranslatorConfig(model: model, tokenization: .word, lowercase: false, maxSourceLength: 20, maxTargetLength: 20)
        let seq2seq = Seq2SeqModel(config: model, seed: seed)
        // Larger weights than PyTorch's init give peakier attention and decisive greedy choices.
        for n in 0..<seq2seq.parameters.storage.count { seq2seq.parameters.storage.base[n] *= scale }
        return Checkpoint(config: config, sourceVocabulary: sourceVocabulary, targetVocabulary: targetVocabulary, model: seq2seq)
    }

    /// A unique path in the temporary folder; the caller removes it.
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("seq2seq-test-\(UUID().uuidString)-\(name)").path
    }
}
