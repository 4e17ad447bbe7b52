// GreedyTests.swift — batched greedy decoding drops finished sentences: each sentence stops at its own </s> or step
// limit, its row then leaves the working batch, and every sentence's tokens and attention stay bit for bit those it
// gets decoded alone.

import Testing
@testable import Seq2SeqCore

@Suite struct GreedyTests {
    static let sources: [[Int]] = [[4, 5, 6, 6, 5, 4, 4], [6, 5, 4], [5], [4, 4, 6, 5, 5], [6], [5, 6]]
    static let limits = [6, 2, 0, 9, 4, 1]

    @Test func finishedSentencesLeaveTheBatch() throws {
        // Peakier weights and </s> made a little likelier: with these, some sentences emit </s> before their limit
        // (sentences 3 and 4), others run into their limit.
        let model = TinyModels.model(seed: 5)
        for n in 0..<model.parameters.storage.count { model.parameters.storage.base[n] *= 3 }
        let bias = try #require(model.parameters.generator.bias)
        bias[0, Vocabulary.eos] += 1
        var steps: [(read: [Int], sentences: [Int], rows: Int)] = []
        let together = model.greedy(Batch(sources: Self.sources), maxSteps: Self.limits) { step, read, sentences in
            steps.append((read, sentences, step.attention.weights.rows))
        }
        #expect(together.count == Self.sources.count)
        var stoppedByEos = 0, stoppedByLimit = 0
        for (b, source) in Self.sources.enumerated() {
            let translation = together[b]
            // Bit for bit what it gets alone (tokens and attention rows).
            #expect(model.greedy(Batch(sources: [source]), maxSteps: Self.limits[b])[0] == translation)
            // It stops at </s> or at its own limit, and a longer limit only adds tokens after these (greedy is causal).
            #expect(translation.tokens.count <= Self.limits[b])
            let longer = model.greedy(Batch(sources: [source]), maxSteps: 20)[0]
            #expect(Array(longer.tokens.prefix(Self.limits[b])) == translation.tokens)
            if translation.tokens.last == Vocabulary.eos { stoppedByEos += 1 } else if Self.limits[b] > 0 { stoppedByLimit += 1 }
            // It had a row in exactly the steps that emitted its tokens, reading <s> and then its own last token.
            let reads = steps.compactMap { step in step.sentences.firstIndex(of: b).map { step.read[$0] } }
            #expect(reads == Array(([Vocabulary.bos] + translation.tokens).prefix(translation.tokens.count)))
        }
        #expect(stoppedByEos > 0 && stoppedByLimit > 0, "\(together.map(\.tokens))")
        // The working batch only ever loses rows, and holds only sentences still decoding.
        #expect(steps.allSatisfy { $0.rows == $0.sentences.count && $0.read.count == $0.sentences.count })
        #expect(steps.first?.sentences == [0, 1, 3, 4, 5])          // sentence 2 may emit nothing
        #expect(zip(steps, steps.dropFirst()).allSatisfy { Set($1.sentences).isSubset(of: $0.sentences) })
        #expect(steps.count == together.map(\.tokens.count).max())
    }
}
