// GradientCheck.swift — central finite differences of the loss in Double, for any element of any named tensor.
//
// Why the differences are taken on the Double reference model (Support/ReferenceModel.swift, itself checked
// against PyTorch in float64) at our model's own parameter values, and not on our float32 forward: in float32 the
// loss carries rounding noise of about ε·|L| ≈ 1e-6, so (L(θ+h) − L(θ−h)) / 2h is noisy at the 1e-5 level,
// as large as many of these gradients. In Double the same differences are exact to ~1e-10, so they give the true
// gradient of SPEC §1's loss, and ModelAgreementTests shows our forward computes that same loss.

@testable import Seq2SeqCore

struct GradientComparison {
    var checked: Int
    var worstRelativeError: Double
    var worstIndex: Int
    var medianRelativeError: Double
    var failures: [(index: Int, analytic: Double, numeric: Double)]
}

enum GradientCheck {
    /// |a − n| / max(|a|, |n|, floor): relative, with an absolute floor for gradients near zero.
    static func relativeError(_ analytic: Double, _ numeric: Double, floor: Double) -> Double {
        abs(analytic - numeric) / max(abs(analytic), abs(numeric), floor)
    }

    /// The reference's view of `parameters`: every tensor by its SPEC name, as Double.
    static func referenceTensors(_ parameters: ModelParameters) -> [String: [Double]] {
        var tensors: [String: [Double]] = [:]
        for info in parameters.table.entries {
            tensors[info.name] = (0..<info.count).map { Double(parameters.storage.base[info.offset + $0]) }
        }
        return tensors
    }

    static func referenceSizes(_ c: ModelConfig) -> ReferenceSizes {
        ReferenceSizes(embedding: c.embeddingSize, encoderHidden: c.encoderHiddenSize, encoderLayers: c.encoderLayers,
                       decoderHidden: c.decoderHiddenSize, decoderLayers: c.decoderLayers, attention: c.attentionSize,
                       sourceVocabulary: c.sourceVocabularySize, targetVocabulary: c.targetVocabularySize)
    }

    /// Compares `analytic` with central differences (step h) of `loss` over the elements of tensor `name`:
    /// every element when it has ≤ `maxElements`, else an evenly spaced sample of that many.
    static func compare(name: String, tensors: [String: [Double]], analytic: [Float], step h: Double, floor: Double,
                        tolerance: Double, maxElements: Int, loss: ([String: [Double]]) -> Double) -> GradientComparison {
        var perturbed = tensors
        let values = tensors[name] ?? []
        let sampled = min(values.count, maxElements)
        var errors: [(Double, Int)] = []
        var failures: [(Int, Double, Double)] = []
        for i in 0..<sampled {
            let j = i * values.count / sampled            // evenly spaced; every element when sampled == count
            perturbed[name]![j] = values[j] + h
            let plus = loss(perturbed)
            perturbed[name]![j] = values[j] - h
            let minus = loss(perturbed)
            perturbed[name]![j] = values[j]
            let numeric = (plus - minus) / (2 * h)
            let error = relativeError(Double(analytic[j]), numeric, floor: floor)
            errors.append((error, j))
            if error > tolerance { failures.append((j, Double(analytic[j]), numeric)) }
        }
        let sorted = errors.sorted { $0.0 < $1.0 }
        let worst = sorted.last ?? (0, 0)
        return GradientComparison(checked: sorted.count, worstRelativeError: worst.0, worstIndex: worst.1,
                                  medianRelativeError: sorted.isEmpty ? 0 : sorted[sorted.count / 2].0, failures: failures)
    }
}
