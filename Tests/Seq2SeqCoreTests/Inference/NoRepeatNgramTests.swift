// NoRepeatNgramTests.swift — `--no-repeat-ngram N`: the banned tokens are exactly the completions of earlier
// n-grams; on a model that loves repeating, greedy and beam outputs contain no n-gram twice, greedy keeps its choice
// until the first step where that choice would repeat one, log-probabilities are the model's own (banning does not
// renormalise), and N = 0 leaves the output unchanged.

import Testing
@testable import Seq2SeqCore

@Suite struct NoRepeatNgramTests {
    /// True when no n-gram of `size` tokens occurs twice in `tokens` (counted independently of the library).
    static func hasNoRepeatedNgram(_ tokens: [Int], size: Int) -> Bool {
        guard tokens.count >= size else { return true }
        let grams = (0...(tokens.count - size)).map { Array(tokens[$0 ..< $0 + size]) }
        return Set(grams).count == grams.count
    }

    @Test func bannedTokensCompleteEarlierNgrams() {
        //                                               "5 6" seen, hypothesis ends in 5 → 6 would repeat it
        #expect(NoRepeatNgram.bannedTokens(after: [5, 6, 5], size: 2) == [6])
        #expect(Set(NoRepeatNgram.bannedTokens(after: [5, 6, 5], size: 1)) == [5, 6])
        #expect(NoRepeatNgram.bannedTokens(after: [5, 6, 7, 5, 6], size: 3) == [7])
        #expect(NoRepeatNgram.bannedTokens(after: [4, 4, 4], size: 2) == [4, 4])       // "4 4" twice before: ban 4
        #expect(Set(NoRepeatNgram.bannedTokens(after: [4, 5, 4, 6, 4], size: 2)) == [5, 6])
        #expect(NoRepeatNgram.bannedTokens(after: [5, 6], size: 3).isEmpty)           // too short for a trigram
        #expect(NoRepeatNgram.bannedTokens(after: [5, 6, 5], size: 0).isEmpty)         // off
        #expect(NoRepeatNgram.bannedTokens(after: [], size: 1).isEmpty)
    }

    /// A tiny model whose generator prefers token 4 ("x") above all and </s> below all: it repeats x until its limit.
    static func repetitiveModel() throws -> Seq2SeqModel {
        let model = try TinyCheckpoint.make(seed: 3).model
        let bias = try #require(model.parameters.generator.bias)
        bias[0, 4] += 8
        bias[0, 5] += 4
        bias[0, Vocabulary.eos] -= 8
        return model
    }

    static let sources: [[Int]] = [[4, 5, 6], [8], [6, 4, 4, 5, 7, 5]]

    @Test func greedyNeverRepeatsAnNgram() throws {
        let model = try Self.repetitiveModel()
        let batch = Batch(sources: Self.sources)
        let plain = model.greedy(batch, maxSteps: 12)
        #expect(plain == model.greedy(batch, maxSteps: 12, noRepeatNgram: 0))
        #expect(plain.allSatisfy { !Self.hasNoRepeatedNgram($0.tokens, size: 2) })      // the model does love repeating
        for size in 1...3 {
            let constrained = model.greedy(batch, maxSteps: 12, noRepeatNgram: size)
            for (b, translation) in constrained.enumerated() {
                #expect(Self.hasNoRepeatedNgram(translation.tokens, size: size), "size \(size): \(translation.tokens)")
                // The same choices as without the rule up to the first token that would have repeated an n-gram.
                let same = zip(translation.tokens, plain[b].tokens).prefix { $0 == $1 }.count
                #expect(same < plain[b].tokens.count)
                #expect(OneSentenceBeam.endsWithRepeatedNgram(Array(plain[b].tokens.prefix(same + 1)), size: size))
                // Batched or alone, the same.
                #expect(model.greedy(Batch(sources: [Self.sources[b]]), maxSteps: 12, noRepeatNgram: size)[0] == translation)
            }
        }
    }

    @Test func beamNeverRepeatsAnNgram() throws {
        let model = try Self.repetitiveModel()
        let options = BeamOptions(width: 4, nBest: 4)
        let plain = model.beamSearch(sources: Self.sources, maxSteps: [10, 10, 10], options: options)
        #expect(plain.map { $0.map(\.translation) } ==
                model.beamSearch(sources: Self.sources, maxSteps: [10, 10, 10], options: options, noRepeatNgram: 0).map { $0.map(\.translation) })
        #expect(plain.allSatisfy { list in list.contains { !Self.hasNoRepeatedNgram($0.translation.tokens, size: 2) } })
        for size in 1...3 {
            let constrained = model.beamSearch(sources: Self.sources, maxSteps: [10, 10, 10], options: options, noRepeatNgram: size)
            for (b, list) in constrained.enumerated() {
                #expect(!list.isEmpty)
                #expect(list.allSatisfy { Self.hasNoRepeatedNgram($0.translation.tokens, size: size) }, "size \(size), sentence \(b)")
                // A hypothesis' log-probability is the model's, teacher-forced: banned tokens are not renormalised away.
                let best = try #require(list.first)
                let tokens = best.translation.tokens
                let words = tokens.last == Vocabulary.eos ? Array(tokens.dropLast()) : tokens
                let rescored = model.tokenLogProbabilities(Batch(sources: [Self.sources[b]], targets: [words]))[0]
                    .prefix(tokens.count).reduce(0.0) { $0 + Double($1) }
                // (Teacher forcing reads id 0 as padding, so a hypothesis that emitted <pad> cannot be rescored.)
                if !tokens.contains(Vocabulary.pad) { #expect(abs(best.logProbability - rescored) < 1e-4, "size \(size), sentence \(b)") }
            }
        }
    }
}
