// AdamTests.swift — Adam's first two steps in closed form, and clipping by the global gradient norm.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct AdamTests {
    @Test func firstTwoStepsMatchClosedForm() {
        let parameters = FloatStorage(count: 3), gradients = FloatStorage(count: 3)
        let start: [Float] = [1, -2, 0.5], g1: [Float] = [0.3, -0.1, 0], g2: [Float] = [-0.2, 0.4, 1]
        for n in 0..<3 { parameters.base[n] = start[n] }
        var adam = Adam(parameterCount: 3, options: AdamOptions(learningRate: 0.01))
        for n in 0..<3 { gradients.base[n] = g1[n] }
        adam.update(parameters: parameters, gradients: gradients)
        // Step 1: m̂ = g, v̂ = g², so θ moves by −lr·g/(|g| + ε) (≈ −lr·sign g; 0 where g = 0).
        for n in 0..<3 {
            let expected = Double(start[n]) - 0.01 * Double(g1[n]) / (abs(Double(g1[n])) + 1e-8)
            #expect(abs(Double(parameters.base[n]) - expected) < 1e-6)
        }
        let afterFirst = (0..<3).map { Double(parameters.base[$0]) }
        for n in 0..<3 { gradients.base[n] = g2[n] }
        adam.update(parameters: parameters, gradients: gradients)
        for n in 0..<3 {
            let m = 0.9 * (0.1 * Double(g1[n])) + 0.1 * Double(g2[n])
            let v = 0.999 * (0.001 * Double(g1[n] * g1[n])) + 0.001 * Double(g2[n] * g2[n])
            let mHat = m / (1 - 0.81), vHat = v / (1 - 0.999 * 0.999)
            let expected = afterFirst[n] - 0.01 * mHat / (vHat.squareRoot() + 1e-8)
            #expect(abs(Double(parameters.base[n]) - expected) < 1e-6)
        }
        #expect(adam.step == 2)
    }

    @Test func clippingScalesToTheMaximumNorm() {
        let gradients = FloatStorage(count: 2)
        gradients.base[0] = 3; gradients.base[1] = 4              // norm 5
        #expect(clipGlobalNorm(gradients, maxNorm: 10) == 5)
        #expect(gradients.base[0] == 3 && gradients.base[1] == 4)   // under the limit: untouched
        #expect(clipGlobalNorm(gradients, maxNorm: 1) == 5)
        #expect(abs(globalNorm(gradients) - 1) < 1e-5)
        #expect(abs(gradients.base[0] / gradients.base[1] - 0.75) < 1e-6)
    }
}
