// BeamSearchTests.swift — beam width 1 is greedy decoding, token for token and bit for bit; a beam wide enough to
// keep every hypothesis returns the best-scoring one under the length penalty (checked by enumerating them all with
// the Double reference); n-best lists are sorted and distinct; and the attention of a returned hypothesis is the
// attention of that hypothesis rescored by teacher forcing.

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
        for source in Self.sources {
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
            let beam = model.beamSearch(source: source, maxSteps: 3, options: options)
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
}
