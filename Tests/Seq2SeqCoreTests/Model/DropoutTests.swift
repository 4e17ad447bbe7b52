// DropoutTests.swift — dropout acts where issue 6 asks (the source and target embeddings, between stacked LSTM layers
// on both sides, the readout's input [s_t ; context_t]) and nowhere else, and the backward pass agrees with the
// forward when it is on. GradientTests check every tensor with dropout off, on the Double reference model, which
// has no dropout; here the same masks are replayed (same generator state) so the loss is a smooth function of the
// weights, and its derivative along each tensor's own gradient must be that gradient's norm.

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

    @Test(arguments: ParameterTable(config: TinyModels.config).entries.map(\.name))
    func backwardAgreesWithForwardUnderDropout(name: String) throws {
        let model = TinyModels.model(seed: 7)
        let batch = TinyModels.batch
        func lossAndGradients(_ model: Seq2SeqModel) -> (Double, ModelParameters) {
            let grads = ModelParameters.zeros(model.parameters.table)
            var dropout = Dropout(rate: 0.3, rng: SplitMix64(seed: 5))      // the same masks every time
            return (model.lossAndGradients(batch, grads: grads, reduction: .sum, dropout: &dropout).sum, grads)
        }
        let (_, grads) = lossAndGradients(model)
        let gradient = Array(try #require(grads.tensor(named: name)))
        let norm = (gradient.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
        #expect(norm > 0, "\(name): no gradient")
        // L(θ ± h·u) with u = this tensor's gradient / its norm, everything else fixed: dL/dh = ‖g‖.
        let h = 1e-2
        func shifted(_ sign: Double) throws -> Double {
            let copy = TinyModels.model(seed: 7)
            let tensor = try #require(copy.parameters.tensor(named: name))
            for i in tensor.indices { tensor[i] += Float(sign * h * Double(gradient[i]) / norm) }
            return lossAndGradients(copy).0
        }
        let numeric = (try shifted(1) - shifted(-1)) / (2 * h)
        // Within 1% plus 1e-5: the float32 loss (≈ 30) is rounded at about 1e-6, which over 2h is ≈ 1e-5 of noise, as
        // much as the whole gradient of attention.query.weight at these initial weights.
        #expect(abs(numeric - norm) <= 1e-2 * norm + 1e-5, "\(name): ‖g‖ = \(norm), finite difference \(numeric)")
    }
}
