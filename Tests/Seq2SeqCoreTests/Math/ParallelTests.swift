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

    /// Clipping and Adam's update split their elements among the threads (from 65,536 on): the parameters after
    /// two updates are bitwise the same with 1 and 2 threads.
    @Test func adamAndClippingGiveTheSameParametersWithOneOrTwoThreads() {
        let count = 200_003
        func update(threads: Int) -> [Float] {
            WorkerPool.shared.setThreads(threads)
            defer { WorkerPool.shared.setThreads(1) }
            var rng = SplitMix64(seed: 12)
            let parameters = FloatStorage(count: count), gradients = FloatStorage(count: count)
            for n in 0..<count { parameters.base[n] = rng.nextUniform(bound: 1) }
            var adam = Adam(parameterCount: count, options: AdamOptions())
            for _ in 0..<2 {
                for n in 0..<count { gradients.base[n] = rng.nextUniform(bound: 1) }
                clipGlobalNorm(gradients, maxNorm: 1)        // the norm is ~260: every gradient is scaled
                adam.update(parameters: parameters, gradients: gradients)
            }
            return Array(parameters.buffer)
        }
        let one = update(threads: 1), two = update(threads: 2)
        #expect(one == two)
        #expect(one.allSatisfy { $0.isFinite })
    }

    /// The global norm is summed in fixed blocks (four lanes each, threads taking blocks): the same bits with one
    /// thread or two, and the plain running sum's value to Double rounding, on a count that ends in a partial block.
    @Test func globalNormIsTheSameWithOneOrTwoThreadsAndMatchesAPlainSum() {
        let count = 3 * (1 << 14) + 70_001
        var rng = SplitMix64(seed: 13)
        let gradients = FloatStorage(count: count)
        for n in 0..<count { gradients.base[n] = rng.nextUniform(bound: 1) }
        var plain = 0.0
        for n in 0..<count { plain += Double(gradients.base[n]) * Double(gradients.base[n]) }
        func norm(threads: Int) -> Double {
            WorkerPool.shared.setThreads(threads)
            defer { WorkerPool.shared.setThreads(1) }
            return globalNorm(gradients)
        }
        let one = norm(threads: 1), two = norm(threads: 2)
        #expect(one == two)
        #expect(abs(one - plain.squareRoot()) < 1e-12 * plain.squareRoot())
    }

    /// A batch of 64 is cut into two shards that run on their own threads (data parallelism). The step must equal
    /// its two halves run one after the other and added in order — bit for bit, with 1 thread or 2 — and each
    /// half's dropout comes from a generator seeded in shard order from the step's.
    @Test func shardedStepEqualsItsHalvesWithOneOrTwoThreads() {
        let config = ModelConfig(embeddingSize: 8, encoderHiddenSize: 12, encoderLayers: 2, decoderHiddenSize: 10,
                                 decoderLayers: 1, attentionSize: 9, sourceVocabularySize: 20, targetVocabularySize: 22,
                                 dropout: 0.2)
        var rng = SplitMix64(seed: 11)
        let sources = (0..<64).map { _ in (0..<rng.nextInt(in: 1...9)).map { _ in 4 + rng.nextInt(below: 16) } }
        let batch = Batch(sources: sources, targets: sources.map { Array($0.reversed()) })
        #expect(Batch.shardCount(sentences: batch.size) == 2)
        let model = Seq2SeqModel(config: config, seed: 5)
        func step(threads: Int) -> (BatchLoss, [Float], UInt64) {
            WorkerPool.shared.setThreads(threads)
            defer { WorkerPool.shared.setThreads(1) }
            let grads = ModelParameters.zeros(model.parameters.table)
            var dropout = Dropout(rate: 0.2, rng: SplitMix64(seed: 8))
            let loss = model.lossAndGradients(batch, grads: grads, labelSmoothing: 0.1, dropout: &dropout)
            return (loss, Array(grads.storage.buffer), dropout.rng.state)
        }
        let (one, oneGrads, oneState) = step(threads: 1)
        let (two, twoGrads, twoState) = step(threads: 2)
        #expect(one.sum == two.sum && one.tokenCount == two.tokenCount)
        #expect(oneGrads == twoGrads)
        #expect(oneState == twoState)

        // By hand: each half alone (one shard each), its gradient scaled by the whole batch's token count.
        var seeds = SplitMix64(seed: 8)
        let halves = [batch.sentences(0..<32), batch.sentences(32..<64)]
        #expect(halves[0].targetTokenCount + halves[1].targetTokenCount == batch.targetTokenCount)
        let total = ModelParameters.zeros(model.parameters.table)
        var lossSum = 0.0
        for half in halves {
            var dropout = Dropout(rate: 0.2, rng: SplitMix64(seed: seeds.next()))
            let grads = ModelParameters.zeros(model.parameters.table)
            let loss = model.lossAndGradients(half, grads: grads, reduction: .sum, labelSmoothing: 0.1, dropout: &dropout)
            lossSum += loss.sum
            let scale = 1 / Float(batch.targetTokenCount)
            // The sharded step scales dLogits before the backward; scaling after differs only by rounding.
            for j in 0..<total.table.count { total.storage.base[j] += grads.storage.base[j] * scale }
        }
        #expect(abs(lossSum - one.sum) <= 1e-9 * abs(lossSum))
        let largest = oneGrads.map(abs).max() ?? 0
        #expect(largest > 0)
        for j in 0..<total.table.count {
            #expect(abs(total.storage.base[j] - oneGrads[j]) <= 1e-5 * largest, "gradient \(j)")
        }
    }

    /// Evaluation shares its teacher-forced batches out among the threads (validation runs it at every check): with
    /// 1 thread or 2 the report is the same bits, and its loss is the batches' sums added in batch order.
    @Test func evaluationIsTheSameWithOneOrTwoThreadsAndSumsItsBatchesInOrder() throws {
        let checkpoint = try TinyCheckpoint.make(seed: 9, scale: 1)
        var rng = SplitMix64(seed: 21)
        let words = TinyCheckpoint.sourceWords, targets = TinyCheckpoint.targetWords
        let pairs = (0..<150).map { _ in
            SentencePair(source: (0..<rng.nextInt(in: 1...8)).map { _ in words[rng.nextInt(below: words.count)] }.joined(separator: " "),
                         target: (0..<rng.nextInt(in: 1...8)).map { _ in targets[rng.nextInt(below: targets.count)] }.joined(separator: " "))
        }
        func report(threads: Int) -> EvaluationReport {
            WorkerPool.shared.setThreads(threads)
            defer { WorkerPool.shared.setThreads(1) }
            return Evaluation.evaluate(Translator(checkpoint: checkpoint, batchSize: 16), on: pairs)
        }
        let one = report(threads: 1), two = report(threads: 2)
        #expect(one == two)
        // By hand: the same length-sorted batches, one after the other.
        let tokenizer = checkpoint.config.tokenizer
        let sources = pairs.map { checkpoint.sourceVocabulary.encode(tokenizer.tokenizeSource($0.source)) }
        let targetIds = pairs.map { checkpoint.targetVocabulary.encode(tokenizer.tokenize($0.target)) }
        let chunks = Batch.lengthSortedGroups(sources.map(\.count), size: 16)
        #expect(chunks.count == 10)
        var lossSum = 0.0, tokens = 0
        for chunk in chunks {
            let part = checkpoint.model.teacherForcedStatistics(Batch(sources: chunk.map { sources[$0] }, targets: chunk.map { targetIds[$0] }))
            lossSum += part.lossSum
            tokens += part.tokens
        }
        #expect(one.loss == lossSum / Double(tokens))
        #expect(one.loss.isFinite && one.loss > 0)
    }

    /// Many short jobs back to back, of different sizes: every part of every job runs exactly once, under its own
    /// job's closure. (A worker finishing one job while the next was published could once take a part of the new
    /// job under the old closure, or claim it and never run it — a wrong result or a hang.)
    @Test func backToBackJobsEachRunEveryPartOnceUnderTheirOwnClosure() {
        WorkerPool.shared.setThreads(2)
        defer { WorkerPool.shared.setThreads(1) }
        let jobs = 20_000
        let counts = FloatStorage(count: jobs * 6)
        let base = counts.base
        for j in 0..<jobs {
            let parts = 2 + j % 5
            WorkerPool.shared.run(parts: parts) { part in
                var x: Float = 0
                for i in 0..<(50 * (part + 1)) { x += Float(i) }          // a little work, so both threads take parts
                base[j * 6 + part] += x >= 0 ? 1 : 2
            }
        }
        var wrong = 0
        for j in 0..<jobs {
            for part in 0..<6 where base[j * 6 + part] != (part < 2 + j % 5 ? 1 : 0) { wrong += 1 }
        }
        #expect(wrong == 0)
    }

    /// Translation shares whole batches out among the threads: greedy and beam output (tokens, attention, scores)
    /// are the same with 1 thread and 2.
    @Test func translationSharesBatchesAndGivesTheSameOutput() throws {
        let config = ModelConfig(embeddingSize: 8, encoderHiddenSize: 12, encoderLayers: 1, decoderHiddenSize: 10,
                                 decoderLayers: 1, attentionSize: 9, sourceVocabularySize: 20, targetVocabularySize: 22)
        let source = try Vocabulary(tokens: Vocabulary.specials + (4..<20).map { "s\($0)" })
        let target = try Vocabulary(tokens: Vocabulary.specials + (4..<22).map { "t\($0)" })
        let translatorConfig = TranslatorConfig(model: config, tokenization: .word, lowercase: false, maxSourceLength: 20, maxTargetLength: 20)
        let checkpoint = Checkpoint(config: translatorConfig, sourceVocabulary: source, targetVocabulary: target,
                                    model: Seq2SeqModel(config: config, seed: 12))
        var rng = SplitMix64(seed: 13)
        let sources = (0..<150).map { _ in (0..<rng.nextInt(in: 1...9)).map { _ in 4 + rng.nextInt(below: 16) } }
        func translate(threads: Int, beam: BeamOptions?) -> [[ScoredTranslation]] {
            WorkerPool.shared.setThreads(threads)
            defer { WorkerPool.shared.setThreads(1) }
            var translator = Translator(checkpoint: checkpoint, batchSize: 8)
            translator.beam = beam
            return translator.nBest(ids: sources)
        }
        for beam in [nil, BeamOptions(width: 3, nBest: 2)] {
            let one = translate(threads: 1, beam: beam), two = translate(threads: 2, beam: beam)
            #expect(one.map { $0.map(\.translation.tokens) } == two.map { $0.map(\.translation.tokens) })
            #expect(one.map { $0.map(\.translation.attention) } == two.map { $0.map(\.translation.attention) })
            #expect(one.map { $0.map(\.score) } == two.map { $0.map(\.score) })
        }
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
