// Inspection.swift — what the LSTMs compute, step by step. Runs the encoder on one sentence and decodes it greedily
// while recording, for every layer and direction, the gates i f g o (after σ / tanh), the cell state c and the hidden
// state h of every unit at every step (SPEC §1's LSTM equations); and ranks units by how closely they follow a
// feature of the input (position, count of a token), as in Karpathy's and Edwin Chen's LSTM visualisations. [9] → [10]

/// Which stack a layer belongs to.
public enum LSTMModule: String, CaseIterable, Sendable {
    case encoder, decoder
}

/// The order a layer reads its input in: the encoder's backward direction starts at the sentence's last token.
/// Decoder layers only run forward.
public enum LSTMDirection: String, CaseIterable, Sendable {
    case forward, backward
}

/// The six per-unit quantities of an LSTM step (SPEC §1): i, f, g, o after their non-linearities, then c_t and h_t.
public enum LSTMQuantity: String, CaseIterable, Sendable {
    case i, f, g, o, c, h

    /// The quantity's name in words, for labels.
    public var meaning: String {
        switch self {
        case .i: return "input gate"
        case .f: return "forget gate"
        case .g: return "cell candidate"
        case .o: return "output gate"
        case .c: return "cell state"
        case .h: return "hidden state"
        }
    }
}

/// One layer in one direction: "encoder layer 0 backward", "decoder layer 1".
public struct LSTMLayerID: Hashable, Sendable, CustomStringConvertible {
    public var module: LSTMModule
    /// Layer index from 0 (bottom).
    public var layer: Int
    public var direction: LSTMDirection

    /// Layer `layer` (from 0) of `module`, in `direction` (the decoder has only `.forward`).
    public init(_ module: LSTMModule, layer: Int, _ direction: LSTMDirection = .forward) {
        self.module = module
        self.layer = layer
        self.direction = direction
    }

    /// The layer in words, as labels show it: "encoder layer 0 backward", "decoder layer 1".
    public var description: String {
        switch module {
        case .encoder: return "encoder layer \(layer) \(direction.rawValue)"
        case .decoder: return "decoder layer \(layer)"
        }
    }
}

/// One step of one layer: the token read at this step and every unit's i, f, g, o, c, h (each [hidden]).
public struct LSTMStep: Equatable, Sendable {
    /// The token the layer read at this step.
    public var token: String
    /// Gates i f g o after σ / tanh, cell state c_t and hidden state h_t: one value per unit.
    public var i: [Float], f: [Float], g: [Float], o: [Float], c: [Float], h: [Float]

    /// One step's gates and states, each [H] (or [D] in the decoder).
    public init(token: String, i: [Float], f: [Float], g: [Float], o: [Float], c: [Float], h: [Float]) {
        self.token = token
        (self.i, self.f, self.g, self.o, self.c, self.h) = (i, f, g, o, c, h)
    }

    /// The vector of `quantity` at this step.
    public subscript(quantity: LSTMQuantity) -> [Float] {
        switch quantity {
        case .i: return i
        case .f: return f
        case .g: return g
        case .o: return o
        case .c: return c
        case .h: return h
        }
    }
}

/// One layer's steps in the order it processed them: a backward encoder layer lists the last source token
/// (`</s>`) first; a decoder layer lists the tokens it read (`<s>`, then each emitted token but the last).
public struct LSTMLayerTrace: Equatable, Sendable {
    public var id: LSTMLayerID
    /// One step per token, in reading order.
    public var steps: [LSTMStep]

    /// A layer's trace: one `LSTMStep` per token it read.
    public init(id: LSTMLayerID, steps: [LSTMStep]) {
        self.id = id
        self.steps = steps
    }

    /// The tokens read, in order.
    public var tokens: [String] { steps.map(\.token) }
    /// Units per step (h's size); 0 for an empty trace.
    public var units: Int { steps.first?.h.count ?? 0 }
}

/// Everything one sentence made the LSTMs do: its greedy translation and every layer's trace, encoder layers first
/// (each forward, then backward), then the decoder layers.
public struct InspectionTrace: Sendable {
    public var translation: TranslationResult
    public var layers: [LSTMLayerTrace]

    /// A translation and the traces of its LSTM layers.
    public init(translation: TranslationResult, layers: [LSTMLayerTrace]) {
        self.translation = translation
        self.layers = layers
    }

    /// The trace of layer `id`, or nil if it was not kept.
    public func layer(_ id: LSTMLayerID) -> LSTMLayerTrace? { layers.first { $0.id == id } }

    /// Whether the translation's numbers were usable (`Translation.isFinite`) and every gate and state is finite.
    public var isFinite: Bool {
        translation.isFinite && layers.allSatisfy { layer in
            layer.steps.allSatisfy { step in LSTMQuantity.allCases.allSatisfy { step[$0].allSatisfy(\.isFinite) } }
        }
    }

    /// One line of JSON: `{"source_tokens": […], "target_tokens": […], "layers": [{"module", "layer", "direction",
    /// "steps": [{"token", "i", "f", "g", "o", "c", "h"}, …]}, …]}`, keys in that order; numbers in the shortest form
    /// that reads back to the same Float. nil (an empty input line) gives the object with nothing in it.
    public static func json(_ trace: InspectionTrace?) -> String {
        func strings(_ items: [String]) -> String { "[" + items.map(jsonQuoted).joined(separator: ",") + "]" }
        func numbers(_ values: [Float]) -> String { "[" + values.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]" }
        guard let trace else { return "{\"source_tokens\":[],\"target_tokens\":[],\"layers\":[]}" }
        var out = "{\"source_tokens\":" + strings(trace.translation.sourceTokens)
        out += ",\"target_tokens\":" + strings(trace.translation.targetTokens) + ",\"layers\":["
        for (n, layer) in trace.layers.enumerated() {
            if n > 0 { out += "," }
            out += "{\"module\":\"\(layer.id.module.rawValue)\",\"layer\":\(layer.id.layer),\"direction\":\"\(layer.id.direction.rawValue)\",\"steps\":["
            for (t, step) in layer.steps.enumerated() {
                if t > 0 { out += "," }
                out += "{\"token\":" + jsonQuoted(step.token)
                for quantity in LSTMQuantity.allCases { out += ",\"\(quantity.rawValue)\":" + numbers(step[quantity]) }
                out += "}"
            }
            out += "]}"
        }
        return out + "]}"
    }
}

extension Translator {
    /// Translates `text` greedily (as `translate` does) and records every LSTM step of the encoder and the decoder.
    public func inspect(_ text: String) -> InspectionTrace {
        let source = encodeSource(text)
        let batch = Batch(sources: [source.ids])
        let model = checkpoint.model, p = model.parameters
        var dropout = Dropout.off
        let encoder = encoderForward(batch, p, pass: .inspection, dropout: &dropout)
        let tokens = source.tokens + [Vocabulary.specials[Vocabulary.eos]]
        var layers: [LSTMLayerTrace] = []
        for (k, layer) in encoder.layers.enumerated() {
            layers.append(LSTMLayerTrace(id: LSTMLayerID(.encoder, layer: k, .forward), steps: Self.steps(of: layer.forward, tokens: tokens)))
            // The backward direction ran left to right over the sentence reversed within its length.
            layers.append(LSTMLayerTrace(id: LSTMLayerID(.encoder, layer: k, .backward),
                                         steps: Self.steps(of: layer.backward, tokens: tokens.reversed())))
        }
        var decoderSteps: [DecoderStepCache] = [], read: [Int] = []
        let translation = model.greedy(batch, maxSteps: maxOutputLength(sourceLength: source.ids.count)) { step, ids, _ in
            decoderSteps.append(step)
            read.append(ids[0])
        }[0]
        let readTokens = checkpoint.targetVocabulary.decode(read)
        for k in 0..<p.decoder.count {
            let steps = decoderSteps.prefix(translation.tokens.count).enumerated().map { t, step in
                Self.step(token: readTokens[t], gates: step.gates[k], row: 0, cell: step.next.cell[k], hidden: step.next.hidden[k])
            }
            layers.append(LSTMLayerTrace(id: LSTMLayerID(.decoder, layer: k), steps: steps))
        }
        return InspectionTrace(translation: result(source: source, translation), layers: layers)
    }

    /// The steps of one direction's run over one sentence (batch of one): gates row t, c and h after step t.
    static func steps(of cache: LSTMCache, tokens: [String]) -> [LSTMStep] {
        precondition(cache.batchSize == 1 && cache.steps == tokens.count, "one sentence, one token a step")
        guard let gates = cache.gates, let cells = cache.cells else { preconditionFailure("an inspection pass keeps the gates and cells") }
        return tokens.enumerated().map { t, token in
            step(token: token, gates: gates, row: t, cell: cells, hidden: cache.states, stateRow: t + 1)
        }
    }

    static func step(token: String, gates: Matrix, row: Int, cell: Matrix, hidden: Matrix, stateRow: Int = 0) -> LSTMStep {
        let h = cell.cols
        let all = gates.rowArray(row)                                 // [4h]: i, f, g, o
        return LSTMStep(token: token, i: Array(all[0 ..< h]), f: Array(all[h ..< 2 * h]), g: Array(all[2 * h ..< 3 * h]),
                        o: Array(all[3 * h ..< 4 * h]), c: cell.rowArray(stateRow), h: hidden.rowArray(stateRow))
    }
}

// MARK: - Which units follow a feature

/// A number per step that a unit might track, counted in the order the layer reads its tokens.
public enum TraceFeature: Equatable, Sendable, CustomStringConvertible {
    /// Steps read before this one: 0, 1, 2, …
    case position
    /// How often the token has been read so far, this step included.
    case count(String)
    /// How often the token is still to be read after this step.
    case remaining(String)

    /// "position", "count:TOKEN" or "remaining:TOKEN"; nil for anything else.
    public init?(parsing text: String) {
        if text == "position" {
            self = .position
        } else if text.hasPrefix("count:"), text.count > "count:".count {
            self = .count(String(text.dropFirst("count:".count)))
        } else if text.hasPrefix("remaining:"), text.count > "remaining:".count {
            self = .remaining(String(text.dropFirst("remaining:".count)))
        } else {
            return nil
        }
    }

    /// The feature as the command line spells it: `position`, `count:TOKEN`, `remaining:TOKEN`.
    public var description: String {
        switch self {
        case .position: return "position"
        case let .count(token): return "count:\(token)"
        case let .remaining(token): return "remaining:\(token)"
        }
    }

    /// The feature at each step of a layer that read `tokens` in this order.
    public func values(tokens: [String]) -> [Double] {
        switch self {
        case .position:
            return tokens.indices.map(Double.init)
        case let .count(token):
            var seen = 0
            return tokens.map { if $0 == token { seen += 1 }; return Double(seen) }
        case let .remaining(token):
            var left = tokens.filter { $0 == token }.count
            return tokens.map { if $0 == token { left -= 1 }; return Double(left) }
        }
    }
}

/// How closely one unit's quantity follows a feature.
public struct UnitCorrelation: Equatable, Sendable {
    public var layer: LSTMLayerID
    public var quantity: LSTMQuantity
    /// The unit's index within the layer.
    public var unit: Int
    /// Pearson's r over every step of every sentence.
    public var correlation: Double
    /// Steps the correlation is over.
    public var steps: Int
}

/// The units that follow a feature best, over every step of every sentence added: Pearson's r between each unit's
/// `quantity` and `feature`, for every layer `include` accepts. Only running sums are kept (per layer and unit), never
/// the traces, so any number of sentences takes the same memory.
public struct UnitRanking {
    /// What the units are compared against, per step.
    public let feature: TraceFeature
    /// The LSTM quantity ranked (a gate or a state).
    public let quantity: LSTMQuantity
    private let include: (LSTMLayerID) -> Bool
    /// The layers `include` accepts, in the order the first trace lists them, with each unit's running correlation.
    private var layers: [(id: LSTMLayerID, units: [RunningCorrelation])] = []
    /// Sentences added so far.
    public private(set) var sentences = 0

    /// A ranking with no sentences yet; `include` picks the layers to rank.
    public init(feature: TraceFeature, quantity: LSTMQuantity, include: @escaping (LSTMLayerID) -> Bool = { _ in true }) {
        self.feature = feature
        self.quantity = quantity
        self.include = include
    }

    /// Adds every step of the chosen layers of one sentence.
    public mutating func add(_ trace: InspectionTrace) {
        if sentences == 0 { layers = trace.layers.map(\.id).filter(include).map { ($0, []) } }
        sentences += 1
        for l in layers.indices {
            guard let layer = trace.layer(layers[l].id) else { continue }
            for (x, step) in zip(feature.values(tokens: layer.tokens), layer.steps) {
                let values = step[quantity]
                if layers[l].units.isEmpty { layers[l].units = Array(repeating: RunningCorrelation(), count: values.count) }
                for (u, value) in values.enumerated() where u < layers[l].units.count { layers[l].units[u].add(x, Double(value)) }
            }
        }
    }

    /// Every unit with an r, strongest |r| first (ties: layer order, then unit). A layer over whose steps the feature
    /// never changes, and a unit that never changes, have no r and are left out.
    public var ranked: [UnitCorrelation] {
        var results: [UnitCorrelation] = []
        for (id, units) in layers {
            for (u, unit) in units.enumerated() {
                if let r = unit.correlation {
                    results.append(UnitCorrelation(layer: id, quantity: quantity, unit: u, correlation: r, steps: unit.count))
                }
            }
        }
        // A stable sort keeps layer order and unit order among equal strengths.
        return results.enumerated().sorted { a, b in
            abs(a.element.correlation) != abs(b.element.correlation) ? abs(a.element.correlation) > abs(b.element.correlation)
                                                                     : a.offset < b.offset
        }.map(\.element)
    }

    /// The ranking of `traces` pooled (see `ranked`).
    public static func rank(_ traces: [InspectionTrace], feature: TraceFeature, quantity: LSTMQuantity,
                            include: @escaping (LSTMLayerID) -> Bool = { _ in true }) -> [UnitCorrelation] {
        var ranking = UnitRanking(feature: feature, quantity: quantity, include: include)
        for trace in traces { ranking.add(trace) }
        return ranking.ranked
    }

    /// Pearson's correlation coefficient, or nil when either side is constant (or there are fewer than two pairs).
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count else { return nil }
        var running = RunningCorrelation()
        for (a, b) in zip(x, y) { running.add(a, b) }
        return running.correlation
    }
}

/// Pearson's r of pairs seen one at a time, in Double: the means and the co-moments Σ(x−x̄)², Σ(y−ȳ)², Σ(x−x̄)(y−ȳ)
/// updated by Welford's recurrence, which stays accurate where the naive Σx², Σxy lose every digit to cancellation
/// (features and cell states far from zero, hundreds of thousands of steps).
public struct RunningCorrelation: Equatable, Sendable {
    /// Pairs added so far.
    public private(set) var count = 0
    private var meanX = 0.0, meanY = 0.0
    private var sxx = 0.0, syy = 0.0, sxy = 0.0

    /// No pairs yet; `correlation` stays nil until two pairs that vary on both sides are added.
    public init() {}

    /// Adds one pair (x, y) to the running means and co-moments.
    public mutating func add(_ x: Double, _ y: Double) {
        count += 1
        let n = Double(count)
        let dx = x - meanX, dy = y - meanY          // deviations from the means before this pair
        meanX += dx / n
        meanY += dy / n
        sxx += dx * (x - meanX)                      // before × after: Welford's update of Σ(x−x̄)²
        syy += dy * (y - meanY)
        sxy += dx * (y - meanY)                      // the same for the co-moment
    }

    /// r, or nil when either side never changed (or fewer than two pairs were added).
    public var correlation: Double? {
        guard count >= 2, sxx > 0, syy > 0 else { return nil }
        return max(-1, min(1, sxy / (sxx * syy).squareRoot()))
    }
}
