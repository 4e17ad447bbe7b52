// PackedWeights.swift — the scratch and caches the product kernel reuses: a per-thread pack buffer, weight panels
// packed once per scope, and per-token input projections looked up instead of multiplied again. Stage [4][9].

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
    /// Off: decoding layers multiply their inputs out too, as a training pass always does (tests compare with it).
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
