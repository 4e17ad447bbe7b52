// Decoder.swift — the bridge, one decoder step (attention with the previous top state as query, then
// [embedding ; context] through M stacked LSTM layers), the readout and generator, and the teacher-forced unrolled
// loop; each with its backward (SPEC §1 "Bridge", "Decoder step"). Stage [4][6].

import Foundation

// MARK: - Bridge

/// h_0 = tanh(W_bridge e + b_bridge): every decoder layer starts from it, with c_0 = 0.   e [B, 2H] → [B, D].
public func bridgeForward(_ final: Matrix, _ p: LinearParameters) -> Matrix {
    let h0 = Matrix(rows: final.rows, cols: p.weight.rows)
    linearForward(final, p, into: h0)
    tanhInPlace(h0)
    return h0
}

/// Backward of the bridge: dh0 [B, D] → de [B, 2H].
public func bridgeBackward(dInitial: Matrix, initial h0: Matrix, final: Matrix, _ p: LinearParameters, grads: LinearParameters) -> Matrix {
    let dPre = dInitial.clone()
    tanhBackwardInPlace(dPre, output: h0)          // forward: h0 = tanh(pre)
    let dFinal = Matrix(rows: final.rows, cols: final.cols)
    linearBackward(dPre, input: final, p, grads: grads, dx: dFinal)
    return dFinal
}

// MARK: - One step

/// The recurrent state of all decoder layers: hidden[k], cell[k] are [B, D].
public struct DecoderState {
    /// h of each layer, bottom first: M matrices [B, D].
    public var hidden: [Matrix]
    /// c of each layer, bottom first: M matrices [B, D].
    public var cell: [Matrix]

    /// Every layer starts with h = h_0 (from the bridge) and c = 0.
    public init(initialHidden h0: Matrix, layers: Int) {
        hidden = (0..<layers).map { _ in h0.clone() }
        cell = (0..<layers).map { _ in Matrix(rows: h0.rows, cols: h0.cols) }
    }

    init(hidden: [Matrix], cell: [Matrix]) {
        self.hidden = hidden
        self.cell = cell
    }

    /// s: the top layer's hidden state, the attention query of the next step.
    public var top: Matrix { hidden[hidden.count - 1] }
}

/// What one decoder step's forward keeps for its backward: attention, layer inputs and masks, gates, states.
public struct DecoderStepCache {
    /// The step's scores, α row and context.
    public let attention: AttentionStep
    public let layerInputs: [Matrix]?    // what each layer read; only the backward reads them, so decoding keeps none.
                                         // k = 0: x_t = [emb(y_{t-1}) ; context_t] [B, E+2H]; k > 0: h_t of layer
                                         // k−1 after dropout [B, D]
    public let layerMasks: [Matrix?]     // dropout masks of the inputs of layers k > 0 (index 0 unused: nil)
    public let gates: [Matrix]           // [B, 4D] per layer: i, f, g, o after σ / tanh
    /// The states the step started from.
    public let previous: DecoderState
    /// The states the step produced.
    public let next: DecoderState
}

/// One teacher-forced decoder step (training): attend with the previous top state, then run the M layers on
/// x_t = [embedded ; context]. `embedded` [B, E] is emb(y_{t-1}) (dropout already applied). Keeps what
/// `decoderStepBackward` reads.
public func decoderStepForward(embedded: Matrix, state: DecoderState, keys: AttentionKeys, _ p: ModelParameters,
                               dropout: inout Dropout) -> DecoderStepCache {
    let B = embedded.rows, E = embedded.cols, layer = p.decoder[0]
    let attention = attentionForward(query: state.top, keys: keys, p.attention, pass: .training)
    let x = Matrix.unspecified(rows: B, cols: E + attention.context.cols)      // written whole by the two copies
    x.columns(0 ..< E).copy(from: embedded)
    x.columns(E ..< x.cols).copy(from: attention.context)
    let gates = Matrix.unspecified(rows: B, cols: 4 * layer.hiddenSize)        // the product overwrites it
    linearForward(x, LinearParameters(weight: layer.weightIH, bias: layer.biasIH), into: gates)
    linearForward(state.hidden[0], LinearParameters(weight: layer.weightHH, bias: layer.biasHH), into: gates, accumulate: true)
    return decoderLayersForward(firstGates: gates, firstInput: x, attention: attention, state: state, p, pass: .training,
                                dropout: &dropout)
}

/// One decoder step while decoding: the same step reading the ids y_{t-1} [B]. No backward follows, so the step
/// keeps no layer inputs and its attention no hidden units. In a packed-weights scope over `p` that looks tokens up
/// (translation), layer 0 looks the embedding part of its input projection up per token
/// (`PackedWeights.projectTokens`) and multiplies only the context part, which saves a seventh of the layer's
/// multiply-adds at the reference sizes; the sum is then taken in another order, so the gates can differ from the
/// teacher-forced step's in the last bits.
public func decoderStepForward(tokens: [Int], state: DecoderState, keys: AttentionKeys, _ p: ModelParameters) -> DecoderStepCache {
    let B = tokens.count, E = p.targetEmbedding.cols, layer = p.decoder[0]
    let attention = attentionForward(query: state.top, keys: keys, p.attention, pass: .decoding)
    let gates = Matrix.unspecified(rows: B, cols: 4 * layer.hiddenSize)        // either branch overwrites it
    if let scope = tokenProjectionScope(p.storage) {
        // g = (W_ih[:, ..<E] emb + b_ih + b_hh, looked up) + W_ih[:, E...] context + W_hh h
        scope.projectTokens(tokens[...], embedding: p.targetEmbedding, weight: layer.weightIH.columns(0 ..< E),
                            biases: [layer.biasIH, layer.biasHH], into: gates)
        matmul(attention.context, layer.weightIH.columns(E ..< layer.inputSize), transposeB: true, into: gates, accumulate: true)
        matmul(state.hidden[0], layer.weightHH, transposeB: true, into: gates, accumulate: true)
    } else {
        let embedded = Matrix.unspecified(rows: B, cols: E), x = Matrix.unspecified(rows: B, cols: layer.inputSize)
        embeddingForward(ids: tokens, table: p.targetEmbedding, into: embedded)
        x.columns(0 ..< E).copy(from: embedded)
        x.columns(E ..< x.cols).copy(from: attention.context)
        linearForward(x, LinearParameters(weight: layer.weightIH, bias: layer.biasIH), into: gates)
        linearForward(state.hidden[0], LinearParameters(weight: layer.weightHH, bias: layer.biasHH), into: gates, accumulate: true)
    }
    var dropout = Dropout.off
    return decoderLayersForward(firstGates: gates, firstInput: nil, attention: attention, state: state, p, pass: .decoding,
                                dropout: &dropout)
}

/// The rest of a decoder step once layer 0's gate pre-activations are formed: layer 0's cell, then each layer
/// k > 0 on layer k−1's new state. `firstInput` is layer 0's input x_t, when it was formed.
private func decoderLayersForward(firstGates: Matrix, firstInput: Matrix?, attention: AttentionStep, state: DecoderState,
                                  _ p: ModelParameters, pass: Pass, dropout: inout Dropout) -> DecoderStepCache {
    let B = firstGates.rows
    var inputs: [Matrix] = [], masks: [Matrix?] = [], gates: [Matrix] = []
    var next = DecoderState(hidden: [], cell: [])
    for k in 0..<p.decoder.count {
        let layer = p.decoder[k]
        var mask: Matrix? = nil
        let g: Matrix
        if k == 0 {
            g = firstGates
            if let firstInput { inputs.append(firstInput) }
        } else {
            let input = next.hidden[k - 1].clone()     // dropout between layers must not change the state itself
            mask = dropout.apply(input)
            g = Matrix.unspecified(rows: B, cols: 4 * layer.hiddenSize)         // the product overwrites it
            linearForward(input, LinearParameters(weight: layer.weightIH, bias: layer.biasIH), into: g)
            linearForward(state.hidden[k], LinearParameters(weight: layer.weightHH, bias: layer.biasHH), into: g, accumulate: true)
            inputs.append(input)
        }
        // All rows active: the cell writes every row of c and h.
        let c = Matrix.unspecified(rows: B, cols: layer.hiddenSize), h = Matrix.unspecified(rows: B, cols: layer.hiddenSize)
        lstmCellForward(gates: g, previousCell: state.cell[k], previousHidden: state.hidden[k], cell: c, hidden: h, activity: .all)
        masks.append(mask); gates.append(g)
        next.hidden.append(h); next.cell.append(c)
    }
    return DecoderStepCache(attention: attention, layerInputs: pass.backwardFollows ? inputs : nil, layerMasks: masks,
                            gates: gates, previous: state, next: next)
}

/// Backward of one decoder step. On entry `dHidden[k]`, `dCell[k]` are the gradients w.r.t. the step's new state
/// (from later steps, the readout, and the next step's attention query); on exit they are the gradients w.r.t. the
/// previous state. `dContext` [B, 2H] is the readout's gradient w.r.t. context_t. Returns d emb(y_{t-1}) [B, E].
/// The gradients w.r.t. layer k's gate pre-activations go to `dGates[k]` [B, 4D] and the attention's w.r.t. its
/// projected query to `dProjectedQuery` [B, A] (both zero on entry): the weight gradients they lead to are taken by
/// `decoderBackward` for all steps at once (`addDecoderWeightGradients`), in products deep enough to run fast.
public func decoderStepBackward(dHidden: inout [Matrix], dCell: inout [Matrix], dContext: Matrix, cache: DecoderStepCache,
                                keys: AttentionKeys, _ p: ModelParameters, grads: ModelParameters,
                                dKeys: Matrix, dValues: Matrix, dGates: [Matrix], dProjectedQuery: Matrix) -> Matrix {
    let B = dContext.rows
    /// Layer k's backward through its cell and gate products: writes dGates[k], replaces dHidden[k] by the gradient
    /// w.r.t. h_{t-1} and returns the gradient w.r.t. the layer's input.
    func layerBackward(_ k: Int) -> Matrix {
        let layer = p.decoder[k]
        lstmCellBackward(dHidden: dHidden[k], dCell: dCell[k], gates: cache.gates[k], previousCell: cache.previous.cell[k],
                         cell: cache.next.cell[k], dGates: dGates[k], activity: .all)
        // forward: gates = W_ih input + b_ih + W_hh h_{t-1} + b_hh  ⇒  d input = dGates · W_ih, dh_{t-1} = dGates · W_hh
        let dInput = Matrix(rows: B, cols: layer.inputSize)
        matmul(dGates[k], layer.weightIH, into: dInput, accumulate: false)
        let dPrevious = Matrix(rows: B, cols: layer.hiddenSize)
        matmul(dGates[k], layer.weightHH, into: dPrevious, accumulate: false)
        dHidden[k] = dPrevious
        return dInput
    }
    for k in stride(from: p.decoder.count - 1, to: 0, by: -1) {
        let dInput = layerBackward(k)
        dropoutBackward(dInput, mask: cache.layerMasks[k])
        add(dInput, into: dHidden[k - 1])      // layer k read layer k−1's new state
    }
    let dX = layerBackward(0)
    // forward: x_t = [emb ; context]; context_t also fed the readout (dContext).
    let E = dX.cols - dContext.cols
    let dContextTotal = dContext.clone()
    add(dX.columns(E ..< dX.cols), into: dContextTotal)
    // The query of this step was the previous top state, so its gradient joins dHidden[top] (now w.r.t. step t−1).
    attentionBackward(dContext: dContextTotal, step: cache.attention, keys: keys, p.attention, grads: grads.attention,
                      dKeys: dKeys, dValues: dValues, dQuery: dHidden[p.decoder.count - 1], dProjectedQuery: dProjectedQuery)
    return dX.columns(0 ..< E)
}

// MARK: - Readout and generator

/// The readout's forward record for N rows at once: its input, dropout mask, output o_t and logits.
public struct ReadoutCache {
    public let input: Matrix        // [s_t ; context_t] [N, D+2H], after dropout
    /// The dropout mask applied to `input` (nil when dropout is off).
    public let inputMask: Matrix?
    public let output: Matrix       // o_t = tanh(W_readout input + b_readout) [N, D]
    public let logits: Matrix       // W_generator o_t + b_generator [N, Vt]
}

/// o = tanh(W_readout [s ; context] + b_readout), logits = W_generator o + b_generator, for N rows at once.
public func readoutForward(states: Matrix, contexts: Matrix, _ p: ModelParameters, dropout: inout Dropout) -> ReadoutCache {
    let N = states.rows, D = states.cols
    let input = Matrix.unspecified(rows: N, cols: D + contexts.cols)      // written whole by the two copies
    input.columns(0 ..< D).copy(from: states)
    input.columns(D ..< input.cols).copy(from: contexts)
    let mask = dropout.apply(input)
    let output = Matrix.unspecified(rows: N, cols: p.readout.weight.rows)   // the products overwrite both
    linearForward(input, p.readout, into: output)
    tanhInPlace(output)
    let logits = Matrix.unspecified(rows: N, cols: p.generator.weight.rows)
    linearForward(output, p.generator, into: logits)
    return ReadoutCache(input: input, inputMask: mask, output: output, logits: logits)
}

/// Backward of the readout and generator: returns d[s ; context] [N, D+2H] (split it with `columns`).
public func readoutBackward(dLogits: Matrix, cache: ReadoutCache, _ p: ModelParameters, grads: ModelParameters) -> Matrix {
    let dOutput = Matrix(rows: dLogits.rows, cols: cache.output.cols)
    linearBackward(dLogits, input: cache.output, p.generator, grads: grads.generator, dx: dOutput)
    tanhBackwardInPlace(dOutput, output: cache.output)          // forward: o = tanh(pre)
    let dInput = Matrix(rows: dLogits.rows, cols: cache.input.cols)
    linearBackward(dOutput, input: cache.input, p.readout, grads: grads.readout, dx: dInput)
    dropoutBackward(dInput, mask: cache.inputMask)
    return dInput
}

// MARK: - Teacher forcing: the unrolled decoder

/// The unrolled decoder's forward record over all Ty steps of a batch, consumed by its backward.
public struct DecoderCache {
    public let initial: Matrix          // h_0 [B, D] from the bridge
    public let embedded: Matrix         // emb(<s> y1 .. yn) [Ty·B, E], after dropout
    /// The dropout mask applied to `embedded` (nil when dropout is off).
    public let embeddingMask: Matrix?
    /// One cache per decoder step, Ty in all.
    public let steps: [DecoderStepCache]
    public let readout: ReadoutCache    // over all Ty·B rows at once
}

/// Runs the decoder over `<s> y1 .. yn` for every sentence of the batch (padded steps too: they come after a
/// sentence's real steps, so they cannot influence them, and the loss gives them zero weight).
public func decoderForward(_ batch: Batch, encoderFinal: Matrix, keys: AttentionKeys, _ p: ModelParameters,
                           dropout: inout Dropout) -> DecoderCache {
    let B = batch.size, T = batch.targetLength, D = p.bridge.weight.rows
    let initial = bridgeForward(encoderFinal, p.bridge)
    let embedded = Matrix(rows: T * B, cols: p.targetEmbedding.cols)
    embeddingForward(ids: batch.decoderInputIds, table: p.targetEmbedding, into: embedded)
    let embeddingMask = dropout.apply(embedded)
    var state = DecoderState(initialHidden: initial, layers: p.decoder.count)
    var steps: [DecoderStepCache] = []
    let states = Matrix(rows: T * B, cols: D)
    let contexts = Matrix(rows: T * B, cols: keys.values.cols)
    for t in 0..<T {
        let step = decoderStepForward(embedded: embedded.timeStep(t, batchSize: B), state: state, keys: keys, p, dropout: &dropout)
        state = step.next
        states.timeStep(t, batchSize: B).copy(from: state.top)
        contexts.timeStep(t, batchSize: B).copy(from: step.attention.context)
        steps.append(step)
    }
    let readout = readoutForward(states: states, contexts: contexts, p, dropout: &dropout)
    return DecoderCache(initial: initial, embedded: embedded, embeddingMask: embeddingMask, steps: steps, readout: readout)
}

/// The weight gradients of the decoder layers and of the attention query, summed over all steps in one product each
/// (as `lstmBackward` does for the encoder): dW_ih += Σ_t dGates_tᵀ input_t, dW_hh += Σ_t dGates_tᵀ h_{t-1},
/// db_ih = db_hh += Σ_t dGates_t, dW_query += Σ_t dProjectedQuery_tᵀ s_{t-1}. One product per step would be only
/// B deep, and would pack its operands and read and write the whole gradient every step.
func addDecoderWeightGradients(dGates: [Matrix], dProjectedQuery: Matrix, cache: DecoderCache, _ p: ModelParameters,
                               grads: ModelParameters) {
    let B = cache.initial.rows
    /// The steps' [B, X] matrices stacked time-major into one [T·B, X].
    func stacked(_ parts: [Matrix]) -> Matrix {
        let all = Matrix(rows: parts.count * B, cols: parts[0].cols)
        for (t, part) in parts.enumerated() { all.timeStep(t, batchSize: B).copy(from: part) }
        return all
    }
    let layerInputs = cache.steps.map { step in
        guard let inputs = step.layerInputs else { preconditionFailure("the decoder's backward needs teacher-forced steps") }
        return inputs
    }
    for k in p.decoder.indices {
        let g = grads.decoder[k]
        matmul(dGates[k], transposeA: true, stacked(layerInputs.map { $0[k] }), into: g.weightIH, accumulate: true)
        matmul(dGates[k], transposeA: true, stacked(cache.steps.map { $0.previous.hidden[k] }), into: g.weightHH, accumulate: true)
        addColumnSums(of: dGates[k], into: g.biasIH)
        addColumnSums(of: dGates[k], into: g.biasHH)
    }
    matmul(dProjectedQuery, transposeA: true, stacked(cache.steps.map(\.attention.query)), into: grads.attention.query.weight,
           accumulate: true)
}

/// Backward of `decoderForward` from dLogits [Ty·B, Vt]. Adds into dKeys, dValues and `grads`; returns de [B, 2H].
public func decoderBackward(dLogits: Matrix, cache: DecoderCache, _ batch: Batch, encoderFinal: Matrix, keys: AttentionKeys,
                            _ p: ModelParameters, grads: ModelParameters, dKeys: Matrix, dValues: Matrix) -> Matrix {
    let B = batch.size, D = cache.initial.cols
    let dReadoutInput = readoutBackward(dLogits: dLogits, cache: cache.readout, p, grads: grads)
    let dStates = dReadoutInput.columns(0 ..< D), dContexts = dReadoutInput.columns(D ..< dReadoutInput.cols)
    var dHidden = p.decoder.map { _ in Matrix(rows: B, cols: D) }
    var dCell = p.decoder.map { _ in Matrix(rows: B, cols: D) }
    let dEmbedded = Matrix(rows: cache.embedded.rows, cols: cache.embedded.cols)
    let T = cache.steps.count
    let dGates = p.decoder.map { Matrix(rows: T * B, cols: 4 * $0.hiddenSize) }          // [T·B, 4D] per layer
    let dProjectedQuery = Matrix(rows: T * B, cols: p.attention.query.weight.rows)      // [T·B, A]
    for t in stride(from: T - 1, through: 0, by: -1) {
        add(dStates.timeStep(t, batchSize: B), into: dHidden[p.decoder.count - 1])     // s_t fed the readout
        let dStepEmbedded = decoderStepBackward(dHidden: &dHidden, dCell: &dCell, dContext: dContexts.timeStep(t, batchSize: B),
                                                cache: cache.steps[t], keys: keys, p, grads: grads, dKeys: dKeys, dValues: dValues,
                                                dGates: dGates.map { $0.timeStep(t, batchSize: B) },
                                                dProjectedQuery: dProjectedQuery.timeStep(t, batchSize: B))
        dEmbedded.timeStep(t, batchSize: B).copy(from: dStepEmbedded)
    }
    addDecoderWeightGradients(dGates: dGates, dProjectedQuery: dProjectedQuery, cache: cache, p, grads: grads)
    dropoutBackward(dEmbedded, mask: cache.embeddingMask)
    embeddingBackward(dEmbedded, ids: batch.decoderInputIds, dTable: grads.targetEmbedding)
    // Every layer started from h_0, so h_0's gradient is the sum over layers (c_0 = 0 is a constant).
    let dInitial = Matrix(rows: B, cols: D)
    for dh in dHidden { add(dh, into: dInitial) }
    return bridgeBackward(dInitial: dInitial, initial: cache.initial, final: encoderFinal, p.bridge, grads: grads.bridge)
}
