// ScoreAndAttentionTests.swift — what `score --json` and `attention --format json` print follows SPEC §1 exactly:
// a checkpoint is written, read back, and the batched, length-sorted code paths behind those commands are
// recomputed sentence by sentence by the independent Double reference (within 1e-5).

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct ScoreAndAttentionTests {
    static let pairs = [
        SentencePair(source: "a b c", target: "x y"), SentencePair(source: "e", target: "z w v u x"),
        SentencePair(source: "d d a b e c", target: "u"), SentencePair(source: "c a", target: "y y z"),
    ]

    static func roundTrip() throws -> Checkpoint {
        let path = TinyCheckpoint.temporaryPath("model.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TinyCheckpoint.make().save(to: path)
        return try Checkpoint.load(path: path)
    }

    @Test func scoredLogProbabilitiesFollowTheSpec() throws {
        let checkpoint = try Self.roundTrip()
        let reference = ReferenceModel(sizes: GradientCheck.referenceSizes(checkpoint.config.model),
                                       tensors: GradientCheck.referenceTensors(checkpoint.model.parameters))
        let scored = Evaluation.score(checkpoint, pairs: Self.pairs, batchSize: 3)
        #expect(scored.count == Self.pairs.count)
        for (pair, result) in zip(Self.pairs, scored) {
            let source = pair.source.split(separator: " ").map { checkpoint.sourceVocabulary.id(of: String($0)) }
            let target = pair.target.split(separator: " ").map { checkpoint.targetVocabulary.id(of: String($0)) }
            #expect(result.sourceIds == source + [Vocabulary.eos])
            #expect(result.targetIds == target + [Vocabulary.eos])
            let expected = reference.teacherForced(source: source + [Vocabulary.eos], target: target).logProbs
            expectClose(result.logProbs.map(Double.init), expected, rtol: 1e-5, atol: 1e-5, "log p of '\(pair.target)'")
        }
    }

    @Test func attentionMatricesFollowTheSpec() throws {
        let checkpoint = try Self.roundTrip()
        let reference = ReferenceModel(sizes: GradientCheck.referenceSizes(checkpoint.config.model),
                                       tensors: GradientCheck.referenceTensors(checkpoint.model.parameters))
        let translator = Translator(checkpoint: checkpoint, batchSize: 3)
        let results = translator.translate(Self.pairs.map(\.source))
        for (pair, result) in zip(Self.pairs, results) {
            let words = pair.source.split(separator: " ").map(String.init)
            #expect(result.sourceTokens == words + ["</s>"])
            let source = words.map { checkpoint.sourceVocabulary.id(of: $0) } + [Vocabulary.eos]
            let expected = reference.greedy(source: source, maxSteps: translator.maxOutputLength(sourceLength: words.count))
            #expect(result.targetTokens == checkpoint.targetVocabulary.decode(expected.tokens))
            #expect(result.attention.count == result.targetTokens.count)
            for (row, expectedRow) in zip(result.attention, expected.attention) {
                #expect(row.count == source.count)
                expectClose(row.map(Double.init), expectedRow, rtol: 1e-5, atol: 1e-6, "attention of '\(pair.source)'")
                #expect(abs(row.reduce(0.0) { $0 + Double($1) } - 1) <= 1e-6)
            }
        }
    }
}
