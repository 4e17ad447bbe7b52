// Activations.swift — the elementwise non-linearities (sigmoid, tanh) with their derivatives written in terms
// of the output, masked softmax (positions past the length get exactly 0) and log-softmax. Stage [4][6].

import Foundation

@inline(__always) public func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// d sigmoid / dx expressed through y = sigmoid(x): y (1 − y).
@inline(__always) public func sigmoidDerivative(output y: Float) -> Float { y * (1 - y) }

/// d tanh / dx expressed through y = tanh(x): 1 − y².
@inline(__always) public func tanhDerivative(output y: Float) -> Float { 1 - y * y }

/// y = tanh(y), in place.
public func tanhInPlace(_ y: Matrix) {
    for r in 0..<y.rows {
        let row = y.row(r)
        for j in 0..<y.cols { row[j] = tanhf(row[j]) }
    }
}

/// dx = dy ⊙ (1 − y²), in place on `dy`, where y = tanh(x) is the forward output.
public func tanhBackwardInPlace(_ dy: Matrix, output y: Matrix) {
    for r in 0..<dy.rows {
        let dRow = dy.row(r), yRow = y.row(r)
        for j in 0..<dy.cols { dRow[j] *= tanhDerivative(output: yRow[j]) }
    }
}

/// Softmax of `scores[0..<length]` written to `probabilities[0..<count]`; entries from `length` on are exactly 0
/// (they stand for −∞ scores: padded source positions). Requires length ≥ 1.
public func maskedSoftmax(_ scores: UnsafePointer<Float>, length: Int, count: Int, into probabilities: UnsafeMutablePointer<Float>) {
    precondition(length >= 1 && length <= count, "maskedSoftmax needs 1 ≤ length ≤ count")
    var maximum = scores[0]
    for j in 1..<length { maximum = max(maximum, scores[j]) }
    var sum: Float = 0
    for j in 0..<length {
        let e = expf(scores[j] - maximum)
        probabilities[j] = e
        sum += e
    }
    let inverse = 1 / sum
    for j in 0..<length { probabilities[j] *= inverse }
    for j in length..<count { probabilities[j] = 0 }
}

/// log softmax of one row of `count` logits into `logProbabilities` (max-shifted, so large logits do not overflow).
public func logSoftmax(_ logits: UnsafePointer<Float>, count: Int, into logProbabilities: UnsafeMutablePointer<Float>) {
    var maximum = logits[0]
    for j in 1..<count { maximum = max(maximum, logits[j]) }
    var sum: Float = 0
    for j in 0..<count { sum += expf(logits[j] - maximum) }
    let logNormaliser = maximum + logf(sum)
    for j in 0..<count { logProbabilities[j] = logits[j] - logNormaliser }
}
