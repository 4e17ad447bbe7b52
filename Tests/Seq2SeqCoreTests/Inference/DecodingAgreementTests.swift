// DecodingAgreementTests.swift — the fast decoding paths against the independent Double reference model directly,
// not only against the training path: batched greedy decoding (packed weights, token projections looked up, the
// encoder's step-by-step projections for batches of `stepProjectionRows` sentences or more, finished rows leaving
// the batch), beam search (width 1, and wider with its scores) and `Translator`, on thirteen sentences of 1 to 22
// tokens at sizes with SIMD tails and partial product tiles (TinyModels.wideConfig). Every step's whole
// log-softmax over Vt is checked, not only the token it picked.
//
// Tolerances, float32 against Double after up to 23 encoder and 54 decoder steps through 3 + 2 layers: the
// log-probabilities (down to about −6 here) within 1e-5 absolute and the attention weights within 1e-6, about 16
// times the worst differences seen (5.8e-7 and 6.1e-8); a summed log-probability within 1e-5 per token. The
// closest top-two call of the greedy steps is 1.5e-4 apart, 250 times the worst difference: the same tokens are
// picked for the right reason.

import Testing
@testable import Seq2SeqCore

@Suite struct DecodingAgreementTests {
    static let logProbabilityTolerance = 1e-5
    static let attentionTolerance = 1e-6

    /// Step limits of 11 to 16, varied from sentence to sentence (`Translator`'s 2n + 10 would run the longest
    /// sentences 54 steps; its test below does).
    static func limits(_ sources: [[Int]]) -> [Int] { sources.map { min(2 * $0.count + 10, 12 + $0.count % 5) } }

    /// The sentences as given, and sorted longest first as `Translator` sorts them (then each encoder step skips
    /// the rows whose sentence has ended).
    static let orders: [[[Int]]] = [TinyModels.wideSources, TinyModels.wideSources.sorted { $0.count > $1.count }]

    @Test(arguments: 0..<2)
    func greedyAgreesStepByStep(order: Int) {
        let model = TinyModels.wideModel()
        let reference = ModelAgreementTests.reference(model)
        let sources = Self.orders[order], limits = Self.limits(sources)
        let decoded = ModelInternals.greedyWithLogProbabilities(model, Batch(sources: sources), maxSteps: limits)
        #expect(decoded.rowsPerStep.first == sources.count && sources.count >= stepProjectionRows)
        var endedByEos = 0, endedByLimit = 0
        for (b, source) in sources.enumerated() {
            let translation = decoded.translations[b]
            let expected = reference.greedy(source: source + [Vocabulary.eos], maxSteps: limits[b])
            #expect(translation.tokens == expected.tokens, "sentence \(b) (\(source.count) tokens)")
            #expect(decoded.logProbabilities[b].count == translation.tokens.count)
            for t in 0..<min(translation.tokens.count, expected.tokens.count) {
                expectClose(decoded.logProbabilities[b][t], expected.logProbabilities[t], rtol: 0, atol: Self.logProbabilityTolerance,
                            "log-softmax, sentence \(b) step \(t)")
                expectClose(translation.attention[t].map(Double.init), expected.attention[t], rtol: 0, atol: Self.attentionTolerance,
                            "attention, sentence \(b) step \(t)")
            }
            if translation.tokens.last == Vocabulary.eos { endedByEos += 1 } else { endedByLimit += 1 }
        }
        // Rows left the batch at different steps: some sentences ended with </s>, others at their limit.
        #expect(endedByEos >= 2 && endedByLimit >= 2, "\(decoded.translations.map(\.tokens))")
        #expect(Set(decoded.rowsPerStep).count >= 3, "rows per step \(decoded.rowsPerStep)")
    }

    /// Width 1 is greedy, token for token and bit for bit, and its log-probability is the reference's sum over the
    /// tokens; its score is that over the length penalty.
    @Test func beamOfWidthOneIsGreedyAndScoresAsTheReference() throws {
        let model = TinyModels.wideModel()
        let reference = ModelAgreementTests.reference(model)
        let sources = TinyModels.wideSources, limits = Self.limits(sources)
        let options = BeamOptions(width: 1)
        let beams = model.beamSearch(sources: sources, maxSteps: limits, options: options)
        let greedy = model.greedy(Batch(sources: sources), maxSteps: limits)
        for (b, source) in sources.enumerated() {
            let best = try #require(beams[b].first)
            #expect(best.translation == greedy[b], "sentence \(b)")
            let expected = reference.greedy(source: source + [Vocabulary.eos], maxSteps: limits[b])
            let logProbability = zip(expected.tokens, expected.logProbabilities).reduce(0.0) { $0 + $1.1[$1.0] }
            #expect(abs(best.logProbability - logProbability) <= Self.logProbabilityTolerance * Double(expected.tokens.count),
                    "sentence \(b): \(best.logProbability) vs reference \(logProbability)")
            #expect(abs(best.score - logProbability / options.penalty(length: expected.tokens.count)) <= Self.logProbabilityTolerance * Double(expected.tokens.count))
        }
    }

    /// Width 4, three best: every returned hypothesis, rescored by the reference with teacher forcing, has the
    /// log-probability, score and attention rows the beam reports; the list is sorted by score.
    @Test func widerBeamScoresAreTheReferences() {
        let model = TinyModels.wideModel()
        let reference = ModelAgreementTests.reference(model)
        let sources = TinyModels.wideSources, limits = Self.limits(sources)
        let options = BeamOptions(width: 4, lengthPenalty: 1, nBest: 3)
        let beams = model.beamSearch(sources: sources, maxSteps: limits, options: options)
        for (b, source) in sources.enumerated() {
            #expect(beams[b].count == 3, "sentence \(b)")
            #expect(zip(beams[b], beams[b].dropFirst()).allSatisfy { $0.score >= $1.score })
            for hypothesis in beams[b] {
                let tokens = hypothesis.translation.tokens
                let words = tokens.last == Vocabulary.eos ? Array(tokens.dropLast()) : tokens
                let forced = reference.teacherForced(source: source + [Vocabulary.eos], target: words)
                let logProbability = forced.logProbs.prefix(tokens.count).reduce(0, +)
                let slack = Self.logProbabilityTolerance * Double(tokens.count)
                #expect(abs(hypothesis.logProbability - logProbability) <= slack, "sentence \(b), \(tokens)")
                #expect(abs(hypothesis.score - logProbability / options.penalty(length: tokens.count)) <= slack)
                for t in tokens.indices {
                    expectClose(hypothesis.translation.attention[t].map(Double.init), forced.attention[t], rtol: 0,
                                atol: Self.attentionTolerance, "beam attention, sentence \(b) step \(t)")
                }
            }
        }
    }

    /// `Translator`, the entry point of `translate`: sentences sorted by length and decoded 5 at a time (the last
    /// group partial) or all 13 together, each to its own limit 2n + 10; greedy, and beam of width 1.
    @Test(arguments: [5, 13])
    func translatorAgreesWithTheReference(batchSize: Int) throws {
        let model = TinyModels.wideModel()
        let reference = ModelAgreementTests.reference(model)
        let source = try Vocabulary(tokens: Vocabulary.specials + (4..<TinyModels.wideConfig.sourceVocabularySize).map { "s\($0)" })
        let target = try Vocabulary(tokens: Vocabulary.specials + (4..<TinyModels.wideConfig.targetVocabularySize).map { "t\($0)" })
        let config = TranslatorConfig(model: TinyModels.wideConfig, tokenization: .word, lowercase: false, maxSourceLength: 30, maxTargetLength: 60)
        var translator = Translator(checkpoint: Checkpoint(config: config, sourceVocabulary: source, targetVocabulary: target, model: model),
                                    batchSize: batchSize)
        let sources = TinyModels.wideSources
        let greedy = translator.translate(ids: sources)
        translator.beam = BeamOptions(width: 1)
        let beam = translator.translate(ids: sources)
        for (b, ids) in sources.enumerated() {
            let expected = reference.greedy(source: ids + [Vocabulary.eos], maxSteps: translator.maxOutputLength(sourceLength: ids.count))
            #expect(greedy[b].tokens == expected.tokens, "sentence \(b)")
            #expect(beam[b] == greedy[b], "sentence \(b)")
            for (row, expectedRow) in zip(greedy[b].attention, expected.attention) {
                expectClose(row.map(Double.init), expectedRow, rtol: 0, atol: Self.attentionTolerance, "attention, sentence \(b)")
            }
        }
    }
}
