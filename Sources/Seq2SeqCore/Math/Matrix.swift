// Matrix.swift — row-major float32 storage and the views every layer works on. No autograd: a Matrix is
// numbers plus a shape, and each layer's backward is written by hand next to its forward.

import Foundation

/// One contiguous, zero-initialised allocation of floats; given back when the last view of it goes away.
/// Large blocks come from `StoragePool` and return to it, so a training step reuses the previous step's memory
/// instead of asking the kernel for fresh pages, each of which it would fault in and zero.
public final class FloatStorage: @unchecked Sendable {
    /// Start of the allocation.
    public let base: UnsafeMutablePointer<Float>
    /// Floats in the allocation.
    public let count: Int
    private let pooledCapacity: Int?

    /// `zeroed: false` leaves the floats as the pool or the allocator hands them out (see `Matrix.unspecified`).
    public init(count: Int, zeroed: Bool = true) {
        precondition(count >= 0, "FloatStorage needs a non-negative count")
        self.count = count
        if let capacity = StoragePool.capacity(for: count) {
            pooledCapacity = capacity
            base = StoragePool.shared.take(capacity: capacity)
        } else {
            pooledCapacity = nil
            base = .allocate(capacity: max(count, 1))
        }
        if zeroed { base.initialize(repeating: 0, count: max(count, 1)) }
    }

    deinit {
        if let pooledCapacity { StoragePool.shared.give(base, capacity: pooledCapacity) } else { base.deallocate() }
    }

    /// The whole allocation as a buffer.
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base, count: count) }

    /// A copy of `count` floats starting at `offset`.
    public func values(at offset: Int, count: Int) -> [Float] {
        precondition(offset >= 0 && offset + count <= self.count, "values(at:count:) out of bounds")
        return Array(UnsafeBufferPointer(start: base + offset, count: count))
    }

    /// Overwrites the floats starting at `offset` with `values`.
    public func setValues(_ values: [Float], at offset: Int) {
        precondition(offset >= 0 && offset + values.count <= count, "setValues(_:at:) out of bounds")
        for (i, value) in values.enumerated() { base[offset + i] = value }
    }
}

/// Blocks of 4,096 floats and more, by power-of-two capacity, kept for reuse: first by the thread that gave them
/// back (up to 64 MB per thread), then in a list all threads share (up to 1 GiB). A block a thread freed is likely
/// still in its core's cache; handed to the other core, its first writes there fetch every line from this one.
final class StoragePool: @unchecked Sendable {
    static let shared = StoragePool()
    private static let smallest = 4096
    private static let keptLimit = 1 << 28            // floats (1 GiB), in the shared list
    private static let threadKeptLimit = 1 << 24      // floats (64 MB), on each thread

    /// Free blocks by capacity, and the floats they hold in all.
    private final class Blocks {
        var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
        var kept = 0

        func take(capacity: Int) -> UnsafeMutablePointer<Float>? {
            guard let block = free[capacity]?.popLast() else { return nil }
            kept -= capacity
            return block
        }

        /// Keeps the block if it fits under `limit`.
        func give(_ block: UnsafeMutablePointer<Float>, capacity: Int, limit: Int) -> Bool {
            guard kept + capacity <= limit else { return false }
            free[capacity, default: []].append(block)
            kept += capacity
            return true
        }
    }

    /// A thread's own blocks; when the thread ends they go to the shared list.
    private final class ThreadBlocks {
        let blocks = Blocks()
        deinit {
            for (capacity, list) in blocks.free { for block in list { StoragePool.shared.giveShared(block, capacity: capacity) } }
        }
    }

    private let lock = NSLock()
    private let sharedBlocks = Blocks()
    private let threadBlocks = PerThread { ThreadBlocks() }

    /// The pooled capacity for `count` floats, or nil when the block is small enough for malloc's own bins.
    static func capacity(for count: Int) -> Int? {
        guard count >= smallest else { return nil }
        var capacity = smallest
        while capacity < count { capacity <<= 1 }
        return capacity
    }

    func take(capacity: Int) -> UnsafeMutablePointer<Float> {
        if let block = threadBlocks.value.blocks.take(capacity: capacity) { return block }
        lock.lock()
        defer { lock.unlock() }
        return sharedBlocks.take(capacity: capacity) ?? .allocate(capacity: capacity)
    }

    func give(_ block: UnsafeMutablePointer<Float>, capacity: Int) {
        if threadBlocks.value.blocks.give(block, capacity: capacity, limit: Self.threadKeptLimit) { return }
        giveShared(block, capacity: capacity)
    }

    private func giveShared(_ block: UnsafeMutablePointer<Float>, capacity: Int) {
        lock.lock()
        defer { lock.unlock() }
        if !sharedBlocks.give(block, capacity: capacity, limit: Self.keptLimit) { block.deallocate() }
    }
}

/// A row-major view `[rows, cols]` into a `FloatStorage`: element (r, c) lives at `pointer[r * stride + c]`.
///
/// Copying a Matrix copies the view, not the numbers (like passing a pointer in C): views of the same storage
/// see each other's writes. That is how the parameter table hands out named tensors of one flat block, and how
/// `[embedding ; context]` is written in place through two column views. `clone()` copies the numbers.
public struct Matrix: @unchecked Sendable {
    /// The allocation this view reads and writes.
    public let storage: FloatStorage
    /// Index in `storage` of element (0, 0).
    public let offset: Int
    public let rows: Int
    public let cols: Int
    /// Distance in floats between the starts of consecutive rows (≥ cols; > cols for a column view).
    public let stride: Int

    /// A new zero matrix with its own storage.
    public init(rows: Int, cols: Int) {
        precondition(rows >= 0 && cols >= 0, "Matrix shape must be non-negative")
        self.storage = FloatStorage(count: rows * cols)
        self.offset = 0
        self.rows = rows
        self.cols = cols
        self.stride = cols
    }

    /// A new matrix whose floats are unspecified (whatever its memory held before): only for a buffer every element
    /// of which is written before it is read. It saves zeroing what is about to be overwritten.
    public static func unspecified(rows: Int, cols: Int) -> Matrix {
        precondition(rows >= 0 && cols >= 0, "Matrix shape must be non-negative")
        return Matrix(storage: FloatStorage(count: rows * cols, zeroed: false), offset: 0, rows: rows, cols: cols)
    }

    /// A view of `rows × cols` floats of `storage` starting at `offset`.
    public init(storage: FloatStorage, offset: Int, rows: Int, cols: Int, stride: Int? = nil) {
        let stride = stride ?? cols
        precondition(rows == 0 || offset + (rows - 1) * stride + cols <= storage.count, "Matrix view exceeds its storage")
        self.storage = storage
        self.offset = offset
        self.rows = rows
        self.cols = cols
        self.stride = stride
    }

    /// A matrix holding a copy of `values` (row-major, count rows·cols).
    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "Matrix(values:) needs rows·cols values")
        self.init(rows: rows, cols: cols)
        values.withUnsafeBufferPointer { source in
            guard let start = source.baseAddress else { return }
            pointer.update(from: start, count: values.count)
        }
    }

    /// Address of element (0, 0).
    public var pointer: UnsafeMutablePointer<Float> { storage.base + offset }
    /// rows · cols.
    public var count: Int { rows * cols }
    /// Whether the elements are one run of `count` floats (no gaps between rows).
    public var isContiguous: Bool { stride == cols || rows <= 1 }

    /// Element (row, col); out of bounds is checked only in debug builds.
    public subscript(row: Int, col: Int) -> Float {
        get {
            assert(row >= 0 && row < rows && col >= 0 && col < cols, "Matrix index out of bounds")
            return pointer[row * stride + col]
        }
        nonmutating set {
            assert(row >= 0 && row < rows && col >= 0 && col < cols, "Matrix index out of bounds")
            pointer[row * stride + col] = newValue
        }
    }

    /// Pointer to the first element of row `r`.
    /// (Checked in debug builds only: this sits in every hot loop.)
    @inline(__always) public func row(_ r: Int) -> UnsafeMutablePointer<Float> {
        assert(r >= 0 && (r < rows || (r == rows && cols == 0)), "Matrix row \(r) out of bounds 0..<\(rows)")
        return pointer + r * stride
    }

    /// The view of rows `range` (shares storage).
    public func rows(_ range: Range<Int>) -> Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "row range out of bounds")
        return Matrix(storage: storage, offset: offset + range.lowerBound * stride, rows: range.count, cols: cols, stride: stride)
    }

    /// The view of columns `range` (shares storage; its stride is this matrix's).
    public func columns(_ range: Range<Int>) -> Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= cols, "column range out of bounds")
        return Matrix(storage: storage, offset: offset + range.lowerBound, rows: rows, cols: range.count, stride: stride)
    }

    /// Time step `t` of a time-major `[T·B, X]` sequence: rows t·B ..< (t+1)·B.
    public func timeStep(_ t: Int, batchSize: Int) -> Matrix { rows(t * batchSize ..< (t + 1) * batchSize) }

    /// Sets every element of the view to `value`.
    public func fill(_ value: Float) {
        for r in 0..<rows { row(r).update(repeating: value, count: cols) }
    }

    /// Copies the numbers of `source` (same shape) into this view.
    public func copy(from source: Matrix) {
        precondition(source.rows == rows && source.cols == cols, "copy(from:) needs equal shapes")
        for r in 0..<rows { row(r).update(from: source.row(r), count: cols) }
    }

    /// A new matrix with its own storage holding the same numbers.
    public func clone() -> Matrix {
        let result = Matrix(rows: rows, cols: cols)
        result.copy(from: self)
        return result
    }

    /// The numbers, row-major.
    public func toArray() -> [Float] {
        var values = [Float]()
        values.reserveCapacity(count)
        for r in 0..<rows { values.append(contentsOf: UnsafeBufferPointer(start: row(r), count: cols)) }
        return values
    }

    /// Row `r` as an array (for results handed to callers, not for hot loops).
    public func rowArray(_ r: Int) -> [Float] { Array(UnsafeBufferPointer(start: row(r), count: cols)) }
}
