// PaddingTests.swift — padding and batch invariance: with the loss summed over tokens, a batch's loss and every
// gradient equal the sums over its sentences taken alone; greedy output and attention of a sentence do not depend
// on the longer and shorter sentences beside it.

import Testing
@testable import Seq2SeqCore

@Suite struct PaddingTests {
    /// Loss (sum over tokens) and gradients of `batch`.
    static func lossAndGradients(_ model: Seq2SeqModel, _ batch: Batch) -> (Double, ModelParameters) {
        let grads = ModelParameters.zeros(model.parameters.table)
        var dropout = Dropout.off
        let loss = model.lossAndGradients(batch, grads: grads, reduction: .sum, dropout: &dropout)
        return (loss.sum, grads)
    }

    @Test func batchLossAndGradientsAreSumsOverSentences() throws {
        let model = TinyModels.model(seed: 11)
        let (batchLoss, batchGrads) = Self.lossAndGradients(model, TinyModels.batch)
        var aloneLoss = 0.0
        let aloneGrads = ModelParameters.zeros(model.parameters.table)
        for (source, target) in zip(TinyModels.sources, TinyModels.targets) {
            let (loss, grads) = Self.lossAndGradients(model, Batch(sources: [source], targets: [target]))
            aloneLoss += loss
            for n in 0..<grads.storage.count { aloneGrads.storage.base[n] += grads.storage.base[n] }
        }
        #expect(abs(batchLoss - aloneLoss) <= 1e-5 * abs(aloneLoss))
        // Relative 1e-5 per entry, with an absolute floor of 1e-5 × the largest gradient of the model: some entries
        // (e.g. attention.key.bias, ~1e-6 here) are sums of terms a thousand times larger that cancel, and float32
        // can only hold those to a fraction of the terms' size, whatever the order of summation.
        let scale = aloneGrads.storage.buffer.map(abs).max() ?? 0
        for info in model.parameters.table.entries {
            let batch = Array(try #require(batchGrads.tensor(named: info.name)))
            let alone = Array(try #require(aloneGrads.tensor(named: info.name)))
            expectClose(batch, alone, rtol: 1e-5, atol: 1e-5 * scale, info.name)
        }
    }

    @Test func greedyOutputAndAttentionDoNotDependOnTheBatch() {
        let model = TinyModels.model(seed: 5)
        // The middle sentence sits between a longer and a shorter one.
        let sources: [[Int]] = [[4, 5, 6, 6, 5, 4, 4], [6, 5, 4], [5]]
        let together = model.greedy(Batch(sources: sources), maxSteps: 8)
        for (b, source) in sources.enumerated() {
            let alone = model.greedy(Batch(sources: [source]), maxSteps: 8)[0]
            #expect(alone.tokens == together[b].tokens)
            #expect(alone.attention.count == together[b].attention.count)
            for (rowAlone, rowTogether) in zip(alone.attention, together[b].attention) {
                expectClose(rowTogether, rowAlone, rtol: 0, atol: 1e-5, "attention of sentence \(b)")
            }
            // Stronger than the 1e-5 asked for: every row's arithmetic is the same in any batch, so the bits agree.
            #expect(alone.attention == together[b].attention)
        }
    }
}
