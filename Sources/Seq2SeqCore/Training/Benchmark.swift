// Benchmark.swift — a fixed, seeded, synthetic workload (no files) for `seq2seq bench`: training steps and greedy
// translation on random sentences of reverse-task lengths, timed, with the arithmetic counted by formula.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A model size and batch shape that `bench` times.
public struct BenchmarkConfig: Sendable {
    public var name: String
    public var model: ModelConfig
    public var batchSize: Int
    /// Source and target lengths of the random sentences, drawn uniformly.
    public var lengths: ClosedRange<Int>

    /// E 64, H 128, L 2, D 128, M 1, A 128, vocabularies of 54, batch 64, lengths 1–25 (the reverse task).
    public static let reference = BenchmarkConfig(
        name: "reference",
        model: ModelConfig(embeddingSize: 64, encoderHiddenSize: 128, encoderLayers: 2, decoderHiddenSize: 128, decoderLayers: 1,
                           attentionSize: 128, sourceVocabularySize: 54, targetVocabularySize: 54),
        batchSize: 64, lengths: 1...25)

    /// The shipped English → French model (Checkpoints/eng-fra.safetensors): E = H = D = A = 256, one layer each
    /// side, its vocabularies (3,864 English and 4,477 French BPE tokens), batch 64, lengths 4–16 (sentences of 1–12
    /// English words and their French, cut into BPE pieces and punctuation).
    public static let everyday = BenchmarkConfig(
        name: "everyday",
        model: ModelConfig(embeddingSize: 256, encoderHiddenSize: 256, encoderLayers: 1, decoderHiddenSize: 256, decoderLayers: 1,
                           attentionSize: 256, sourceVocabularySize: 3864, targetVocabularySize: 4477),
        batchSize: 64, lengths: 4...16)

    /// E 256, H 256, L 2, D 256, M 2, A 256, vocabularies of 8,000, batch 64, lengths 10–30.
    public static let large = BenchmarkConfig(
        name: "large",
        model: ModelConfig(embeddingSize: 256, encoderHiddenSize: 256, encoderLayers: 2, decoderHiddenSize: 256, decoderLayers: 2,
                           attentionSize: 256, sourceVocabularySize: 8000, targetVocabularySize: 8000),
        batchSize: 64, lengths: 10...30)
}

/// Multiply-adds of one forward pass, by formula (padding excluded: only real tokens count). A training step
/// costs three times this (forward; backward's input gradients; backward's weight gradients) and every
/// multiply-add is two floating-point operations.
public enum FlopCount {
    /// The formula `forwardMultiplyAdds` computes, in SPEC letters, as `bench` prints it.
    public static let formula = """
        forward multiply-adds of a batch, summed over its sentences (S source tokens incl. </s>, T target steps):
          encoder   Σ_layers 2·S·4H·(I_k + H)        I_0 = E, I_k = 2H
          keys      S·A·2H;   bridge  D·2H
          decoder   T·[A·D + S·(A + 2H) + 4D·(E + 2H + D) + (M−1)·4D·2D + D·(D + 2H) + Vt·D]
        training FLOPs = 2 · 3 · forward multiply-adds;  translation FLOPs = 2 · forward multiply-adds
        training is timed after \(Benchmark.warmUpSteps) untimed steps, which allocate the buffers later steps reuse
        """

    /// Multiply-adds of one sentence's forward pass by `formula`; S and T as there.
    public static func forwardMultiplyAdds(_ c: ModelConfig, sourceLength S: Int, targetLength T: Int) -> Double {
        let (E, H, D, A, M) = (Double(c.embeddingSize), Double(c.encoderHiddenSize), Double(c.decoderHiddenSize),
                               Double(c.attentionSize), Double(c.decoderLayers))
        let (s, t, vt) = (Double(S), Double(T), Double(c.targetVocabularySize))
        var encoder = 0.0
        for k in 0..<c.encoderLayers { encoder += 2 * s * 4 * H * ((k == 0 ? E : 2 * H) + H) }
        let keys = s * A * 2 * H, bridge = D * 2 * H
        let step = A * D + s * (A + 2 * H) + 4 * D * (E + 2 * H + D) + (M - 1) * 4 * D * 2 * D + D * (D + 2 * H) + vt * D
        return encoder + keys + bridge + t * step
    }
}

/// One configuration's timings, as `bench` prints them in JSON.
public struct BenchmarkResult: Codable, Sendable {
    /// `BenchmarkConfig.name` of the configuration timed.
    public var config: String
    public var threads: Int
    /// Timed training steps.
    public var trainingSteps: Int
    /// Training throughput with length-bucketed batches.
    public var trainingTargetTokensPerSecond: Double
    /// Training FLOPs per second by `FlopCount`, in billions.
    public var trainingGFLOPS: Double
    /// The same with batches of random lengths (each padded to its longest sentence), for comparison.
    public var trainingUnsortedTargetTokensPerSecond: Double
    public var trainingUnsortedGFLOPS: Double
    /// Greedy translation one sentence at a time.
    public var translationSentencesPerSecondSingle: Double
    /// Greedy translation in batches of similar length.
    public var translationSentencesPerSecondBatched: Double
    /// The process's peak resident memory, in MB.
    public var peakMemoryMB: Double
    /// C = A·B alone at 256 × 256 × 256.
    public var matrixProductGFLOPS: Double

    enum CodingKeys: String, CodingKey {
        case config, threads
        case trainingSteps = "training_steps"
        case trainingTargetTokensPerSecond = "training_target_tokens_per_second"
        case trainingGFLOPS = "training_gflops"
        case trainingUnsortedTargetTokensPerSecond = "training_unsorted_target_tokens_per_second"
        case trainingUnsortedGFLOPS = "training_unsorted_gflops"
        case translationSentencesPerSecondSingle = "translation_sentences_per_second_single"
        case translationSentencesPerSecondBatched = "translation_sentences_per_second_batched"
        case peakMemoryMB = "peak_memory_mb"
        case matrixProductGFLOPS = "matrix_product_256_gflops"
    }
}

/// Timed training and translation runs on random data (`seq2seq bench`).
public enum Benchmark {
    /// Sentences drawn at a time for batched translation: the chunk `seq2seq translate` reads before sorting it.
    static let chunkSize = 1024
    /// Untimed training steps before each training measurement. A first `large` step takes much of its time in the
    /// kernel, handing out fresh pages for buffers that later steps reuse from the pool; timed, it would pull a short
    /// run's figure below what longer runs settle at.
    static let warmUpSteps = 2

    /// What the translation figures measure, for `seq2seq bench --verbose`.
    public static let translationWorkload = """
        greedy translation: random sentences of the config's lengths; each sentence's decoder runs source length + 1
          steps (what reversing needs; the model's </s> logit is pushed down, so this limit ends every sentence:
          before, the barely trained model emitted </s> early and the decoder ran a fifth of these steps).
          one at a time: every sentence decoded alone, as a batch of 1 (no batching), the threads each taking the
          next sentence as they come free, as a server answering single requests on every core would; with
          one thread it is one sentence after another.  batches of 64: \(chunkSize) sentences drawn at once and
          decoded as `seq2seq translate` decodes a chunk of input: sorted by length, cut into batches of 64, each
          sentence stopping at its own limit and leaving the batch, the batches shared out among the threads
        """

    /// Random sentences over the ordinary tokens (ids ≥ 4), lengths drawn uniformly from `lengths`.
    static func sentences(_ count: Int, _ lengths: ClosedRange<Int>, vocabulary: Int, rng: inout SplitMix64) -> [[Int]] {
        (0..<count).map { _ in (0..<rng.nextInt(in: lengths)).map { _ in 4 + rng.nextInt(below: vocabulary - 4) } }
    }

    /// Trains for about `seconds` on random reverse-task sentences batched as `train` batches them (similar lengths
    /// together), then for `seconds / 2` on batches of random lengths; then translates random sentences one at a
    /// time and in batches, each for about `seconds / 2`.
    public static func run(_ config: BenchmarkConfig, threads: Int, seconds: Double) -> BenchmarkResult {
        var rng = SplitMix64(seed: 2024)
        let model = Seq2SeqModel(config: config.model, seed: 1)
        let grads = ModelParameters.zeros(model.parameters.table)
        var adam = Adam(parameterCount: model.parameters.table.count, options: AdamOptions())
        var dropout = Dropout.off
        let clock = ContinuousClock()
        var start = clock.now

        /// Training steps for about `seconds`: target tokens/s, GFLOP/s (by formula) and the steps taken. The first
        /// `warmUpSteps` are not timed: they allocate and first touch the buffers every later step reuses.
        func train(lengthBucketed: Bool, seconds: Double) -> (tokensPerSecond: Double, gflops: Double, steps: Int) {
            var steps = 0, tokens = 0
            var multiplyAdds = 0.0
            var queued: [[[Int]]] = []
            var warmUpLeft = warmUpSteps
            start = clock.now
            while warmUpLeft > 0 || steps < 2 || Trainer.seconds(clock.now - start) < seconds {
                if warmUpLeft == 0 && steps == 0 { start = clock.now }
                let sources: [[Int]]
                if lengthBucketed {
                    // As `train` does: a pool of 50 batches' worth of sentences, sorted by length, cut, shuffled.
                    if queued.isEmpty {
                        let pool = Self.sentences(config.batchSize * 50, config.lengths, vocabulary: config.model.sourceVocabularySize, rng: &rng)
                        var batches = Trainer.lengthBucketedBatches(Array(pool.indices), size: config.batchSize) { (pool[$0].count, pool[$0].count) }
                        rng.shuffle(&batches)
                        queued = batches.map { $0.map { pool[$0] } }
                    }
                    sources = queued.removeLast()
                } else {
                    sources = Self.sentences(config.batchSize, config.lengths, vocabulary: config.model.sourceVocabularySize, rng: &rng)
                }
                let batch = Batch(sources: sources, targets: sources.map { $0.reversed() })
                grads.zero()
                let loss = model.lossAndGradients(batch, grads: grads, dropout: &dropout)
                clipGlobalNorm(grads.storage, maxNorm: 1)
                adam.update(parameters: model.parameters.storage, gradients: grads.storage)
                if warmUpLeft > 0 {
                    warmUpLeft -= 1
                    continue
                }
                steps += 1
                tokens += loss.tokenCount
                for s in sources { multiplyAdds += FlopCount.forwardMultiplyAdds(config.model, sourceLength: s.count + 1, targetLength: s.count + 1) }
            }
            let elapsed = Trainer.seconds(clock.now - start)
            return (Double(tokens) / elapsed, 6 * multiplyAdds / elapsed / 1e9, steps)
        }
        let bucketed = train(lengthBucketed: true, seconds: seconds)
        let unsorted = train(lengthBucketed: false, seconds: seconds / 2)

        // Translation: each sentence's decoder runs as many steps as reversing needs (source length + 1 for </s>).
        // The barely trained model would emit </s> after a token or two, so its
        // </s> logit is pushed far down: the limit is what ends a sentence, as </s> would end it in a trained
        // reverse model. See `translationWorkload`.
        if let bias = model.parameters.generator.bias { bias[0, Vocabulary.eos] = -10_000 }
        func translate(batchSize: Int) -> Double {
            var translated = 0
            start = clock.now
            // As a translation job does (Translator), the weights are packed once for all the sentences.
            withPackedWeights(model.parameters.storage) {
                while translated < 2 || Trainer.seconds(clock.now - start) < seconds / 2 {
                    // One chunk of input, as `translate` reads it, sorted by length and cut into batches (of one
                    // sentence each when translating one at a time).
                    let sources = sentences(chunkSize, config.lengths, vocabulary: config.model.sourceVocabularySize, rng: &rng)
                    // As `translate` does, the batches are shared out among the threads.
                    let groups = Batch.lengthSortedGroups(sources.map(\.count), size: batchSize)
                    forEachShared(groups.count, packing: model.parameters.storage) { g in
                        _ = model.greedy(Batch(sources: groups[g].map { sources[$0] }), maxSteps: groups[g].map { sources[$0].count + 1 })
                    }
                    translated += sources.count
                }
            }
            return Double(translated) / Trainer.seconds(clock.now - start)
        }
        let product = matrixProductGFLOPS(size: 256, seconds: max(0.5, seconds / 4))
        let single = translate(batchSize: 1)
        let batched = translate(batchSize: 64)
        return BenchmarkResult(config: config.name, threads: threads, trainingSteps: bucketed.steps,
                               trainingTargetTokensPerSecond: bucketed.tokensPerSecond, trainingGFLOPS: bucketed.gflops,
                               trainingUnsortedTargetTokensPerSecond: unsorted.tokensPerSecond, trainingUnsortedGFLOPS: unsorted.gflops,
                               translationSentencesPerSecondSingle: single, translationSentencesPerSecondBatched: batched,
                               peakMemoryMB: peakMemoryMB(), matrixProductGFLOPS: product)
    }

    /// A real training run of `config`'s model, timed phase by phase (`seq2seq bench --verbose`): `Trainer` on a
    /// reverse-task corpus of the config's lengths and source vocabulary (the target side reverses the source, so it
    /// has the same tokens) written to a temporary folder (50,000 training and 1,000 dev pairs, as Corpora/reverse), `steps` steps of `batchSize` pairs with a validation halfway and one
    /// at the end, each saving the checkpoint and the resume state as `train` does. The folder is removed after.
    public static func realRunPhases(_ config: BenchmarkConfig, threads: Int, steps: Int) throws -> TrainingPhases {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("seq2seq-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var rng = SplitMix64(seed: 2025)
        let numbers = config.model.sourceVocabularySize - 4
        for (name, count) in [("train", 50_000), ("dev", 1_000)] {
            let pairs = ToyTasks.pairs(.reverse, count: count, lengths: config.lengths, vocabularySize: numbers, rng: &rng)
            try Corpus.writePairs(pairs, path: folder + "/\(name).tsv")
        }
        var options = TrainOptions()
        options.batchSize = config.batchSize
        options.threads = threads
        options.epochs = 1_000
        let runSteps = max(2, steps)
        options.maxSteps = runSteps
        options.validateEvery = runSteps / 2
        let trainer = try Trainer(corpus: folder, checkpoint: folder + "/bench.safetensors", model: config.model,
                                  tokenizer: Tokenizer(tokenization: .word), options: options)
        try trainer.run()
        return trainer.phases
    }

    /// GFLOP/s of C = A·B for random n × n matrices, repeated for about `seconds`.
    public static func matrixProductGFLOPS(size n: Int, seconds: Double) -> Double {
        var rng = SplitMix64(seed: 5)
        let a = randomMatrix(n, n, &rng), b = randomMatrix(n, n, &rng)
        let c = Matrix(rows: n, cols: n)
        let clock = ContinuousClock()
        var products = 0
        let start = clock.now
        while products < 3 || Trainer.seconds(clock.now - start) < seconds {
            matmul(a, b, into: c, accumulate: false)
            products += 1
        }
        return 2 * Double(n * n * n) * Double(products) / Trainer.seconds(clock.now - start) / 1e9
    }

    /// One product shape of a training step, timed alone (`bench --verbose`).
    public struct ProductShape: Sendable {
        public var name: String
        /// C [n, m] = A [n, k] · B [k, m].
        public var n: Int, k: Int, m: Int
        /// Whether A and B are stored transposed.
        public var transposeA: Bool, transposeB: Bool
        /// B is a weight matrix, packed once per step (as in training) rather than per product.
        public var packedWeight: Bool
        /// Measured rate, in billions of FLOPs per second.
        public var gflops: Double = 0
    }

    /// The products that dominate a training step of `config` (one shard of 32 sentences, as a batch of 64 is
    /// split, with the mean source length), each timed for about `seconds`: where the arithmetic goes.
    public static func productShapes(_ config: BenchmarkConfig, seconds: Double) -> [ProductShape] {
        let c = config.model
        let shard = config.batchSize / Batch.shardCount(sentences: config.batchSize)
        let rows = shard * ((config.lengths.lowerBound + config.lengths.upperBound) / 2 + 1)
        let (h, e, d) = (c.encoderHiddenSize, c.embeddingSize, c.decoderHiddenSize)
        var shapes = [
            ProductShape(name: "encoder W_hh·h, a step", n: shard, k: h, m: 4 * h, transposeA: false, transposeB: true, packedWeight: true),
            ProductShape(name: "encoder W_ih·x, all steps", n: rows, k: c.encoderLayers > 1 ? 2 * h : e, m: 4 * h, transposeA: false, transposeB: true, packedWeight: true),
            ProductShape(name: "decoder LSTM input, a step", n: shard, k: e + 2 * h, m: 4 * d, transposeA: false, transposeB: true, packedWeight: true),
            ProductShape(name: "generator, all steps", n: rows, k: d, m: c.targetVocabularySize, transposeA: false, transposeB: true, packedWeight: true),
            ProductShape(name: "backward dh = dGates·W_hh, a step", n: shard, k: 4 * h, m: h, transposeA: false, transposeB: false, packedWeight: true),
            ProductShape(name: "backward dx = dGates·W_ih", n: rows, k: 4 * h, m: 2 * h, transposeA: false, transposeB: false, packedWeight: true),
            ProductShape(name: "backward dW_hh = dGatesᵀ·h", n: 4 * h, k: rows, m: h, transposeA: true, transposeB: false, packedWeight: false),
            ProductShape(name: "backward dW_ih = dGatesᵀ·x", n: 4 * h, k: rows, m: 2 * h, transposeA: true, transposeB: false, packedWeight: false),
        ]
        var rng = SplitMix64(seed: 6)
        let clock = ContinuousClock()
        for i in shapes.indices {
            let s = shapes[i]
            let a = s.transposeA ? randomMatrix(s.k, s.n, &rng) : randomMatrix(s.n, s.k, &rng)
            let b = s.transposeB ? randomMatrix(s.m, s.k, &rng) : randomMatrix(s.k, s.m, &rng)
            let out = Matrix(rows: s.n, cols: s.m)
            var products = 0
            let start = clock.now
            func repeatProducts() {
                while products < 3 || Trainer.seconds(clock.now - start) < seconds {
                    matmul(a, transposeA: s.transposeA, b, transposeB: s.transposeB, into: out, accumulate: true)
                    products += 1
                }
            }
            if s.packedWeight { withPackedWeights(b.storage, repeatProducts) } else { repeatProducts() }
            shapes[i].gflops = 2 * Double(s.n * s.k * s.m) * Double(products) / Trainer.seconds(clock.now - start) / 1e9
        }
        return shapes
    }

    /// A rows × cols matrix of values drawn uniformly from (−1, 1).
    static func randomMatrix(_ rows: Int, _ cols: Int, _ rng: inout SplitMix64) -> Matrix {
        Matrix(rows: rows, cols: cols, values: (0..<rows * cols).map { _ in rng.nextUniform(bound: 1) })
    }

    /// The process's peak resident memory so far.
    public static func peakMemoryMB() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        #if os(macOS)
        return Double(usage.ru_maxrss) / 1_048_576        // bytes on macOS
        #else
        return Double(usage.ru_maxrss) / 1024              // kilobytes on Linux
        #endif
    }
}
