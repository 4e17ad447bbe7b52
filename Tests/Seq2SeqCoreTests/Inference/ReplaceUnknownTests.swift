// ReplaceUnknownTests.swift — `--replace-unk`: with a model made to emit <unk> (its generator bias raised), every
// emitted <unk> becomes the source token with the highest attention weight in the attention row the model returns
// for that step (the </s> column excluded), for greedy and beam; nothing else changes.

import Testing
@testable import Seq2SeqCore

@Suite struct ReplaceUnknownTests {
    /// The index of the largest of the first `count` values (the first of equals).
    static func argmax(_ row: [Float], count: Int) -> Int {
        var best = 0
        for j in 0..<count where row[j] > row[best] { best = j }
        return best
    }

    @Test(arguments: [1, 3])
    func unknownBecomesTheMostAttendedSourceToken(beamWidth: Int) throws {
        let checkpoint = try TinyCheckpoint.make(seed: 7)
        let bias = try #require(checkpoint.model.parameters.generator.bias)
        bias[0, Vocabulary.unk] += 6
        // "zebra" is not in the vocabulary: if it is the most attended, it is copied as written.
        let texts = ["a b c", "zebra", "d e zebra a b", "c"]
        var plain = Translator(checkpoint: checkpoint)
        plain.beam = beamWidth > 1 ? BeamOptions(width: beamWidth) : nil
        var replacing = plain
        replacing.replaceUnknown = true
        let before = plain.translate(texts), after = replacing.translate(texts)
        var replaced = 0
        for (result, original) in zip(after, before) {
            #expect(result.attention == original.attention)
            #expect(result.targetTokens.count == original.targetTokens.count)
            for (t, token) in original.targetTokens.enumerated() {
                if token == "<unk>" {
                    let column = Self.argmax(original.attention[t], count: original.sourceTokens.count - 1)
                    #expect(result.targetTokens[t] == original.sourceTokens[column])
                    replaced += 1
                } else {
                    #expect(result.targetTokens[t] == token)
                }
            }
            let words = result.targetTokens.last == "</s>" ? Array(result.targetTokens.dropLast()) : result.targetTokens
            #expect(result.text == checkpoint.config.tokenizer.detokenize(words))
            #expect(!result.text.contains("<unk>"))
        }
        #expect(replaced > 0)
        #expect(after.contains { $0.targetTokens.contains("zebra") })
    }
}
