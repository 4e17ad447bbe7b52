// Trainer.swift — corpus → batches → forward → backward → clip → Adam step → validate → keep the best checkpoint
// (stages [1] → [8]). Reports progress as events; the command line decides how to show them.

import Foundation

/// Where training stands between validations, as `train` prints it.
public struct ProgressReport: Sendable {
    public var epoch: Int
    public var step: Int
    public var totalSteps: Int
    /// Mean training loss per target token since the last report.
    public var loss: Double
    public var targetTokensPerSecond: Double
    public var elapsedSeconds: Double
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
    /// A step whose loss or gradient was not finite: its update was not applied.
    case skippedStep(step: Int, loss: Double, gradientNorm: Double)
    /// The validation at `step` made the learning rate decay (sent right after its `.validated`).
    case learningRateDecayed(step: Int, from: Float, to: Float)
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
    public private(set) var state: TrainingState
    public let paths: TrainingPaths
    let trainSources: [[Int]], trainTargets: [[Int]]
    let devPairs: [SentencePair]
    let skippedPairs: Int
    /// Dev pairs longer than the length limit: validation leaves them out (decoding them could take any memory).
    let skippedDevPairs: Int
    /// Pairs of train.tsv held out for validation because the corpus has no dev.tsv (nil when it has one).
    public let heldOutForValidation: Int?
    /// Tests only: sees the gradients of every step before they are checked and applied.
    var gradientHook: ((_ step: Int, _ grads: ModelParameters) -> Void)? = nil

    /// A new run: reads `corpus/train.tsv` and `corpus/dev.tsv` (or holds out part of train when there is no dev.tsv),
    /// learns `bpeMerges` merges (for `bpe` tokenization) and builds the vocabularies from the training split,
    /// and initialises the model from the seed. `model`'s vocabulary sizes are filled in here.
    public init(corpus: String, checkpoint: String, model: ModelConfig, tokenizer: Tokenizer,
                bpeMerges: Int = BytePairEncoding.defaultMergeCount, options: TrainOptions) throws {
        paths = TrainingPaths(checkpoint: checkpoint)
        let (train, dev, heldOut) = try Self.trainAndDev(corpus: corpus, seed: options.seed)
        heldOutForValidation = heldOut
        // Merges from the training split only (dev never shapes the tokens), both sides into one table; they go into
        // the config, so a resumed run and every later command reuse them rather than learn them again.
        let tokenizer = tokenizer.learningMerges(from: train.flatMap { [$0.source, $0.target] }, count: bpeMerges)
        let (sources, targets, skipped) = Self.tokenizedWithinLength(train, tokenizer, maxLength: options.maxLength)
        let devSet = try Self.devWithinLength(dev, tokenizer, maxLength: options.maxLength, corpus: corpus)
        (devPairs, skippedDevPairs) = (devSet.pairs, devSet.skipped)
        guard !sources.isEmpty else {
            throw Seq2SeqError.invalidOption(flag: "--max-length", reason: "no training pair of \(corpus)/train.tsv is within \(options.maxLength) tokens")
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
        trainSources = sources.map(sourceVocabulary.encode)
        trainTargets = targets.map(targetVocabulary.encode)
        skippedPairs = skipped
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
        let (train, dev, heldOut) = try Self.trainAndDev(corpus: corpus, seed: state.options.seed)
        let fingerprint = CorpusFingerprint(train: train, dev: dev)
        if let started = state.corpus, let difference = fingerprint.difference(from: started, corpus: corpus) {
            throw Seq2SeqError.resumeMismatch(path: paths.state, reason: difference)
        }
        state.corpus = fingerprint
        try Self.checkBestCheckpoint(paths, matches: state)
        heldOutForValidation = heldOut
        let (sources, targets, skipped) = Self.tokenizedWithinLength(train, tokenizer, maxLength: state.options.maxLength)
        let devSet = try Self.devWithinLength(dev, tokenizer, maxLength: state.options.maxLength, corpus: corpus)
        (devPairs, skippedDevPairs) = (devSet.pairs, devSet.skipped)
        trainSources = sources.map(state.checkpoint.sourceVocabulary.encode)
        trainTargets = targets.map(state.checkpoint.targetVocabulary.encode)
        skippedPairs = skipped
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

    /// The dev pairs within `maxLength` tokens on both sides, how many were left out, and the longest kept source and
    /// target in tokens (for the memory check); none left → an error.
    static func devWithinLength(_ dev: [SentencePair], _ tokenizer: Tokenizer, maxLength: Int, corpus: String) throws
        -> (pairs: [SentencePair], skipped: Int, longestSource: Int, longestTarget: Int) {
        var kept: [SentencePair] = [], longestSource = 0, longestTarget = 0
        for pair in dev {
            let source = tokenizer.tokenize(pair.source).count, target = tokenizer.tokenize(pair.target).count
            guard source <= maxLength && target <= maxLength else { continue }
            kept.append(pair)
            (longestSource, longestTarget) = (max(longestSource, source), max(longestTarget, target))
        }
        guard !kept.isEmpty else {
            throw Seq2SeqError.invalidConfiguration(reason: "no pair of \(corpus)'s dev set is within \(maxLength) tokens, so nothing can be validated")
        }
        return (kept, dev.count - kept.count, longestSource, longestTarget)
    }

    /// About how many bytes one training step needs: weights, gradients, Adam's moments and packed weights, plus the
    /// activations a batch of `batchSize` pairs of the longest source and target keeps for its backward pass (the
    /// encoder's gates and states, the attention of every decoder step over every source position, the decoder's
    /// states, the readout and the logits), doubled for the backward pass's own buffers. An estimate by formula:
    /// the reference bench configuration measures 137 MB at peak where this says 190 MB.
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
                            dev: (pairs: [SentencePair], skipped: Int, longestSource: Int, longestTarget: Int)) throws {
        let budget = MemoryBudget.bytes
        let needed = stepBytes(c, batchSize: options.batchSize, sourceLength: source, targetLength: target)
        if needed > budget {
            throw Seq2SeqError.invalidConfiguration(reason: String(
                format: "a training step needs about %.1f GB (batch of %d pairs, up to %d source and %d target tokens) but this process may use %.1f GB; lower --batch-size, --max-length or the model sizes",
                needed / 1e9, options.batchSize, source, target, budget / 1e9))
        }
        let (devSource, devTarget) = (dev.longestSource, dev.longestTarget)
        let validation = stepBytes(c, batchSize: min(64, dev.pairs.count), sourceLength: devSource, targetLength: devTarget)
        if validation > budget {
            throw Seq2SeqError.invalidConfiguration(reason: String(
                format: "validating needs about %.1f GB (dev pairs of up to %d source and %d target tokens) but this process may use %.1f GB; lower --max-length so that long dev pairs are left out",
                validation / 1e9, devSource, devTarget, budget / 1e9))
        }
    }

    /// The training pairs as tokens, without those longer than `maxLength` on either side (counted in `skipped`).
    static func tokenizedWithinLength(_ pairs: [SentencePair], _ tokenizer: Tokenizer, maxLength: Int)
        -> (sources: [[String]], targets: [[String]], skipped: Int) {
        var sources: [[String]] = [], targets: [[String]] = []
        for pair in pairs {
            let source = tokenizer.tokenize(pair.source), target = tokenizer.tokenize(pair.target)
            guard source.count <= maxLength && target.count <= maxLength else { continue }
            sources.append(source)
            targets.append(target)
        }
        return (sources, targets, pairs.count - sources.count)
    }

    /// train.tsv and dev.tsv; when the corpus has no dev.tsv, 5% of train (at least 1, at most 1,000 pairs,
    /// chosen by the seed, so a resumed run holds out the same ones) is held out for validation instead.
    static func trainAndDev(corpus: String, seed: UInt64) throws -> (train: [SentencePair], dev: [SentencePair], heldOut: Int?) {
        let train = try Corpus.readPairs(path: corpus + "/train.tsv")
        let devPath = corpus + "/dev.tsv"
        if FileManager.default.fileExists(atPath: devPath) { return (train, try Corpus.readPairs(path: devPath), nil) }
        guard train.count >= 2 else {
            throw Seq2SeqError.unreadableFile(path: devPath, reason: "no such file, and train.tsv has too few pairs to hold some out")
        }
        var order = Array(train.indices)
        var rng = SplitMix64(seed: seed ^ 0xDE5E_7000)
        rng.shuffle(&order)
        let held = Set(order.prefix(min(1000, max(1, train.count / 20))))
        return (train.indices.filter { !held.contains($0) }.map { train[$0] }, held.sorted().map { train[$0] }, held.count)
    }

    var batchesPerEpoch: Int { (trainSources.count + state.options.batchSize - 1) / state.options.batchSize }

    public var totalSteps: Int {
        let planned = state.options.epochs * batchesPerEpoch
        return min(planned, state.options.maxSteps ?? planned)
    }

    /// The batches of one epoch as lists of pair indices: shuffled, then sorted by length within pools of 50
    /// batches (so a batch holds sentences of similar length), then the batches shuffled. Depends only on
    /// (seed, epoch), so a resumed run sees the same order.
    func epochBatches(_ epoch: Int) -> [[Int]] {
        var rng = SplitMix64(seed: state.options.seed &+ UInt64(epoch) &* 0x9E37_79B9)
        var indices = Array(trainSources.indices)
        rng.shuffle(&indices)
        var batches = Self.lengthBucketedBatches(indices, size: state.options.batchSize) { (trainSources[$0].count, trainTargets[$0].count) }
        rng.shuffle(&batches)
        return batches
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

    /// Trains until the planned steps are done, validating every `validateEvery` steps and at the end. Each
    /// validation may make the learning rate decay, and `earlyStopping` validations in a row without improvement end
    /// the run `.stoppedEarly` (a resumed run that had already met that condition ends so at once, as the
    /// uninterrupted run would have). `shouldStop` is polled between steps (an interrupt request): then the state
    /// after the last whole step is saved and the run ends `.interrupted`. A step whose loss or gradient is not
    /// finite is skipped (never applied, so no non-finite value reaches the weights); `maxNonFiniteSteps` of them in a
    /// row stop training with an error.
    @discardableResult
    public func run(shouldStop: () -> Bool = { false }, onEvent: (TrainingEvent) -> Void) throws -> TrainingEnd {
        let model = state.checkpoint.model
        let grads = ModelParameters.zeros(model.parameters.table)
        let options = state.options
        let resumedAt = state.progress.step > 0 ? state.progress.step : nil
        onEvent(.prepared(trainPairs: trainSources.count, skippedPairs: skippedPairs, devPairs: devPairs.count,
                          skippedDevPairs: skippedDevPairs, sourceVocabulary: state.checkpoint.sourceVocabulary.count, targetVocabulary: state.checkpoint.targetVocabulary.count,
                          parameters: model.parameters.table.count, totalSteps: totalSteps, resumedAtStep: resumedAt))
        var dropout = Dropout(rate: model.config.dropout, rng: SplitMix64(seed: 0))
        dropout.rng.state = state.progress.dropoutState
        let clock = ContinuousClock()
        let runStart = clock.now
        let secondsBefore = state.progress.trainingSeconds
        func elapsed() -> Double { secondsBefore + Self.seconds(clock.now - runStart) }
        var windowLoss = 0.0, windowTokens = 0
        var runTokens = 0, runSteps = 0
        var lastValidatedStep = state.progress.step
        var lastReport = clock.now
        var nonFiniteInARow = 0
        var interrupted = false

        /// Validates, keeps the checkpoint if it is among the best, applies the schedule; true: stop early.
        /// The files are written in an order that a crash at any point cannot spoil: the checkpoints, then the
        /// deletions, then the state, so that a resumed run redoes this validation and all of its effects.
        func validate() throws -> Bool {
            state.progress.dropoutState = dropout.rng.state
            state.progress.trainingSeconds = elapsed()
            let report = Evaluation.evaluate(Translator(checkpoint: state.checkpoint, batchSize: 64), on: devPairs)
            let score = ValidationScore(bleu: report.bleu, exactMatch: report.exactMatch, loss: report.loss)
            // A validation with non-finite numbers is logged but never kept: it cannot be compared, nor stored as a score.
            let isBest = score.isValid && (state.progress.best.map { $0 < score } ?? true)
            var scored = state.checkpoint
            scored.training = TrainingSummary(step: state.progress.step, epoch: state.progress.epoch, devBLEU: report.bleu,
                                              devExactMatch: report.exactMatch, devLoss: report.loss, trainingSeconds: elapsed())
            if isBest {
                state.progress.best = score
                state.progress.bestStep = state.progress.step
                try scored.save(to: paths.checkpoint)
            }
            // With --keep-best 1 the best checkpoint is the only one kept: limit 0 for the extra files.
            let (isKept, dropped) = score.isValid
                ? state.progress.bestCheckpoints.offer(KeptCheckpoint(step: state.progress.step, score: score),
                                                       limit: options.keepBest > 1 ? options.keepBest : 0)
                : (false, [])
            if isKept { try scored.save(to: paths.kept(step: state.progress.step)) }
            for old in dropped { try Self.removeFile(paths.kept(step: old.step)) }
            let rateBefore = state.adam.options.learningRate
            state.adam.options.learningRate = state.progress.plateau.record(
                improved: isBest, learningRate: rateBefore, factor: options.learningRateDecay,
                patience: options.patience, minimum: options.minimumLearningRate)
            let record = ValidationRecord(step: state.progress.step, epoch: state.progress.epoch,
                                          trainLoss: windowTokens > 0 ? windowLoss / Double(windowTokens) : .nan,
                                          dev: report, isBest: isBest, elapsedSeconds: elapsed(),
                                          learningRate: state.adam.options.learningRate,
                                          plateauCount: state.progress.plateau.plateau,
                                          validationsSinceBest: state.progress.plateau.sinceBest)
            try Self.appendLine(try Checkpoint.json(record), to: paths.log)
            try state.save(to: paths.state)
            lastValidatedStep = state.progress.step
            onEvent(.validated(record))
            if state.adam.options.learningRate != rateBefore {
                onEvent(.learningRateDecayed(step: state.progress.step, from: rateBefore, to: state.adam.options.learningRate))
            }
            return state.progress.plateau.stopsEarly(after: options.earlyStopping)
        }

        if resumedAt != nil && state.progress.plateau.stopsEarly(after: options.earlyStopping) {
            return .stoppedEarly(step: state.progress.step, bestStep: state.progress.bestStep)
        }

        training: while state.progress.epoch < options.epochs {
            let batches = epochBatches(state.progress.epoch)
            while state.progress.batchInEpoch < batches.count {
                if state.progress.step >= totalSteps { break training }
                if shouldStop() {
                    interrupted = true
                    break training
                }
                let indices = batches[state.progress.batchInEpoch]
                let batch = Batch(sources: indices.map { trainSources[$0] }, targets: indices.map { trainTargets[$0] })
                grads.zero()
                let loss = model.lossAndGradients(batch, grads: grads, reduction: .mean, labelSmoothing: options.labelSmoothing,
                                                  dropout: &dropout)
                // Tied weights: both copies of W get dL/dW, the sum of their gradients (TiedEmbeddings.swift).
                if model.config.tieEmbeddings { grads.sumTiedGradients() }
                gradientHook?(state.progress.step, grads)
                // The norm is NaN or ∞ if any gradient is; then nothing is scaled and the update is skipped.
                let norm = clipGlobalNorm(grads.storage, maxNorm: options.clipNorm)
                state.progress.step += 1
                state.progress.batchInEpoch += 1
                guard loss.sum.isFinite && norm.isFinite else {
                    state.progress.skippedSteps += 1
                    nonFiniteInARow += 1
                    onEvent(.skippedStep(step: state.progress.step, loss: loss.mean, gradientNorm: norm))
                    if nonFiniteInARow >= options.maxNonFiniteSteps {
                        state.progress.dropoutState = dropout.rng.state
                        state.progress.trainingSeconds = elapsed()
                        try state.save(to: paths.state)
                        throw Seq2SeqError.trainingDiverged(step: state.progress.step, steps: nonFiniteInARow)
                    }
                    continue
                }
                nonFiniteInARow = 0
                state.adam.update(parameters: model.parameters.storage, gradients: grads.storage)
                windowLoss += loss.sum
                windowTokens += loss.tokenCount
                runTokens += loss.tokenCount
                runSteps += 1
                if Self.seconds(clock.now - lastReport) >= 0.25 || state.progress.step == totalSteps {
                    let runSeconds = Self.seconds(clock.now - runStart)
                    let remaining = Double(totalSteps - state.progress.step) * runSeconds / Double(max(runSteps, 1))
                    onEvent(.progress(ProgressReport(epoch: state.progress.epoch + 1, step: state.progress.step, totalSteps: totalSteps,
                                                     loss: windowLoss / Double(max(windowTokens, 1)),
                                                     targetTokensPerSecond: Double(runTokens) / max(runSeconds, 1e-9),
                                                     elapsedSeconds: elapsed(), etaSeconds: remaining,
                                                     learningRate: state.adam.options.learningRate)))
                    lastReport = clock.now
                }
                if state.progress.step % options.validateEvery == 0 {
                    let stopsEarly = try validate()
                    windowLoss = 0; windowTokens = 0
                    if stopsEarly { return .stoppedEarly(step: state.progress.step, bestStep: state.progress.bestStep) }
                }
            }
            if state.progress.batchInEpoch >= batches.count {
                state.progress.epoch += 1
                state.progress.batchInEpoch = 0
            }
        }
        if interrupted {
            state.progress.dropoutState = dropout.rng.state
            state.progress.trainingSeconds = elapsed()
            try state.save(to: paths.state)
            return .interrupted
        }
        if state.progress.step != lastValidatedStep || state.progress.best == nil { _ = try validate() }
        guard state.progress.best != nil else { throw Seq2SeqError.noFiniteValidation(step: state.progress.step, state: paths.state) }
        return .finished
    }

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
