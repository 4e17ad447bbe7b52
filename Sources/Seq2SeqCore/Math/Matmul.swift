// Matmul.swift — C (+)= op(A)·op(B) for every product the model makes (A·B, A·Bᵀ, Aᵀ·B): the register-tiled SIMD
// kernel with its packing and cache blocking, and beside it the plain-loop reference it is tested against. Stage [4][6].

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// C (+)= op(A) · op(B), where op(X) is X or Xᵀ. Shapes: op(A) is [n, k], op(B) is [k, m], C is [n, m].
/// With `accumulate: false` C is overwritten; with `true` the product is added to what C holds
/// (backward passes add into gradient buffers the caller zeroed).
///
/// How: op(B) is packed once into panels of 16 columns ([k][16] each, zero-padded), and Aᵀ (or an A that many
/// panels read, see below) into blocks of six rows, so that A·B, A·Bᵀ and Aᵀ·B all become the same register-tiled
/// micro-kernel: a 6 × 16 tile of C held in twelve SIMD8 accumulators while p runs over k, each step one broadcast of
/// op(A)[i, p] and two fused multiply-adds per row.
public func matmul(_ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
                   into c: Matrix, accumulate: Bool) {
    let (n, k, m) = productShape(a, transposeA: transposeA, b, transposeB: transposeB, into: c)
    // Packing costs k·m copies; with fewer than 4 rows of A (translating one sentence) it would cost as much as the
    // product itself, so the plain loops do it instead — unless op(B) is a weight already packed in this scope.
    // Weights always take the tiled path, so a sentence's numbers are bitwise the same alone or in a batch
    // (the plain loops sum in another order).
    let buffer = PackBuffer.forCurrentThread
    let weights = buffer.weights.flatMap { $0.parameters === b.storage ? $0 : nil }
    if k == 0 || (n < 4 && weights == nil) {
        matmulReference(a, transposeA: transposeA, b, transposeB: transposeB, into: c, accumulate: accumulate)
        return
    }
    if m == 0 { return }
    let panels = (m + 15) / 16, rowBlocks = (n + 5) / 6
    // op(A) = A is read where it is when few panels sweep over it: a tile's six rows are six row pointers, each read
    // front to back, and packing (a serial copy before the threads start) would cost more than it saves. With many
    // panels (the large model's generator) A is read again for each, and one packed stream reads faster than six
    // rows. Aᵀ is always packed (see `packRows`): read in place, each step of its depth would touch another line of
    // memory for six floats.
    let packsA = transposeA || panels > 64
    let scratch = buffer.floats(panels * k * 16 + (packsA ? rowBlocks * k * 6 : 0))
    let packedA = scratch + panels * k * 16
    let packedB: UnsafeMutablePointer<Float>
    if let weights {
        packedB = weights.panels(b, transposed: transposeB, k: k, m: m)
    } else {
        packedB = scratch
        packPanels(b, transposed: transposeB, k: k, m: m, into: packedB)
    }
    if n < 4 {
        // A few rows (one sentence being translated): row by row over the packed panels, each element with
        // exactly the operations of the tile kernel, so the bits do not depend on the batch.
        let rowStep = transposeA ? 1 : a.stride, depthStep = transposeA ? a.stride : 1
        for i in 0..<n {
            var panel = 0
            while panel < panels {
                let count = min(4, panels - panel), column = panel * 16
                for depth in stride(from: 0, to: k, by: depthSlice) {
                    multiplyRow(a.pointer + i * rowStep + depth * depthStep, depthStep: depthStep, packedB + panel * k * 16 + depth * 16,
                                panels: count, k: min(depthSlice, k - depth), panelStride: k * 16, c.row(i) + column,
                                width: min(16 * count, m - column), accumulate: accumulate || depth > 0)
                }
                panel += count
            }
        }
        return
    }
    if packsA { packRows(a, transposed: transposeA, n: n, k: k, into: packedA) }
    /// Row block `block` of op(A) at depth `depth` of a slice `sliceDepth` deep: where its first element is, and how
    /// many bytes lie between its rows and between its steps of depth.
    @inline(__always) func aBlock(_ block: Int, depth: Int, sliceDepth: Int) -> (UnsafeMutablePointer<Float>, rowStride: Int, depthStride: Int) {
        packsA ? (packedA + depth * rowBlocks * 6 + block * sliceDepth * 6, 4, 24) : (a.row(block * 6) + depth, a.stride * 4, 4)
    }
    // Threads share out the panels: each element of C is still computed by exactly the same operations, so the
    // result does not depend on the number of threads. Small products stay on one thread (waking another costs
    // about a microsecond, ~50 000 multiply-adds).
    let pool = WorkerPool.shared
    let parts = pool.threads > 1 && n * k * m >= 1 << 16 ? min(panels, pool.threads) : 1
    // Cache blocking: depth is taken in slices of `depthSlice` and row blocks in groups of `blocksPerGroup`. A group's
    // slice of A (≤ 384 KB) stays in L2 while the panels sweep over it, and a panel's slice (16 KB) stays in L1
    // while the group's blocks sweep over it, so neither a deep A (a weight gradient, k = T·B) nor a tall one (the
    // generator's weight gradient) is read from L3 once per panel. Each element still sums its slices in the same
    // order, so the bits do not depend on the blocking.
    pool.run(parts: parts) { part in
        let myPanels = (part * panels / parts) ..< ((part + 1) * panels / parts)
        for depth in stride(from: 0, to: k, by: depthSlice) {
            let sliceDepth = min(depthSlice, k - depth)
            for group in stride(from: 0, to: rowBlocks, by: blocksPerGroup) {
                let groupEnd = min(group + blocksPerGroup, rowBlocks), fullEnd = min(groupEnd, n / 6)
                for panel in myPanels {
                    let column = panel * 16, width = min(16, m - column)
                    let bSlice = packedB + panel * k * 16 + depth * 16
                    for block in group ..< max(group, fullEnd) {
                        let (aPointer, rowStride, depthStride) = aBlock(block, depth: depth, sliceDepth: sliceDepth)
                        multiplyTile(aPointer, rowStride: rowStride, depthStride: depthStride, bSlice, k: sliceDepth,
                                     c.row(block * 6) + column, cStride: c.stride, height: 6, width: width, accumulate: accumulate || depth > 0)
                    }
                    if fullEnd < groupEnd {
                        let (aPointer, rowStride, depthStride) = aBlock(fullEnd, depth: depth, sliceDepth: sliceDepth)
                        multiplyTile(aPointer, rowStride: rowStride, depthStride: depthStride, bSlice, k: sliceDepth,
                                     c.row(fullEnd * 6) + column, cStride: c.stride, height: n % 6, width: width, accumulate: accumulate || depth > 0)
                    }
                }
            }
        }
    }
}

/// How deep one pass of the micro-kernel goes before its tile of C is stored (see `matmul`); `multiplyRow` sums
/// in the same slices, so a row's bits do not depend on which path computed it.
let depthSlice = 256
/// Row blocks of A one sweep of the panels covers (see `matmul`): 64 blocks of 6 rows are 384 KB of A at full depth.
let blocksPerGroup = 64

/// Copies op(A) [n, k] into depth slices of `depthSlice` (the last may be shallower), one after another. Slice s
/// holds the ⌈n/6⌉ row blocks of its depth contiguously, each as [depth][6] (row r of the block at position r; zeros
/// past n). So the micro-kernel's sweep over a slice's blocks reads one stretch of memory; blocks holding their whole
/// depth would lie k·24 bytes apart and, at large k, fall into the same few cache sets and not stay in L2.
@inline(__always) func packRows(_ a: Matrix, transposed: Bool, n: Int, k: Int, into packed: UnsafeMutablePointer<Float>) {
    let blocks = (n + 5) / 6
    for start in stride(from: 0, to: k, by: depthSlice) {
        let depth = min(depthSlice, k - start), slice = packed + start * blocks * 6
        if transposed {
            // op(A)[row, p] = A[p, row]: a block's six rows are six neighbouring floats of each of A's rows. The
            // block is written front to back, and the slice's lines of A it reads (one per row of A, 16 KB) are still
            // in L1 for the next block (dealing each row of A out to all the blocks would write every block's lines
            // in turn).
            for block in 0..<blocks {
                let destination = slice + block * depth * 6, first = block * 6, height = min(6, n - first)
                if height == 6 {
                    for p in 0..<depth {
                        let source = a.row(start + p) + first, target = destination + p * 6
                        for r in 0..<6 { target[r] = source[r] }
                    }
                } else {
                    for p in 0..<depth {
                        let source = a.row(start + p) + first, target = destination + p * 6
                        for r in 0..<6 { target[r] = r < height ? source[r] : 0 }
                    }
                }
            }
            continue
        }
        for block in 0..<blocks {
            let destination = slice + block * depth * 6
            for r in 0..<6 {
                let row = block * 6 + r
                if row >= n {
                    for p in 0..<depth { destination[p * 6 + r] = 0 }
                } else {
                    let source = a.row(row) + start
                    for p in 0..<depth { destination[p * 6 + r] = source[p] }
                }
            }
        }
    }
}

/// Copies op(B) [k, m] into ⌈m/16⌉ panels, panel q holding columns 16q ..< 16q+16 as [k][16] (zeros past m).
@inline(__always) func packPanels(_ b: Matrix, transposed: Bool, k: Int, m: Int, into packed: UnsafeMutablePointer<Float>) {
    let panels = (m + 15) / 16
    for panel in 0..<panels {
        let column = panel * 16, width = min(16, m - column)
        let destination = packed + panel * k * 16
        if transposed {
            // op(B)[p, j] = B[j, p]: read B's rows (contiguous in p), write down the panel's columns.
            for jj in 0..<16 {
                if jj < width {
                    let source = b.row(column + jj)
                    for p in 0..<k { destination[p * 16 + jj] = source[p] }
                } else {
                    for p in 0..<k { destination[p * 16 + jj] = 0 }
                }
            }
        } else {
            for p in 0..<k {
                let source = b.row(p) + column, target = destination + p * 16
                for jj in 0..<width { target[jj] = source[jj] }
                for jj in width..<16 { target[jj] = 0 }
            }
        }
    }
}

/// One row of C against up to four consecutive panels (64 columns), `panelStride` floats apart, over k steps of
/// depth: c[0..<width] (+)= Σ_p a[p·depthStep] · panels[p],
/// accumulated from zero in the order and with the fused multiply-adds of `multiplyTile`, so a row's result is the
/// same either way. Four panels give eight independent accumulator chains, so the loop is not bound by FMA latency.
@inline(__always) func multiplyRow(_ a: UnsafeMutablePointer<Float>, depthStep: Int, _ firstPanel: UnsafeMutablePointer<Float>,
                                   panels: Int, k: Int, panelStride: Int, _ c: UnsafeMutablePointer<Float>, width: Int, accumulate: Bool) {
    var acc = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
    let stride = panelStride * 4                           // bytes from one panel to the next
    var b = UnsafeRawPointer(firstPanel), x = a
    for _ in 0..<k {
        let broadcast = SIMD8<Float>(repeating: x.pointee)
        acc.0.addProduct(broadcast, b.loadUnaligned(as: SIMD8<Float>.self))
        acc.1.addProduct(broadcast, b.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
        if panels > 1 {
            acc.2.addProduct(broadcast, b.loadUnaligned(fromByteOffset: stride, as: SIMD8<Float>.self))
            acc.3.addProduct(broadcast, b.loadUnaligned(fromByteOffset: stride + 32, as: SIMD8<Float>.self))
        }
        if panels > 2 {
            acc.4.addProduct(broadcast, b.loadUnaligned(fromByteOffset: 2 * stride, as: SIMD8<Float>.self))
            acc.5.addProduct(broadcast, b.loadUnaligned(fromByteOffset: 2 * stride + 32, as: SIMD8<Float>.self))
        }
        if panels > 3 {
            acc.6.addProduct(broadcast, b.loadUnaligned(fromByteOffset: 3 * stride, as: SIMD8<Float>.self))
            acc.7.addProduct(broadcast, b.loadUnaligned(fromByteOffset: 3 * stride + 32, as: SIMD8<Float>.self))
        }
        b += 64
        x += depthStep
    }
    withUnsafeBytes(of: &acc) { raw in                  // the eight vectors, contiguous: column j is float j
        let values = raw.assumingMemoryBound(to: Float.self)
        for j in 0..<width { c[j] = accumulate ? c[j] + values[j] : values[j] }
    }
}

/// C[0..<height, 0..<width] (+)= Σ_p a(r, p) · bPanel[p][0..<16] for one tile (height ≤ 6, width ≤ 16), where a(r, p)
/// lies r · rowStride + p · depthStride bytes past `aBlock` (a packed block: 4 and 24; rows of A in place: A's row
/// stride and 4). The loop is two vector loads, six broadcasts and twelve fused multiply-adds a step; the 12
/// accumulators, 2 B vectors and 1 broadcast fit the 16 vector registers of AVX2 (32 on NEON).
@inline(__always) func multiplyTile(_ aBlock: UnsafeMutablePointer<Float>, rowStride: Int, depthStride: Int,
                                    _ bPanel: UnsafeMutablePointer<Float>, k: Int,
                                    _ c: UnsafeMutablePointer<Float>, cStride: Int, height: Int, width: Int, accumulate: Bool) {
    var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
    var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
    var c40 = SIMD8<Float>(), c41 = SIMD8<Float>(), c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
    var a = UnsafeRawPointer(aBlock), b = UnsafeRawPointer(bPanel)
    for _ in 0..<k {
        let b0 = b.loadUnaligned(as: SIMD8<Float>.self), b1 = b.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        // Rows past `height` (the last block of a product whose rows are not a multiple of 6) are skipped: called
        // with height 6 the tests fold away; a block of 2 rows costs a third of a full one instead of as much.
        var x = SIMD8<Float>(repeating: a.load(as: Float.self)); c00.addProduct(x, b0); c01.addProduct(x, b1)
        if height > 1 { x = SIMD8<Float>(repeating: a.load(fromByteOffset: rowStride, as: Float.self)); c10.addProduct(x, b0); c11.addProduct(x, b1) }
        if height > 2 { x = SIMD8<Float>(repeating: a.load(fromByteOffset: 2 * rowStride, as: Float.self)); c20.addProduct(x, b0); c21.addProduct(x, b1) }
        if height > 3 { x = SIMD8<Float>(repeating: a.load(fromByteOffset: 3 * rowStride, as: Float.self)); c30.addProduct(x, b0); c31.addProduct(x, b1) }
        if height > 4 { x = SIMD8<Float>(repeating: a.load(fromByteOffset: 4 * rowStride, as: Float.self)); c40.addProduct(x, b0); c41.addProduct(x, b1) }
        if height > 5 { x = SIMD8<Float>(repeating: a.load(fromByteOffset: 5 * rowStride, as: Float.self)); c50.addProduct(x, b0); c51.addProduct(x, b1) }
        a += depthStride
        b += 64
    }
    @inline(__always) func store(_ row: Int, _ lo: SIMD8<Float>, _ hi: SIMD8<Float>) {
        guard row < height else { return }
        let target = c + row * cStride
        if width == 16 {
            let raw = UnsafeMutableRawPointer(target)
            if accumulate {
                raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Float>.self) + lo, as: SIMD8<Float>.self)
                raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self) + hi, toByteOffset: 32, as: SIMD8<Float>.self)
            } else {
                raw.storeBytes(of: lo, as: SIMD8<Float>.self)
                raw.storeBytes(of: hi, toByteOffset: 32, as: SIMD8<Float>.self)
            }
        } else {
            for j in 0..<width {
                let value = j < 8 ? lo[j] : hi[j - 8]
                target[j] = accumulate ? target[j] + value : value
            }
        }
    }
    store(0, c00, c01); store(1, c10, c11); store(2, c20, c21)
    store(3, c30, c31); store(4, c40, c41); store(5, c50, c51)
}

/// (n, k, m) of C [n, m] (+)= op(A) [n, k] · op(B) [k, m], the shapes checked to agree.
@inline(__always) func productShape(_ a: Matrix, transposeA: Bool, _ b: Matrix, transposeB: Bool, into c: Matrix)
    -> (n: Int, k: Int, m: Int) {
    let n = transposeA ? a.cols : a.rows
    let k = transposeA ? a.rows : a.cols
    let kb = transposeB ? b.cols : b.rows
    let m = transposeB ? b.rows : b.cols
    precondition(k == kb && c.rows == n && c.cols == m,
                 "matmul shapes: op(A) [\(n), \(k)] · op(B) [\(kb), \(m)] into C [\(c.rows), \(c.cols)]")
    return (n, k, m)
}

/// The reference kernel: C (+)= op(A) · op(B) by plain loops, the definition `matmul` is tested against.
public func matmulReference(_ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
                   into c: Matrix, accumulate: Bool) {
    let (n, k, m) = productShape(a, transposeA: transposeA, b, transposeB: transposeB, into: c)
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
