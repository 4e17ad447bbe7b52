// Activations.swift — the non-linearities: exp, sigmoid and tanh eight lanes at a time (tested against libm), tanh's
// derivative through its output, masked softmax (positions past the length get exactly 0) and its backward,
// log-softmax. [4][6]

import Foundation

/// d tanh / dx expressed through y = tanh(x): 1 − y².
@inline(__always) public func tanhDerivative(output y: Float) -> Float { 1 - y * y }

/// y = tanh(y), in place.
public func tanhInPlace(_ y: Matrix) {
    for r in 0..<y.rows { tanh(y.row(r), into: y.row(r), count: y.cols) }
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
    map8(scores, probabilities, count: length) { exp($0 - maximum) }
    var sum: Float = 0
    for j in 0..<length { sum += probabilities[j] }
    let inverse = 1 / sum
    for j in 0..<length { probabilities[j] *= inverse }
    for j in length..<count { probabilities[j] = 0 }
}

/// Backward of `maskedSoftmax` over the `length` real positions: given the softmax's output α and dα, writes
/// dscore to `dScores` (which may be `dProbabilities` itself). The masked positions had constant −∞ scores: they get
/// no gradient, and are neither read nor written.
public func maskedSoftmaxBackward(dProbabilities dAlpha: UnsafePointer<Float>, probabilities alpha: UnsafePointer<Float>,
                                  length: Int, into dScores: UnsafeMutablePointer<Float>) {
    // forward: α_j = e^{score_j} / Σ_k e^{score_k}  ⇒  dscore_j = α_j (dα_j − Σ_k α_k dα_k)
    var weighted: Float = 0
    for j in 0..<length { weighted += alpha[j] * dAlpha[j] }
    for j in 0..<length { dScores[j] = alpha[j] * (dAlpha[j] - weighted) }
}

/// log softmax of one row of `count` logits into `logProbabilities` (max-shifted, so large logits do not overflow).
public func logSoftmax(_ logits: UnsafePointer<Float>, count: Int, into logProbabilities: UnsafeMutablePointer<Float>) {
    var maximum = logits[0]
    for j in 1..<count { maximum = max(maximum, logits[j]) }
    // e^(z − max) into the output row first (it is overwritten below), then summed.
    map8(logits, logProbabilities, count: count) { exp($0 - maximum) }
    var sum: Float = 0
    for j in 0..<count { sum += logProbabilities[j] }
    let logNormaliser = maximum + logf(sum)
    for j in 0..<count { logProbabilities[j] = logits[j] - logNormaliser }
}

// MARK: - Eight lanes at a time

/// e^x in eight lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial, 2^n put into the exponent
/// bits (the classic Cephes `expf` scheme). Inputs are clamped to ±88.376 so 2^n stays a normal float; below that
/// e^x underflows to ~1e-38, which every caller here treats as 0. Within 2 ulp of `expf` (tested).
@inline(__always) public func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    expWithinRange(clampedToExpRange(x))
}

/// x clamped to ±88.376.
@inline(__always) func clampedToExpRange(_ x: SIMD8<Float>) -> SIMD8<Float> {
    x.replacing(with: 88.376, where: x .> 88.376).replacing(with: -88.376, where: x .< -88.376)
}

/// e^x for |x| ≤ 88.376 (not checked: the callers clamp).
@inline(__always) func expWithinRange(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let (r, shifted) = expReduction(x)
    return expScaledPolynomial(r, shifted)
}

/// The first half of e^x: x = n·ln2 + r with |r| ≤ ln2/2. Returns r, and `shifted`, whose low mantissa bits hold n.
@inline(__always) func expReduction(_ x: SIMD8<Float>) -> (r: SIMD8<Float>, shifted: SIMD8<Float>) {
    // n = round(x / ln2) by the magic-number trick: adding 1.5·2²³ leaves the rounded integer in the low mantissa
    // bits (the standard library's SIMD rounding and Float→Int32 conversions are generic, element-by-element code).
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let shifted = x * 1.442_695_04 + magic
    let n = shifted - magic
    // r = x − n·ln2, with ln2 split in two so the product is exact in the high part.
    var r = x - n * 0.693_359_375
    r = r + n * 2.121_944_4e-4
    return (r, shifted)
}

/// The second half of e^x: e^r by a polynomial, times 2^n.
@inline(__always) func expScaledPolynomial(_ r: SIMD8<Float>, _ shifted: SIMD8<Float>) -> SIMD8<Float> {
    // The polynomial in fused multiply-adds. The steps of the reduction stay a multiply and an add: written as fused
    // ones, they came out of the compiler as scalar code, one lane at a time.
    var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
    p = SIMD8(repeating: 1.398_199_95e-3).addingProduct(p, r)
    p = SIMD8(repeating: 8.333_451_9e-3).addingProduct(p, r)
    p = SIMD8(repeating: 4.166_579_59e-2).addingProduct(p, r)
    p = SIMD8(repeating: 1.666_666_55e-1).addingProduct(p, r)
    p = SIMD8(repeating: 5.000_000_12e-1).addingProduct(p, r)
    let er = p * r * r + r + 1
    // 2^n: the integer n (read back from `shifted`'s bits) moved into the exponent field.
    let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let scale = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD8<Float>.self)
    return er * scale
}

/// σ(x) = 1 / (1 + e^−x) in eight lanes.
@inline(__always) public func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
    sigmoidFromExponential(expWithinRange(sigmoidExponent(x)))
}

/// −x clamped to ±88.376: the exponent σ needs.
@inline(__always) func sigmoidExponent(_ x: SIMD8<Float>) -> SIMD8<Float> {
    clampedToExpRange(-x)
}

/// σ(x) from e = e^−x.
@inline(__always) func sigmoidFromExponential(_ e: SIMD8<Float>) -> SIMD8<Float> {
    1 / (1 + e)
}

/// tanh(x) in eight lanes: an odd polynomial for |x| < 0.625 (where 1 − 2/(e^2x + 1) would lose digits to
/// cancellation), 1 − 2/(e^2|x| + 1) with the sign restored elsewhere. Past |x| = 9.5 that is 1 in float, so e^2|x|
/// is taken at most at 19. Within a few ulp of `tanhf` (tested).
@inline(__always) public func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
    tanh(x, exponential: expWithinRange(tanhExponent(x)))
}

/// 2|x| capped at 19: the exponent tanh needs.
@inline(__always) func tanhExponent(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let twice = 2 * unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: SIMD8<Float>.self)
    return twice.replacing(with: 19, where: twice .> 19)
}

/// tanh(x) from e = e^min(2|x|, 19).
@inline(__always) func tanh(_ x: SIMD8<Float>, exponential e: SIMD8<Float>) -> SIMD8<Float> {
    let signBit = SIMD8<UInt32>(repeating: 0x8000_0000), bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
    let magnitude = unsafeBitCast(bits & ~signBit, to: SIMD8<Float>.self)
    let large = 1 - 2 / (e + 1)
    let signedLarge = unsafeBitCast(unsafeBitCast(large, to: SIMD8<UInt32>.self) | (bits & signBit), to: SIMD8<Float>.self)
    let z = x * x
    var p = SIMD8<Float>(repeating: -5.704_988_727_45e-3)
    p = SIMD8(repeating: 2.063_908_879_54e-2).addingProduct(p, z)
    p = SIMD8(repeating: -5.373_971_555_31e-2).addingProduct(p, z)
    p = SIMD8(repeating: 1.333_144_220_36e-1).addingProduct(p, z)
    p = SIMD8(repeating: -3.333_328_194_22e-1).addingProduct(p, z)
    let small = p * z * x + x
    return signedLarge.replacing(with: small, where: magnitude .< 0.625)
}

// MARK: - Many values at once

/// Calls `use(offset, lanes, e^exponent(offset, lanes))` for the groups of eight of `0..<count`, as
/// `forEachLaneGroup` would call a body computing `expWithinRange(exponent(offset, lanes))` itself, to the bit.
///
/// Why: e^x is one chain of about twenty dependent operations (tanh adds a division and more), and the core's
/// schedulers hold only a few tanh's worth of waiting vector operations, so group after group the core would wait on
/// the chain. Taken in three sweeps over up to 128 values, the range reductions of every group, then every
/// polynomial, then every `use`, each sweep has short chains and many independent groups in flight. `exponent` must
/// return values within ±88.376 (`sigmoidExponent`, `tanhExponent`).
@inline(__always) func stagedExponentials(count: Int, _ exponent: (_ offset: Int, _ lanes: Int) -> SIMD8<Float>,
                                          _ use: (_ offset: Int, _ lanes: Int, _ exponential: SIMD8<Float>) -> Void) {
    let chunkGroups = 16        // 128 values: the two scratch rows below take 1 KB, on the stack
    withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: 2 * chunkGroups) { scratch in
        guard let reduced = scratch.baseAddress else { return }      // never nil: the capacity is not 0
        let shifted = reduced + chunkGroups
        var start = 0
        while start < count {
            let chunk = min(count - start, 8 * chunkGroups)
            @inline(__always) func reduce(_ j: Int, _ lanes: Int) {
                (reduced[j / 8], shifted[j / 8]) = expReduction(exponent(start + j, lanes))
            }
            @inline(__always) func scale(_ j: Int, _ lanes: Int) {
                reduced[j / 8] = expScaledPolynomial(reduced[j / 8], shifted[j / 8])
            }
            @inline(__always) func finish(_ j: Int, _ lanes: Int) { use(start + j, lanes, reduced[j / 8]) }
            forEachLaneGroup(chunk, reduce)
            forEachLaneGroup(chunk, scale)
            forEachLaneGroup(chunk, finish)
            start += chunk
        }
    }
}

/// y[j] = tanh(x[j]) for j < count (x and y may be the same), in the stages of `stagedExponentials`: the same bits
/// as `map8(x, y, count: count, tanh)`.
@inline(__always) func tanh(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    @inline(__always) func exponent(_ j: Int, _ lanes: Int) -> SIMD8<Float> { tanhExponent(load(x + j, lanes: lanes)) }
    @inline(__always) func finish(_ j: Int, _ lanes: Int, _ e: SIMD8<Float>) {
        store(tanh(load(x + j, lanes: lanes), exponential: e), y + j, lanes: lanes)
    }
    stagedExponentials(count: count, exponent, finish)
}

/// y[j] = σ(x[j]) for j < count (x and y may be the same), in the stages of `stagedExponentials`: the same bits as
/// `map8(x, y, count: count, sigmoid)`.
@inline(__always) func sigmoid(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    @inline(__always) func exponent(_ j: Int, _ lanes: Int) -> SIMD8<Float> { sigmoidExponent(load(x + j, lanes: lanes)) }
    @inline(__always) func finish(_ j: Int, _ lanes: Int, _ e: SIMD8<Float>) { store(sigmoidFromExponential(e), y + j, lanes: lanes) }
    stagedExponentials(count: count, exponent, finish)
}

/// Loads eight floats from `p` (no alignment needed).
@inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

/// Stores eight floats at `p` (no alignment needed).
@inline(__always) func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Loads the first `count` (< 8) floats of `p` into lanes 0..<count, zeros elsewhere: the tail of a row goes
/// through the same eight-lane arithmetic as the rest, so no element depends on where the row ends.
@inline(__always) func loadPartial(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD8<Float> {
    var v = SIMD8<Float>()
    for j in 0..<count { v[j] = p[j] }
    return v
}

@inline(__always) func storePartial(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    for j in 0..<count { p[j] = v[j] }
}

/// Calls `body(offset, lanes)` for the groups of eight of `0..<count`: `lanes` is 8 for every full group and
/// `count − offset` (< 8) for a last partial one. Inlined, the full groups' `lanes` is the constant 8, so a body that
/// loads and stores through `load(_:lanes:)` and `store(_:_:lanes:)` compiles to plain vector loads and stores there,
/// and only the tail pays for partial ones.
@inline(__always) func forEachLaneGroup(_ count: Int, _ body: (_ offset: Int, _ lanes: Int) -> Void) {
    var j = 0
    while j + 8 <= count {
        body(j, 8)
        j += 8
    }
    if j < count { body(j, count - j) }
}

/// Eight floats from `p`, or the first `lanes` (< 8) with zeros after them.
@inline(__always) func load(_ p: UnsafePointer<Float>, lanes: Int) -> SIMD8<Float> {
    lanes == 8 ? load8(p) : loadPartial(p, lanes)
}

/// Stores all eight lanes of `v` at `p`, or only the first `lanes` (< 8).
@inline(__always) func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, lanes: Int) {
    if lanes == 8 { store8(v, p) } else { storePartial(v, p, lanes) }
}

/// y[j] = f(x[j]) for j < count, eight at a time (x and y may be the same).
@inline(__always) func map8(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                            _ f: (SIMD8<Float>) -> SIMD8<Float>) {
    forEachLaneGroup(count) { j, n in store(f(load(x + j, lanes: n)), y + j, lanes: n) }
}
