// Linear.swift — the matrix products a batched LSTM needs (A·B, A·Bᵀ, Aᵀ·B, accumulating into C) behind one
// small interface, and the affine layer y = x·Wᵀ + b with its backward (dx, dW, db) beside it. Stage [4][6].
// These are the plain reference kernels: correct and simple; the speed work replaces their insides only.

/// C (+)= op(A) · op(B), where op(X) is X or Xᵀ. Shapes: op(A) is [n, k], op(B) is [k, m], C is [n, m].
/// With `accumulate: false` C is overwritten; with `true` the product is added to what C holds
/// (backward passes add into gradient buffers the caller zeroed).
public func matmul(_ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
                   into c: Matrix, accumulate: Bool) {
    let n = transposeA ? a.cols : a.rows
    let k = transposeA ? a.rows : a.cols
    let kb = transposeB ? b.cols : b.rows
    let m = transposeB ? b.rows : b.cols
    precondition(k == kb && c.rows == n && c.cols == m,
                 "matmul shapes: op(A) [\(n), \(k)] · op(B) [\(kb), \(m)] into C [\(c.rows), \(c.cols)]")
    if !accumulate { c.fill(0) }
    if n == 0 || m == 0 || k == 0 { return }
    switch (transposeA, transposeB) {
    case (false, false):
        // C[i, :] += A[i, p] · B[p, :]   — inner loop runs along contiguous rows of B and C.
        for i in 0..<n {
            let cRow = c.row(i), aRow = a.row(i)
            for p in 0..<k {
                let aip = aRow[p]
                let bRow = b.row(p)
                for j in 0..<m { cRow[j] += aip * bRow[j] }
            }
        }
    case (false, true):
        // C[i, j] += A[i, :] · B[j, :]   — a dot product of two contiguous rows.
        for i in 0..<n {
            let cRow = c.row(i), aRow = a.row(i)
            for j in 0..<m { cRow[j] += dot(aRow, b.row(j), count: k) }
        }
    case (true, false):
        // C[i, :] += A[p, i] · B[p, :]   — the weight-gradient shape dW = dYᵀ · X.
        for p in 0..<k {
            let aRow = a.row(p), bRow = b.row(p)
            for i in 0..<n {
                let api = aRow[i]
                if api == 0 { continue }
                let cRow = c.row(i)
                for j in 0..<m { cRow[j] += api * bRow[j] }
            }
        }
    case (true, true):
        // C[i, j] += A[p, i] · B[j, p]   — not used by the model; kept so the interface is complete.
        for i in 0..<n {
            let cRow = c.row(i)
            for j in 0..<m {
                let bRow = b.row(j)
                var sum: Float = 0
                for p in 0..<k { sum += a[p, i] * bRow[p] }
                cRow[j] += sum
            }
        }
    }
}

/// Σ_p x[p]·y[p], in eight SIMD lanes (a plain `sum +=` loop cannot be vectorised: float addition is not
/// associative, so the compiler must keep the order).
@inline(__always) func dot(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) -> Float {
    var lanes = SIMD8<Float>()
    var p = 0
    while p + 8 <= count {
        let xv = UnsafeRawPointer(x + p).loadUnaligned(as: SIMD8<Float>.self)
        let yv = UnsafeRawPointer(y + p).loadUnaligned(as: SIMD8<Float>.self)
        lanes.addProduct(xv, yv)
        p += 8
    }
    var sum = lanes.sum()
    while p < count {
        sum += x[p] * y[p]
        p += 1
    }
    return sum
}

/// The parameters of an affine map: weight `[out, in]` (PyTorch `nn.Linear` layout) and an optional bias `[1, out]`.
public struct LinearParameters {
    public var weight: Matrix
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
    precondition(v.rows == 1 && v.cols == y.cols, "addRowVector needs v [1, \(y.cols)]")
    let vRow = v.row(0)
    for r in 0..<y.rows {
        let yRow = y.row(r)
        for j in 0..<y.cols { yRow[j] += vRow[j] }
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
