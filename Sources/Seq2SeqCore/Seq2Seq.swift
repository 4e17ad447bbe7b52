// Seq2Seq.swift — the model on one page (SPEC §1): encode → keys → decode → loss, and the backward in exactly
// the reverse order. Each stage's forward and backward live side by side in Model/. Stages [4]–[6].

/// How a batch's summed token losses become the number that is differentiated.
public enum LossReduction: Sendable {
    /// Mean over all non-padding target tokens of the batch (SPEC §1; what training uses).
    case mean
    /// Sum over tokens (a batch's loss and gradients are then the sums of its sentences').
    case sum

    /// The factor on the summed token losses of a batch of `tokenCount` target tokens.
    func scale(tokenCount: Int) -> Float {
        switch self {
        case .mean: 1 / Float(max(tokenCount, 1))
        case .sum: 1
        }
    }
}

/// The loss of one batch: summed in Double over its target tokens.
public struct BatchLoss: Sendable {
    /// Σ of the token losses, in Double.
    public let sum: Double
    /// Non-padding target tokens the sum is over.
    public let tokenCount: Int
    /// Loss per target token; 0 for a batch without tokens.
    public var mean: Double { tokenCount > 0 ? sum / Double(tokenCount) : 0 }
}

/// The attention seq2seq model: a config and its parameters in the table's flat block.
public struct Seq2SeqModel {
    /// The model's sizes.
    public let config: ModelConfig
    /// Every weight, as named views of one flat block laid out by `config`'s table.
    public let parameters: ModelParameters

    /// A model whose parameters must follow `config`'s parameter table.
    public init(config: ModelConfig, parameters: ModelParameters) {
        precondition(parameters.table == ParameterTable(config: config), "parameters must follow the config's table")
        self.config = config
        self.parameters = parameters
    }

    /// A new model with PyTorch-default initial weights drawn from `seed`.
    public init(config: ModelConfig, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        self.init(config: config, parameters: .initialized(ParameterTable(config: config), rng: &rng))
    }

    /// Everything a teacher-forced forward pass computed, for the backward pass and for inspection.
    public struct ForwardPass {
        /// The encoder's record: outputs H [Ts·B, 2H] and each layer's caches.
        public let encoder: EncoderCache
        /// K = W_key H + b_key [Ts·B, A], computed once for the batch.
        public let keys: AttentionKeys
        /// The teacher-forced decoder's record over all Ty steps.
        public let decoder: DecoderCache
        /// The loss's record, from which backward starts.
        public let crossEntropy: CrossEntropyCache
        public let tokenLosses: [Float]      // [Ty·B], 0 at padding
        /// The batch's summed loss and token count.
        public let loss: BatchLoss
    }

    /// The teacher-forced forward pass: logits for y1 .. yn </s> given <s> y1 .. yn, and the loss.
    public func forward(_ batch: Batch, labelSmoothing: Float = 0, dropout: inout Dropout) -> ForwardPass {
        precondition(batch.targetLength > 0, "a teacher-forced pass needs targets")
        let p = parameters
        let encoder = encoderForward(batch, p, dropout: &dropout)
        let keys = precomputeKeys(encoderOutputs: encoder.outputs, lengths: batch.sourceLengths, batchSize: batch.size, p.attention)
        let decoder = decoderForward(batch, encoderFinal: encoder.final, keys: keys, p, dropout: &dropout)
        let (losses, crossEntropy) = crossEntropyForward(logits: decoder.readout.logits, targets: batch.targetIds, smoothing: labelSmoothing)
        let sum = losses.reduce(0.0) { $0 + Double($1) }
        return ForwardPass(encoder: encoder, keys: keys, decoder: decoder, crossEntropy: crossEntropy, tokenLosses: losses,
                           loss: BatchLoss(sum: sum, tokenCount: batch.targetTokenCount))
    }

    /// The backward pass of `forward`, in reverse order. Adds every parameter's gradient into `grads`
    /// (which the caller zeroed): loss → decoder → attention keys → encoder.
    public func backward(_ pass: ForwardPass, _ batch: Batch, reduction: LossReduction, grads: ModelParameters) {
        backward(pass, batch, lossScale: reduction.scale(tokenCount: pass.loss.tokenCount), grads: grads)
    }

    /// The backward pass for the loss Σ tokens × `lossScale` (1/N for a mean over N tokens).
    func backward(_ pass: ForwardPass, _ batch: Batch, lossScale: Float, grads: ModelParameters) {
        let p = parameters
        let dLogits = crossEntropyBackward(pass.crossEntropy, scale: lossScale)
        let dKeys = Matrix(rows: pass.keys.keys.rows, cols: pass.keys.keys.cols)
        let dOutputs = Matrix(rows: pass.encoder.outputs.rows, cols: pass.encoder.outputs.cols)
        let dFinal = decoderBackward(dLogits: dLogits, cache: pass.decoder, batch, encoderFinal: pass.encoder.final, keys: pass.keys,
                                     p, grads: grads, dKeys: dKeys, dValues: dOutputs)
        precomputeKeysBackward(dKeys: dKeys, pass.keys, p.attention, grads: grads.attention, dValues: dOutputs)
        encoderBackward(dOutputs: dOutputs, dFinal: dFinal, cache: pass.encoder, batch, p, grads: grads)
    }

    /// One teacher-forced training step's maths: the loss, and every gradient added into `grads`.
    ///
    /// A batch of 64 sentences or more is cut into shards of whole sentences (`Batch.shardCount`), and each shard
    /// runs its whole forward and backward on a thread of its own when the pool has threads to spare: data
    /// parallelism, so the element-wise work, the attention and the loss run in parallel too, not only the
    /// products. A sentence's numbers never depend on the others in its batch, the shards' gradients are added in
    /// shard order, and each shard draws dropout from its own generator seeded in shard order, so the step's result
    /// depends on the batch alone, never on the number of threads.
    @discardableResult
    public func lossAndGradients(_ batch: Batch, grads: ModelParameters, reduction: LossReduction = .mean,
                                 labelSmoothing: Float = 0, dropout: inout Dropout) -> BatchLoss {
        let lossScale = reduction.scale(tokenCount: batch.targetTokenCount)
        let shards = batch.shards(Batch.shardCount(sentences: batch.size))
        // The weights stay fixed for the whole step, so each thread packs them for the product kernel once.
        func run(_ shard: Batch, into shardGrads: ModelParameters, dropout: inout Dropout) -> BatchLoss {
            withPackedWeights(parameters.storage) {
                let pass = forward(shard, labelSmoothing: labelSmoothing, dropout: &dropout)
                backward(pass, shard, lossScale: lossScale, grads: shardGrads)
                return pass.loss
            }
        }
        if shards.count == 1 { return run(batch, into: grads, dropout: &dropout) }

        // Shard 0 adds into `grads` itself; the others into buffers of their own, added in order afterwards.
        let shardGrads = [grads] + (1..<shards.count).map { _ in ModelParameters.zeros(parameters.table) }
        let dropouts = UnsafeMutableBufferPointer<Dropout>.allocate(capacity: shards.count)
        for s in shards.indices {
            dropouts.initializeElement(at: s, to: dropout.rate > 0 ? Dropout(rate: dropout.rate, rng: SplitMix64(seed: dropout.rng.next())) : .off)
        }
        let losses = UnsafeMutableBufferPointer<BatchLoss>.allocate(capacity: shards.count)
        defer {
            dropouts.deinitialize().deallocate()
            losses.deallocate()
        }
        WorkerPool.shared.run(parts: shards.count) { s in
            losses.initializeElement(at: s, to: run(shards[s], into: shardGrads[s], dropout: &dropouts[s]))
        }
        for s in 1..<shards.count { grads.add(shardGrads[s]) }
        let sum = losses.reduce(0.0) { $0 + $1.sum }
        return BatchLoss(sum: sum, tokenCount: batch.targetTokenCount)
    }

    /// The loss alone (no dropout): validation, and the finite-difference checks.
    public func loss(_ batch: Batch, labelSmoothing: Float = 0) -> BatchLoss {
        var dropout = Dropout.off
        return forward(batch, labelSmoothing: labelSmoothing, dropout: &dropout).loss
    }

    /// Teacher-forced log p(y_t) of every target token incl. </s>, one array per sentence (`seq2seq score`).
    public func tokenLogProbabilities(_ batch: Batch) -> [[Float]] {
        var dropout = Dropout.off
        let pass = forward(batch, dropout: &dropout)
        return (0..<batch.size).map { b in
            (0..<batch.targetLengths[b]).map { t in
                let n = t * batch.size + b
                return pass.crossEntropy.logProbabilities[n, batch.targetIds[n]]
            }
        }
    }
}
