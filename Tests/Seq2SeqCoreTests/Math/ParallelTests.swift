// ParallelTests.swift — threads change nothing but speed: products split by column panels compute every element
// with the same operations, so a training step's loss and gradients are bitwise equal with 1 and 2 threads.

import Testing
@testable import Seq2SeqCore

@Suite(.serialized) struct ParallelTests {
    @Test func oneAndTwoThreadsGiveTheSameStep() {
        // Big enough that the products are split (n·k·m ≥ 2¹⁶): batch 24, H 32, D 40.
        let config = ModelConfig(embeddingSize: 16, encoderHiddenSize: 32, encoderLayers: 2, decoderHiddenSize: 40,
                                 decoderLayers: 2, attentionSize: 24, sourceVocabularySize: 30, targetVocabularySize: 33)
        var rng = SplitMix64(seed: 4)
        let sources = (0..<24).map { _ in (0..<rng.nextInt(in: 3...9)).map { _ in 4 + rng.nextInt(below: 26) } }
        let batch = Batch(sources: sources, targets: sources.map { Array($0.reversed()) })
        func step(threads: Int) -> (Double, [Float]) {
            WorkerPool.shared.setThreads(threads)
            defer { WorkerPool.shared.setThreads(1) }
            let model = Seq2SeqModel(config: config, seed: 3)
            let grads = ModelParameters.zeros(model.parameters.table)
            var dropout = Dropout(rate: 0.1, rng: SplitMix64(seed: 8))
            let loss = model.lossAndGradients(batch, grads: grads, labelSmoothing: 0.1, dropout: &dropout)
            return (loss.sum, Array(grads.storage.buffer))
        }
        let (oneLoss, oneGrads) = step(threads: 1)
        let (twoLoss, twoGrads) = step(threads: 2)
        #expect(oneLoss == twoLoss)
        #expect(oneGrads == twoGrads)
    }

    @Test func everyPartRunsOnce() {
        WorkerPool.shared.setThreads(2)
        defer { WorkerPool.shared.setThreads(1) }
        let counts = FloatStorage(count: 1000)
        let base = counts.base
        WorkerPool.shared.run(parts: 1000) { part in base[part] += 1 }
        #expect(counts.buffer.allSatisfy { $0 == 1 })
    }
}
