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

    /// The masked softmax's backward against central differences of L(score) = Σ_j c_j α_j(score), taken in Double
    /// over the real positions; the masked positions' entries are neither read nor written.
    @Test func maskedSoftmaxBackwardMatchesFiniteDifferences() {
        let scores: [Float] = [0.3, -1.2, 2.0, 0.7, -0.4, 9, 9], c: [Float] = [0.5, -2, 1.5, 0.25, -0.75, 9, 9]
        let length = 5
        var alpha = [Float](repeating: 0, count: scores.count), dScores = [Float](repeating: 42, count: scores.count)
        maskedSoftmax(scores, length: length, count: scores.count, into: &alpha)
        maskedSoftmaxBackward(dProbabilities: c, probabilities: alpha, length: length, into: &dScores)
        func loss(_ s: [Double]) -> Double {
            let e = s.prefix(length).map { Foundation.exp($0) }, sum = e.reduce(0, +)
            return zip(e, c).map { $0 / sum * Double($1) }.reduce(0, +)
        }
        let h = 1e-4
        let expected = (0..<length).map { j -> Double in
            var up = scores.map(Double.init), down = up
            up[j] += h
            down[j] -= h
            return (loss(up) - loss(down)) / (2 * h)
        }
        expectClose(dScores.prefix(length).map(Double.init), expected, rtol: 1e-5, atol: 1e-6, "dscore")
        #expect(dScores[length...].allSatisfy { $0 == 42 })
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
