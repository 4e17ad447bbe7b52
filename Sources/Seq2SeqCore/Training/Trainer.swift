// Trainer.swift — a training run set up (stages [1] → [8]): a new run from a corpus and a configuration, or an
// interrupted one resumed from its state; the checks that it fits in memory. The loop itself is in TrainingRun.swift.
// Reports progress as events; the command line decides how to show them.

import Foundation

/// Where training stands between validations, as `train` prints it.
public struct ProgressReport: Sendable {
    /// The epoch being trained, from 1.
    public var epoch: Int
    /// Steps taken so far.
    public var step: Int
    /// Steps the run will take in all.
    public var totalSteps: Int
    /// Mean training loss per target token since the last report.
    public var loss: Double
    /// Training throughput since the last report.
    public var targetTokensPerSecond: Double
    /// Training time so far, over every resumed part of the run.
    public var elapsedSeconds: Double
    /// Estimated seconds to the end of the run at the current speed.
    public var etaSeconds: Double
    /// Adam's current learning rate (it changes only when it decays on a plateau).
    public var learningRate: Float
}

/// What `Trainer.run` reports as it goes.
public enum TrainingEvent: Sendable {
    /// The data is ready: pairs used, pairs skipped for length, vocabulary sizes, steps planned.
    case prepared(trainPairs: Int, skippedPairs: Int, devPairs: Int, skippedDevPairs: Int, sourceVocabulary: Int,
                  targetVocabulary: Int, parameters: Int, totalSteps: Int, resumedAtStep: Int?)
    case progress(ProgressReport)
    /// A validation: logged, and saved as the best checkpoint when it is. One whose dev numbers are not finite is
    /// logged too, but is never the best.
    case validated(ValidationRecord)
    /// The dev set as the validation at `step` translated it (sent right after its `.validated`): sources, references
    /// and translations, to show a few of them.
    case devTranslations(step: Int, EvaluatedSet)
    /// A step whose loss or gradient was not finite: its update was not applied.
    case skippedStep(step: Int, loss: Double, gradientNorm: Double)
    /// The validation at `step` made the learning rate decay (sent after its `.validated` and `.devTranslations`).
    case learningRateDecayed(step: Int, from: Float, to: Float)
}

/// Where the training loop's time went: seconds in each phase, summed over the steps and validations of the
/// `Trainer.run` calls so far (`seq2seq bench --verbose` prints them for a real run).
public struct TrainingPhases: Sendable {
    /// Steps applied or skipped.
    public var steps = 0
    /// Making the epoch's batch order and each step's `Batch` from the encoded pairs.
    public var batching = 0.0
    /// `lossAndGradients`: the forward and backward passes (the gradients zeroed first).
    public var forwardBackward = 0.0
    /// The gradients' global norm and their clipping.
    public var clipping = 0.0
    /// Adam's update of the weights.
    public var update = 0.0
    /// The progress reports (at most four a second).
    public var reporting = 0.0
    /// Validations, and of their time what went into translating and scoring the dev set.
    public var validations = 0
    public var validation = 0.0
    public var devTranslation = 0.0
    /// Saving the best checkpoint, kept checkpoints, dev translations, the log line and the resume state.
    public var fileWrites = 0.0

    /// Seconds of the steps alone (no validation).
    public var stepSeconds: Double { batching + forwardBackward + clipping + update + reporting }
}

/// How a run ended.
public enum TrainingEnd: Sendable {
    /// All planned steps are done and validated.
    case finished
    /// `shouldStop` asked to stop; the state after the last whole step is saved for `--resume`.
    case interrupted
    /// `earlyStopping` validations in a row, the last at `step`, were no better than the one at `bestStep`.
    case stoppedEarly(step: Int, bestStep: Int)
}

/// A training run: `init` reads the corpus, builds the vocabularies and the model (or `init(resuming:)` reloads a run's
/// state), and `run` trains it, validating on the dev set and keeping the best checkpoint at `paths.checkpoint`.
public final class Trainer {
    /// Everything a resumed run needs; the loop (`TrainingRun`) advances it.
    public internal(set) var state: TrainingState
    /// Where the checkpoint, resume state and log are written.
    public let paths: TrainingPaths
    /// The corpus made ready: split, tokenized within the length limit, encoded.
    let data: TrainingData
    /// Pairs of train.tsv held out for validation because the corpus has no dev.tsv (nil when it has one).
    public var heldOutForValidation: Int? { data.heldOutForValidation }
    /// Where the loop's time went, over this trainer's `run` calls.
    public internal(set) var phases = TrainingPhases()
    /// Tests only: sees the gradients of every step before they are checked and applied.
    var gradientHook: ((_ step: Int, _ grads: ModelParameters) -> Void)? = nil

    /// A new run: reads `corpus/train.tsv` and `corpus/dev.tsv` (or holds out part of train when there is no dev.tsv),
    /// learns `bpeMerges` merges (for `bpe` tokenization) and builds the vocabularies from the training split,
    /// and initialises the model from the seed. `model`'s vocabulary sizes are filled in here.
    public init(corpus: String, checkpoint: String, model: ModelConfig, tokenizer: Tokenizer,
                bpeMerges: Int = BytePairEncoding.defaultMergeCount, options: TrainOptions) throws {
        paths = TrainingPaths(checkpoint: checkpoint)
        let (train, dev, heldOut) = try TrainingData.trainAndDev(corpus: corpus, seed: options.seed)
        let pairs = TrainingData.withTypedCopies(train, fraction: options.typedCopies, seed: options.seed)
        // Merges from the training split only (dev never shapes the tokens), both sides into one table; they go into
        // the config, so a resumed run and every later command reuse them rather than learn them again.
        let tokenizer = tokenizer.learningMerges(from: pairs.flatMap { [TypedInput.normalized($0.source), $0.target] }, count: bpeMerges)
        let tokens = TrainingData.tokenizedWithinLength(pairs, tokenizer, maxLength: options.maxLength)
        let (sources, targets) = (tokens.sources, tokens.targets)
        let devSet = try TrainingData.devWithinLength(dev, tokenizer, maxLength: options.maxLength, corpus: corpus)
        guard !sources.isEmpty else {
            throw Seq2SeqError.noPairWithinLength(path: corpus + "/train.tsv", limit: options.maxLength)
        }
        let sourceVocabulary = Vocabulary.build(from: sources, minCount: options.minCount, maxSize: options.maxVocabulary)
        let targetVocabulary = Vocabulary.build(from: targets, minCount: options.minCount, maxSize: options.maxVocabulary)
        var modelConfig = model
        modelConfig.sourceVocabularySize = sourceVocabulary.count
        modelConfig.targetVocabularySize = targetVocabulary.count
        try modelConfig.validate()
        // Before the model's weights are made: they alone can take gigabytes.
        try Self.checkMemory(modelConfig, options: options, sourceLength: sources.map(\.count).max() ?? 0,
                             targetLength: targets.map(\.count).max() ?? 0, dev: devSet)
        let config = TranslatorConfig(model: modelConfig, tokenization: tokenizer.tokenization, lowercase: tokenizer.lowercase,
                                      bpe: tokenizer.bpe, maxSourceLength: options.maxLength, maxTargetLength: options.maxLength)
        let checkpoint = Checkpoint(config: config, sourceVocabulary: sourceVocabulary, targetVocabulary: targetVocabulary,
                                    model: Seq2SeqModel(config: modelConfig, seed: options.seed))
        if modelConfig.tieEmbeddings { checkpoint.model.parameters.tieTargetEmbeddingToGenerator() }
        let progress = TrainingProgress(step: 0, epoch: 0, batchInEpoch: 0, dropoutState: options.seed &+ 0x5EED,
                                        best: nil, bestStep: 0, trainingSeconds: 0)
        state = TrainingState(checkpoint: checkpoint, options: options, progress: progress,
                              adam: Adam(parameterCount: checkpoint.model.parameters.table.count,
                                         options: AdamOptions(learningRate: options.learningRate)),
                              corpus: CorpusFingerprint(train: train, dev: dev))
        data = TrainingData(tokens: tokens, dev: devSet, heldOutForValidation: heldOut,
                            sourceVocabulary: sourceVocabulary, targetVocabulary: targetVocabulary)
    }

    /// Continues the run whose state sits beside `checkpoint`. Epochs, maximum steps, the validation interval, early
    /// stopping and how many best checkpoints to keep may change (they do not change what a step computes); nil keeps
    /// the run's own, and `earlyStopping: .some(nil)` turns early stopping off. Everything else is the run's own.
    public init(resuming checkpoint: String, corpus: String, epochs: Int?, maxSteps: Int?, validateEvery: Int? = nil,
                earlyStopping: Int?? = nil, keepBest: Int? = nil) throws {
        paths = TrainingPaths(checkpoint: checkpoint)
        state = try TrainingState.load(path: paths.state)
        if let epochs { state.options.epochs = epochs }
        if let maxSteps { state.options.maxSteps = maxSteps }
        if let validateEvery { state.options.validateEvery = validateEvery }
        if let earlyStopping { state.options.earlyStopping = earlyStopping }
        if let keepBest { state.options.keepBest = keepBest }
        let config = state.checkpoint.config, tokenizer = config.tokenizer
        let (train, dev, heldOut) = try TrainingData.trainAndDev(corpus: corpus, seed: state.options.seed)
        let fingerprint = CorpusFingerprint(train: train, dev: dev)
        if let started = state.corpus, let difference = fingerprint.difference(from: started, corpus: corpus) {
            throw Seq2SeqError.resumeMismatch(path: paths.state, reason: difference)
        }
        state.corpus = fingerprint
        try Self.checkBestCheckpoint(paths, matches: state)
        let pairs = TrainingData.withTypedCopies(train, fraction: state.options.typedCopies, seed: state.options.seed)
        let tokens = TrainingData.tokenizedWithinLength(pairs, tokenizer, maxLength: state.options.maxLength)
        let devSet = try TrainingData.devWithinLength(dev, tokenizer, maxLength: state.options.maxLength, corpus: corpus)
        data = TrainingData(tokens: tokens, dev: devSet, heldOutForValidation: heldOut,
                            sourceVocabulary: state.checkpoint.sourceVocabulary, targetVocabulary: state.checkpoint.targetVocabulary)
        guard state.progress.batchInEpoch <= batchesPerEpoch else {
            throw Seq2SeqError.invalidCheckpoint(path: paths.state, reason: "the training state is damaged: batch_in_epoch is \(state.progress.batchInEpoch), but an epoch has \(batchesPerEpoch) batches")
        }
    }

    /// The best checkpoint beside a resumed state must be of the same model (config and vocabularies), and must be
    /// there once a validation has been kept: otherwise the run would go on comparing against a model that is gone.
    static func checkBestCheckpoint(_ paths: TrainingPaths, matches state: TrainingState) throws {
        guard FileManager.default.fileExists(atPath: paths.checkpoint) else {
            if state.progress.best != nil {
                throw Seq2SeqError.resumeMismatch(path: paths.state, reason: "its best checkpoint \(paths.checkpoint) (step \(state.progress.bestStep)) is missing")
            }
            return
        }
        let best = try Checkpoint.load(path: paths.checkpoint)
        let own = state.checkpoint
        let difference: String? = if best.config != own.config { "another configuration" }
            else if best.sourceVocabulary != own.sourceVocabulary { "another source vocabulary" }
            else if best.targetVocabulary != own.targetVocabulary { "another target vocabulary" }
            else { nil }
        if let difference {
            throw Seq2SeqError.resumeMismatch(path: paths.state, reason: "the checkpoint \(paths.checkpoint) beside it has \(difference) than the run's")
        }
    }

    /// About how many bytes one training step needs: weights, gradients, Adam's moments and packed weights, plus the
    /// activations a batch of `batchSize` pairs of the longest source and target keeps for its backward pass (the
    /// encoder's gates and states, the attention of every decoder step over every source position, the decoder's
    /// states, the readout and the logits), doubled for the backward pass's own buffers. An estimate by formula, on the
    /// high side of what a step takes at its peak.
    public static func stepBytes(_ c: ModelConfig, batchSize: Int, sourceLength: Int, targetLength: Int) -> Double {
        let (B, S, T) = (Double(batchSize), Double(sourceLength + 1), Double(targetLength + 1))
        let (E, H, D, A) = (Double(c.embeddingSize), Double(c.encoderHiddenSize), Double(c.decoderHiddenSize), Double(c.attentionSize))
        let (M, V) = (Double(c.decoderLayers), Double(c.targetVocabularySize))
        let parameters = Double(ParameterTable(config: c).count)
        var encoder = S * B * (A + 4 * H)
        for k in 0..<c.encoderLayers { encoder += 2 * S * B * ((k == 0 ? E : 2 * H) + 9 * H) }
        let decoder = T * (S * B * A + B * S + B * (2 * H + A) + M * B * (4 * D + E + 2 * H + 3 * D))
        let readout = T * B * (2 * (D + 2 * H) + D + 3 * V)
        return 4 * (6 * parameters + 2 * (encoder + decoder + readout))
    }

    /// Refuses a configuration whose training step, or whose validation (batches of 64 dev pairs, taught and
    /// translated), would not fit in the memory this process may use (`MemoryBudget`), saying how much it needs.
    static func checkMemory(_ c: ModelConfig, options: TrainOptions, sourceLength source: Int, targetLength target: Int,
                            dev: DevSet) throws {
        let budget = MemoryBudget.bytes
        let needed = stepBytes(c, batchSize: options.batchSize, sourceLength: source, targetLength: target)
        if needed > budget {
            throw Seq2SeqError.trainingExceedsMemory(.step(batchSize: options.batchSize, sourceLength: source, targetLength: target),
                                                     needed: needed, budget: budget)
        }
        let (devSource, devTarget) = (dev.longestSource, dev.longestTarget)
        let validation = stepBytes(c, batchSize: min(64, dev.pairs.count), sourceLength: devSource, targetLength: devTarget)
        if validation > budget {
            throw Seq2SeqError.trainingExceedsMemory(.validation(sourceLength: devSource, targetLength: devTarget),
                                                     needed: validation, budget: budget)
        }
    }

    var batchesPerEpoch: Int { data.batchesPerEpoch(batchSize: state.options.batchSize) }

    /// Steps of the whole run: `epochs` passes over the data, capped by `maxSteps`.
    public var totalSteps: Int {
        let planned = state.options.epochs * batchesPerEpoch
        return min(planned, state.options.maxSteps ?? planned)
    }

    /// Cuts shuffled sentence indices into batches of `size`, sentences of similar length together: each pool of
    /// 50 batches' worth is sorted by (source, target) length before it is cut, so a batch wastes little on
    /// padding while the data order stays random at the scale of pools. The caller shuffles the batches.
    public static func lengthBucketedBatches(_ shuffled: [Int], size: Int, lengths: (Int) -> (Int, Int)) -> [[Int]] {
        let pool = size * 50
        var batches: [[Int]] = []
        for start in stride(from: 0, to: shuffled.count, by: pool) {
            let sorted = shuffled[start ..< min(start + pool, shuffled.count)].sorted { lengths($0) < lengths($1) }
            for b in stride(from: 0, to: sorted.count, by: size) { batches.append(Array(sorted[b ..< min(b + size, sorted.count)])) }
        }
        return batches
    }

    /// `run(onEvent:)` for a caller that needs no progress reports: trains to the end and keeps the best checkpoint.
    @discardableResult
    public func run() throws -> TrainingEnd { try run(onEvent: { _ in }) }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// Deletes a file that is no longer wanted; one already gone is fine (a crash may have come between a deletion
    /// and the state that records it).
    static func removeFile(_ path: String) throws {
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch where !FileManager.default.fileExists(atPath: path) {
            return
        } catch {
            throw Seq2SeqError.unwritableFile(path: path, reason: "cannot delete it: \(error.localizedDescription)")
        }
    }

    static func appendLine(_ line: String, to path: String) throws {
        let data = Data((line + "\n").utf8)
        if let handle = FileHandle(forWritingAtPath: path) {
            defer { try? handle.close() }
            do {
                try handle.seekToEnd()
                try handle.write(contentsOf: data)
            } catch { throw Seq2SeqError.unwritableFile(path: path, reason: error.localizedDescription) }
        } else if !FileManager.default.createFile(atPath: path, contents: data) {
            throw Seq2SeqError.unwritableFile(path: path, reason: "cannot create the file")
        }
    }
}
