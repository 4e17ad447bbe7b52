// DropoutTests.swift — dropout acts where issue 6 asks (the source and target embeddings, between stacked LSTM layers
// on both sides, the readout's input [s_t ; context_t]) and nowhere else, and the backward pass agrees with the
// forward when it is on: the masks one forward drew are handed to the Double reference model, which then computes
// the same function of the weights, and every gradient is checked element by element against its central
// differences, as GradientTests does with dropout off.

import Testing
@testable import Seq2SeqCore

@Suite struct DropoutTests {
    /// One forward pass draws one number per masked unit; counting the draws shows which activations are masked.
    /// The sizes all differ (E=3, H=4, D=5, L=M=2), so another site would change the count.
    @Test func masksTheEmbeddingsTheLayerInputsAndTheReadout() {
        let model = TinyModels.model()
        let batch = TinyModels.batch
        let (B, Ts, Ty) = (batch.size, batch.sourceLength, batch.targetLength)
        let c = model.config
        let (E, H, D, L, M) = (c.embeddingSize, c.encoderHiddenSize, c.decoderHiddenSize, c.encoderLayers, c.decoderLayers)
        let expected = Ts * B * E                  // source embeddings (encoder layer 0's input)
            + (L - 1) * Ts * B * 2 * H              // between encoder layers
            + Ty * B * E                            // target embeddings
            + Ty * (M - 1) * B * D                  // between decoder layers, every step
            + Ty * B * (D + 2 * H)                  // the readout's input [s_t ; context_t]
        var dropout = Dropout(rate: 0.4, rng: SplitMix64(seed: 11))
        _ = model.forward(batch, dropout: &dropout)
        var counted = SplitMix64(seed: 11)
        for _ in 0..<expected { _ = counted.next() }
        #expect(dropout.rng == counted)
        // Off (inference, validation): no draw, and the same loss as a model that never had dropout.
        var off = Dropout.off
        let before = off.rng
        let loss = model.forward(batch, dropout: &off).loss.sum
        #expect(off.rng == before)
        #expect(loss == model.loss(batch).sum)
    }

    /// The masks one forward pass draws, per sentence in the reference model's layout. Drawing them again from the
    /// same generator state gives the same masks (they depend on the batch's shapes only, never on the weights), so
    /// every forward below, however its weights were perturbed, sees these.
    static let rate: Float = 0.3
    static func dropout() -> Dropout { Dropout(rate: rate, rng: SplitMix64(seed: 5)) }

    /// Our float32 forward with dropout and the Double reference given the same masks compute the same loss; and
    /// every site drew some zeros (a site whose mask were all ones would let its backward go unchecked below).
    @Test func referenceWithTheReplayedMasksComputesTheSameLoss() {
        let model = TinyModels.model(seed: 7)
        let masks = ModelInternals.dropoutMasks(model, TinyModels.batch, dropout: Self.dropout())
        let reference = ModelAgreementTests.reference(model)
        let expected = zip(zip(TinyModels.sources, TinyModels.targets), masks).reduce(0.0) {
            $0 + reference.loss(source: $1.0.0 + [Vocabulary.eos], target: $1.0.1, smoothing: 0, dropout: $1.1)
        }
        var dropout = Self.dropout()
        let loss = model.forward(TinyModels.batch, dropout: &dropout).loss.sum
        #expect(abs(loss - expected) <= 1e-5 * expected, "float32 \(loss), reference \(expected)")
        #expect(abs(model.loss(TinyModels.batch).sum - expected) > 1e-3 * expected, "the masks change the loss (by 0.13% at these initial weights, 100 × the tolerance above)")
        func dropsSome(_ masks: [[Double]]) -> Bool { masks.joined().contains(0) && masks.joined().contains { $0 > 1 } }
        #expect(dropsSome(masks.flatMap(\.sourceEmbeddings)), "source embeddings")
        #expect(dropsSome(masks.flatMap { $0.encoderLayerInputs.joined() }), "between encoder layers")
        #expect(dropsSome(masks.flatMap(\.targetEmbeddings)), "target embeddings")
        #expect(dropsSome(masks.flatMap { $0.decoderLayerInputs.joined() }), "between decoder layers")
        #expect(dropsSome(masks.flatMap(\.readoutInputs)), "readout input")
    }

    /// Every gradient with dropout on, element by element, against central differences of the Double reference
    /// given the same masks (as GradientTests does with dropout off, same tolerances). Removing any one dropout
    /// backward (embeddings, between layers, readout) leaves the gradient of some tensor unmasked or unscaled:
    /// at a rate of 0.3 its elements are off by the factor 1/0.7 or by a whole dropped term, far beyond 1e-2.
    @Test(arguments: ParameterTable(config: TinyModels.config).entries.map(\.name))
    func finiteDifferencesAgreeWithTheMasksReplayed(name: String) throws {
        let model = TinyModels.model(seed: 7)
        let batch = TinyModels.batch
        let grads = ModelParameters.zeros(model.parameters.table)
        var dropout = Self.dropout()
        model.lossAndGradients(batch, grads: grads, reduction: .sum, dropout: &dropout)
        let analytic = Array(try #require(grads.tensor(named: name)))
        let masks = ModelInternals.dropoutMasks(model, batch, dropout: Self.dropout())
        let sizes = GradientCheck.referenceSizes(model.config)
        let sentences = Array(zip(zip(TinyModels.sources, TinyModels.targets), masks))
        let result = GradientCheck.compare(
            name: name, tensors: GradientCheck.referenceTensors(model.parameters), analytic: analytic,
            step: 1e-5, floor: 1e-6, tolerance: 1e-2, maxElements: 48
        ) { tensors in
            let reference = ReferenceModel(sizes: sizes, tensors: tensors)
            return sentences.reduce(0.0) { $0 + reference.loss(source: $1.0.0 + [Vocabulary.eos], target: $1.0.1, smoothing: 0, dropout: $1.1) }
        }
        #expect(result.checked == min(48, analytic.count))
        #expect(result.failures.isEmpty, "\(name): \(result.failures.count) elements beyond 1e-2, e.g. \(result.failures.prefix(3))")
        #expect(result.medianRelativeError < 1e-3, "\(name): median relative error \(result.medianRelativeError)")
        #expect(analytic.contains { abs($0) > 1e-6 }, "\(name): all gradients are zero")
    }
}
