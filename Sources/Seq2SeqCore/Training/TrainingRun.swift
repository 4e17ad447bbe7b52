// TrainingRun.swift — the training loop (stages [3] → [8]): each step is batch → forward → backward → clip → Adam;
// every `validateEvery` steps and at the end, a validation that keeps the best checkpoints and drives the schedule.

extension Trainer {
    /// Trains until the planned steps are done, validating every `validateEvery` steps and at the end. Each
    /// validation may make the learning rate decay, and `earlyStopping` validations in a row without improvement end
    /// the run `.stoppedEarly` (a resumed run that had already met that condition ends so at once, as the
    /// uninterrupted run would have). `shouldStop` is polled between steps (an interrupt request): then the state
    /// after the last whole step is saved and the run ends `.interrupted`. A step whose loss or gradient is not
    /// finite is skipped (never applied, so no non-finite value reaches the weights); `maxNonFiniteSteps` of them in a
    /// row stop training with an error.
    @discardableResult
    public func run(shouldStop: () -> Bool = { false }, onEvent: (TrainingEvent) -> Void) throws -> TrainingEnd {
        let resumedAt = state.progress.step > 0 ? state.progress.step : nil
        onEvent(.prepared(trainPairs: data.sources.count, skippedPairs: data.skippedPairs, devPairs: data.dev.pairs.count,
                          skippedDevPairs: data.dev.skipped, sourceVocabulary: data.sourceVocabulary.count,
                          targetVocabulary: data.targetVocabulary.count, parameters: state.checkpoint.model.parameters.table.count,
                          totalSteps: totalSteps, resumedAtStep: resumedAt))
        if resumedAt != nil && state.progress.plateau.stopsEarly(after: state.options.earlyStopping) {
            return .stoppedEarly(step: state.progress.step, bestStep: state.progress.bestStep)
        }
        return try withoutActuallyEscaping(onEvent) { onEvent in
            try TrainingRun(self, onEvent: onEvent).run(shouldStop: shouldStop)
        }
    }
}

/// One call of `Trainer.run`: the loop's own state (the gradients, the dropout stream, the clock, the loss since the
/// last validation). What outlives it (step, epoch, best scores, Adam, where the dropout stream stands) is the
/// trainer's `state`, which a resumed run starts from.
private final class TrainingRun {
    let trainer: Trainer
    let onEvent: (TrainingEvent) -> Void
    let model: Seq2SeqModel
    let options: TrainOptions
    let grads: ModelParameters
    var dropout: Dropout
    let clock = ContinuousClock()
    let start: ContinuousClock.Instant
    /// Training seconds before this call (a resumed run's earlier calls).
    let secondsBefore: Double
    /// Loss and target tokens since the last validation (its train loss).
    var windowLoss = 0.0, windowTokens = 0
    /// Target tokens and applied steps since this call began (its speed).
    var runTokens = 0, runSteps = 0
    var lastValidatedStep: Int
    var lastReport: ContinuousClock.Instant
    var nonFiniteInARow = 0

    init(_ trainer: Trainer, onEvent: @escaping (TrainingEvent) -> Void) {
        self.trainer = trainer
        self.onEvent = onEvent
        model = trainer.state.checkpoint.model
        options = trainer.state.options
        grads = ModelParameters.zeros(model.parameters.table)
        dropout = Dropout(rate: model.config.dropout, rng: SplitMix64(seed: 0))
        dropout.rng.state = trainer.state.progress.dropoutState
        start = clock.now
        lastReport = start
        secondsBefore = trainer.state.progress.trainingSeconds
        lastValidatedStep = trainer.state.progress.step
    }

    var phases: TrainingPhases {
        get { trainer.phases }
        set { trainer.phases = newValue }
    }

    /// `body`'s result, its seconds added to the phase `phase`.
    func timed<T>(_ phase: WritableKeyPath<TrainingPhases, Double>, _ body: () throws -> T) rethrows -> T {
        let before = clock.now
        defer { phases[keyPath: phase] += Trainer.seconds(clock.now - before) }
        return try body()
    }

    var state: TrainingState {
        get { trainer.state }
        set { trainer.state = newValue }
    }
    var paths: TrainingPaths { trainer.paths }
    var totalSteps: Int { trainer.totalSteps }

    /// Training seconds of the whole run so far.
    func elapsed() -> Double { secondsBefore + Trainer.seconds(clock.now - start) }

    /// Epoch after epoch, batch after batch, from where the state stands.
    func run(shouldStop: () -> Bool) throws -> TrainingEnd {
        training: while state.progress.epoch < options.epochs {
            let batches = timed(\.batching) {
                trainer.data.epochBatches(state.progress.epoch, batchSize: options.batchSize, seed: options.seed)
            }
            while state.progress.batchInEpoch < batches.count {
                if state.progress.step >= totalSteps { break training }
                if shouldStop() {
                    recordRunningState()
                    try state.save(to: paths.state)
                    return .interrupted
                }
                guard try step(batches[state.progress.batchInEpoch]) else { continue }
                timed(\.reporting) { reportProgressWhenDue() }
                if state.progress.step % options.validateEvery == 0 {
                    let stopsEarly = try timed(\.validation) { try validate() }
                    windowLoss = 0; windowTokens = 0
                    if stopsEarly { return .stoppedEarly(step: state.progress.step, bestStep: state.progress.bestStep) }
                }
            }
            if state.progress.batchInEpoch >= batches.count {
                state.progress.epoch += 1
                state.progress.batchInEpoch = 0
            }
        }
        if state.progress.step != lastValidatedStep || state.progress.best == nil { _ = try timed(\.validation) { try validate() } }
        guard state.progress.best != nil else { throw Seq2SeqError.noFiniteValidation(step: state.progress.step, state: paths.state) }
        return .finished
    }

    /// One step on the pairs `indices`: loss and gradients, clipping, and Adam's update when both are finite (true).
    /// A step that is not finite is skipped (false); `maxNonFiniteSteps` of them in a row save the state and throw.
    func step(_ indices: [Int]) throws -> Bool {
        phases.steps += 1
        let batch = timed(\.batching) { trainer.data.batch(indices) }
        let loss = timed(\.forwardBackward) {
            grads.zero()
            return model.lossAndGradients(batch, grads: grads, reduction: .mean, labelSmoothing: options.labelSmoothing, dropout: &dropout)
        }
        // Tied weights: both copies of W get dL/dW, the sum of their gradients (TiedEmbeddings.swift).
        if model.config.tieEmbeddings { grads.sumTiedGradients() }
        trainer.gradientHook?(state.progress.step, grads)
        // The norm is NaN or ∞ if any gradient is; then nothing is scaled and the update is skipped.
        let norm = timed(\.clipping) { clipGlobalNorm(grads.storage, maxNorm: options.clipNorm) }
        state.progress.step += 1
        state.progress.batchInEpoch += 1
        guard loss.sum.isFinite && norm.isFinite else {
            state.progress.skippedSteps += 1
            nonFiniteInARow += 1
            onEvent(.skippedStep(step: state.progress.step, loss: loss.mean, gradientNorm: norm))
            if nonFiniteInARow >= options.maxNonFiniteSteps {
                recordRunningState()
                try state.save(to: paths.state)
                throw Seq2SeqError.trainingDiverged(step: state.progress.step, steps: nonFiniteInARow)
            }
            return false
        }
        nonFiniteInARow = 0
        timed(\.update) { state.adam.update(parameters: model.parameters.storage, gradients: grads.storage, rateScale: scheduleFactor) }
        windowLoss += loss.sum
        windowTokens += loss.tokenCount
        runTokens += loss.tokenCount
        runSteps += 1
        return true
    }

    /// The schedule's factor for the update just counted (`state.progress.step`, from 1).
    var scheduleFactor: Float {
        options.learningRateSchedule.factor(step: state.progress.step, warmupSteps: options.warmupSteps, totalSteps: totalSteps)
    }

    /// A progress event at most every quarter second, and after the last step.
    func reportProgressWhenDue() {
        guard Trainer.seconds(clock.now - lastReport) >= 0.25 || state.progress.step == totalSteps else { return }
        let runSeconds = Trainer.seconds(clock.now - start)
        let remaining = Double(totalSteps - state.progress.step) * runSeconds / Double(max(runSteps, 1))
        onEvent(.progress(ProgressReport(epoch: state.progress.epoch + 1, step: state.progress.step, totalSteps: totalSteps,
                                         loss: windowLoss / Double(max(windowTokens, 1)),
                                         targetTokensPerSecond: Double(runTokens) / max(runSeconds, 1e-9),
                                         elapsedSeconds: elapsed(), etaSeconds: remaining,
                                         learningRate: state.adam.options.learningRate * scheduleFactor)))
        lastReport = clock.now
    }

    /// Where the dropout stream stands and the training time so far, into the state a resumed run starts from.
    func recordRunningState() {
        state.progress.dropoutState = dropout.rng.state
        state.progress.trainingSeconds = elapsed()
    }

    /// Validates, keeps the checkpoint (and its dev translations) if it is among the best, applies the schedule; true:
    /// stop early. The files are written in an order that a crash at any point cannot spoil: the checkpoints and the
    /// dev translations, then the deletions, then the state, so that a resumed run redoes this validation and all of
    /// its effects.
    func validate() throws -> Bool {
        recordRunningState()
        phases.validations += 1
        let evaluated = timed(\.devTranslation) {
            Evaluation.translateAndScore(Translator(checkpoint: state.checkpoint, batchSize: 64), on: trainer.data.dev.pairs)
        }
        let writesBefore = clock.now
        let report = evaluated.report
        let score = ValidationScore(bleu: report.bleu, exactMatch: report.exactMatch, loss: report.loss, chrF: report.chrF,
                                    metric: options.validationMetric)
        // A validation with non-finite numbers is logged but never kept: it cannot be compared, nor stored as a score.
        let isBest = score.isValid && (state.progress.best.map { $0 < score } ?? true)
        var scored = state.checkpoint
        scored.training = TrainingSummary(step: state.progress.step, epoch: state.progress.epoch, devBLEU: report.bleu,
                                          devExactMatch: report.exactMatch, devLoss: report.loss, trainingSeconds: elapsed())
        if isBest {
            state.progress.best = score
            state.progress.bestStep = state.progress.step
            try scored.save(to: paths.checkpoint)
            try writeFileAtomically(Array(evaluated.hypotheses.map { $0 + "\n" }.joined().utf8), to: paths.devTranslations)
        }
        // With --keep-best 1 the best checkpoint is the only one kept: limit 0 for the extra files.
        let (isKept, dropped) = score.isValid
            ? state.progress.bestCheckpoints.offer(KeptCheckpoint(step: state.progress.step, score: score),
                                                   limit: options.keepBest > 1 ? options.keepBest : 0)
            : (false, [])
        if isKept { try scored.save(to: paths.kept(step: state.progress.step)) }
        for old in dropped { try Trainer.removeFile(paths.kept(step: old.step)) }
        let rateBefore = state.adam.options.learningRate
        state.adam.options.learningRate = state.progress.plateau.record(
            improved: isBest, learningRate: rateBefore, factor: options.learningRateDecay,
            patience: options.patience, minimum: options.minimumLearningRate)
        let record = ValidationRecord(step: state.progress.step, epoch: state.progress.epoch,
                                      trainLoss: windowTokens > 0 ? windowLoss / Double(windowTokens) : .nan,
                                      dev: report, isBest: isBest, elapsedSeconds: elapsed(),
                                      learningRate: state.adam.options.learningRate * scheduleFactor,
                                      plateauCount: state.progress.plateau.plateau,
                                      validationsSinceBest: state.progress.plateau.sinceBest)
        try Trainer.appendLine(try Checkpoint.json(record), to: paths.log)
        try state.save(to: paths.state)
        lastValidatedStep = state.progress.step
        phases.fileWrites += Trainer.seconds(clock.now - writesBefore)
        onEvent(.validated(record))
        onEvent(.devTranslations(step: state.progress.step, evaluated))
        if state.adam.options.learningRate != rateBefore {
            onEvent(.learningRateDecayed(step: state.progress.step, from: rateBefore, to: state.adam.options.learningRate))
        }
        return state.progress.plateau.stopsEarly(after: options.earlyStopping)
    }
}
