// LinearTests.swift — the product kernels against a plain triple loop on odd shapes (incl. column views with a
// stride), and the affine layer's backward against its definition.

import Testing
@testable import Seq2SeqCore

@Suite struct LinearTests {
    static func random(_ rows: Int, _ cols: Int, _ rng: inout SplitMix64) -> Matrix {
        Matrix(rows: rows, cols: cols, values: (0..<rows * cols).map { _ in rng.nextUniform(bound: 1) })
    }

    /// (Σ_p op(A)[i, p] op(B)[p, j]) in Double: the definition.
    static func naive(_ a: Matrix, _ ta: Bool, _ b: Matrix, _ tb: Bool) -> [Float] {
        let n = ta ? a.cols : a.rows, k = ta ? a.rows : a.cols, m = tb ? b.rows : b.cols
        var c = [Float](repeating: 0, count: n * m)
        for i in 0..<n {
            for j in 0..<m {
                var sum = 0.0
                for p in 0..<k { sum += Double(ta ? a[p, i] : a[i, p]) * Double(tb ? b[j, p] : b[p, j]) }
                c[i * m + j] = Float(sum)
            }
        }
        return c
    }

    /// The fast kernel against the plain loops and the definition, on shapes around the 6 × 16 tile's edges and the
    /// cache blocks' (two groups of row blocks, the second ending in a partial block; a shallower last depth slice),
    /// with A read in place and packed (more than 64 panels), A and B as column views (strides ≠ widths),
    /// accumulating and overwriting.
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func productMatchesDefinition(transposeA: Bool, transposeB: Bool) {
        var rng = SplitMix64(seed: 1)
        for (n, k, m) in [(7, 5, 3), (1, 1, 1), (6, 16, 16), (13, 17, 33), (5, 3, 15), (12, 40, 17), (64, 9, 50), (10, 600, 40),
                          (6 * blocksPerGroup + 13, depthSlice + 14, 18), (13, 20, 16 * 64 + 21)] {
            let a = Self.random(transposeA ? k : n, (transposeA ? n : k) + 2, &rng).columns(1 ..< (transposeA ? n : k) + 1)
            let b = Self.random(transposeB ? m : k, (transposeB ? k : m) + 3, &rng).columns(2 ..< (transposeB ? k : m) + 2)
            let c = Self.random(n, m + 1, &rng).columns(0 ..< m)
            let before = c.toArray()
            let reference = c.clone()
            matmul(a, transposeA: transposeA, b, transposeB: transposeB, into: c, accumulate: true)
            matmulReference(a, transposeA: transposeA, b, transposeB: transposeB, into: reference, accumulate: true)
            let expected = zip(before, Self.naive(a, transposeA, b, transposeB)).map { $0 + $1 }
            expectClose(c.toArray(), expected, rtol: 1e-5, atol: 1e-5, "accumulate \(n)×\(k)×\(m)")
            expectClose(reference.toArray(), expected, rtol: 1e-5, atol: 1e-5, "reference accumulate \(n)×\(k)×\(m)")
            matmul(a, transposeA: transposeA, b, transposeB: transposeB, into: c, accumulate: false)
            expectClose(c.toArray(), Self.naive(a, transposeA, b, transposeB), rtol: 1e-5, atol: 1e-5, "overwrite \(n)×\(k)×\(m)")
        }
    }

    /// Deeper than one slice of the kernel (k > 256): a row alone (the one-sentence path over packed weights) and
    /// the same row inside a batch (the tile path, over more than one group of row blocks) are the same bits,
    /// because both sum the same slices in order.
    @Test func aRowAloneEqualsItsRowInABatchAcrossDepthSlices() {
        var rng = SplitMix64(seed: 9)
        let k = 2 * depthSlice + 37, m = 70
        let weights = Self.random(m, k, &rng)          // [m, k], used as Bᵀ like a layer's weight
        let rows = 6 * blocksPerGroup + 9
        let batch = Self.random(rows, k, &rng)
        withPackedWeights(weights.storage) {
            let together = Matrix(rows: rows, cols: m)
            matmul(batch, weights, transposeB: true, into: together, accumulate: false)
            for row in [0, 4, 8, 6 * blocksPerGroup - 1, 6 * blocksPerGroup, rows - 1] {
                let alone = Matrix(rows: 1, cols: m)
                matmul(batch.rows(row ..< row + 1), weights, transposeB: true, into: alone, accumulate: false)
                #expect(alone.toArray() == Array(together.toArray()[row * m ..< (row + 1) * m]), "row \(row)")
            }
        }
    }

    @Test func linearBackwardMatchesDefinition() {
        var rng = SplitMix64(seed: 2)
        let x = Self.random(4, 3, &rng), w = Self.random(5, 3, &rng), bias = Self.random(1, 5, &rng), dy = Self.random(4, 5, &rng)
        let p = LinearParameters(weight: w, bias: bias)
        let y = Matrix(rows: 4, cols: 5)
        linearForward(x, p, into: y)
        for i in 0..<4 { for o in 0..<5 {
            var sum = bias[0, o]
            for j in 0..<3 { sum += x[i, j] * w[o, j] }
            #expect(abs(y[i, o] - sum) < 1e-5)
        } }
        let grads = LinearParameters(weight: Matrix(rows: 5, cols: 3), bias: Matrix(rows: 1, cols: 5))
        let dx = Matrix(rows: 4, cols: 3)
        linearBackward(dy, input: x, p, grads: grads, dx: dx)
        // dx[i, j] = Σ_o dy[i, o] W[o, j];  dW[o, j] = Σ_i dy[i, o] x[i, j];  db[o] = Σ_i dy[i, o]
        for i in 0..<4 { for j in 0..<3 {
            #expect(abs(dx[i, j] - (0..<5).reduce(Float(0)) { $0 + dy[i, $1] * w[$1, j] }) < 1e-5)
        } }
        for o in 0..<5 {
            for j in 0..<3 { #expect(abs(grads.weight[o, j] - (0..<4).reduce(Float(0)) { $0 + dy[$1, o] * x[$1, j] }) < 1e-5) }
            #expect(abs(grads.bias![0, o] - (0..<4).reduce(Float(0)) { $0 + dy[$1, o] }) < 1e-5)
        }
    }

    @Test func maskedSoftmaxGivesExactZerosPastTheLength() {
        let scores: [Float] = [1, 3, -2, 100, 100]
        var probabilities = [Float](repeating: -1, count: 5)
        scores.withUnsafeBufferPointer { s in
            probabilities.withUnsafeMutableBufferPointer { p in maskedSoftmax(s.baseAddress!, length: 3, count: 5, into: p.baseAddress!) }
        }
        #expect(probabilities[3] == 0 && probabilities[4] == 0)
        #expect(abs(probabilities.reduce(0, +) - 1) < 1e-6)
        #expect(probabilities[1] > probabilities[0] && probabilities[0] > probabilities[2])
    }
}
