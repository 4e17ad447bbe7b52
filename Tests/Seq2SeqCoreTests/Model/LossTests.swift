// LossTests.swift — cross-entropy over non-padding targets: smoothing 0 is exactly plain cross-entropy, smoothing ε
// follows PyTorch's definition, padding rows count for nothing, and the gradient is p − target distribution.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct LossTests {
    static let logits = Matrix(rows: 3, cols: 4, values: [1, 2, 0.5, -1,   0, 0, 0, 3,   9, 9, 9, 9])
    static let targets = [1, 3, Vocabulary.pad]

    /// −log softmax(z)[y] in Double, straight from the definition.
    static func negativeLogProbability(_ z: [Float], _ y: Int) -> Double {
        let sum = z.reduce(0.0) { $0 + exp(Double($1)) }
        return -(Double(z[y]) - log(sum))
    }

    @Test func smoothingZeroIsPlainCrossEntropy() {
        let (losses, _) = crossEntropyForward(logits: Self.logits, targets: Self.targets, smoothing: 0)
        for n in 0..<2 {
            #expect(abs(Double(losses[n]) - Self.negativeLogProbability(Self.logits.rowArray(n), Self.targets[n])) < 1e-6)
        }
        #expect(losses[2] == 0)
    }

    /// PyTorch: CrossEntropyLoss(label_smoothing: ε) = (1 − ε)·(−log p_y) + ε·mean_k(−log p_k).
    @Test func smoothingFollowsPyTorchDefinition() {
        let epsilon: Float = 0.1
        let (losses, _) = crossEntropyForward(logits: Self.logits, targets: Self.targets, smoothing: epsilon)
        for n in 0..<2 {
            let z = Self.logits.rowArray(n)
            let mean = (0..<4).map { Self.negativeLogProbability(z, $0) }.reduce(0, +) / 4
            let expected = (1 - 0.1) * Self.negativeLogProbability(z, Self.targets[n]) + 0.1 * mean
            #expect(abs(Double(losses[n]) - expected) < 1e-6)
        }
    }

    @Test func gradientIsProbabilitiesMinusTargetDistribution() {
        let epsilon: Float = 0.2
        let (_, cache) = crossEntropyForward(logits: Self.logits, targets: Self.targets, smoothing: epsilon)
        let dLogits = crossEntropyBackward(cache, scale: 0.5)
        for n in 0..<2 {
            let z = Self.logits.rowArray(n).map(Double.init)
            let sum = z.reduce(0) { $0 + exp($1) }
            for k in 0..<4 {
                let target = (k == Self.targets[n] ? 0.8 : 0) + 0.2 / 4
                #expect(abs(Double(dLogits[n, k]) - 0.5 * (exp(z[k]) / sum - target)) < 1e-6)
            }
        }
        #expect(dLogits.rowArray(2) == [0, 0, 0, 0])
    }
}
