// OneSentenceBeam.swift — the plain reference for batched beam search: one sentence, its K hypotheses as K rows,
// every token of every row sorted, the sentence's keys repeated for each row. It is the library's beam search as it
// was before it decoded batches, kept here to test the batched one against (same ranking, same tie rules, same stop
// rule). Banned n-gram completions are found by its own check, not by the library's `NoRepeatNgram`.

import Foundation
@testable import Seq2SeqCore

enum OneSentenceBeam {
    /// True when `tokens` end with an n-gram of `size` tokens that occurs earlier in them.
    static func endsWithRepeatedNgram(_ tokens: [Int], size: Int) -> Bool {
        guard size > 0, tokens.count > size - 1 else { return false }
        let last = Array(tokens.suffix(size))
        guard tokens.count > size else { return false }
        return (0...(tokens.count - size - 1)).contains { Array(tokens[$0 ..< $0 + size]) == last }
    }

    static func search(_ model: Seq2SeqModel, source: [Int], maxSteps: Int, options: BeamOptions,
                       noRepeatNgram: Int = 0) -> [ScoredTranslation] {
        withPackedWeights(model.parameters.storage) {
            let p = model.parameters, K = options.width
            var dropout = Dropout.off
            let batch = Batch(sources: [source])
            let length = batch.sourceLengths[0]
            var (single, state) = model.startDecoding(batch)
            var keys = single
            var alive: [(tokens: [Int], attention: [[Float]], logProbability: Double)] = [([], [], 0)]
            var finished: [ScoredTranslation] = []
            func scored(_ h: (tokens: [Int], attention: [[Float]], logProbability: Double)) -> ScoredTranslation {
                ScoredTranslation(translation: Translation(tokens: h.tokens, attention: h.attention), logProbability: h.logProbability,
                                  score: h.logProbability / options.penalty(length: h.tokens.count))
            }
            for _ in 0..<maxSteps {
                let rows = alive.count
                if keys.batchSize != rows { keys = single.rows([Int](repeating: 0, count: rows)) }
                let read = alive.map { $0.tokens.last ?? Vocabulary.bos }
                let step = decoderStepForward(tokens: read, state: state, keys: keys, p)
                let logits = readoutForward(states: step.next.top, contexts: step.attention.context, p, dropout: &dropout).logits
                var candidates: [(logProbability: Double, row: Int, token: Int)] = []
                let logProbabilities = Matrix(rows: rows, cols: logits.cols)
                for r in 0..<rows {
                    let z = logits.row(r), lp = logProbabilities.row(r)
                    logSoftmax(z, count: logits.cols, into: lp)
                    let allowed = (0..<logits.cols).filter { !endsWithRepeatedNgram(alive[r].tokens + [$0], size: noRepeatNgram) }
                    let best = allowed.sorted { z[$0] != z[$1] ? z[$0] > z[$1] : $0 < $1 }.prefix(K)
                    for v in best { candidates.append((alive[r].logProbability + Double(lp[v]), r, v)) }
                }
                let chosen = candidates.enumerated().sorted {
                    $0.element.logProbability != $1.element.logProbability ? $0.element.logProbability > $1.element.logProbability : $0.offset < $1.offset
                }.prefix(K).map(\.element)
                var next: [(tokens: [Int], attention: [[Float]], logProbability: Double)] = [], parents: [Int] = []
                for candidate in chosen {
                    var hypothesis = alive[candidate.row]
                    hypothesis.tokens.append(candidate.token)
                    hypothesis.attention.append(Array(step.attention.weights.rowArray(candidate.row).prefix(length)))
                    hypothesis.logProbability = candidate.logProbability
                    if candidate.token == Vocabulary.eos { finished.append(scored(hypothesis)) } else { next.append(hypothesis); parents.append(candidate.row) }
                }
                alive = next
                if next.isEmpty { break }
                let ranked = finished.map(\.score).sorted(by: >)
                if ranked.count >= options.nBest {
                    let reachable = next.map { $0.logProbability / options.penalty(length: maxSteps) }.max() ?? -.infinity
                    if ranked[options.nBest - 1] >= reachable { break }
                }
                state = step.next.rows(parents)
            }
            if finished.count < options.nBest { finished += alive.map(scored) }
            return ScoredTranslation.nBest(finished, count: options.nBest)
        }
    }
}
