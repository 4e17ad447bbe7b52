// Activations.swift — the non-linearities: exp, sigmoid and tanh eight lanes at a time (tested against libm), tanh's
// derivative through its output, masked softmax (positions past the length get exactly 0) and log-softmax. [4][6]

import Foundation

/// d tanh / dx expressed through y = tanh(x): 1 − y².
@inline(__always) public func tanhDerivative(output y: Float) -> Float { 1 - y * y }

/// y = tanh(y), in place.
public func tanhInPlace(_ y: Matrix) {
    for r in 0..<y.rows { map8(y.row(r), y.row(r), count: y.cols, tanh) }
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
    expWithinRange(x.replacing(with: 88.376, where: x .> 88.376).replacing(with: -88.376, where: x .< -88.376))
}

/// e^x for |x| ≤ 88.376 (not checked: the callers clamp).
@inline(__always) func expWithinRange(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // n = round(x / ln2) by the magic-number trick: adding 1.5·2²³ leaves the rounded integer in the low mantissa
    // bits (the standard library's SIMD rounding and Float→Int32 conversions are generic, element-by-element code).
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let shifted = x * 1.442_695_04 + magic
    let n = shifted - magic
    // r = x − n·ln2, with ln2 split in two so the product is exact in the high part.
    var r = x - n * 0.693_359_375
    r = r + n * 2.121_944_4e-4
    // The polynomial in fused multiply-adds (tanh 22% faster). The steps above stay a multiply and an add: written
    // as fused ones, they came out of the compiler as scalar code, one lane at a time (measured: 50% slower).
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
    1 / (1 + exp(-x))
}

/// tanh(x) in eight lanes: an odd polynomial for |x| < 0.625 (where 1 − 2/(e^2x + 1) would lose digits to
/// cancellation), 1 − 2/(e^2|x| + 1) with the sign restored elsewhere. Past |x| = 9.5 that is 1 in float, so e^2|x|
/// is taken at most at 19. Within a few ulp of `tanhf` (tested).
@inline(__always) public func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let signBit = SIMD8<UInt32>(repeating: 0x8000_0000), bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
    let magnitude = unsafeBitCast(bits & ~signBit, to: SIMD8<Float>.self)
    let twice = 2 * magnitude
    let large = 1 - 2 / (expWithinRange(twice.replacing(with: 19, where: twice .> 19)) + 1)
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
