// BeamSearch.swift — beam search with the decoder's own step function (stage [9]): a batch of B sentences decoded
// as up to B·K rows (each sentence's live hypotheses), the encoder run once for the batch; finished hypotheses are
// ranked by log-probability / ((5 + length) / 6)^α (GNMT, Wu et al. 2016). A sentence stops only when no live
// hypothesis can still beat its best finished one (not when the top beam first emits </s>, Joey NMT's bug #148), or
// at its own step limit, and its rows then leave the batch. A sentence's result does not depend on its batch, and
// with width 1 it is greedy decoding, token for token and bit for bit. On request it records its search as a
// BeamTrace (every candidate weighed at every step, kept, finished or pruned), for pictures of the search.

import Foundation

/// How beam search decodes: beam width K, length penalty α and how many hypotheses to return.
public struct BeamOptions: Equatable, Sendable {
    /// K: hypotheses kept at every step.
    public var width: Int
    /// α of the length penalty ((5 + length) / 6)^α; 0 ranks by the raw log-probability.
    public var lengthPenalty: Double
    /// How many finished hypotheses to return, best first (at most `width`).
    public var nBest: Int

    /// Options clamped to sense: width ≥ 1, α ≥ 0, 1 ≤ nBest ≤ width.
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
    /// The hypothesis's tokens and attention rows.
    public var translation: Translation
    /// Σ log p of its tokens (</s> included when it finished).
    public var logProbability: Double
    /// logProbability / penalty(length): what the hypotheses are ranked by.
    public var score: Double

    /// An n-best list from `hypotheses`: sorted by score (ties in the order given), distinct token sequences only,
    /// at most `count`.
    static func nBest(_ hypotheses: [ScoredTranslation], count: Int) -> [ScoredTranslation] {
        let sorted = hypotheses.enumerated().sorted {
            $0.element.score != $1.element.score ? $0.element.score > $1.element.score : $0.offset < $1.offset
        }.map(\.element)
        var seen = Set<[Int]>(), distinct: [ScoredTranslation] = []
        for hypothesis in sorted where seen.insert(hypothesis.translation.tokens).inserted { distinct.append(hypothesis) }
        return Array(distinct.prefix(count))
    }
}

/// What beam search did for one sentence, step by step (Seq2Seq-Vis draws it as a tree): at each step every candidate
/// it weighed, best first, with its parent in the step before, its total log-probability and its fate. The first
/// node of step 0 follows <s>; a path from a step-0 node along the children is a hypothesis.
public struct BeamTrace: Equatable, Sendable {
    /// What became of a candidate at its step.
    public enum Fate: String, Sendable {
        /// Among the K best and not </s>: a live hypothesis, extended at the next step (unless the search ends).
        case kept
        /// Among the K best and </s>: a finished hypothesis.
        case finished
        /// Not among the K best: dropped.
        case pruned
    }

    /// One candidate: a live hypothesis of the step before (its parent) extended by one token.
    public struct Node: Equatable, Sendable {
        /// The token added (a target vocabulary id).
        public var token: Int
        /// Its parent's index in the previous step's nodes; nil at step 0, whose parent is <s>.
        public var parent: Int?
        /// Σ log p of the hypothesis's tokens, this one included.
        public var logProbability: Double
        public var fate: Fate
    }

    /// One array of nodes per decoder step, each sorted best first (so the kept and finished ones lead).
    public var steps: [[Node]]

    /// The node indices, step by step, of the hypothesis with these tokens; nil if the search never made it.
    public func path(of tokens: [Int]) -> [Int]? {
        guard tokens.count <= steps.count else { return nil }
        var path: [Int] = []
        for (t, token) in tokens.enumerated() {
            let parent = path.last
            guard let n = steps[t].firstIndex(where: { $0.token == token && $0.parent == parent && $0.fate != .pruned }) else { return nil }
            path.append(n)
        }
        return path
    }
}

extension Seq2SeqModel {
    /// The best `options.nBest` translations of `source` (ids without specials), best first; at most `maxSteps` tokens.
    public func beamSearch(source: [Int], maxSteps: Int, options: BeamOptions, noRepeatNgram: Int = 0) -> [ScoredTranslation] {
        beamSearch(sources: [source], maxSteps: [maxSteps], options: options, noRepeatNgram: noRepeatNgram)[0]
    }

    /// For each of `sources` (ids without specials), its best `options.nBest` translations, best first; sentence b
    /// emits at most `maxSteps[b]` tokens. With `noRepeatNgram` N > 0, no hypothesis contains an n-gram of N tokens
    /// twice (see `NoRepeatNgram`).
    public func beamSearch(sources: [[Int]], maxSteps: [Int], options: BeamOptions, noRepeatNgram: Int = 0) -> [[ScoredTranslation]] {
        precondition(maxSteps.count == sources.count, "one step limit per sentence")
        return withPackedWeights(parameters.storage) {
            beamDecode(Batch(sources: sources), maxSteps: maxSteps, options: options, noRepeatNgram: noRepeatNgram, tracing: false).best
        }
    }

    /// `beamSearch(sources:…)`'s results, the same bit for bit, with each sentence's search recorded step by step.
    public func tracedBeamSearch(sources: [[Int]], maxSteps: [Int], options: BeamOptions,
                                 noRepeatNgram: Int = 0) -> [(best: [ScoredTranslation], trace: BeamTrace)] {
        precondition(maxSteps.count == sources.count, "one step limit per sentence")
        let decoded = withPackedWeights(parameters.storage) {
            beamDecode(Batch(sources: sources), maxSteps: maxSteps, options: options, noRepeatNgram: noRepeatNgram, tracing: true)
        }
        return Array(zip(decoded.best, decoded.traces ?? []))
    }

    private struct Hypothesis {
        var tokens: [Int]
        var attention: [[Float]]
        var logProbability: Double

        func scored(_ options: BeamOptions) -> ScoredTranslation {
            ScoredTranslation(translation: Translation(tokens: tokens, attention: attention), logProbability: logProbability,
                              score: logProbability / options.penalty(length: tokens.count))
        }
    }

    /// One sentence's search: its live hypotheses (one working row each) and its finished ones.
    private struct SentenceSearch {
        var alive = [Hypothesis(tokens: [], attention: [], logProbability: 0)]
        var finished: [ScoredTranslation] = []
        /// Whether every logit and attention weight of its rows was usable (see `Translation.isFinite`).
        var isFinite = true
        /// When tracing: the search so far, and the node of each live hypothesis in its last step.
        var trace = BeamTrace(steps: [])
        var aliveNodes: [Int] = []
    }

    private func beamDecode(_ batch: Batch, maxSteps: [Int], options: BeamOptions, noRepeatNgram: Int,
                            tracing: Bool) -> (best: [[ScoredTranslation]], traces: [BeamTrace]?) {
        let p = parameters, K = options.width, V = p.generator.weight.rows
        var dropout = Dropout.off
        let start = startDecoding(batch)
        var searches = [SentenceSearch](repeating: SentenceSearch(), count: batch.size)
        // The working batch: the live sentences, in batch order, each with one row per live hypothesis.
        var live = (0..<batch.size).filter { maxSteps[$0] > 0 }
        var rowSentences = live
        var keys = live.count == batch.size ? start.keys : start.keys.rows(rowSentences)
        var state = live.count == batch.size ? start.state : start.state.rows(rowSentences)
        var banned = [Bool](repeating: false, count: V)
        var steps = 0

        while !live.isEmpty {
            let rows = rowSentences.count
            let read = live.flatMap { s in searches[s].alive.map { $0.tokens.last ?? Vocabulary.bos } }
            let step = decoderStepForward(tokens: read, state: state, keys: keys, p)
            let logits = readoutForward(states: step.next.top, contexts: step.attention.context, p, dropout: &dropout).logits
            let logProbabilities = Matrix(rows: rows, cols: V)
            steps += 1
            var nextLive: [Int] = [], nextRowSentences: [Int] = [], parents: [Int] = []
            var firstRow = 0                       // the sentence's first row in the working batch
            for s in live {
                let alive = searches[s].alive
                // The K best continuations of each row, ranked by logit (as greedy ranks them; ties to the lower id),
                // banned n-gram completions left out; then the K best of the sentence's rows by total log-probability.
                var candidates: [(logProbability: Double, row: Int, token: Int)] = []
                for (i, hypothesis) in alive.enumerated() {
                    let r = firstRow + i
                    let z = logits.row(r), lp = logProbabilities.row(r)
                    if !Self.logitsAreUsable(z, count: V) { searches[s].isFinite = false }
                    logSoftmax(z, count: V, into: lp)
                    let bannedTokens = NoRepeatNgram.bannedTokens(after: hypothesis.tokens, size: noRepeatNgram)
                    for token in bannedTokens { banned[token] = true }
                    for v in Self.bestTokens(z, count: V, k: K, banned: banned) {
                        candidates.append((hypothesis.logProbability + Double(lp[v]), i, v))
                    }
                    for token in bannedTokens { banned[token] = false }
                }
                let ranked = candidates.enumerated().sorted {
                    $0.element.logProbability != $1.element.logProbability ? $0.element.logProbability > $1.element.logProbability : $0.offset < $1.offset
                }.map(\.element)
                let chosen = ranked.prefix(K)
                if tracing { Self.record(ranked, kept: K, into: &searches[s]) }
                var next: [Hypothesis] = []
                for candidate in chosen {
                    var hypothesis = alive[candidate.row]
                    hypothesis.tokens.append(candidate.token)
                    let alpha = Array(UnsafeBufferPointer(start: step.attention.weights.row(firstRow + candidate.row),
                                                          count: batch.sourceLengths[s]))
                    if !alpha.allSatisfy(\.isFinite) { searches[s].isFinite = false }
                    hypothesis.attention.append(alpha)
                    hypothesis.logProbability = candidate.logProbability
                    if candidate.token == Vocabulary.eos {
                        searches[s].finished.append(hypothesis.scored(options))
                    } else {
                        next.append(hypothesis)
                        parents.append(firstRow + candidate.row)
                    }
                }
                firstRow += alive.count
                searches[s].alive = next
                if Self.isDone(searches[s], steps: steps, maxSteps: maxSteps[s], options: options) {
                    // Its rows leave the working batch; the hypotheses cut off by the step limit stay in `alive`.
                    parents.removeLast(next.count)
                } else {
                    nextLive.append(s)
                    nextRowSentences += Array(repeating: s, count: next.count)
                }
            }
            live = nextLive
            if live.isEmpty { break }
            // A hypothesis inherits its parent's state; the keys change only when the rows' sentences do.
            state = step.next.rows(parents)
            if nextRowSentences != rowSentences { keys = start.keys.rows(nextRowSentences) }
            rowSentences = nextRowSentences
        }
        return (searches.map { Self.best($0, options: options) }, tracing ? searches.map(\.trace) : nil)
    }

    /// One step of a traced search: the sentence's candidates, best first, as the step's nodes (the first `kept` are
    /// chosen: finished if they emit </s>, else live; the rest pruned); the live ones become the next step's parents.
    private static func record(_ ranked: [(logProbability: Double, row: Int, token: Int)], kept: Int, into search: inout SentenceSearch) {
        var nodes: [BeamTrace.Node] = [], alive: [Int] = []
        for (n, candidate) in ranked.enumerated() {
            let fate: BeamTrace.Fate = n >= kept ? .pruned : candidate.token == Vocabulary.eos ? .finished : .kept
            if fate == .kept { alive.append(n) }
            nodes.append(BeamTrace.Node(token: candidate.token, parent: search.aliveNodes.isEmpty ? nil : search.aliveNodes[candidate.row],
                                        logProbability: candidate.logProbability, fate: fate))
        }
        search.trace.steps.append(nodes)
        search.aliveNodes = alive
    }

    /// Whether a sentence's search is over after `steps` steps: no live hypothesis left, its step limit reached, or
    /// the n-th best finished hypothesis beats what any live one could still reach (a live hypothesis' log-probability
    /// can only fall, and its penalty can at most grow to that of `maxSteps` tokens).
    private static func isDone(_ search: SentenceSearch, steps: Int, maxSteps: Int, options: BeamOptions) -> Bool {
        if search.alive.isEmpty || steps >= maxSteps { return true }
        let ranked = search.finished.map(\.score).sorted(by: >)
        guard ranked.count >= options.nBest else { return false }
        let reachable = search.alive.map { $0.logProbability / options.penalty(length: maxSteps) }.max() ?? -.infinity
        return ranked[options.nBest - 1] >= reachable
    }

    /// A finished search's n-best list: sorted by score (ties in the order found), distinct, at most `nBest`.
    private static func best(_ search: SentenceSearch, options: BeamOptions) -> [ScoredTranslation] {
        var finished = search.finished
        // Hypotheses cut off by the step limit count too (as greedy's output does) if too few finished.
        if finished.count < options.nBest { finished += search.alive.map { $0.scored(options) } }
        var best = ScoredTranslation.nBest(finished, count: options.nBest)
        for n in best.indices { best[n].translation.isFinite = search.isFinite }
        return best
    }

    /// The `k` best allowed tokens of one row of logits `z` [V], best first: higher logit first, ties to the lower id
    /// (greedy's argmax order), so width 1 picks greedy's token. One pass, keeping a sorted list of at most k.
    private static func bestTokens(_ z: UnsafePointer<Float>, count V: Int, k: Int, banned: [Bool]) -> [Int] {
        var best: [Int] = []
        best.reserveCapacity(k + 1)
        for v in 0..<V where !banned[v] {
            // A later id enters only with a strictly higher logit than the one it would displace.
            if best.count == k, !(z[v] > z[best[k - 1]]) { continue }
            var i = best.count
            while i > 0 && z[best[i - 1]] < z[v] { i -= 1 }
            best.insert(v, at: i)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}
