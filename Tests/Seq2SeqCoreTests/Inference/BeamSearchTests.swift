// BeamSearchTests.swift — beam width 1 is greedy decoding, token for token and bit for bit; a beam wide enough to
// keep every hypothesis returns the best-scoring one under the length penalty (checked by enumerating them all with
// the Double reference); n-best lists are sorted and distinct; the attention of a returned hypothesis is the
// attention of that hypothesis rescored by teacher forcing; and a batch of sentences gives each sentence what the
// plain one-sentence beam gives it (whatever its batch, batch size and step limit).

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct BeamSearchTests {
    static let sources: [[Int]] = [[4, 5, 6], [8], [6, 4, 4, 5, 7, 5]]

    @Test func widthOneIsGreedy() throws {
        let model = try TinyCheckpoint.make(seed: 3).model
        for source in Self.sources {
            let greedy = model.greedy(Batch(sources: [source]), maxSteps: 9)[0]
            let beam = try #require(model.beamSearch(source: source, maxSteps: 9, options: BeamOptions(width: 1)).first)
            #expect(beam.translation == greedy)
        }
    }

    /// With maxSteps 3 and Vt 10 there are 1 + 9 + 81 finished hypotheses (and 729 cut off); width 1000 keeps them
    /// all, so the returned one must be the best of all by score, for several length penalties.
    @Test(arguments: [0.0, 1.0, 2.5])
    func wideBeamFindsTheBestOfAllHypotheses(alpha: Double) throws {
        let checkpoint = try TinyCheckpoint.make(seed: 5, scale: 2)
        let model = checkpoint.model
        let reference = ReferenceModel(sizes: GradientCheck.referenceSizes(checkpoint.config.model),
                                       tensors: GradientCheck.referenceTensors(model.parameters))
        let options = BeamOptions(width: 1000, lengthPenalty: alpha, nBest: 5)
        for (index, source) in Self.sources.enumerated() {
            var all: [(tokens: [Int], score: Double)] = []
            let V = checkpoint.config.model.targetVocabularySize
            let ordinary = (0..<V).filter { $0 != Vocabulary.eos }
            var prefixes: [[Int]] = [[]]
            for _ in 0..<3 {
                for prefix in prefixes {
                    let logProbs = reference.teacherForced(source: source + [Vocabulary.eos], target: prefix).logProbs
                    all.append((prefix + [Vocabulary.eos], logProbs.reduce(0, +) / options.penalty(length: prefix.count + 1)))
                }
                prefixes = prefixes.flatMap { prefix in ordinary.map { prefix + [$0] } }.filter { $0.count < 3 }
            }
            all.sort { $0.score > $1.score }
            // Through the batched search, all three sources in one batch.
            let beam = model.beamSearch(sources: Self.sources, maxSteps: [3, 3, 3], options: options)[index]
            #expect(beam.count == 5)
            #expect(zip(beam, beam.dropFirst()).allSatisfy { $0.score >= $1.score })             // sorted
            #expect(Set(beam.map(\.translation.tokens)).count == beam.count)                      // distinct
            // The best agrees with the enumeration (unless two hypotheses tie within float noise).
            if all[0].score - all[1].score > 1e-4 { #expect(beam[0].translation.tokens == all[0].tokens) }
            #expect(abs(beam[0].score - all[0].score) < 1e-4)
        }
    }

    @Test func attentionIsThatOfTheReturnedHypothesis() throws {
        let model = try TinyCheckpoint.make(seed: 7).model
        for source in Self.sources {
            let best = try #require(model.beamSearch(source: source, maxSteps: 8, options: BeamOptions(width: 5)).first)
            let tokens = best.translation.tokens
            let words = tokens.last == Vocabulary.eos ? Array(tokens.dropLast()) : tokens
            var dropout = Dropout.off
            let pass = model.forward(Batch(sources: [source], targets: [words]), dropout: &dropout)
            #expect(best.translation.attention.count == tokens.count)
            for (t, row) in best.translation.attention.enumerated() {
                let rescored = Array(pass.decoder.steps[t].attention.weights.rowArray(0).prefix(source.count + 1))
                expectClose(row, rescored, rtol: 1e-5, atol: 1e-6, "attention row \(t)")
            }
            // And its score is its rescored log-probability under the penalty.
            let logProbability = model.tokenLogProbabilities(Batch(sources: [source], targets: [words]))[0]
                .prefix(tokens.count).reduce(0.0) { $0 + Double($1) }
            #expect(abs(best.logProbability - logProbability) < 1e-4)
        }
    }

    /// Sentences of different lengths with different step limits (0 and 1 included), decoded together.
    static let batchSources: [[Int]] = [[4, 5, 6], [8], [6, 4, 4, 5, 7, 5], [5, 5], [7, 8, 4, 6], [4]]
    static let batchLimits = [9, 3, 12, 1, 6, 0]

    @Test(arguments: [1, 3, 5])
    func batchedBeamEqualsTheOneSentenceBeam(width: Int) throws {
        let model = try TinyCheckpoint.make(seed: 7).model
        for ngram in [0, 2] {
            let options = BeamOptions(width: width, lengthPenalty: 1, nBest: width)
            let together = model.beamSearch(sources: Self.batchSources, maxSteps: Self.batchLimits, options: options, noRepeatNgram: ngram)
            #expect(together.count == Self.batchSources.count)
            for (b, source) in Self.batchSources.enumerated() {
                let reference = OneSentenceBeam.search(model, source: source, maxSteps: Self.batchLimits[b], options: options, noRepeatNgram: ngram)
                #expect(together[b].map(\.translation.tokens) == reference.map(\.translation.tokens), "sentence \(b), n-gram \(ngram)")
                #expect(together[b].count == reference.count)
                for (found, expected) in zip(together[b], reference) {
                    #expect(abs(found.score - expected.score) <= 1e-5 && abs(found.logProbability - expected.logProbability) <= 1e-5)
                    #expect(found.translation.attention == expected.translation.attention)
                }
                // n-best lists are sorted and distinct here too.
                #expect(zip(together[b], together[b].dropFirst()).allSatisfy { $0.score >= $1.score })
                #expect(Set(together[b].map(\.translation.tokens)).count == together[b].count)
                #expect(together[b].allSatisfy { $0.translation.tokens.count <= Self.batchLimits[b] })
            }
        }
    }

    /// `Translator` sorts sentences by length and decodes them `batchSize` at a time: greedy or beam, the batch size
    /// changes nothing, and the output stays in input order.
    @Test func translatorBatchSizeChangesNothing() throws {
        let checkpoint = try TinyCheckpoint.make(seed: 3)
        let texts = ["a b c", "e", "d d a b c e a", "", "b a", "c c c c", "e d"]
        var results: [[TranslationResult]] = []
        for batchSize in [1, 2, 64] {
            for beam in [nil, BeamOptions(width: 4)] {
                var translator = Translator(checkpoint: checkpoint, batchSize: batchSize)
                translator.beam = beam
                let translated = translator.translate(texts)
                #expect(translated.count == texts.count)
                results.append(translated)
            }
        }
        // Greedy with any batch size, and beam with any batch size, each give one answer.
        #expect(results[0] == results[2] && results[0] == results[4])
        #expect(results[1] == results[3] && results[1] == results[5])
        let single = OneSentenceBeam.search(checkpoint.model, source: checkpoint.sourceVocabulary.encode(["d", "d", "a", "b", "c", "e", "a"]),
                                            maxSteps: Translator(checkpoint: checkpoint).maxOutputLength(sourceLength: 7),
                                            options: BeamOptions(width: 4))
        #expect(results[1][2].attention == single.first?.translation.attention)
    }
}
