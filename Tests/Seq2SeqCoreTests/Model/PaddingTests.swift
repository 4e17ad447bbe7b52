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

    /// The tiny batch (three pairs), and thirteen pairs of 1 to 22 source and 1 to 21 target tokens on the wider model
    /// (three encoder layers, widths with SIMD tails, products with partial tiles).
    @Test(arguments: [false, true])
    func batchLossAndGradientsAreSumsOverSentences(wide: Bool) throws {
        let model = wide ? TinyModels.wideModel() : TinyModels.model(seed: 11)
        let pairs = wide ? Array(zip(TinyModels.wideSources, TinyModels.wideTargets)) : Array(zip(TinyModels.sources, TinyModels.targets))
        let (batchLoss, batchGrads) = Self.lossAndGradients(model, Batch(sources: pairs.map(\.0), targets: pairs.map(\.1)))
        var aloneLoss = 0.0
        let aloneGrads = ModelParameters.zeros(model.parameters.table)
        for (source, target) in pairs {
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

    /// Three sentences (the middle one between a longer and a shorter one) on the tiny model; and thirteen of 1 to
    /// 22 tokens on the wider one, as given and sorted longest first: a batch of `stepProjectionRows` or more forms
    /// the encoder's projections step by step (skipping finished rows when sorted), a sentence alone does not.
    @Test(arguments: 0..<3)
    func greedyOutputAndAttentionDoNotDependOnTheBatch(batch: Int) {
        let model = batch == 0 ? TinyModels.model(seed: 5) : TinyModels.wideModel()
        let sources: [[Int]] = switch batch {
        case 0: [[4, 5, 6, 6, 5, 4, 4], [6, 5, 4], [5]]
        case 1: TinyModels.wideSources
        default: TinyModels.wideSources.sorted { $0.count > $1.count }
        }
        let maxSteps = batch == 0 ? 8 : 14
        let together = model.greedy(Batch(sources: sources), maxSteps: maxSteps)
        for (b, source) in sources.enumerated() {
            let alone = model.greedy(Batch(sources: [source]), maxSteps: maxSteps)[0]
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
