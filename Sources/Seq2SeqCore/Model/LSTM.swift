// LSTM.swift — one LSTM layer, one direction, over a padded batch with per-sentence lengths; `torch.nn.LSTM`
// semantics (SPEC §1): gates = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh, rows i, f, g, o;
// c_t = f ⊙ c_{t-1} + i ⊙ g;  h_t = o ⊙ tanh(c_t). The one-step cell is shared with the decoder. Stage [4][6].


/// Which rows of a batch take part in one step: all of them (a decoder step), or, at step t of left-aligned
/// sentences, each row b while t < lengths[b].
public enum RowActivity {
    case all
    case within(lengths: [Int], step: Int)

    @inline(__always) func isActive(row b: Int) -> Bool {
        switch self {
        case .all: return true
        case let .within(lengths, t): return t < lengths[b]
        }
    }
}

// MARK: - One step

/// Forward of one LSTM step for a batch of B rows.
/// On entry `gates` [B, 4h] holds the pre-activations W_ih x + b_ih + W_hh h_{t-1} + b_hh; on exit it holds the
/// activations (i, f, o through σ, g through tanh). Writes c_t and h_t [B, h]. An inactive row (past its sentence's
/// end) carries its state unchanged, c_t = c_{t-1}, h_t = h_{t-1}, and its gates are set to 0.
public func lstmCellForward(gates: Matrix, previousCell: Matrix, previousHidden: Matrix,
                            cell: Matrix, hidden: Matrix, activity: RowActivity) {
    let h = cell.cols
    for b in 0..<gates.rows {
        let g = gates.row(b), cPrev = previousCell.row(b), c = cell.row(b), hOut = hidden.row(b)
        guard activity.isActive(row: b) else {
            g.update(repeating: 0, count: 4 * h)
            c.update(from: cPrev, count: h)
            hOut.update(from: previousHidden.row(b), count: h)
            continue
        }
        // The gates in place, i and f (side by side) and o through σ, g through tanh.
        sigmoid(g, into: g, count: 2 * h)
        tanh(g + 2 * h, into: g + 2 * h, count: h)
        sigmoid(g + 3 * h, into: g + 3 * h, count: h)
        // c_t = f ⊙ c_{t-1} + i ⊙ g (written as the first sweep of tanh c_t goes), then h_t = o ⊙ tanh(c_t), eight
        // units at a time; a last partial group goes through the same lanes (zeros past h, never stored).
        @inline(__always) func cellExponent(_ u: Int, lanes n: Int) -> SIMD8<Float> {
            let (i, f, gg) = (load(g + u, lanes: n), load(g + h + u, lanes: n), load(g + 2 * h + u, lanes: n))
            let cNew = f * load(cPrev + u, lanes: n) + i * gg
            store(cNew, c + u, lanes: n)
            return tanhExponent(cNew)
        }
        @inline(__always) func hiddenGroup(_ u: Int, lanes n: Int, tanhExponential e: SIMD8<Float>) {
            store(load(g + 3 * h + u, lanes: n) * tanh(load(c + u, lanes: n), exponential: e), hOut + u, lanes: n)
        }
        stagedExponentials(count: h, cellExponent, hiddenGroup)
    }
}

/// Backward of one LSTM step. On entry `dHidden`, `dCell` [B, h] are the gradients w.r.t. h_t and c_t.
/// Writes `dGates` [B, 4h] (w.r.t. the pre-activations) and replaces `dCell` by the gradient w.r.t. c_{t-1}.
/// For inactive rows the step was the identity, so dGates = 0 and dCell passes through unchanged.
/// (The caller forms dh_{t-1} = dGates · W_hh, plus dh_t itself for inactive rows.)
public func lstmCellBackward(dHidden: Matrix, dCell: Matrix, gates: Matrix, previousCell: Matrix, cell: Matrix,
                             dGates: Matrix, activity: RowActivity) {
    let h = cell.cols
    for b in 0..<gates.rows {
        let dg = dGates.row(b)
        guard activity.isActive(row: b) else {
            dg.update(repeating: 0, count: 4 * h)
            continue
        }
        let g = gates.row(b), cPrev = previousCell.row(b), c = cell.row(b), dh = dHidden.row(b), dc = dCell.row(b)
        // The arithmetic is a pure function of the eight lanes, so the loop over full groups and the tail share it.
        @inline(__always) func group(_ u: Int, lanes n: Int) {
            let (dPreviousCell, dGates) = lstmCellBackwardLanes(
                i: load(g + u, lanes: n), f: load(g + h + u, lanes: n), g: load(g + 2 * h + u, lanes: n), o: load(g + 3 * h + u, lanes: n),
                previousCell: load(cPrev + u, lanes: n), cell: load(c + u, lanes: n), dHidden: load(dh + u, lanes: n), dCell: load(dc + u, lanes: n))
            store(dPreviousCell, dc + u, lanes: n)
            store(dGates.i, dg + u, lanes: n); store(dGates.f, dg + h + u, lanes: n)
            store(dGates.g, dg + 2 * h + u, lanes: n); store(dGates.o, dg + 3 * h + u, lanes: n)
        }
        forEachLaneGroup(h, group)
    }
}

/// The backward of one LSTM step for eight units: the gates' activations i, f, g, o, c_{t-1}, c_t and the incoming
/// dh_t, dc_t give dc_{t-1} and the gradients w.r.t. the four pre-activations.
@inline(__always) func lstmCellBackwardLanes(i: SIMD8<Float>, f: SIMD8<Float>, g: SIMD8<Float>, o: SIMD8<Float>,
                                             previousCell: SIMD8<Float>, cell: SIMD8<Float>, dHidden dH: SIMD8<Float>,
                                             dCell: SIMD8<Float>)
    -> (dPreviousCell: SIMD8<Float>, dGates: (i: SIMD8<Float>, f: SIMD8<Float>, g: SIMD8<Float>, o: SIMD8<Float>)) {
    // forward: h_t = o ⊙ tanh(c_t)
    let tanhC = tanh(cell)
    let dO = dH * tanhC
    // c_t receives from h_t and from step t+1 (already in dCell)
    let dC = dCell + dH * o * (1 - tanhC * tanhC)
    // forward: c_t = f ⊙ c_{t-1} + i ⊙ g
    let dI = dC * g, dF = dC * previousCell, dG = dC * i
    // through the gate non-linearities: σ' = y(1−y), tanh' = 1 − y²
    return (dC * f, (dI * i * (1 - i), dF * f * (1 - f), dG * (1 - g * g), dO * o * (1 - o)))
}

// MARK: - A whole sequence

/// What one direction's forward over a sequence keeps: the states always; for its backward the input, gates and
/// cells, which a decoding pass does not keep. Buffers are time-major.
public struct LSTMCache {
    public let input: Matrix?       // x [T·B, I]; nil when the input projections were looked up per token
    public let batchSize: Int       // B
    public let gates: Matrix?       // [T·B, 4h]: i, f, g, o after σ / tanh; 0 at padding (nil in decoding)
    public let cells: Matrix?       // [(T+1)·B, h]: block 0 is c_0 = 0, block t+1 is c after step t (nil in decoding)
    public let states: Matrix       // [(T+1)·B, h]: block 0 is h_0 = 0, block t+1 is h after step t
    public let lengths: [Int]       // each sentence's real positions

    /// The rows that took part in step t.
    public func activity(step t: Int) -> RowActivity { .within(lengths: lengths, step: t) }
    /// T: steps the layer ran.
    public var steps: Int { states.rows / batchSize - 1 }
    /// h after each sentence's last real token (carried unchanged through its padding): [B, h].
    public var finalHidden: Matrix { states.timeStep(steps, batchSize: batchSize) }

    /// The outputs h_t [T·B, h]: h after step t at the real positions, exactly 0 at padding (a new matrix).
    public var outputs: Matrix {
        let outputs = Matrix.unspecified(rows: steps * batchSize, cols: states.cols)      // written whole below
        writeOutputs(into: outputs)
        return outputs
    }

    /// Writes h after step t of sentence b to row t·B + b of `destination` [T·B, h] (a column view will do), or with
    /// `reversed` to row (lengths[b] − 1 − t)·B + b: the right-to-left direction's outputs back in source order.
    /// Rows of padding get zeros, so every row is written. (The encoder puts both directions into its layer output
    /// this way, without a copy of each.)
    public func writeOutputs(into destination: Matrix, reversed: Bool = false) {
        precondition(destination.rows == steps * batchSize && destination.cols == states.cols, "writeOutputs: destination must be [T·B, h]")
        for b in 0..<batchSize {
            let length = lengths[b]
            for t in 0..<length {
                destination.row((reversed ? length - 1 - t : t) * batchSize + b).update(from: states.row((t + 1) * batchSize + b), count: states.cols)
            }
            for t in length..<steps { destination.row(t * batchSize + b).update(repeating: 0, count: states.cols) }
        }
    }
}

/// The batch size from which a decoding's encoder forms each step's input projections on their own (see
/// `lstmForward`): one full row of the product kernel's 6 × 16 tiles and more.
let stepProjectionRows = 6

/// Where a direction's input projections W_ih x_t + b_ih + b_hh come from.
enum InputProjection {
    /// Multiplied out from the input x [T·B, I].
    case product(_ input: Matrix)
    /// Looked up per token in `scope`'s table (decoding, see `PackedWeights.projectTokens`): `ids` [T·B] are the
    /// tokens of the input's rows, time-major; `embedding` is the table they index.
    case tokens(_ ids: [Int], scope: PackedWeights, embedding: Matrix)

    /// T·B.
    var rows: Int {
        switch self {
        case let .product(input): input.rows
        case let .tokens(ids, _, _): ids.count
        }
    }

    /// The input x, when there is one to multiply out.
    var input: Matrix? {
        switch self {
        case let .product(input): input
        case .tokens: nil
        }
    }
}

/// Runs one LSTM direction from zero state, left to right, each sentence only over its own `lengths[b]` positions,
/// its input projections formed as `projection` says. (The right-to-left direction runs this on its input reversed
/// within each length.)
///
/// A pass that keeps the gates (training, inspection) forms the input projections of all steps first, into the
/// `gates` it keeps, by one product with rows enough to run fast. A decoding keeps the states only, and the cells
/// live in two [B, h] blocks. A decoding batch of at least `stepProjectionRows` sentences forms each step's
/// projection in one [B, 4h] block that every step reuses, so that its products stay in the fastest caches instead
/// of a T·B × 4h matrix passing through L3; a smaller batch still forms them all first, as one sentence's step
/// would be a one-row product that reads all of W_ih for each row. Each row's arithmetic is the same in every case,
/// so the states are equal to the bit (tested): a decoding's weights are packed, and packed weights take the same
/// kernel operations whatever the rows.
func lstmForward(_ projection: InputProjection, lengths: [Int], batchSize: Int, _ p: LSTMParameters, pass: Pass) -> LSTMCache {
    let steps = projection.rows / batchSize, h = p.hiddenSize
    precondition(steps * batchSize == projection.rows && lengths.count == batchSize, "lstmForward: input must be [T·B, I]")
    /// W_ih x + b_ih + b_hh for the rows `rows` of the input into `gates` (as many rows).
    func project(_ rows: Range<Int>, into gates: Matrix) {
        switch projection {
        case let .product(input):
            matmul(input.rows(rows), p.weightIH, transposeB: true, into: gates, accumulate: false)
            addRowVectors([p.biasIH, p.biasHH], to: gates)
        case let .tokens(ids, scope, embedding):
            scope.projectTokens(ids[rows], embedding: embedding, weight: p.weightIH, biases: [p.biasIH, p.biasHH], into: gates)
        }
    }
    let keepsGates = pass.keepsGates
    let stepByStep = !keepsGates && batchSize >= stepProjectionRows
    let gates = Matrix.unspecified(rows: stepByStep ? batchSize : steps * batchSize, cols: 4 * h)
    // The input projections of all time steps at once, before the recurrence (which overwrites gates).
    if !stepByStep { project(0 ..< steps * batchSize, into: gates) }
    // Block 0 is the zero start; every step writes all rows of its block (a finished row carries its state on).
    let cells = Matrix.unspecified(rows: keepsGates ? (steps + 1) * batchSize : 2 * batchSize, cols: h)
    let states = Matrix.unspecified(rows: (steps + 1) * batchSize, cols: h)
    cells.timeStep(0, batchSize: batchSize).fill(0)
    states.timeStep(0, batchSize: batchSize).fill(0)
    // Rows sorted longest first, as a decoding's length-sorted groups are, are active in a prefix at every step;
    // the rows past it are finished sentences, whose state the cell only carries on, so step by step their products
    // are skipped.
    let skipsFinished = stepByStep && zip(lengths, lengths.dropFirst()).allSatisfy { $0 >= $1 }
    for t in 0..<steps {
        let live = 0 ..< (skipsFinished ? lengths.prefix { $0 > t }.count : batchSize)
        let stepGates = stepByStep ? gates : gates.timeStep(t, batchSize: batchSize)
        if stepByStep { project(t * batchSize ..< t * batchSize + live.count, into: stepGates.rows(live)) }
        let previousHidden = states.timeStep(t, batchSize: batchSize)
        let previousCell = cells.timeStep(keepsGates ? t : t % 2, batchSize: batchSize)
        let cell = cells.timeStep(keepsGates ? t + 1 : (t + 1) % 2, batchSize: batchSize)
        matmul(previousHidden.rows(live), p.weightHH, transposeB: true, into: stepGates.rows(live), accumulate: true)
        lstmCellForward(gates: stepGates, previousCell: previousCell, previousHidden: previousHidden,
                        cell: cell, hidden: states.timeStep(t + 1, batchSize: batchSize), activity: .within(lengths: lengths, step: t))
    }
    return LSTMCache(input: projection.input, batchSize: batchSize, gates: keepsGates ? gates : nil,
                     cells: keepsGates ? cells : nil, states: states, lengths: lengths)
}

/// `lstmForward` as training runs it: the input projections multiplied out, and everything the backward needs kept.
public func lstmForward(_ input: Matrix, lengths: [Int], batchSize: Int, _ p: LSTMParameters) -> LSTMCache {
    lstmForward(.product(input), lengths: lengths, batchSize: batchSize, p, pass: .training)
}

/// Backward of `lstmForward`. `dOutputs` [T·B, h] is the gradient w.r.t. `outputs` (ignored at padding);
/// `dFinalHidden` [B, h] (optional) the gradient w.r.t. `finalHidden`. Adds the weight gradients into `grads`
/// and returns dx [T·B, I].
public func lstmBackward(dOutputs: Matrix, dFinalHidden: Matrix?, cache: LSTMCache, _ p: LSTMParameters,
                         grads: LSTMParameters) -> Matrix {
    guard let input = cache.input, let gates = cache.gates, let cells = cache.cells else {
        preconditionFailure("lstmBackward needs the cache of a training pass")
    }
    let batchSize = cache.batchSize, steps = cache.steps, h = p.hiddenSize
    let dGates = Matrix(rows: steps * batchSize, cols: 4 * h)
    var dHidden = Matrix(rows: batchSize, cols: h)
    if let dFinalHidden { dHidden.copy(from: dFinalHidden) }
    let dCell = Matrix(rows: batchSize, cols: h)
    for t in stride(from: steps - 1, through: 0, by: -1) {
        let activity = cache.activity(step: t)
        // h_t feeds the output at t (real positions only) and step t+1 (already in dHidden).
        let dOutput = dOutputs.timeStep(t, batchSize: batchSize)
        for b in 0..<batchSize where activity.isActive(row: b) {
            let dh = dHidden.row(b), dOut = dOutput.row(b)
            for u in 0..<h { dh[u] += dOut[u] }
        }
        let stepDGates = dGates.timeStep(t, batchSize: batchSize)
        lstmCellBackward(dHidden: dHidden, dCell: dCell, gates: gates.timeStep(t, batchSize: batchSize),
                         previousCell: cells.timeStep(t, batchSize: batchSize), cell: cells.timeStep(t + 1, batchSize: batchSize),
                         dGates: stepDGates, activity: activity)
        // forward: gates_t = … + W_hh h_{t-1}  ⇒  dh_{t-1} = dGates_t · W_hh; an inactive row carried h unchanged.
        let dPrevious = Matrix(rows: batchSize, cols: h)
        matmul(stepDGates, p.weightHH, into: dPrevious, accumulate: false)
        for b in 0..<batchSize where !activity.isActive(row: b) {
            dPrevious.row(b).update(from: dHidden.row(b), count: h)
        }
        dHidden = dPrevious
    }
    // Weight gradients summed over all steps in one product each: step t read h_{t-1} = states block t.
    matmul(dGates, transposeA: true, cache.states.rows(0 ..< steps * batchSize), into: grads.weightHH, accumulate: true)
    let dInput = Matrix(rows: input.rows, cols: input.cols)
    linearBackward(dGates, input: input, LinearParameters(weight: p.weightIH, bias: p.biasIH),
                   grads: LinearParameters(weight: grads.weightIH, bias: grads.biasIH), dx: dInput)
    addColumnSums(of: dGates, into: grads.biasHH)
    return dInput
}

/// Reverses each sentence of a time-major `[T·B, X]` sequence within its own length: position t of sentence b
/// goes to lengths[b] − 1 − t; padding stays zero. Its own inverse, so the backward pass uses it too. This is how
/// the right-to-left direction starts at each sentence's last token, as `pack_padded_sequence` does.
public func reverseWithinLengths(_ x: Matrix, lengths: [Int], batchSize: Int) -> Matrix {
    let result = Matrix(rows: x.rows, cols: x.cols)
    for b in 0..<batchSize {
        let length = lengths[b]
        for t in 0..<length {
            result.row((length - 1 - t) * batchSize + b).update(from: x.row(t * batchSize + b), count: x.cols)
        }
    }
    return result
}
