// InspectionTests.swift — `inspect`'s JSON against a hand-run of SPEC §1's LSTM equations in Double on a tiny model:
// every step of every layer (encoder both directions, both layers; decoder both layers) is recomputed from the
// weights, the step's input and the previous step's h and c as the JSON reports them, without the batched code.
// Also: the steps' order and tokens, and the ranking of units by a feature.

import Foundation
import Testing
@testable import Seq2SeqCore

/// The JSON of one input line, as a reader of `seq2seq inspect --format json` sees it.
private struct InspectRecord: Decodable {
    struct Step: Decodable { let token: String; let i, f, g, o, c, h: [Float] }
    struct Layer: Decodable { let module: String; let layer: Int; let direction: String; let steps: [Step] }
    let sourceTokens: [String]
    let targetTokens: [String]
    let layers: [Layer]
    enum CodingKeys: String, CodingKey { case sourceTokens = "source_tokens", targetTokens = "target_tokens", layers }

    func layer(_ module: String, _ k: Int, _ direction: String = "forward") throws -> Layer {
        try #require(layers.first { $0.module == module && $0.layer == k && $0.direction == direction })
    }
}

/// One LSTM step written out from SPEC §1, in Double: gates = W_ih x + b_ih + W_hh h + b_hh (rows i, f, g, o);
/// c' = f c + i g; h' = o tanh(c'). Weights are the checkpoint's tensors `prefix.weight_ih_l{k}{suffix}` etc.
private func handStep(_ p: ModelParameters, _ prefix: String, _ k: Int, _ suffix: String, x: [Float], h: [Float], c: [Float]) throws
    -> (i: [Double], f: [Double], g: [Double], o: [Double], c: [Double], h: [Double]) {
    func tensor(_ name: String) throws -> [Float] { Array(try #require(p.tensor(named: "\(prefix).\(name)_l\(k)\(suffix)"), "\(name)")) }
    let wih = try tensor("weight_ih"), whh = try tensor("weight_hh"), bih = try tensor("bias_ih"), bhh = try tensor("bias_hh")
    let n = h.count, inputs = x.count
    try #require(wih.count == 4 * n * inputs && whh.count == 4 * n * n, "input of the wrong width")
    let pre = (0 ..< 4 * n).map { r -> Double in
        var sum = Double(bih[r]) + Double(bhh[r])
        for j in 0..<inputs { sum += Double(wih[r * inputs + j]) * Double(x[j]) }
        for j in 0..<n { sum += Double(whh[r * n + j]) * Double(h[j]) }
        return sum
    }
    func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
    let i = pre[0 ..< n].map(sigmoid), f = pre[n ..< 2 * n].map(sigmoid)
    let g = pre[2 * n ..< 3 * n].map(tanh), o = pre[3 * n ..< 4 * n].map(sigmoid)
    let cNew = (0..<n).map { f[$0] * Double(c[$0]) + i[$0] * g[$0] }
    return (i, f, g, o, cNew, (0..<n).map { o[$0] * tanh(cNew[$0]) })
}

/// Checks every step of `layer`: its input at step t is `input(t)`; before step 0 the state is (h0, c0).
private func expectMatchesHandRun(_ layer: InspectRecord.Layer, _ p: ModelParameters, _ prefix: String, _ k: Int, _ suffix: String,
                                  h0: [Float], c0: [Float], input: (Int) -> [Float],
                                  sourceLocation: SourceLocation = #_sourceLocation) throws {
    for (t, step) in layer.steps.enumerated() {
        let (h, c) = t == 0 ? (h0, c0) : (layer.steps[t - 1].h, layer.steps[t - 1].c)
        let expected = try handStep(p, prefix, k, suffix, x: input(t), h: h, c: c)
        let what = "\(layer.module) \(layer.layer) \(layer.direction) step \(t)"
        for (name, actual, wanted) in [("i", step.i, expected.i), ("f", step.f, expected.f), ("g", step.g, expected.g),
                                       ("o", step.o, expected.o), ("c", step.c, expected.c), ("h", step.h, expected.h)] {
            expectClose(actual.map(Double.init), wanted, rtol: 1e-5, atol: 2e-6, "\(what) \(name)", sourceLocation: sourceLocation)
        }
    }
}

@Suite struct InspectionTests {
    static let sentence = "a c e b d"

    @Test func jsonMatchesAHandRunOfTheLSTMEquations() throws {
        // E=3 H=4 L=2 D=5 M=2 A=6; with seed 3 the sentence translates to "w w w w </s>" (five decoder steps).
        let checkpoint = try TinyCheckpoint.make(seed: 3)
        let p = checkpoint.model.parameters
        let translator = Translator(checkpoint: checkpoint)
        let json = InspectionTrace.json(translator.inspect(Self.sentence))
        let record = try JSONDecoder().decode(InspectRecord.self, from: Data(json.utf8))
        let tokens = ["a", "c", "e", "b", "d", "</s>"], T = tokens.count
        let translation = translator.translate([Self.sentence])[0]
        #expect(record.sourceTokens == tokens)
        #expect(record.targetTokens == translation.targetTokens)
        try #require(record.targetTokens.count >= 2, "the decoder check needs at least two steps")
        #expect(record.layers.map { "\($0.module) \($0.layer) \($0.direction)" }
                == ["encoder 0 forward", "encoder 0 backward", "encoder 1 forward", "encoder 1 backward", "decoder 0 forward", "decoder 1 forward"])

        // Encoder layer 0 reads the source embeddings; the backward direction from the last token (</s>) on.
        let ids = checkpoint.sourceVocabulary.encode(Array(tokens.dropLast())) + [Vocabulary.eos]
        let sourceEmbedding = Array(try #require(p.tensor(named: "source_embedding.weight")))
        func embedding(_ id: Int) -> [Float] { Array(sourceEmbedding[id * 3 ..< id * 3 + 3]) }
        let zeros4 = [Float](repeating: 0, count: 4)
        let forward0 = try record.layer("encoder", 0), backward0 = try record.layer("encoder", 0, "backward")
        #expect(forward0.steps.map(\.token) == tokens)
        #expect(backward0.steps.map(\.token) == tokens.reversed())
        try expectMatchesHandRun(forward0, p, "encoder", 0, "", h0: zeros4, c0: zeros4) { embedding(ids[$0]) }
        try expectMatchesHandRun(backward0, p, "encoder", 0, "_reverse", h0: zeros4, c0: zeros4) { embedding(ids[T - 1 - $0]) }

        // Encoder layer 1 reads [fwd_j ; bwd_j] of layer 0 at position j (bwd_j is the backward run's step T−1−j).
        func below(_ j: Int) -> [Float] { forward0.steps[j].h + backward0.steps[T - 1 - j].h }
        let forward1 = try record.layer("encoder", 1), backward1 = try record.layer("encoder", 1, "backward")
        try expectMatchesHandRun(forward1, p, "encoder", 1, "", h0: zeros4, c0: zeros4) { below($0) }
        try expectMatchesHandRun(backward1, p, "encoder", 1, "_reverse", h0: zeros4, c0: zeros4) { below(T - 1 - $0) }

        // Bridge: every decoder layer starts from h = tanh(W_bridge [fwd_{T−1} ; bwd_0] + b), c = 0.
        let e = forward1.steps[T - 1].h + backward1.steps[T - 1].h
        let bridgeWeight = Array(try #require(p.tensor(named: "bridge.weight"))), bridgeBias = Array(try #require(p.tensor(named: "bridge.bias")))
        var h0 = [Float](repeating: 0, count: 5)
        for r in 0..<5 {
            var sum = Double(bridgeBias[r])
            for j in 0..<8 { sum += Double(bridgeWeight[r * 8 + j]) * Double(e[j]) }
            h0[r] = Float(tanh(sum))
        }
        let zeros5 = [Float](repeating: 0, count: 5)

        // Decoder layer 0 reads [emb(y_{t−1}) ; context_t], context_t = Σ_j α_tj [fwd_j ; bwd_j] of the top encoder layer.
        let decoder0 = try record.layer("decoder", 0), decoder1 = try record.layer("decoder", 1)
        #expect(decoder0.steps.map(\.token) == ["<s>"] + record.targetTokens.dropLast())
        #expect(decoder1.steps.map(\.token) == decoder0.steps.map(\.token))
        let targetEmbedding = Array(try #require(p.tensor(named: "target_embedding.weight")))
        let readIds = checkpoint.targetVocabulary.encode(decoder0.steps.map(\.token))
        func decoderInput(_ t: Int) -> [Float] {
            let values = (0..<T).map { forward1.steps[$0].h + backward1.steps[T - 1 - $0].h }
            var context = [Float](repeating: 0, count: 8)
            for j in 0..<T { for u in 0..<8 { context[u] += translation.attention[t][j] * values[j][u] } }
            return Array(targetEmbedding[readIds[t] * 3 ..< readIds[t] * 3 + 3]) + context
        }
        try expectMatchesHandRun(decoder0, p, "decoder", 0, "", h0: h0, c0: zeros5, input: decoderInput)
        // Decoder layer 1 reads layer 0's new h of the same step.
        try expectMatchesHandRun(decoder1, p, "decoder", 1, "", h0: h0, c0: zeros5) { decoder0.steps[$0].h }
    }

    @Test func jsonKeysComeInTheDocumentedOrder() throws {
        let trace = Translator(checkpoint: try TinyCheckpoint.make(seed: 3)).inspect("a b")
        let json = InspectionTrace.json(trace)
        #expect(json.hasPrefix("{\"source_tokens\":[\"a\",\"b\",\"</s>\"],\"target_tokens\":["))
        #expect(json.contains(",\"layers\":[{\"module\":\"encoder\",\"layer\":0,\"direction\":\"forward\",\"steps\":[{\"token\":\"a\",\"i\":["))
        #expect(json.contains("{\"module\":\"decoder\",\"layer\":1,\"direction\":\"forward\",\"steps\":[{\"token\":\"<s>\",\"i\":["))
        #expect(!json.contains("\n"))
        #expect(InspectionTrace.json(nil) == "{\"source_tokens\":[],\"target_tokens\":[],\"layers\":[]}")
    }

    @Test func traceAgreesWithTranslate() throws {
        let translator = Translator(checkpoint: try TinyCheckpoint.make(seed: 3))
        for sentence in ["a", "e d c b a", "b b b b b b b b"] {
            let trace = translator.inspect(sentence)
            #expect(trace.translation == translator.translate([sentence])[0])
            for layer in trace.layers where layer.id.module == .decoder {
                #expect(layer.steps.count == trace.translation.targetTokens.count)
            }
        }
    }

    @Test func featuresCountInReadingOrder() {
        let tokens = ["a", "b", "a", "a"]
        #expect(TraceFeature.position.values(tokens: tokens) == [0, 1, 2, 3])
        #expect(TraceFeature.count("a").values(tokens: tokens) == [1, 1, 2, 3])
        #expect(TraceFeature.remaining("a").values(tokens: tokens) == [2, 2, 1, 0])
        #expect(TraceFeature(parsing: "count:a") == .count("a"))
        #expect(TraceFeature(parsing: "remaining:</s>") == .remaining("</s>"))
        #expect(TraceFeature(parsing: "position") == .position)
        for bad in ["count:", "count", "positions", ""] { #expect(TraceFeature(parsing: bad) == nil, "\(bad)") }
    }

    @Test func rankingPutsTheUnitThatFollowsTheFeatureFirst() {
        // Unit 0 = 2·position + 1 (r = 1), unit 1 = −position (r = −1), unit 2 constant (no r), unit 3 loosely related.
        let wobble: [Float] = [0.3, -0.2, 0.9, 0.1, 1.4]
        func trace(_ length: Int) -> InspectionTrace {
            let steps = (0..<length).map { t in
                let h: [Float] = [Float(2 * t + 1), Float(-t), 0.5, Float(t) * 0.2 + wobble[t]]
                return LSTMStep(token: "a", i: h, f: h, g: h, o: h, c: h, h: h)
            }
            let result = TranslationResult(sourceTokens: [], targetTokens: [], text: "", attention: [], unknownSourceTokens: 0)
            return InspectionTrace(translation: result, layers: [LSTMLayerTrace(id: LSTMLayerID(.encoder, layer: 0), steps: steps)])
        }
        let ranked = UnitRanking.rank([trace(5), trace(3)], feature: .position, quantity: .h)
        // Units 0 and 1 both have |r| = 1 up to rounding, and the running sums round unit 0's r below 1 where a
        // two-pass sum would not: which of the two comes first is rounding, not ranking.
        #expect(Set(ranked.prefix(2).map(\.unit)) == [0, 1] && ranked.map(\.unit).last == 3 && ranked.count == 3)
        #expect(ranked.allSatisfy { $0.unit != 0 || abs($0.correlation - 1) < 1e-12 })
        #expect(ranked.allSatisfy { $0.unit != 1 || abs($0.correlation + 1) < 1e-12 })
        #expect(ranked.allSatisfy { $0.steps == 8 })
        #expect(UnitRanking.rank([trace(5)], feature: .count("b"), quantity: .h).isEmpty, "a feature that never changes ranks nothing")
        #expect(UnitRanking.rank([trace(5)], feature: .position, quantity: .h) { $0.module == .decoder }.isEmpty)
        #expect(UnitRanking.pearson([1, 2, 3], [2, 4, 6]) == 1)
        #expect(UnitRanking.pearson([1, 1, 1], [2, 4, 6]) == nil)

        // Equal strengths keep layer order, then unit order: units 0 and 1 read the same values.
        let twins = (0..<4).map { t in
            let h: [Float] = [Float(-t), Float(-t)]
            return LSTMStep(token: "a", i: h, f: h, g: h, o: h, c: h, h: h)
        }
        let twinTrace = InspectionTrace(translation: TranslationResult(sourceTokens: [], targetTokens: [], text: "", attention: [], unknownSourceTokens: 0),
                                        layers: [LSTMLayerTrace(id: LSTMLayerID(.encoder, layer: 0), steps: twins)])
        #expect(UnitRanking.rank([twinTrace], feature: .position, quantity: .h).map(\.unit) == [0, 1])
    }

    /// The running sums agree with a two-pass computation where naive sums of squares lose every digit: 100,000
    /// steps of a feature and a state a billion away from zero.
    @Test func runningCorrelationIsStableFarFromZero() {
        var rng = SplitMix64(seed: 5)
        let x = (0..<100_000).map { 1e9 + Double($0 % 97) }
        let y = x.map { 1e9 - 0.5 * $0 + Double(rng.next() % 1000) / 10 }
        let n = Double(x.count), meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - meanX) * (b - meanY)
            sxx += (a - meanX) * (a - meanX)
            syy += (b - meanY) * (b - meanY)
        }
        let twoPass = sxy / (sxx * syy).squareRoot()
        let running = UnitRanking.pearson(x, y)
        #expect(running.map { abs($0 - twoPass) < 1e-9 } == true, "running \(String(describing: running)), two-pass \(twoPass)")
    }

    @Test func unitViewShowsTheTextInReadingOrder() throws {
        let trace = Translator(checkpoint: try TinyCheckpoint.make(seed: 3)).inspect("a b c")
        let id = LSTMLayerID(.encoder, layer: 1, .backward)
        let values = InspectionExport.unitValues(trace, layer: id, unit: 2, quantity: .c)
        #expect(values?.map(\.token) == ["a", "b", "c", "</s>"], "backward steps turned back into sentence order")
        let layer = trace.layer(id)
        #expect(values?.map(\.value) == layer?.steps.reversed().map { $0.c[2] })
        #expect(InspectionExport.unitValues(trace, layer: id, unit: 4, quantity: .c) == nil, "H = 4 units")

        let lines = [values ?? []]
        let plain = InspectionExport.unitText(lines, heading: "head", quantity: .c, colour: false)
        let rows = plain.split(separator: "\n")
        #expect(rows.count == 1 + 3 + 1)                                  // heading, tokens / shades / values, legend
        #expect(rows[1].hasPrefix("a ") && rows[1].hasSuffix("</s>"))
        #expect(rows[3].split(separator: " ").compactMap { Float($0) }.count == 4)
        #expect(!plain.contains("\u{1B}"))
        let coloured = InspectionExport.unitText(lines, heading: "head", quantity: .c, colour: true)
        #expect(coloured.split(separator: "\n").count == 1 + 1 + 1)
        #expect(coloured.contains("\u{1B}[38;5;") && coloured.contains(" </s> "))
    }

    @Test func picturesAreWellFormedWithACellPerUnitAndStep() throws {
        let trace = Translator(checkpoint: try TinyCheckpoint.make(seed: 3)).inspect("a b c")
        let all = try #require(parseXML(InspectionExport.heatmapSVG([("pair", trace)], layers: { _ in true }, quantities: LSTMQuantity.allCases)))
        // Encoder: 4 layers × 4 units × 4 steps; decoder: 2 layers × 5 units × its steps; six quantities each.
        let decoderSteps = trace.translation.targetTokens.count
        #expect(all.filter { $0.attributes["class"] == "cell" }.count == 6 * (4 * 4 * 4 + 2 * 5 * decoderSteps))
        let one = try #require(parseXML(InspectionExport.heatmapSVG([("pair", trace)], layers: { $0 == LSTMLayerID(.encoder, layer: 0) },
                                                                     quantities: [.c])))
        #expect(one.filter { $0.attributes["class"] == "cell" }.count == 4 * 4)
        #expect(one.contains { $0.name == "text" && $0.text == "encoder layer 0 forward (reads the source left to right)" })
        let values = try #require(InspectionExport.unitValues(trace, layer: LSTMLayerID(.decoder, layer: 1), unit: 0, quantity: .h))
        let strip = try #require(parseXML(InspectionExport.unitSVG([values, values], heading: "unit", quantity: .h)))
        #expect(strip.filter { $0.attributes["class"] == "token" }.count == 2 * values.count)
    }
}
