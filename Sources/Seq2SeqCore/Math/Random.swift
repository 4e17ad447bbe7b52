// Random.swift — the one seeded generator of the project (SplitMix64), passed as `inout`, and the
// PyTorch-style initialisers built on it. Same seed ⇒ same numbers on every platform and Swift version:
// nothing here calls the standard library's `random(in:)`, whose algorithm is not promised to stay fixed.

import Foundation

/// SplitMix64 (Steele, Lea, Flood 2014): 64 bits of state, one add and a mix per number.
public struct SplitMix64: RandomNumberGenerator, Codable, Equatable, Sendable {
    /// The whole generator state: saved and restored to resume a random sequence.
    public var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits (advance the state, then mix it).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits (every Float of that grid is equally likely).
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform integer in 0..<bound (bound > 0), by rejection, so no value is favoured.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let n = UInt64(bound)
        let limit = UInt64.max - UInt64.max % n
        while true {
            let x = next()
            if x < limit { return Int(x % n) }
        }
    }

    /// Uniform integer in the closed range.
    public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + nextInt(below: range.upperBound - range.lowerBound + 1)
    }

    /// Uniform in [-bound, bound): PyTorch's default init of `nn.Linear` and `nn.LSTM` uses bound 1/√fan.
    public mutating func nextUniform(bound: Float) -> Float {
        (2 * nextUnitFloat() - 1) * bound
    }

    /// Standard normal N(0, 1) by Box–Muller (one of the pair is used; simple beats fast here).
    public mutating func nextNormal() -> Float {
        let u1 = max(nextUnitDouble(), Double.leastNonzeroMagnitude)
        let u2 = nextUnitDouble()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Fisher–Yates shuffle, in place.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, nextInt(below: i + 1))
        }
    }
}

