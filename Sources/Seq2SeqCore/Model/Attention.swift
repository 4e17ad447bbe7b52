// Attention.swift — Bahdanau additive attention (SPEC §1): keys K_j = W_key H_j + b_key once per batch; per
// decoder step score_j = w_energy · tanh(W_query s + K_j), padded j get −∞ (weight exactly 0),
// α = softmax(score), context = Σ_j α_j H_j. Stage [4][6].

import Foundation

/// Views into the parameter block for the attention's three projections (SPEC §2).
public struct AttentionParameters {
    public var key: LinearParameters      // [A, 2H], [A]
    public var query: LinearParameters    // [A, D], no bias
    public var energy: LinearParameters   // [1, A], no bias
}

/// Computed once per batch and passed into every decoder step (the layer itself holds no state).
public struct AttentionKeys {
    public let keys: Matrix       // K [Ts·B, A]
    public let values: Matrix     // H [Ts·B, 2H], the encoder's top-layer outputs
    public let lengths: [Int]     // [B] source lengths incl. </s>
    public let batchSize: Int     // B
    public var sourceLength: Int { values.rows / batchSize }   // Ts
}

/// K = H · W_keyᵀ + b_key for every source position of the batch.
public func precomputeKeys(encoderOutputs: Matrix, lengths: [Int], batchSize: Int, _ p: AttentionParameters) -> AttentionKeys {
    let keys = Matrix.unspecified(rows: encoderOutputs.rows, cols: p.key.weight.rows)      // the product overwrites it
    linearForward(encoderOutputs, p.key, into: keys)
    return AttentionKeys(keys: keys, values: encoderOutputs, lengths: lengths, batchSize: batchSize)
}

/// Backward of `precomputeKeys`: dW_key += dKᵀ H, db_key += Σ dK, dH += dK · W_key.
public func precomputeKeysBackward(dKeys: Matrix, _ keys: AttentionKeys, _ p: AttentionParameters,
                                   grads: AttentionParameters, dValues: Matrix) {
    linearBackward(dKeys, input: keys.values, p.key, grads: grads.key, dx: dValues)
}

/// One decoder step's attention record.
public struct AttentionStep {
    public let query: Matrix            // s [B, D]: the previous top decoder state
    public let hidden: Matrix?          // u = tanh(W_query s + K_j) [Ts·B, A], laid out like the keys; 0 at padding.
                                        // Only the backward reads it: kept in a training pass only.
    public let weights: Matrix          // α [B, Ts]: each row sums to 1; exactly 0 at padded positions
    public let context: Matrix          // Σ_j α_j H_j [B, 2H]
}

/// One attention step. A training pass keeps the hidden units u = tanh(W_query s + K_j) for the backward; other
/// passes do not store them at all. The scores are the same to the bit.
public func attentionForward(query s: Matrix, keys: AttentionKeys, _ p: AttentionParameters,
                             pass: Pass = .training) -> AttentionStep {
    let B = keys.batchSize, T = keys.sourceLength, A = p.query.weight.rows, V = keys.values.cols
    let projected = Matrix.unspecified(rows: B, cols: A)       // W_query s  [B, A]
    linearForward(s, p.query, into: projected)
    let hidden = pass.backwardFollows ? Matrix(rows: T * B, cols: A) : nil
    let weights = Matrix.unspecified(rows: B, cols: T)          // the softmax writes every row whole
    let context = Matrix(rows: B, cols: V)
    let w = p.energy.weight.row(0)                             // w_energy [A]
    let scoreRow = Matrix(rows: 1, cols: T)                   // score_j of one sentence
    let scores = scoreRow.row(0)
    for b in 0..<B {
        let length = keys.lengths[b], q = projected.row(b)
        for j in 0..<length {
            // u = tanh(W_query s + K_j), eight units at a time (in the stages of `stagedExponentials`); score_j = w · u
            let k = keys.keys.row(j * B + b), u = hidden?.row(j * B + b)
            var lanes = SIMD8<Float>()
            @inline(__always) func exponent(_ a: Int, lanes n: Int) -> SIMD8<Float> {
                tanhExponent(load(q + a, lanes: n) + load(k + a, lanes: n))
            }
            @inline(__always) func score(_ a: Int, lanes n: Int, tanhExponential e: SIMD8<Float>) {
                let y = tanh(load(q + a, lanes: n) + load(k + a, lanes: n), exponential: e)
                if let u { store(y, u + a, lanes: n) }
                lanes.addProduct(y, load(w + a, lanes: n))
            }
            stagedExponentials(count: A, exponent, score)
            scores[j] = lanes.sum()
        }
        maskedSoftmax(scores, length: length, count: T, into: weights.row(b))
        // context = Σ_j α_j H_j, eight lanes at a time.
        let alpha = weights.row(b), c = context.row(b)
        for j in 0..<length {
            let h = keys.values.row(j * B + b), a = SIMD8<Float>(repeating: alpha[j])
            forEachLaneGroup(V) { v, n in store(load(c + v, lanes: n) + a * load(h + v, lanes: n), c + v, lanes: n) }
        }
    }
    withExtendedLifetime(scoreRow) {}
    return AttentionStep(query: s, hidden: hidden, weights: weights, context: context)
}

/// Backward of one attention step given dContext [B, 2H]. Adds into dKeys [Ts·B, A], dValues [Ts·B, 2H],
/// dQuery [B, D] (the gradient w.r.t. s) and the energy weight's gradient, and writes the gradient w.r.t. W_query s
/// into `dProjectedQuery` [B, A] (zero on entry).
public func attentionBackward(dContext: Matrix, step: AttentionStep, keys: AttentionKeys, _ p: AttentionParameters,
                              grads: AttentionParameters, dKeys: Matrix, dValues: Matrix, dQuery: Matrix,
                              dProjectedQuery dProjected: Matrix) {
    guard let hidden = step.hidden else { preconditionFailure("attentionBackward needs a step of a training pass") }
    let B = keys.batchSize, A = p.query.weight.rows, V = keys.values.cols
    let w = p.energy.weight.row(0), dW = grads.energy.weight.row(0)
    let dRow = Matrix(rows: 1, cols: keys.sourceLength)          // dα of one sentence, then (in place) its dscore
    let dAlpha = dRow.row(0), dScores = dRow.row(0)
    for b in 0..<B {
        let length = keys.lengths[b], alpha = step.weights.row(b), dc = dContext.row(b)
        // forward: context = Σ_j α_j H_j  ⇒  dα_j = dcontext · H_j,  dH_j += α_j dcontext   (eight lanes at a time)
        for j in 0..<length {
            let h = keys.values.row(j * B + b), dh = dValues.row(j * B + b)
            let a = SIMD8<Float>(repeating: alpha[j])
            var dot = SIMD8<Float>()
            forEachLaneGroup(V) { v, n in
                let dcv = load(dc + v, lanes: n)
                dot.addProduct(dcv, load(h + v, lanes: n))
                store(load(dh + v, lanes: n) + a * dcv, dh + v, lanes: n)
            }
            dAlpha[j] = dot.sum()
        }
        // forward: α = maskedSoftmax(score)
        maskedSoftmaxBackward(dProbabilities: dAlpha, probabilities: alpha, length: length, into: dScores)
        let dq = dProjected.row(b)
        for j in 0..<length {
            // forward: score_j = w · u_j, u_j = tanh(W_query s + K_j)  ⇒  dw += dscore u_j, dpre = dscore w ⊙ (1 − u_j²)
            let dScore = SIMD8<Float>(repeating: dScores[j])
            let u = hidden.row(j * B + b), dk = dKeys.row(j * B + b)
            @inline(__always) func group(_ a: Int, lanes n: Int) {   // named: as a closure it stayed out of line
                let uv = load(u + a, lanes: n)
                store(load(dW + a, lanes: n) + dScore * uv, dW + a, lanes: n)
                let dPre = dScore * load(w + a, lanes: n) * (1 - uv * uv)
                store(load(dk + a, lanes: n) + dPre, dk + a, lanes: n)
                store(load(dq + a, lanes: n) + dPre, dq + a, lanes: n)
            }
            forEachLaneGroup(A, group)
        }
    }
    withExtendedLifetime(dRow) {}
    // forward: projected = s · W_queryᵀ  ⇒  ds += dprojected · W_query
    matmul(dProjected, p.query.weight, into: dQuery, accumulate: true)
    // and dW_query += dprojectedᵀ s: deferred to `addDecoderWeightGradients`, one product T·B deep over all steps, not B.
}
