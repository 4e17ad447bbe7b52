// ActivationTests.swift — the eight-lane exp, sigmoid and tanh against the C library's expf and tanhf on a dense
// grid, including the regions where naive formulas lose digits (tanh near 0) or overflow (large |x|); tanh also
// against the exact value across the whole float range.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct ActivationTests {
    /// Every 1/64 from −100 to 100 plus tiny and exactly-representable edge values.
    static let grid: [Float] = stride(from: Float(-100), through: 100, by: 1.0 / 64).map { $0 }
        + [0, -0.0, 1e-8, -1e-8, 1e-4, -3e-4, 0.6249, 0.625, 0.6251, 88, -88, 89, -89, 1000, -1000]

    static func lanes(_ values: [Float], _ f: (SIMD8<Float>) -> SIMD8<Float>) -> [Float] {
        var result: [Float] = []
        for start in stride(from: 0, to: values.count, by: 8) {
            var v = SIMD8<Float>()
            for j in 0..<8 { v[j] = start + j < values.count ? values[start + j] : 0 }
            let y = f(v)
            for j in 0..<8 where start + j < values.count { result.append(y[j]) }
        }
        return result
    }

    @Test func tanhMatchesLibm() {
        let ours = Self.lanes(Self.grid, tanh)
        for (x, y) in zip(Self.grid, ours) {
            let expected = tanhf(x)
            #expect(abs(y - expected) <= 4 * expected.ulp + 1e-30, "tanh(\(x)) = \(y), libm \(expected)")
        }
    }

    /// Against the exact value (tanh in Double, rounded), on every 4,096th float from the smallest subnormal to ∞ and
    /// their negatives: within 1 ulp, and odd to the bit.
    @Test func tanhIsWithinTwoUlpOfTheExactValue() {
        let xs = stride(from: UInt32(1), to: 0x7F80_0000, by: 4096).map { Float(bitPattern: $0) }
        let positive = Self.lanes(xs, tanh), negative = Self.lanes(xs.map { -$0 }, tanh)
        for (x, (y, yNegative)) in zip(xs, zip(positive, negative)) {
            let exact = Float(Foundation.tanh(Double(x)))
            #expect(abs(y - exact) <= exact.ulp, "tanh(\(x)) = \(y), exact \(exact)")
            #expect(yNegative == -y, "tanh(−\(x)) = \(yNegative), tanh(\(x)) = \(y)")
        }
    }

    @Test func sigmoidMatchesLibm() {
        let ours = Self.lanes(Self.grid, sigmoid)
        for (x, y) in zip(Self.grid, ours) {
            let expected = Float(1 / (1 + Foundation.exp(-Double(x))))
            #expect(abs(y - expected) <= 4 * expected.ulp + 1e-37, "σ(\(x)) = \(y), exact \(expected)")
        }
    }

    /// The staged row functions (three sweeps over chunks of 128 values) against the eight-lane ones, to the bit: on
    /// the grid, and on rows of every length from 1 to 300 (partial last groups, several chunks).
    @Test func stagedRowsGiveTheBitsOfTheEightLaneFunctions() {
        func staged(_ values: [Float], _ f: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> [Float] {
            var result = [Float](repeating: .nan, count: values.count)
            values.withUnsafeBufferPointer { x in result.withUnsafeMutableBufferPointer { f(x.baseAddress!, $0.baseAddress!, values.count) } }
            return result
        }
        let rows = [Self.grid] + (1...300).map { n in (0..<n).map { Float($0 * 37 % 101) / 8 - 6.3 } }
        for row in rows {
            #expect(staged(row) { tanh($0, into: $1, count: $2) }.map(\.bitPattern) == Self.lanes(row, tanh).map(\.bitPattern),
                    "tanh, a row of \(row.count)")
            #expect(staged(row) { sigmoid($0, into: $1, count: $2) }.map(\.bitPattern) == Self.lanes(row, sigmoid).map(\.bitPattern),
                    "σ, a row of \(row.count)")
        }
    }

    @Test func expMatchesLibmWhereItMatters() {
        let inRange = Self.grid.filter { abs($0) <= 87 }
        let ours = Self.lanes(inRange, exp)
        for (x, y) in zip(inRange, ours) {
            let expected = expf(x)
            #expect(abs(y - expected) <= 2 * expected.ulp, "exp(\(x)) = \(y), libm \(expected)")
        }
    }
}
