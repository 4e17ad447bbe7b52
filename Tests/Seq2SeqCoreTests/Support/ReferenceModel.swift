// ReferenceModel.swift — SPEC §1 written out plainly for the tests: one sentence at a time, scalar loops, Double.
// Stages [4][5][9]. The fast Float32 model is checked against this; this is checked against PyTorch
// (Model/ReferenceModelTests.swift). It uses nothing from Seq2SeqCore, so the two share no code.

import Foundation

/// The sizes of SPEC §1, in its letters.
struct ReferenceSizes: Sendable {
    var embedding: Int         // E
    var encoderHidden: Int     // H, per direction
    var encoderLayers: Int     // L
    var decoderHidden: Int     // D
    var decoderLayers: Int     // M
    var attention: Int         // A
    var sourceVocabulary: Int  // Vs
    var targetVocabulary: Int  // Vt
}

// MARK: - Scalar maths

/// A row-major `[rows, columns]` matrix over a flat tensor, as PyTorch stores an `nn.Linear` weight.
struct ReferenceMatrix {
    let rows: Int
    let columns: Int
    let values: [Double]

    init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "matrix [\(rows), \(columns)] given \(values.count) values")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    func row(_ r: Int) -> [Double] { Array(values[(r * columns)..<((r + 1) * columns)]) }

    /// W x  — `[rows, columns] · [columns] → [rows]`.
    func times(_ x: [Double]) -> [Double] {
        precondition(x.count == columns, "matrix [\(rows), \(columns)] applied to a vector of \(x.count)")
        var y = [Double](repeating: 0, count: rows)
        for r in 0..<rows {
            var sum = 0.0
            for c in 0..<columns { sum += values[r * columns + c] * x[c] }
            y[r] = sum
        }
        return y
    }
}

func referenceAdd(_ a: [Double], _ b: [Double]) -> [Double] {
    precondition(a.count == b.count, "adding vectors of \(a.count) and \(b.count)")
    return zip(a, b).map { $0 + $1 }
}

func referenceSigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

func referenceSoftmax(_ x: [Double]) -> [Double] {
    let largest = x.max()!
    let exps = x.map { exp($0 - largest) }
    let total = exps.reduce(0, +)
    return exps.map { $0 / total }
}

func referenceLogSoftmax(_ x: [Double]) -> [Double] {
    let largest = x.max()!
    let logTotal = log(x.map { exp($0 - largest) }.reduce(0, +)) + largest
    return x.map { $0 - logTotal }
}

/// The index of the first largest value, as `torch.argmax` breaks ties.
func referenceArgmax(_ x: [Double]) -> Int {
    var best = 0
    for k in 1..<x.count where x[k] > x[best] { best = k }
    return best
}

// MARK: - LSTM

/// One LSTM time step: the four gates after their nonlinearities, then the new cell and hidden state.
struct ReferenceLSTMStep {
    var inputGate: [Double]      // i = σ(·)
    var forgetGate: [Double]     // f = σ(·)
    var cellCandidate: [Double]  // g = tanh(·)
    var outputGate: [Double]     // o = σ(·)
    var cell: [Double]           // c_t = f * c_{t-1} + i * g
    var hidden: [Double]         // h_t = o * tanh(c_t)
}

/// One LSTM layer, one direction, exactly `torch.nn.LSTM` (SPEC §1): gate row blocks in the order i, f, g, o.
struct ReferenceLSTM {
    let hiddenSize: Int
    let weightIH: ReferenceMatrix  // [4h, input]
    let weightHH: ReferenceMatrix  // [4h, h]
    let biasIH: [Double]           // [4h]
    let biasHH: [Double]           // [4h]

    init(weightIH: ReferenceMatrix, weightHH: ReferenceMatrix, biasIH: [Double], biasHH: [Double]) {
        let h = weightHH.columns
        precondition(weightIH.rows == 4 * h && weightHH.rows == 4 * h && biasIH.count == 4 * h && biasHH.count == 4 * h,
                     "LSTM tensors disagree on the hidden size \(h)")
        self.hiddenSize = h
        self.weightIH = weightIH
        self.weightHH = weightHH
        self.biasIH = biasIH
        self.biasHH = biasHH
    }

    /// gates = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh, before the nonlinearities.  [4h]
    func gatePreActivations(input x: [Double], hidden h: [Double]) -> [Double] {
        referenceAdd(referenceAdd(weightIH.times(x), biasIH), referenceAdd(weightHH.times(h), biasHH))
    }

    func step(input x: [Double], hidden h: [Double], cell c: [Double]) -> ReferenceLSTMStep {
        let gates = gatePreActivations(input: x, hidden: h)
        let n = hiddenSize
        let i = gates[0..<n].map(referenceSigmoid)
        let f = gates[n..<(2 * n)].map(referenceSigmoid)
        let g = gates[(2 * n)..<(3 * n)].map { tanh($0) }
        let o = gates[(3 * n)..<(4 * n)].map(referenceSigmoid)
        var newCell = [Double](repeating: 0, count: n)
        var newHidden = [Double](repeating: 0, count: n)
        for k in 0..<n {
            newCell[k] = f[k] * c[k] + i[k] * g[k]
            newHidden[k] = o[k] * tanh(newCell[k])
        }
        return ReferenceLSTMStep(inputGate: i, forgetGate: f, cellCandidate: g, outputGate: o,
                                 cell: newCell, hidden: newHidden)
    }

    /// Runs over `inputs` from (h0, c0) — zeros when not given — first to last, or last to first when `reversed`
    /// (the backward direction). Returns h_t and c_t at every position, indexed by position in `inputs` either way.
    func run(_ inputs: [[Double]], reversed: Bool = false,
             hidden h0: [Double]? = nil, cell c0: [Double]? = nil) -> (hidden: [[Double]], cell: [[Double]]) {
        var h = h0 ?? [Double](repeating: 0, count: hiddenSize)
        var c = c0 ?? [Double](repeating: 0, count: hiddenSize)
        var hidden = [[Double]](repeating: [], count: inputs.count)
        var cell = [[Double]](repeating: [], count: inputs.count)
        let order = reversed ? Array(inputs.indices.reversed()) : Array(inputs.indices)
        for t in order {
            let s = step(input: inputs[t], hidden: h, cell: c)
            h = s.hidden
            c = s.cell
            hidden[t] = h
            cell[t] = c
        }
        return (hidden, cell)
    }
}

// MARK: - The model

/// Dropout masks of one sentence, entries 0 or 1/(1 − p), multiplied into the activations at the sites our model
/// drops (SPEC §1 leaves the sites open; these are the ones `DropoutTests` counts). Given, never drawn: a test hands
/// in the masks our model drew, so both compute the same function of the weights.
struct ReferenceDropoutMasks {
    var sourceEmbeddings: [[Double]]       // [len][E]: encoder layer 0's input
    var encoderLayerInputs: [[[Double]]]   // [L−1][len][2H]: the inputs of encoder layers 1 ..< L
    var targetEmbeddings: [[Double]]       // [steps][E]: emb(y_{t-1})
    var decoderLayerInputs: [[[Double]]]   // [steps][M−1][D]: the inputs of decoder layers 1 ..< M at step t
    var readoutInputs: [[Double]]          // [steps][D+2H]: [s_t ; context_t]

    /// The masks of decoder step t.
    func step(_ t: Int) -> ReferenceStepMasks {
        ReferenceStepMasks(targetEmbedding: targetEmbeddings[t], decoderLayerInputs: decoderLayerInputs[t], readoutInput: readoutInputs[t])
    }
}

/// The dropout masks of one decoder step.
struct ReferenceStepMasks {
    var targetEmbedding: [Double]          // [E]
    var decoderLayerInputs: [[Double]]     // [M−1][D]
    var readoutInput: [Double]             // [D+2H]
}

/// x ⊙ mask, or x itself without a mask.
func referenceMasked(_ x: [Double], _ mask: [Double]?) -> [Double] {
    guard let mask else { return x }
    precondition(mask.count == x.count, "a mask of \(mask.count) for \(x.count) values")
    return zip(x, mask).map { $0 * $1 }
}

/// The decoder's recurrent state: one (h, c) per layer, `[M][D]` each.
struct ReferenceDecoderState {
    var hidden: [[Double]]
    var cell: [[Double]]
}

/// SPEC §1 for one sentence, reading parameters by their SPEC §2 names.
struct ReferenceModel {
    let sizes: ReferenceSizes
    let tensors: [String: [Double]]
    private let shapes: [String: [Int]]

    private static let bos = 2  // <s>
    private static let eos = 3  // </s>

    init(sizes: ReferenceSizes, tensors: [String: [Double]]) {
        var shapes: [String: [Int]] = [:]
        for (name, shape) in Self.tensorShapes(sizes) {
            let count = shape.reduce(1, *)
            precondition(tensors[name] != nil, "reference model: tensor \(name) missing")
            precondition(tensors[name]!.count == count,
                         "reference model: tensor \(name) \(shape) has \(tensors[name]!.count) values, not \(count)")
            shapes[name] = shape
        }
        self.sizes = sizes
        self.tensors = tensors
        self.shapes = shapes
    }

    /// All SPEC §2 tensor names with shapes, in canonical order (the SPEC table; PyTorch's state_dict order in each LSTM).
    static func tensorShapes(_ sizes: ReferenceSizes) -> [(name: String, shape: [Int])] {
        let (e, h, l, d, m, a) = (sizes.embedding, sizes.encoderHidden, sizes.encoderLayers,
                                  sizes.decoderHidden, sizes.decoderLayers, sizes.attention)
        var table: [(name: String, shape: [Int])] = [
            ("source_embedding.weight", [sizes.sourceVocabulary, e]),
            ("target_embedding.weight", [sizes.targetVocabulary, e]),
        ]
        for k in 0..<l {
            for suffix in ["", "_reverse"] {
                table.append(("encoder.weight_ih_l\(k)\(suffix)", [4 * h, k == 0 ? e : 2 * h]))
                table.append(("encoder.weight_hh_l\(k)\(suffix)", [4 * h, h]))
                table.append(("encoder.bias_ih_l\(k)\(suffix)", [4 * h]))
                table.append(("encoder.bias_hh_l\(k)\(suffix)", [4 * h]))
            }
        }
        table += [
            ("bridge.weight", [d, 2 * h]),
            ("bridge.bias", [d]),
            ("attention.key.weight", [a, 2 * h]),
            ("attention.key.bias", [a]),
            ("attention.query.weight", [a, d]),
            ("attention.energy.weight", [1, a]),
        ]
        for k in 0..<m {
            table.append(("decoder.weight_ih_l\(k)", [4 * d, k == 0 ? e + 2 * h : d]))
            table.append(("decoder.weight_hh_l\(k)", [4 * d, d]))
            table.append(("decoder.bias_ih_l\(k)", [4 * d]))
            table.append(("decoder.bias_hh_l\(k)", [4 * d]))
        }
        table += [
            ("readout.weight", [d, d + 2 * h]),
            ("readout.bias", [d]),
            ("generator.weight", [sizes.targetVocabulary, d]),
            ("generator.bias", [sizes.targetVocabulary]),
        ]
        return table
    }

    /// Deterministic test parameters: tensor at canonical index k, flat element j → 0.5 · sin(0.9 j + 1.3 k + 0.1).
    static func formulaTensors(_ sizes: ReferenceSizes) -> [String: [Double]] {
        var tensors: [String: [Double]] = [:]
        for (k, entry) in tensorShapes(sizes).enumerated() {
            let count = entry.shape.reduce(1, *)
            tensors[entry.name] = (0..<count).map { j in 0.5 * sin(0.9 * Double(j) + 1.3 * Double(k) + 0.1) }
        }
        return tensors
    }

    // MARK: Named parameters

    private func vector(_ name: String) -> [Double] { tensors[name]! }

    private func matrix(_ name: String) -> ReferenceMatrix {
        let shape = shapes[name]!
        return ReferenceMatrix(rows: shape[0], columns: shape[1], values: tensors[name]!)
    }

    /// `prefix.weight_ih_l{layer}{suffix}` and its three siblings.
    private func lstm(_ prefix: String, layer: Int, suffix: String = "") -> ReferenceLSTM {
        ReferenceLSTM(weightIH: matrix("\(prefix).weight_ih_l\(layer)\(suffix)"),
                      weightHH: matrix("\(prefix).weight_hh_l\(layer)\(suffix)"),
                      biasIH: vector("\(prefix).bias_ih_l\(layer)\(suffix)"),
                      biasHH: vector("\(prefix).bias_hh_l\(layer)\(suffix)"))
    }

    // MARK: Encoder

    /// Encoder top-layer outputs H_j = [fwd_j ; bwd_j] (`[len][2H]`) for a source (ids incl. the final </s>, no padding).
    /// With `dropout`, each layer's input is masked first.
    func encode(source: [Int], dropout: ReferenceDropoutMasks? = nil) -> [[Double]] {
        precondition(!source.isEmpty, "reference model: empty source")
        precondition(source.allSatisfy { (0..<sizes.sourceVocabulary).contains($0) }, "reference model: source id out of range")
        let embedding = matrix("source_embedding.weight")
        var layerInput = source.map { embedding.row($0) }              // [len][E], then [len][2H]
        for k in 0..<sizes.encoderLayers {
            if let dropout {
                let masks = k == 0 ? dropout.sourceEmbeddings : dropout.encoderLayerInputs[k - 1]
                layerInput = layerInput.indices.map { referenceMasked(layerInput[$0], masks[$0]) }
            }
            let forward = lstm("encoder", layer: k).run(layerInput).hidden
            let backward = lstm("encoder", layer: k, suffix: "_reverse").run(layerInput, reversed: true).hidden
            layerInput = zip(forward, backward).map { $0 + $1 }          // [fwd_j ; bwd_j]
        }
        return layerInput
    }

    // MARK: Bridge and attention

    /// e = [fwd_{len-1} ; bwd_0] of the top layer; every decoder layer starts at h = tanh(W_bridge e + b_bridge), c = 0.
    func initialDecoderState(encoderOutputs hs: [[Double]]) -> ReferenceDecoderState {
        let h = sizes.encoderHidden
        let e = Array(hs[hs.count - 1][0..<h]) + Array(hs[0][h..<(2 * h)])
        let start = referenceAdd(matrix("bridge.weight").times(e), vector("bridge.bias")).map { tanh($0) }
        let m = sizes.decoderLayers
        return ReferenceDecoderState(hidden: Array(repeating: start, count: m),
                                     cell: Array(repeating: [Double](repeating: 0, count: sizes.decoderHidden), count: m))
    }

    /// K_j = W_key H_j + b_key, `[len][A]`, once per sentence.
    func attentionKeys(encoderOutputs hs: [[Double]]) -> [[Double]] {
        hs.map { referenceAdd(matrix("attention.key.weight").times($0), vector("attention.key.bias")) }
    }

    /// score_j = w_energy · tanh(W_query s + K_j); alpha = softmax(score); context = Σ_j alpha_j H_j.
    func attend(query s: [Double], keys: [[Double]], encoderOutputs hs: [[Double]]) -> (alpha: [Double], context: [Double]) {
        let projected = matrix("attention.query.weight").times(s)   // [A]
        let energy = vector("attention.energy.weight")                // [A]
        let scores = keys.map { key in
            var score = 0.0
            for a in 0..<sizes.attention { score += energy[a] * tanh(projected[a] + key[a]) }
            return score
        }
        let alpha = referenceSoftmax(scores)
        var context = [Double](repeating: 0, count: 2 * sizes.encoderHidden)
        for j in hs.indices {
            for c in context.indices { context[c] += alpha[j] * hs[j][c] }
        }
        return (alpha, context)
    }

    // MARK: Decoder

    /// One decoder step t: attend with the top layer's previous hidden state, read [embedding(y_{t-1}) ; context_t]
    /// through the M layers to s_t, then o_t = tanh(W_readout [s_t ; context_t] + b_readout) and the logits.
    /// With `dropout`, the step's masks act on emb(y_{t-1}), the inputs of layers 1 ..< M and [s_t ; context_t].
    func decoderStep(previousToken: Int, state: ReferenceDecoderState, keys: [[Double]], encoderOutputs hs: [[Double]],
                     dropout: ReferenceStepMasks? = nil)
        -> (logits: [Double], attention: [Double], state: ReferenceDecoderState) {
        precondition((0..<sizes.targetVocabulary).contains(previousToken), "reference model: target id out of range")
        let (alpha, context) = attend(query: state.hidden[sizes.decoderLayers - 1], keys: keys, encoderOutputs: hs)
        var x = referenceMasked(matrix("target_embedding.weight").row(previousToken), dropout?.targetEmbedding) + context   // [E + 2H]
        var next = state
        for k in 0..<sizes.decoderLayers {
            if k > 0 { x = referenceMasked(x, dropout?.decoderLayerInputs[k - 1]) }
            let s = lstm("decoder", layer: k).step(input: x, hidden: state.hidden[k], cell: state.cell[k])
            next.hidden[k] = s.hidden
            next.cell[k] = s.cell
            x = s.hidden
        }
        let readoutInput = referenceMasked(x + context, dropout?.readoutInput)
        let readout = referenceAdd(matrix("readout.weight").times(readoutInput), vector("readout.bias")).map { tanh($0) }
        let logits = referenceAdd(matrix("generator.weight").times(readout), vector("generator.bias"))
        return (logits, alpha, next)
    }

    /// Teacher forcing: the logits (`[target.count + 1][Vt]`) and attention rows for decoder input [<s>] + target.
    /// With `dropout` (one sentence's masks), the training pass with those masks.
    func teacherForcedLogits(source: [Int], target: [Int], dropout: ReferenceDropoutMasks? = nil)
        -> (logits: [[Double]], attention: [[Double]]) {
        let hs = encode(source: source, dropout: dropout)
        let keys = attentionKeys(encoderOutputs: hs)
        var state = initialDecoderState(encoderOutputs: hs)
        var logits: [[Double]] = []
        var attention: [[Double]] = []
        for (t, previous) in ([Self.bos] + target).enumerated() {
            let step = decoderStep(previousToken: previous, state: state, keys: keys, encoderOutputs: hs, dropout: dropout?.step(t))
            logits.append(step.logits)
            attention.append(step.attention)
            state = step.state
        }
        return (logits, attention)
    }

    /// Teacher forcing: decoder reads [2] + target, predicts target + [3]; returns log p(y_t) for each of the
    /// target.count+1 positions, and the attention rows (one per decoder step, each source.count wide).
    func teacherForced(source: [Int], target: [Int]) -> (logProbs: [Double], attention: [[Double]]) {
        let (logits, attention) = teacherForcedLogits(source: source, target: target)
        let predicted = target + [Self.eos]
        let logProbs = predicted.indices.map { t in referenceLogSoftmax(logits[t])[predicted[t]] }
        return (logProbs, attention)
    }

    /// Label-smoothed loss summed over positions, as PyTorch's CrossEntropyLoss(label_smoothing: ε, reduction "sum"):
    /// per position (1-ε)·(-log p_y) + ε·mean_k(-log p_k) over all Vt classes. ε = 0 ⇒ plain cross-entropy.
    func loss(source: [Int], target: [Int], smoothing: Double, dropout: ReferenceDropoutMasks? = nil) -> Double {
        let logits = teacherForcedLogits(source: source, target: target, dropout: dropout).logits
        let predicted = target + [Self.eos]
        var total = 0.0
        for t in predicted.indices {
            let logProbs = referenceLogSoftmax(logits[t])
            let negativeLogLikelihood = -logProbs[predicted[t]]
            let uniform = -logProbs.reduce(0, +) / Double(logProbs.count)
            total += (1 - smoothing) * negativeLogLikelihood + smoothing * uniform
        }
        return total
    }

    // MARK: Greedy decoding

    /// Greedy decoding: at most maxSteps steps; stops after emitting </s> (id 3). Returns emitted ids (incl. the </s>
    /// if emitted), one attention row per emitted id, and each step's log-softmax over all Vt ids (`[steps][Vt]`).
    /// The argmax runs over all Vt ids.
    func greedy(source: [Int], maxSteps: Int) -> (tokens: [Int], attention: [[Double]], logProbabilities: [[Double]]) {
        let hs = encode(source: source)
        let keys = attentionKeys(encoderOutputs: hs)
        var state = initialDecoderState(encoderOutputs: hs)
        var previous = Self.bos
        var tokens: [Int] = []
        var attention: [[Double]] = []
        var logProbabilities: [[Double]] = []
        while tokens.count < maxSteps {
            let step = decoderStep(previousToken: previous, state: state, keys: keys, encoderOutputs: hs)
            let next = referenceArgmax(step.logits)
            tokens.append(next)
            attention.append(step.attention)
            logProbabilities.append(referenceLogSoftmax(step.logits))
            if next == Self.eos { break }
            previous = next
            state = step.state
        }
        return (tokens, attention, logProbabilities)
    }
}
