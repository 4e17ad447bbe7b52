// Batch.swift — sentences of token ids → padded, time-major id arrays with their lengths (stage [3]).
// SPEC §1: a source is its tokens then </s>; the decoder reads <s> y1..yn and must predict y1..yn </s>.

/// A padded batch. Every id array is time-major, `[T·B]`: position t of sentence b is at index t·B + b,
/// so time step t is the contiguous block of rows t·B ..< (t+1)·B of every `[T·B, X]` activation.
public struct Batch: Sendable {
    public let size: Int                  // B
    public let sourceLength: Int          // Ts: the longest source incl. </s>
    public let sourceIds: [Int]           // [Ts·B], <pad> past each length
    public let sourceLengths: [Int]       // [B], each incl. </s>
    public let targetLength: Int          // Ty: the longest target + 1 (for <s> / </s>); 0 without targets
    public let decoderInputIds: [Int]     // [Ty·B]: <s> y1 .. yn, then <pad>
    public let targetIds: [Int]           // [Ty·B]: y1 .. yn </s>, then <pad>
    public let targetLengths: [Int]       // [B], each n + 1

    /// Builds a batch from token ids without specials. `targets` is nil for translation.
    public init(sources: [[Int]], targets: [[Int]]? = nil) {
        precondition(!sources.isEmpty, "a batch needs at least one sentence")
        precondition(targets == nil || targets?.count == sources.count, "one target per source")
        let batchSize = sources.count
        size = batchSize
        sourceLengths = sources.map { $0.count + 1 }
        sourceLength = sourceLengths.max() ?? 1
        var sourceIds = [Int](repeating: Vocabulary.pad, count: sourceLength * batchSize)
        for (b, sentence) in sources.enumerated() {
            for (t, id) in (sentence + [Vocabulary.eos]).enumerated() { sourceIds[t * batchSize + b] = id }
        }
        self.sourceIds = sourceIds
        guard let targets else {
            targetLength = 0
            decoderInputIds = []
            targetIds = []
            targetLengths = []
            return
        }
        targetLengths = targets.map { $0.count + 1 }
        targetLength = targetLengths.max() ?? 1
        var input = [Int](repeating: Vocabulary.pad, count: targetLength * batchSize)
        var output = input
        for (b, sentence) in targets.enumerated() {
            for (t, id) in ([Vocabulary.bos] + sentence).enumerated() { input[t * batchSize + b] = id }
            for (t, id) in (sentence + [Vocabulary.eos]).enumerated() { output[t * batchSize + b] = id }
        }
        decoderInputIds = input
        targetIds = output
    }

    /// Indices 0..<lengths.count sorted by length (ties in input order) and cut into groups of `size`: sentences of
    /// similar length decoded together waste little on padding. Used wherever whole files are decoded or scored.
    public static func lengthSortedGroups(_ lengths: [Int], size: Int) -> [[Int]] {
        let order = lengths.indices.sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        return stride(from: 0, to: order.count, by: max(1, size)).map { Array(order[$0 ..< min($0 + max(1, size), order.count)]) }
    }

    /// Target tokens that count in the loss (all non-padding positions, </s> included).
    public var targetTokenCount: Int { targetLengths.reduce(0, +) }
}
