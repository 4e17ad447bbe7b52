// GradientTests.swift — the hand-written backward of every parameter tensor against central finite differences
// of the loss: L = 2, M = 2, E=3 ≠ H=4 ≠ D=5 ≠ A=6, a batch of three pairs of different lengths, dropout off, with
// and without label smoothing. Each checked element within 1e-2 relative (floor 1e-6); median below 1e-3.
// (Why the differences are taken in Double on the reference model: see Support/GradientCheck.swift.)

import Testing
@testable import Seq2SeqCore

@Suite struct GradientTests {
    static let names = ParameterTable(config: TinyModels.config).entries.map(\.name)

    @Test(arguments: names, [Float(0), 0.1])
    func finiteDifferencesAgree(name: String, smoothing: Float) throws {
        let model = TinyModels.model(seed: 7)
        let batch = TinyModels.batch
        let grads = ModelParameters.zeros(model.parameters.table)
        var dropout = Dropout.off
        model.lossAndGradients(batch, grads: grads, reduction: .sum, labelSmoothing: smoothing, dropout: &dropout)
        let analytic = Array(try #require(grads.tensor(named: name)))
        let sizes = GradientCheck.referenceSizes(model.config)
        let pairs = Array(zip(TinyModels.sources, TinyModels.targets))
        let result = GradientCheck.compare(
            name: name, tensors: GradientCheck.referenceTensors(model.parameters), analytic: analytic,
            step: 1e-5, floor: 1e-6, tolerance: 1e-2, maxElements: 48
        ) { tensors in
            let reference = ReferenceModel(sizes: sizes, tensors: tensors)
            // The batch's summed loss is the sum of its sentences' (SPEC §1: pads never count).
            return pairs.reduce(0.0) { $0 + reference.loss(source: $1.0 + [Vocabulary.eos], target: $1.1, smoothing: Double(smoothing)) }
        }
        #expect(result.checked == min(48, analytic.count))
        print("gradient check \(name) ε=\(smoothing): \(result.checked) elements, median \(result.medianRelativeError), worst \(result.worstRelativeError)")
        #expect(result.failures.isEmpty, "\(name): \(result.failures.count) elements beyond 1e-2, e.g. \(result.failures.prefix(3))")
        #expect(result.medianRelativeError < 1e-3, "\(name): median relative error \(result.medianRelativeError)")
        // The gradient is not trivially zero (a tensor the loss ignores would pass the checks above vacuously).
        #expect(analytic.contains { abs($0) > 1e-6 }, "\(name): all gradients are zero")
    }
}
