// ModelInternals.swift — the one place where tests read the model's caches or call a layer below the model's
// entry points (`forward`, `lossAndGradients`, `greedy`, `beamSearch`, `Translator`). When a cache or a layer's
// signature changes, this file changes and the tests that use it do not.

@testable import Seq2SeqCore

enum ModelInternals {
    // MARK: - Dropout masks

    /// Runs the teacher-forced forward pass with `dropout` (a copy: the caller's generator is untouched) and returns
    /// the masks it drew, one set per sentence of `batch`, in the reference model's layout: real positions only
    /// (source tokens and </s>; decoder steps <s> y1 .. yn), a mask of ones where dropout is off. For a batch of
    /// fewer than 64 sentences `lossAndGradients` runs this same forward, so it draws these same masks from the same
    /// generator state (larger batches are cut into shards, each with a generator of its own).
    static func dropoutMasks(_ model: Seq2SeqModel, _ batch: Batch, dropout: Dropout) -> [ReferenceDropoutMasks] {
        var dropout = dropout
        let pass = model.forward(batch, dropout: &dropout)
        let B = batch.size
        /// Rows t·B + b of a time-major [T·B, X] mask for t in 0 ..< count.
        func rows(_ mask: Matrix?, width: Int, sentence b: Int, count: Int) -> [[Double]] {
            (0..<count).map { t in
                guard let mask else { return [Double](repeating: 1, count: width) }
                return mask.rowArray(t * B + b).map(Double.init)
            }
        }
        let encoder = pass.encoder.layers, decoder = pass.decoder
        let E = model.config.embeddingSize, H = model.config.encoderHiddenSize, D = model.config.decoderHiddenSize
        return (0..<B).map { b in
            let sourceLength = batch.sourceLengths[b], steps = batch.targetLengths[b]
            return ReferenceDropoutMasks(
                sourceEmbeddings: rows(encoder[0].inputMask, width: E, sentence: b, count: sourceLength),
                encoderLayerInputs: encoder.dropFirst().map { rows($0.inputMask, width: 2 * H, sentence: b, count: sourceLength) },
                targetEmbeddings: rows(decoder.embeddingMask, width: E, sentence: b, count: steps),
                decoderLayerInputs: (0..<steps).map { t in
                    decoder.steps[t].layerMasks.dropFirst().map { mask in
                        mask.map { $0.rowArray(b).map(Double.init) } ?? [Double](repeating: 1, count: D)
                    }
                },
                readoutInputs: rows(decoder.readout.inputMask, width: D + 2 * H, sentence: b, count: steps))
        }
    }

    // MARK: - One LSTM layer

    /// What one LSTM direction computed over a padded batch, and its backward, as plain arrays.
    struct LSTMRun {
        var gates: [Float]        // [T·B, 4h]: i, f, g, o after σ / tanh, time-major
        var cells: [Float]        // [T·B, h]: c after step t
        var outputs: [Float]      // [T·B, h]: h after step t, 0 at padding
        var dInput: [Float]       // [T·B, I]
        var dWeightIH: [Float]    // [4h, I]
        var dWeightHH: [Float]    // [4h, h]
        var dBiasIH: [Float]      // [4h]
        var dBiasHH: [Float]      // [4h]
    }

    /// One direction of one layer as training runs it, forward from zero state over `input` [T·B, I] (row t·B + b is
    /// sentence b's step t), then backward from `dOutputs` [T·B, h] and `dFinalHidden` [B, h].
    static func lstmLayer(_ p: LSTMParameters, input: Matrix, lengths: [Int], dOutputs: Matrix, dFinalHidden: Matrix) -> LSTMRun {
        let B = lengths.count, h = p.hiddenSize
        let cache = lstmForward(input, lengths: lengths, batchSize: B, p)
        let grads = LSTMParameters(weightIH: Matrix(rows: 4 * h, cols: p.inputSize), weightHH: Matrix(rows: 4 * h, cols: h),
                                   biasIH: Matrix(rows: 1, cols: 4 * h), biasHH: Matrix(rows: 1, cols: 4 * h))
        let dInput = lstmBackward(dOutputs: dOutputs, dFinalHidden: dFinalHidden, cache: cache, p, grads: grads)
        guard let gates = cache.gates, let cells = cache.cells else { preconditionFailure("a training pass keeps the gates and cells") }
        return LSTMRun(gates: gates.toArray(), cells: cells.rows(B ..< cells.rows).toArray(),
                       outputs: cache.outputs.toArray(), dInput: dInput.toArray(),
                       dWeightIH: grads.weightIH.toArray(), dWeightHH: grads.weightHH.toArray(),
                       dBiasIH: grads.biasIH.toArray(), dBiasHH: grads.biasHH.toArray())
    }

    // MARK: - Decoding, step by step

    /// Greedy decoding through `Seq2SeqModel.greedy` (its fast paths: packed weights, token look-ups, the encoder's
    /// step-by-step projections, finished rows leaving the batch), with what each step computed for each sentence:
    /// the log-softmax, in Double, of the logits its row produced (the logits greedy takes its argmax of), and the
    /// number of rows of every step.
    static func greedyWithLogProbabilities(_ model: Seq2SeqModel, _ batch: Batch, maxSteps: [Int])
        -> (translations: [Translation], logProbabilities: [[[Double]]], rowsPerStep: [Int]) {
        var logProbabilities = [[[Double]]](repeating: [], count: batch.size)
        var rowsPerStep: [Int] = []
        let translations = model.greedy(batch, maxSteps: maxSteps) { step, _, sentences in
            var dropout = Dropout.off
            let logits = readoutForward(states: step.next.top, contexts: step.attention.context, model.parameters, dropout: &dropout).logits
            for (r, b) in sentences.enumerated() { logProbabilities[b].append(referenceLogSoftmax(logits.rowArray(r).map(Double.init))) }
            rowsPerStep.append(sentences.count)
        }
        return (translations, logProbabilities, rowsPerStep)
    }
}
