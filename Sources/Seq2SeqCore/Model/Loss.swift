// Loss.swift — softmax cross-entropy over the non-padding target positions (SPEC §1 "Loss"), optionally
// label-smoothed as PyTorch's CrossEntropyLoss(label_smoothing: ε) defines it:
//   loss_t = (1 − ε)·(−log p(y_t)) + ε · mean_k(−log p_k)   over all Vt classes; ε = 0 gives plain cross-entropy.
// Stage [5][6].

import Foundation

/// The loss's forward record, consumed by its backward to give dlogits.
public struct CrossEntropyCache {
    public let logProbabilities: Matrix   // log softmax(logits) [N, Vt]
    public let targets: [Int]             // [N]; <pad> rows do not count
    public let smoothing: Float           // ε
}

/// Per-row losses (exactly 0 at <pad> targets) and what the backward needs. The caller sums them in Double.
public func crossEntropyForward(logits: Matrix, targets: [Int], smoothing: Float) -> (losses: [Float], cache: CrossEntropyCache) {
    precondition(logits.rows == targets.count, "one target per row of logits")
    let V = logits.cols
    let logProbabilities = Matrix(rows: logits.rows, cols: V)
    var losses = [Float](repeating: 0, count: logits.rows)
    for n in 0..<logits.rows where targets[n] != Vocabulary.pad {
        let lp = logProbabilities.row(n)
        logSoftmax(logits.row(n), count: V, into: lp)
        var loss = -lp[targets[n]]
        if smoothing != 0 {
            var meanNegative: Float = 0
            for k in 0..<V { meanNegative -= lp[k] }
            meanNegative /= Float(V)
            loss = (1 - smoothing) * loss + smoothing * meanNegative
        }
        losses[n] = loss
    }
    return (losses, CrossEntropyCache(logProbabilities: logProbabilities, targets: targets, smoothing: smoothing))
}

/// dLogits = scale · (p − (1 − ε)·onehot(y) − ε/Vt) on counted rows, 0 on <pad> rows.
/// (d(−log p_k)/dlogits = p − e_k, averaged with the target weights (1 − ε)·e_y + ε·uniform.)
public func crossEntropyBackward(_ cache: CrossEntropyCache, scale: Float) -> Matrix {
    let V = cache.logProbabilities.cols
    let dLogits = Matrix(rows: cache.targets.count, cols: V)
    let uniform = cache.smoothing / Float(V)
    for n in 0..<cache.targets.count where cache.targets[n] != Vocabulary.pad {
        let lp = cache.logProbabilities.row(n), d = dLogits.row(n)
        for k in 0..<V { d[k] = scale * (expf(lp[k]) - uniform) }
        d[cache.targets[n]] -= scale * (1 - cache.smoothing)
    }
    return dLogits
}
