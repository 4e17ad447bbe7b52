// ModelAgreementTests.swift — our batched float32 model against the independent Double reference of SPEC §1
// (Support/ReferenceModel.swift, itself checked against PyTorch): teacher-forced log-probabilities, the attention
// matrix, the label-smoothed loss and greedy decoding, sentence by sentence, within 1e-5; and teacher forcing on a
// wider model with a larger batch of widely varied lengths. (The decoding paths: Inference/DecodingAgreementTests.)

import Testing
@testable import Seq2SeqCore

@Suite struct ModelAgreementTests {
    static func reference(_ model: Seq2SeqModel) -> ReferenceModel {
        ReferenceModel(sizes: GradientCheck.referenceSizes(model.config), tensors: GradientCheck.referenceTensors(model.parameters))
    }

    @Test(arguments: [UInt64(3), 17])
    func teacherForcedLogProbabilitiesAndAttentionAgree(seed: UInt64) {
        let model = TinyModels.model(seed: seed)
        let reference = Self.reference(model)
        let batch = TinyModels.batch
        let logProbabilities = model.tokenLogProbabilities(batch)
        var dropout = Dropout.off
        let pass = model.forward(batch, labelSmoothing: 0.1, dropout: &dropout)
        for (b, (source, target)) in zip(TinyModels.sources, TinyModels.targets).enumerated() {
            let expected = reference.teacherForced(source: source + [Vocabulary.eos], target: target)
            expectClose(logProbabilities[b].map(Double.init), expected.logProbs, rtol: 1e-5, atol: 1e-6, "log p, sentence \(b)")
            for t in 0..<expected.attention.count {
                let row = pass.decoder.steps[t].attention.weights.rowArray(b).prefix(source.count + 1).map(Double.init)
                expectClose(Array(row), expected.attention[t], rtol: 1e-5, atol: 1e-6, "attention row \(t), sentence \(b)")
            }
        }
        let expectedLoss = zip(TinyModels.sources, TinyModels.targets).reduce(0.0) {
            $0 + reference.loss(source: $1.0 + [Vocabulary.eos], target: $1.1, smoothing: 0.1)
        }
        #expect(abs(pass.loss.sum - expectedLoss) <= 1e-5 * expectedLoss)
    }

    /// The same on thirteen pairs of 1 to 22 source and 1 to 21 target tokens, three encoder layers, at widths with
    /// SIMD tails and partial product tiles (TinyModels.wideConfig); float32 against Double through up to 23
    /// encoder and 22 decoder steps: log p within 1e-5 absolute, attention within 1e-6 (about 15 times the worst
    /// differences seen, 7.0e-7 and 6.7e-8), the loss within 1e-5 relative.
    @Test func teacherForcingAgreesOnAWideVariedBatch() {
        let model = TinyModels.wideModel()
        let reference = Self.reference(model)
        let batch = TinyModels.wideBatch
        var dropout = Dropout.off
        let pass = model.forward(batch, dropout: &dropout)
        let logProbabilities = model.tokenLogProbabilities(batch)
        var expectedLoss = 0.0
        for (b, (source, target)) in zip(TinyModels.wideSources, TinyModels.wideTargets).enumerated() {
            let expected = reference.teacherForced(source: source + [Vocabulary.eos], target: target)
            expectedLoss -= expected.logProbs.reduce(0, +)
            expectClose(logProbabilities[b].map(Double.init), expected.logProbs, rtol: 0, atol: 1e-5, "log p, sentence \(b)")
            for t in 0..<expected.attention.count {
                let row = pass.decoder.steps[t].attention.weights.rowArray(b)
                expectClose(row.prefix(source.count + 1).map(Double.init), expected.attention[t], rtol: 0, atol: 1e-6,
                            "attention row \(t), sentence \(b)")
                #expect(row.dropFirst(source.count + 1).allSatisfy { $0 == 0 }, "padded columns are exactly 0")
            }
        }
        #expect(abs(pass.loss.sum - expectedLoss) <= 1e-5 * expectedLoss, "\(pass.loss.sum) vs \(expectedLoss)")
    }

    @Test func greedyDecodingAgrees() {
        let model = TinyModels.model(seed: 29)
        let reference = Self.reference(model)
        let sources: [[Int]] = [[4, 5, 6], [6], [5, 5, 4, 6, 4, 6]]
        let translations = model.greedy(Batch(sources: sources), maxSteps: 7)
        for (b, source) in sources.enumerated() {
            let expected = reference.greedy(source: source + [Vocabulary.eos], maxSteps: 7)
            #expect(translations[b].tokens == expected.tokens)
            for (row, expectedRow) in zip(translations[b].attention, expected.attention) {
                expectClose(row.map(Double.init), expectedRow, rtol: 1e-5, atol: 1e-6, "greedy attention, sentence \(b)")
            }
        }
    }
}
