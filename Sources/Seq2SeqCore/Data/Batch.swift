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

    /// `sourceIds` with each sentence reversed within its own length (<pad> stays where it was): what the encoder's
    /// right-to-left direction reads.
    public var reversedSourceIds: [Int] {
        var reversed = sourceIds
        for b in 0..<size {
            let length = sourceLengths[b]
            for t in 0..<length { reversed[(length - 1 - t) * size + b] = sourceIds[t * size + b] }
        }
        return reversed
    }

    /// Indices 0..<lengths.count sorted by length, longest first (ties in input order), and cut into groups of
    /// `size`: sentences of similar length decoded together waste little on padding. Used wherever whole files are
    /// decoded or scored. Threads that share the groups out (`forEachShared`) take the costliest first and end on
    /// the cheapest, so they finish close together (shortest first, one thread was left with the longest group).
    public static func lengthSortedGroups(_ lengths: [Int], size: Int) -> [[Int]] {
        let order = lengths.indices.sorted { (-lengths[$0], $0) < (-lengths[$1], $1) }
        return stride(from: 0, to: order.count, by: max(1, size)).map { Array(order[$0 ..< min($0 + max(1, size), order.count)]) }
    }

    /// How many shards a training step cuts a batch of `sentences` into: one per 32 sentences, so a batch of 64
    /// keeps both cores of a laptop busy and each shard's products still have rows enough for the tiled kernel.
    /// It depends on the batch only (never on the thread count), so the step's numbers do not either.
    public static func shardCount(sentences: Int) -> Int { max(1, sentences / 32) }

    /// The batch cut into `count` consecutive groups of whole sentences, as even as can be (sizes differ by ≤ 1).
    public func shards(_ count: Int) -> [Batch] {
        let count = max(1, min(count, size))
        if count == 1 { return [self] }
        return (0..<count).map { s in sentences(s * size / count ..< (s + 1) * size / count) }
    }

    /// The sentences `range` as a batch of their own (padded to their own longest).
    public func sentences(_ range: Range<Int>) -> Batch {
        func tokens(_ ids: [Int], _ length: Int, _ b: Int) -> [Int] { (0..<length).map { ids[$0 * size + b] } }
        let sources = range.map { tokens(sourceIds, sourceLengths[$0] - 1, $0) }
        guard targetLength > 0 else { return Batch(sources: sources) }
        return Batch(sources: sources, targets: range.map { tokens(targetIds, targetLengths[$0] - 1, $0) })
    }

    /// Target tokens that count in the loss (all non-padding positions, </s> included).
    public var targetTokenCount: Int { targetLengths.reduce(0, +) }
}
