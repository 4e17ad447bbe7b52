// BeamTraceTests.swift — recording the beam search changes nothing it decodes (the same hypotheses, scores and
// attention, bit for bit), and the record is the search: every step's candidates best first, at most K kept or
// finished, each with a live parent in the step before, and every returned hypothesis a path through it whose last
// node carries its log-probability.

import Testing
@testable import Seq2SeqCore

@Suite struct BeamTraceTests {
    static let sources = BeamSearchTests.batchSources
    static let limits = BeamSearchTests.batchLimits

    @Test(arguments: [1, 3, 5])
    func tracingChangesNothingDecoded(width: Int) throws {
        let model = try TinyCheckpoint.make(seed: 7).model
        for ngram in [0, 2] {
            for nBest in Set([1, width]) {
                let options = BeamOptions(width: width, lengthPenalty: 1, nBest: nBest)
                let plain = model.beamSearch(sources: Self.sources, maxSteps: Self.limits, options: options, noRepeatNgram: ngram)
                let traced = model.tracedBeamSearch(sources: Self.sources, maxSteps: Self.limits, options: options, noRepeatNgram: ngram)
                #expect(traced.count == Self.sources.count)
                #expect(traced.map(\.best) == plain, "width \(width), n-best \(nBest), n-gram \(ngram)")
            }
        }
    }

    @Test(arguments: [1, 2, 4])
    func theTraceIsTheSearch(width: Int) throws {
        let model = try TinyCheckpoint.make(seed: 5, scale: 2).model
        let options = BeamOptions(width: width, lengthPenalty: 1, nBest: width)
        let traced = model.tracedBeamSearch(sources: Self.sources, maxSteps: Self.limits, options: options)
        for (b, (best, trace)) in traced.enumerated() {
            #expect(trace.steps.count <= Self.limits[b], "sentence \(b)")
            for (t, nodes) in trace.steps.enumerated() {
                #expect(!nodes.isEmpty)
                // Best first; the chosen (kept or finished) lead, at most K of them, the pruned follow.
                #expect(zip(nodes, nodes.dropFirst()).allSatisfy { $0.logProbability >= $1.logProbability }, "sentence \(b) step \(t)")
                let chosen = nodes.prefix { $0.fate != .pruned }.count
                #expect(chosen == min(width, nodes.count) && nodes.dropFirst(chosen).allSatisfy { $0.fate == .pruned })
                #expect(nodes.allSatisfy { ($0.fate == .finished) == ($0.token == Vocabulary.eos && $0.fate != .pruned) })
                for node in nodes {
                    if t == 0 {
                        #expect(node.parent == nil)
                        continue
                    }
                    // A node extends a live hypothesis of the step before, and adds one token's log p (≤ 0).
                    let parent = try #require(node.parent.map { trace.steps[t - 1][$0] })
                    #expect(parent.fate == .kept)
                    #expect(node.logProbability <= parent.logProbability)
                }
                // Each live row offers at most K continuations.
                let rows = t == 0 ? 1 : trace.steps[t - 1].filter { $0.fate == .kept }.count
                #expect(nodes.count <= rows * width)
            }
            // Every returned hypothesis is a path through the trace, ending on its log-probability.
            for hypothesis in best {
                let path = try #require(trace.path(of: hypothesis.translation.tokens), "sentence \(b)")
                #expect(path.count == hypothesis.translation.tokens.count)
                guard !path.isEmpty else { continue }            // a step limit of 0: nothing decoded
                let last = trace.steps[path.count - 1][path[path.count - 1]]
                #expect(last.logProbability == hypothesis.logProbability)
                if hypothesis.translation.tokens.last == Vocabulary.eos { #expect(last.fate == .finished) }
            }
        }
    }

    /// Width 1 is greedy: one node a step, the greedy tokens.
    @Test func widthOneIsAChainOfTheGreedyTokens() throws {
        let model = try TinyCheckpoint.make(seed: 3).model
        for source in Self.sources.prefix(3) {
            let greedy = model.greedy(Batch(sources: [source]), maxSteps: 9)[0]
            let trace = model.tracedBeamSearch(sources: [source], maxSteps: [9], options: BeamOptions(width: 1))[0].trace
            #expect(trace.steps.map { $0.map(\.token) } == greedy.tokens.map { [$0] })
        }
    }
}
