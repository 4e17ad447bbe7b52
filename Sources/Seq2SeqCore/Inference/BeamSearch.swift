// BeamSearch.swift — beam search with the decoder's own step function (stage [9]): K hypotheses of one sentence
// decoded as K rows; finished hypotheses ranked by log-probability / ((5 + length) / 6)^α (GNMT, Wu et al. 2016).
// A sentence stops only when no live hypothesis can still beat the best finished one (not when the top beam first
// emits </s>, Joey NMT's bug #148). With width 1 it is greedy decoding, token for token and bit for bit.

import Foundation

public struct BeamOptions: Equatable, Sendable {
    /// K: hypotheses kept at every step.
    public var width: Int
    /// α of the length penalty ((5 + length) / 6)^α; 0 ranks by the raw log-probability.
    public var lengthPenalty: Double
    /// How many finished hypotheses to return, best first (at most `width`).
    public var nBest: Int

    public init(width: Int, lengthPenalty: Double = 1, nBest: Int = 1) {
        self.width = max(1, width)
        self.lengthPenalty = max(0, lengthPenalty)
        self.nBest = min(max(1, nBest), self.width)
    }

    /// The GNMT length penalty of a hypothesis of `length` tokens (</s> included).
    public func penalty(length: Int) -> Double { pow((5 + Double(length)) / 6, lengthPenalty) }
}

/// One hypothesis of beam search with its scores.
public struct ScoredTranslation: Equatable, Sendable {
    public var translation: Translation
    /// Σ log p of its tokens (</s> included when it finished).
    public var logProbability: Double
    /// logProbability / penalty(length): what the hypotheses are ranked by.
    public var score: Double
}

extension Seq2SeqModel {
    /// The best `options.nBest` translations of `source` (ids without specials), best first; at most `maxSteps` tokens.
    public func beamSearch(source: [Int], maxSteps: Int, options: BeamOptions) -> [ScoredTranslation] {
        withPackedWeights(parameters.storage) { beamDecode(source: source, maxSteps: maxSteps, options: options) }
    }

    private struct Hypothesis {
        var tokens: [Int]
        var attention: [[Float]]
        var logProbability: Double
    }

    private func beamDecode(source: [Int], maxSteps: Int, options: BeamOptions) -> [ScoredTranslation] {
        let p = parameters, K = options.width
        var dropout = Dropout.off
        let batch = Batch(sources: [source])
        let length = batch.sourceLengths[0]
        var (single, state) = startDecoding(batch)
        var keys = single
        var alive = [Hypothesis(tokens: [], attention: [], logProbability: 0)]
        var finished: [ScoredTranslation] = []

        for _ in 0..<maxSteps {
            let rows = alive.count
            if keys.batchSize != rows { keys = Self.replicate(single, rows: rows) }
            let embedded = Matrix(rows: rows, cols: p.targetEmbedding.cols)
            embeddingForward(ids: alive.map { $0.tokens.last ?? Vocabulary.bos }, table: p.targetEmbedding, into: embedded)
            let step = decoderStepForward(embedded: embedded, state: state, keys: keys, p, dropout: &dropout)
            let logits = readoutForward(states: step.next.top, contexts: step.attention.context, p, dropout: &dropout).logits
            // The K best continuations of each row, ranked by logit (as greedy ranks them; ties to the lower id), then
            // the K best of all rows by total log-probability.
            var candidates: [(logProbability: Double, row: Int, token: Int)] = []
            let logProbabilities = Matrix(rows: rows, cols: logits.cols)
            for r in 0..<rows {
                let z = logits.row(r), lp = logProbabilities.row(r)
                logSoftmax(z, count: logits.cols, into: lp)
                let best = (0..<logits.cols).sorted { z[$0] != z[$1] ? z[$0] > z[$1] : $0 < $1 }.prefix(K)
                for v in best { candidates.append((alive[r].logProbability + Double(lp[v]), r, v)) }
            }
            let chosen = candidates.enumerated().sorted {
                $0.element.logProbability != $1.element.logProbability ? $0.element.logProbability > $1.element.logProbability : $0.offset < $1.offset
            }.prefix(K).map(\.element)
            var next: [Hypothesis] = [], parents: [Int] = []
            for candidate in chosen {
                var hypothesis = alive[candidate.row]
                hypothesis.tokens.append(candidate.token)
                hypothesis.attention.append(Array(step.attention.weights.rowArray(candidate.row).prefix(length)))
                hypothesis.logProbability = candidate.logProbability
                if candidate.token == Vocabulary.eos {
                    finished.append(ScoredTranslation(translation: Translation(tokens: hypothesis.tokens, attention: hypothesis.attention),
                                                      logProbability: hypothesis.logProbability,
                                                      score: hypothesis.logProbability / options.penalty(length: hypothesis.tokens.count)))
                } else {
                    next.append(hypothesis)
                    parents.append(candidate.row)
                }
            }
            if next.isEmpty { break }
            // Stop when the n-th best finished hypothesis beats what any live one could still reach: its
            // log-probability can only fall, and its penalty can at most grow to that of `maxSteps` tokens.
            let ranked = finished.map(\.score).sorted(by: >)
            if ranked.count >= options.nBest {
                let reachable = next.map { $0.logProbability / options.penalty(length: maxSteps) }.max() ?? -.infinity
                if ranked[options.nBest - 1] >= reachable { break }
            }
            alive = next
            state = DecoderState(hidden: step.next.hidden.map { Self.gather($0, rows: parents) },
                                 cell: step.next.cell.map { Self.gather($0, rows: parents) })
        }
        // Hypotheses cut off by the step limit count too (as greedy's output does) if too few finished.
        if finished.count < options.nBest {
            for hypothesis in alive {
                finished.append(ScoredTranslation(translation: Translation(tokens: hypothesis.tokens, attention: hypothesis.attention),
                                                  logProbability: hypothesis.logProbability,
                                                  score: hypothesis.logProbability / options.penalty(length: hypothesis.tokens.count)))
            }
        }
        let sorted = finished.enumerated().sorted {
            $0.element.score != $1.element.score ? $0.element.score > $1.element.score : $0.offset < $1.offset
        }.map(\.element)
        var seen = Set<[Int]>(), distinct: [ScoredTranslation] = []
        for hypothesis in sorted where seen.insert(hypothesis.translation.tokens).inserted { distinct.append(hypothesis) }
        return Array(distinct.prefix(options.nBest))
    }

    /// The rows `rows` of `m`, in that order (a hypothesis inherits its parent's state).
    private static func gather(_ m: Matrix, rows: [Int]) -> Matrix {
        let result = Matrix(rows: rows.count, cols: m.cols)
        for (i, r) in rows.enumerated() { result.row(i).update(from: m.row(r), count: m.cols) }
        return result
    }

    /// One sentence's keys and values repeated for `rows` hypotheses (time-major: position j of row r at j·rows + r).
    private static func replicate(_ keys: AttentionKeys, rows: Int) -> AttentionKeys {
        let T = keys.sourceLength
        let k = Matrix(rows: T * rows, cols: keys.keys.cols), v = Matrix(rows: T * rows, cols: keys.values.cols)
        for j in 0..<T {
            for r in 0..<rows {
                k.row(j * rows + r).update(from: keys.keys.row(j), count: k.cols)
                v.row(j * rows + r).update(from: keys.values.row(j), count: v.cols)
            }
        }
        return AttentionKeys(keys: k, values: v, lengths: Array(repeating: keys.lengths[0], count: rows), batchSize: rows)
    }
}
