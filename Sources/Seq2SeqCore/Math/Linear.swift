// Linear.swift — the matrix products a batched LSTM needs (A·B, A·Bᵀ, Aᵀ·B, accumulating into C) behind one
// small interface, and the affine layer y = x·Wᵀ + b with its backward (dx, dW, db) beside it. Stage [4][6].
// These are the plain reference kernels: correct and simple; the speed work replaces their insides only.

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
    let n = transposeA ? a.cols : a.rows
    let k = transposeA ? a.rows : a.cols
    let kb = transposeB ? b.cols : b.rows
    let m = transposeB ? b.rows : b.cols
    precondition(k == kb && c.rows == n && c.cols == m,
                 "matmul shapes: op(A) [\(n), \(k)] · op(B) [\(kb), \(m)] into C [\(c.rows), \(c.cols)]")
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
    // front to back, and packing (a serial copy before the threads start) cost more than it saved. Measured alone
    // with two threads, the reference model's per-step products went from 82–99 to 107–144 GFLOP/s. With many panels
    // (the large model's generator, 500) A is read again for each, and one packed stream reads faster than six rows
    // (packed 151–177, in place 126–140 GFLOP/s). Aᵀ is always packed (see `packRows`): read in place, each step of
    // its depth would touch another line of memory for six floats.
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
    // while the group's blocks sweep over it. Without slicing, a weight gradient's A (k = T·B deep) was read from L3
    // once per panel; without groups, so was a tall A (the generator's weight gradient, 8,000 rows). Each element
    // still sums its slices in the same order, so the bits do not depend on the blocking.
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
/// past n). So the micro-kernel's sweep over a slice's blocks reads one stretch of memory. With each block holding
/// its whole depth, a slice's blocks lay k·24 bytes apart, and at k = 8,000 (the generator's dStates) they fell into
/// the same few cache sets and could not stay in L2.
@inline(__always) func packRows(_ a: Matrix, transposed: Bool, n: Int, k: Int, into packed: UnsafeMutablePointer<Float>) {
    let blocks = (n + 5) / 6
    for start in stride(from: 0, to: k, by: depthSlice) {
        let depth = min(depthSlice, k - start), slice = packed + start * blocks * 6
        if transposed {
            // op(A)[row, p] = A[p, row]: a block's six rows are six neighbouring floats of each of A's rows. The
            // block is written front to back, and the slice's lines of A it reads (one per row of A, 16 KB) are still
            // in L1 for the next block. (Dealing each row of A out to all the blocks instead wrote to every block's
            // lines in turn: for a weight gradient's 8,000 rows, a quarter of the product's time.)
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

/// A growing scratch allocation for packed panels, one per thread (products on different threads, e.g.
/// concurrent tests, must not share it), reused by every product of that thread: no allocation per call.
final class PackBuffer {
    private var storage = FloatStorage(count: 0)
    /// The packed-weights scope open on this thread, if any (see `withPackedWeights`).
    var weights: PackedWeights? = nil

    /// The calling thread's buffer.
    static var forCurrentThread: PackBuffer { perThread.value }
    private static let perThread = PerThread { PackBuffer() }

    func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
        if storage.count < count { storage = FloatStorage(count: max(count, 2 * storage.count)) }
        return storage.base
    }
}

/// Packed panels of weight matrices, kept while the weights cannot change: one training step's forward and
/// backward, or one batch's decoding. Only operands that are views of `parameters` are cached, so activations
/// (which come and go, and may reuse freed addresses) are always packed afresh.
final class PackedWeights {
    struct Key: Hashable {
        let offset: Int, rows: Int, cols: Int, stride: Int, transposed: Bool
    }
    let parameters: FloatStorage
    private var panels: [Key: FloatStorage] = [:]

    init(parameters: FloatStorage) { self.parameters = parameters }

    /// The panels of op(b) (b a view of `parameters`), packed on first use.
    func panels(_ b: Matrix, transposed: Bool, k: Int, m: Int) -> UnsafeMutablePointer<Float> {
        let key = Key(offset: b.offset, rows: b.rows, cols: b.cols, stride: b.stride, transposed: transposed)
        if let packed = panels[key] { return packed.base }
        let packed = FloatStorage(count: (m + 15) / 16 * k * 16)
        packPanels(b, transposed: transposed, k: k, m: m, into: packed.base)
        panels[key] = packed
        return packed.base
    }

    /// Input projections of tokens: row v is `embedding[v] · weightᵀ + Σ biases`, computed the first time token v
    /// is asked for and kept for the rest of the scope. A layer that reads embeddings can then look its input
    /// projection up instead of multiplying every time step again (translation: the encoder's first layer and the
    /// decoder's embedding part). The rows are computed by `linearForward` and `addRowVector`, whose result for a
    /// row does not depend on the other rows, so a looked-up row is bitwise what the product would have given.
    private var tokenTables: [Key: TokenTable] = [:]
    /// Off: layers multiply their inputs out (training steps turn it off; tests compare the look-ups with it).
    var looksUpTokens = true
    /// Tokens looked up and rows computed so far in this scope (for tests and curiosity).
    private(set) var tokensLookedUp = 0, tokenRowsComputed = 0

    /// The rows computed so far, in the order they were first asked for; `slot[v]` is token v's row (−1: not yet).
    private final class TokenTable {
        var table: Matrix
        var count = 0
        var slot: [Int32]
        init(vocabulary: Int, cols: Int) {
            table = Matrix(rows: min(vocabulary, 64), cols: cols)
            slot = [Int32](repeating: -1, count: vocabulary)
        }
    }

    /// out[n, :] = embedding[ids[n]] · weightᵀ + Σ biases (`weight` a view of `parameters`, [out, E]). A slice of ids
    /// will do (an encoder step's tokens), without a copy.
    func projectTokens(_ ids: ArraySlice<Int>, embedding: Matrix, weight: Matrix, biases: [Matrix], into out: Matrix) {
        precondition(ids.count == out.rows && out.cols == weight.rows && embedding.cols == weight.cols, "projectTokens shapes")
        let key = Key(offset: weight.offset, rows: weight.rows, cols: weight.cols, stride: weight.stride, transposed: false)
        let entry = tokenTables[key] ?? TokenTable(vocabulary: embedding.rows, cols: weight.rows)
        tokenTables[key] = entry
        // The tokens not seen yet in this scope, each once, in one product.
        var missing: [Int] = []
        for id in ids where entry.slot[id] < 0 {
            entry.slot[id] = Int32(entry.count + missing.count)
            missing.append(id)
        }
        if !missing.isEmpty {
            if entry.count + missing.count > entry.table.rows {
                let grown = Matrix(rows: max(entry.count + missing.count, 2 * entry.table.rows), cols: weight.rows)
                grown.rows(0 ..< entry.count).copy(from: entry.table.rows(0 ..< entry.count))
                entry.table = grown
            }
            let embedded = Matrix(rows: missing.count, cols: embedding.cols)
            embeddingForward(ids: missing, table: embedding, into: embedded)
            let projected = entry.table.rows(entry.count ..< entry.count + missing.count)
            linearForward(embedded, LinearParameters(weight: weight, bias: nil), into: projected)
            addRowVectors(biases, to: projected)
            entry.count += missing.count
            tokenRowsComputed += missing.count
        }
        tokensLookedUp += ids.count
        for (n, id) in ids.enumerated() { out.row(n).update(from: entry.table.row(Int(entry.slot[id])), count: out.cols) }
    }
}

/// The packed-weights scope open on this thread over `parameters`, if any and if it looks tokens up.
func tokenProjectionScope(_ parameters: FloatStorage) -> PackedWeights? {
    PackBuffer.forCurrentThread.weights.flatMap { $0.parameters === parameters && $0.looksUpTokens ? $0 : nil }
}

/// Runs `body` with the weights in `parameters` packed at most once per orientation. The caller promises not to
/// change `parameters` inside `body`.
/// A scope opened inside another over the same block reuses its packed panels (e.g. `greedy` called batch after
/// batch by the `Translator`, which holds one scope for a whole translation job).
public func withPackedWeights<T>(_ parameters: FloatStorage, _ body: () throws -> T) rethrows -> T {
    let buffer = PackBuffer.forCurrentThread
    let outer = buffer.weights
    if let outer, outer.parameters === parameters { return try body() }
    buffer.weights = PackedWeights(parameters: parameters)
    defer { buffer.weights = outer }
    return try body()
}

/// The reference kernel: C (+)= op(A) · op(B) by plain loops, the definition `matmul` is tested against.
public func matmulReference(_ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
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
