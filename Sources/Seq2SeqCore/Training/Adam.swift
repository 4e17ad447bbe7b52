// Adam.swift — Adam with bias correction (Kingma & Ba 2015, as `torch.optim.Adam`) over the flat parameter block,
// and clipping by the global gradient norm (as `torch.nn.utils.clip_grad_norm_`). Stage [7].

import Foundation

/// Adam's hyperparameters, with PyTorch's defaults.
public struct AdamOptions: Codable, Equatable, Sendable {
    /// Step size η.
    public var learningRate: Float
    /// Decay of the first moment m.
    public var beta1: Float
    /// Decay of the second moment v.
    public var beta2: Float
    /// Added to √v̂ so the update never divides by zero.
    public var epsilon: Float

    /// Options with PyTorch's defaults unless given.
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }
}

/// The optimizer's state: first and second moments in the parameter table's layout, and the step count.
public struct Adam {
    public var options: AdamOptions
    public let firstMoment: FloatStorage     // m
    public let secondMoment: FloatStorage    // v
    /// Updates applied so far; the bias correction uses it.
    public private(set) var step: Int

    /// Zero moments for a block of `parameterCount` floats, at step 0.
    public init(parameterCount: Int, options: AdamOptions) {
        self.options = options
        firstMoment = FloatStorage(count: parameterCount)
        secondMoment = FloatStorage(count: parameterCount)
        step = 0
    }

    /// One update:  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;
    ///              θ ← θ − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε),
    /// where lr is `options.learningRate` times `rateScale` (the schedule's factor for this step).
    public mutating func update(parameters: FloatStorage, gradients: FloatStorage, rateScale: Float = 1) {
        precondition(parameters.count == firstMoment.count && gradients.count == firstMoment.count, "Adam: block sizes differ")
        step += 1
        let (b1, b2, lr, eps) = (options.beta1, options.beta2, options.learningRate * rateScale, options.epsilon)
        let correction1 = 1 - powf(b1, Float(step)), correction2 = 1 - powf(b2, Float(step))
        let theta = parameters.base, g = gradients.base, m = firstMoment.base, v = secondMoment.base
        // Every element on its own, so the result depends neither on the threads (each takes a contiguous share; the
        // large config has 11 million parameters, a tenth of a step on one thread) nor on the eight lanes.
        forEachShare(of: parameters.count) { range in
            @inline(__always) func group(_ j: Int, lanes: Int) {
                let n = range.lowerBound + j, gn = load(g + n, lanes: lanes)
                let mn = b1 * load(m + n, lanes: lanes) + (1 - b1) * gn
                let vn = b2 * load(v + n, lanes: lanes) + (1 - b2) * gn * gn
                store(mn, m + n, lanes: lanes)
                store(vn, v + n, lanes: lanes)
                store(load(theta + n, lanes: lanes) - lr * (mn / correction1) / ((vn / correction2).squareRoot() + eps), theta + n, lanes: lanes)
            }
            forEachLaneGroup(range.count, group)
        }
    }

    /// Restores a saved state (for resuming).
    public mutating func restore(step: Int) { self.step = step }
}

/// The L2 norm of all gradients together, summed in Double: in fixed blocks of 16,384, each over four lanes, and the
/// blocks' sums added in order. The blocks do not depend on the threads, so neither does the norm. (Four lanes: one
/// running sum would wait for each addition before starting the next.)
public func globalNorm(_ gradients: FloatStorage) -> Double {
    let block = 1 << 14, count = gradients.count, blocks = (count + block - 1) / block
    guard blocks > 0 else { return 0 }
    let sums = UnsafeMutableBufferPointer<Double>.allocate(capacity: blocks)
    defer { sums.deallocate() }
    let g = gradients.base
    let parts = min(elementWiseThreads(count), blocks)
    WorkerPool.shared.run(parts: parts) { part in
        for b in part * blocks / parts ..< (part + 1) * blocks / parts {
            let end = min((b + 1) * block, count)
            var lanes = SIMD4<Double>(repeating: 0)
            var n = b * block
            while n + 4 <= end {
                let x = SIMD4<Double>(Double(g[n]), Double(g[n + 1]), Double(g[n + 2]), Double(g[n + 3]))
                lanes += x * x
                n += 4
            }
            var sum = lanes.sum()
            while n < end {
                sum += Double(g[n]) * Double(g[n])
                n += 1
            }
            sums[b] = sum
        }
    }
    return sums.reduce(0, +).squareRoot()
}

/// Scales all gradients by maxNorm / norm when their global norm exceeds `maxNorm`; returns the norm before.
@discardableResult
public func clipGlobalNorm(_ gradients: FloatStorage, maxNorm: Float) -> Double {
    let norm = globalNorm(gradients)
    if norm > Double(maxNorm) {
        let scale = Float(Double(maxNorm) / (norm + 1e-6)), base = gradients.base
        forEachShare(of: gradients.count) { range in
            for n in range { base[n] *= scale }
        }
    }
    return norm
}
