// HalfFloats.swift — Float ⇄ IEEE binary16 (F16) and bfloat16 (BF16) bits, rounded to nearest, ties to even.
// Stage [8] checkpoint, SPEC §2. By hand, because Swift's Float16 is missing on x86-64 macOS.

/// IEEE binary16 bits of `value`, rounded to nearest, ties to even. Overflow gives ±inf (from 65520 on),
/// tiny values become subnormals or ±0, NaN stays NaN (quiet, top payload bits kept, like F16C/ARM).
func float16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    let sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
    let exponent = Int((bits >> 23) & 0xFF)  // biased by 127
    let mantissa = bits & 0x7F_FFFF           // 23 bits

    if exponent == 0xFF {  // inf or NaN
        return mantissa == 0 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
    }
    let halfExponent = exponent - 127 + 15
    if halfExponent >= 0x1F { return sign | 0x7C00 }  // ≥ 2^16: beyond every rounding to 65504
    if halfExponent >= 1 {
        // Normal: keep 10 of the 23 mantissa bits; a carry out of the mantissa bumps the exponent
        // (and from 0x7BFF reaches 0x7C00 = inf), which is the right answer.
        var half = UInt16(halfExponent << 10) | UInt16(truncatingIfNeeded: mantissa >> 13)
        let rest = mantissa & 0x1FFF, halfway: UInt32 = 0x1000
        if rest > halfway || (rest == halfway && half & 1 == 1) { half += 1 }
        return sign | half
    }
    // Subnormal result: value = m · 2^(exponent − 150) with the implicit bit; in units of 2^−24
    // that is m >> (126 − exponent). Float subnormals (exponent 0) are far below 2^−25: ±0.
    guard exponent > 0 else { return sign }
    let shift = 126 - exponent                 // ≥ 14 here
    guard shift <= 24 else { return sign }     // < 2^−25 rounds to zero
    let m = mantissa | 0x80_0000
    var half = UInt16(truncatingIfNeeded: m >> UInt32(shift))
    let rest = m & ((1 << UInt32(shift)) - 1), halfway = UInt32(1) << UInt32(shift - 1)
    if rest > halfway || (rest == halfway && half & 1 == 1) { half += 1 }  // 0x3FF + 1 = smallest normal
    return sign | half
}

/// The Float equal to IEEE binary16 `bits` (exact: every half is a float).
func floatFromFloat16Bits(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0:  // zero or subnormal: mantissa · 2^−24
        let magnitude = Float(mantissa) * 0x1p-24
        return Float(bitPattern: sign | magnitude.bitPattern)
    case 0x1F:  // inf or NaN, payload kept
        return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    default:
        return Float(bitPattern: sign | (exponent + 127 - 15) << 23 | mantissa << 13)
    }
}

/// bfloat16 bits of `value`: the upper 16 bits of the float, rounded to nearest, ties to even.
/// NaN stays NaN (quiet bit set, so a payload only in the dropped bits cannot turn into inf).
func bfloat16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
    let roundingBias: UInt32 = 0x7FFF + ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: (bits + roundingBias) >> 16)  // cannot overflow: bits ≤ 0xFF80_0000
}

/// The Float equal to bfloat16 `bits` (exact).
func floatFromBFloat16Bits(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}
