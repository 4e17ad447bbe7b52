// Linear.swift — the affine layer y = x·Wᵀ + b with its backward (dx, dW, db) beside it, and the element-wise
// helpers layers share (row-vector adds, column sums, y += x, masking). Stage [4][6].

/// The parameters of an affine map: weight `[out, in]` (PyTorch `nn.Linear` layout) and an optional bias `[1, out]`.
public struct LinearParameters {
    /// W [out, in].
    public var weight: Matrix
    /// b [1, out]; nil for a layer without bias.
    public var bias: Matrix?
}

/// y = x · Wᵀ + b.   x: [N, in], W: [out, in], b: [1, out], y: [N, out] (overwritten; `accumulate` adds instead).
public func linearForward(_ x: Matrix, _ p: LinearParameters, into y: Matrix, accumulate: Bool = false) {
    matmul(x, p.weight, transposeB: true, into: y, accumulate: accumulate)
    if let bias = p.bias { addRowVector(bias, to: y) }
}

/// Backward of `y = x · Wᵀ + b`:  dx += dy · W,  dW += dyᵀ · x,  db += Σ_rows dy.   Adds into the given buffers.
public func linearBackward(_ dy: Matrix, input x: Matrix, _ p: LinearParameters, grads: LinearParameters, dx: Matrix?) {
    if let dx { matmul(dy, p.weight, into: dx, accumulate: true) }
    matmul(dy, transposeA: true, x, into: grads.weight, accumulate: true)
    if let dBias = grads.bias { addColumnSums(of: dy, into: dBias) }
}

/// y[r, :] += v[0, :] for every row r.
public func addRowVector(_ v: Matrix, to y: Matrix) {
    addRowVectors([v], to: y)
}

/// y[r, :] += v[0, :] for each v of `vectors` in turn, for every row r, in one pass over y: the same sums as one
/// `addRowVector` after another.
public func addRowVectors(_ vectors: [Matrix], to y: Matrix) {
    for v in vectors { precondition(v.rows == 1 && v.cols == y.cols, "addRowVectors needs vectors [1, \(y.cols)]") }
    for r in 0..<y.rows {
        let yRow = y.row(r)
        for v in vectors {
            let vRow = v.row(0)
            for j in 0..<y.cols { yRow[j] += vRow[j] }
        }
    }
}

/// sums[0, :] += Σ_r x[r, :] — the bias gradient.
public func addColumnSums(of x: Matrix, into sums: Matrix) {
    precondition(sums.rows == 1 && sums.cols == x.cols, "addColumnSums needs sums [1, \(x.cols)]")
    let sRow = sums.row(0)
    for r in 0..<x.rows {
        let xRow = x.row(r)
        for j in 0..<x.cols { sRow[j] += xRow[j] }
    }
}

/// y += x (same shapes).
public func add(_ x: Matrix, into y: Matrix) {
    precondition(x.rows == y.rows && x.cols == y.cols, "add(_:into:) needs equal shapes")
    for r in 0..<y.rows {
        let xRow = x.row(r), yRow = y.row(r)
        for j in 0..<y.cols { yRow[j] += xRow[j] }
    }
}

/// y *= mask, elementwise (dropout's forward and backward are both this).
public func multiply(_ y: Matrix, by mask: Matrix) {
    precondition(mask.rows == y.rows && mask.cols == y.cols, "multiply(_:by:) needs equal shapes")
    for r in 0..<y.rows {
        let yRow = y.row(r), mRow = mask.row(r)
        for j in 0..<y.cols { yRow[j] *= mRow[j] }
    }
}
