// TrainCommand.swift — `seq2seq train`: flags → ModelConfig + TrainOptions → Trainer (stages [1] → [8]); progress
// (epoch, step, loss, target tokens/s, ETA) on stderr: a live line on a terminal, plain periodic lines otherwise.

import Foundation
import Seq2SeqCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Set by the SIGINT/SIGTERM handler; the trainer polls it between steps.
let stopRequested = Atomic<Bool>(false)

enum TrainCommand {
    /// The run's files as the help names them, for a checkpoint called model.safetensors.
    private static let example = TrainingPaths(checkpoint: "model.safetensors")
    /// The defaults of every training option that is not a model size.
    private static let defaults = TrainOptions()

    // MARK: - Where

    static let corpus = Option<String?>.text("--corpus", "dir", help: "Folder holding train.tsv and dev.tsv (source<TAB>target a line).")
    static let checkpoint = Option<String?>.text(
        "--checkpoint", "file",
        help: "Where the best model is kept (safetensors), e.g. \(example.checkpoint). Beside it: \(example.state) (for --resume), \(example.log) (every validation) and \(example.devTranslations) (the best validation's translations of the dev sources, one a line).")
    static let resume = Flag(
        name: "--resume",
        help: "Continue the run whose state is beside --checkpoint (model and data options come from it). The corpus must be the one the run started with.")
    static let overwrite = Flag(
        name: "--overwrite",
        help: "Start again, replacing the run already at --checkpoint (its checkpoint, state, log, dev translations, kept checkpoints and curves). Without it, or --resume, train refuses to touch an existing run.")

    // MARK: - The model

    static let embeddingSize = Option.integer("--embedding-size", help: "E, source and target embeddings.", default: 64, in: 1...4096)
    static let hiddenSize = Option.integer("--hidden-size", help: "H, encoder LSTM size per direction.", default: 128, in: 1...4096)
    static let encoderLayers = Option.integer("--encoder-layers", help: "L, stacked bidirectional encoder layers.", default: 1, in: 1...16)
    static let decoderHiddenSize = Option.integer("--decoder-hidden-size", help: "D, decoder LSTM size.", default: 128, in: 1...4096)
    static let decoderLayers = Option.integer("--decoder-layers", help: "M, stacked decoder layers.", default: 1, in: 1...16)
    static let attentionSize = Option.integer("--attention-size", help: "A, additive attention size.", default: 128, in: 1...4096)
    static let tieEmbeddings = Flag(
        name: "--tie-embeddings",
        help: "Share one matrix between the target embedding and the generator (output layer); needs --embedding-size equal to --decoder-hidden-size. Both tensors are still stored, equal.")

    // MARK: - The data

    static let tokenization = Option<Tokenization>.choice(
        "--tokenization",
        help: "Split text into characters, words and punctuation, or words cut into subword pieces by byte-pair merges learned on train.tsv (see above).",
        default: .word)
    static let bpeMerges = Option.integer(
        "--bpe-merges",
        help: "With --tokenization bpe: how many merges to learn (fewer if no pair of symbols is left that occurs twice). The default suits corpora of some ten thousand short pairs (see above).",
        default: BytePairEncoding.defaultMergeCount, in: 0...1_000_000)
    static let lowercase = Flag(name: "--lowercase", help: "Lowercase both sides before tokenizing.")
    static let maxLength = Option.integer(
        "--max-length", help: "Skip training pairs with more tokens on either side; translation refuses longer input.",
        default: defaults.maxLength, in: 1...100_000)
    static let minCount = Option.integer(
        "--min-count", help: "Keep tokens seen at least this often in train.tsv.", default: defaults.minCount, in: 1...Int(Int32.max))
    static let typedCopies = Option.number(
        "--typed-copies", "p",
        help: "Also train on a copy of this share of the training pairs (chosen by the seed) with the source as people often type it: in lower case, without the final . ! ? (see `seq2seq eval --typed-casually`). 0 adds none.",
        default: defaults.typedCopies, in: 0...1)
    static let maxVocabulary = Option<Int?>.optionalInteger(
        "--max-vocabulary", help: "Keep at most this many tokens per side, the four specials included.", in: 5...10_000_000)

    // MARK: - The optimisation

    static let batchSize = Option.integer("--batch-size", help: "Sentence pairs per step.", default: defaults.batchSize, in: 1...65_536)
    static let learningRate = Option.number("--learning-rate", help: "Adam's learning rate.", default: defaults.learningRate, in: 1e-7...10)
    static let warmupSteps = Option.integer(
        "--warmup-steps", help: "Raise the learning rate linearly from 0 to --learning-rate over the first n steps.",
        default: defaults.warmupSteps, in: 0...Int(Int32.max))
    static let learningRateSchedule = Option<LearningRateSchedule>.choice(
        "--lr-schedule",
        help: "After the warm-up, keep the learning rate (constant) or lower it in a straight line to 0 at the last step of the run (linear: the last step as --epochs and --max-steps plan it). --lr-decay multiplies either.",
        default: defaults.learningRateSchedule)
    static let epochs = Option.integer("--epochs", help: "Passes over the training pairs.", default: defaults.epochs, in: 1...1_000_000)
    static let maxSteps = Option<Int?>.optionalInteger(
        "--max-steps", help: "Stop after this many steps even if epochs remain.", in: 1...Int(Int32.max))
    static let dropout = Option.number(
        "--dropout", "p", help: "Dropout on embeddings, between LSTM layers and before the readout; training only.", default: 0, in: 0...0.95)
    static let labelSmoothing = Option.number(
        "--label-smoothing", help: "Label smoothing ε of the loss (0 = plain cross-entropy).", default: defaults.labelSmoothing, in: 0...0.99)
    static let clipNorm = Option.number(
        "--clip-norm", help: "Clip gradients to this global L2 norm.", default: defaults.clipNorm, in: 1e-6...1e6)
    static let seed = Option.seed("--seed", help: "Seed of the initial weights, the data order and dropout.", default: defaults.seed)
    static let validateEvery = Option.integer(
        "--validate-every", help: "Validate on dev.tsv every this many steps, and at the end.",
        default: defaults.validateEvery, in: 1...Int(Int32.max))
    static let learningRateDecay = Option<Float>(
        name: "--lr-decay", valueName: "x",
        help: "Multiply the learning rate by x (0 < x ≤ 1) when dev stops improving, as PyTorch's ReduceLROnPlateau: once --patience validations in a row have not improved, the next one that does not decays it. 1 never decays.",
        defaultValue: defaults.learningRateDecay, shownDefault: shownNumber(defaults.learningRateDecay)) { text, flag in
        let decay = try parseNumber(text, flag: flag, in: 0...1)
        guard decay > 0 else {
            throw Seq2SeqError.invalidOption(flag: flag, reason: "expects a number above 0 and at most 1 (1 never decays), got '\(text)'")
        }
        return decay
    }
    static let patience = Option.integer(
        "--patience",
        help: "Validations in a row without improvement tolerated before --lr-decay applies; with 0 every validation without improvement decays the rate.",
        default: defaults.patience, in: 0...Int(Int32.max))
    static let minimumLearningRate = Option.number(
        "--min-lr", help: "The learning rate never decays below this.", default: defaults.minimumLearningRate, in: 0...10)
    static let earlyStopping = Option<Int?>(
        name: "--early-stopping", valueName: "n",
        help: "Stop after n validations in a row without improvement; 0 never stops early.",
        defaultValue: defaults.earlyStopping, shownDefault: "\(defaults.earlyStopping ?? 0)") { text, flag in
        let count = try parseInteger(text, flag: flag, in: 0...Int(Int32.max))
        return count == 0 ? nil : count
    }
    static let keepBest = Option.integer(
        "--keep-best",
        help: "Also keep the n best checkpoints by --validation-metric beside FILE, named by their step (\(example.checkpoint) → \(example.kept(step: 1500))), e.g. to average them; those that fall out of the n best are deleted. 1 keeps FILE alone.",
        default: defaults.keepBest, in: 1...Int(Int32.max))
    static let validationMetric = Option<ValidationMetric>.choice(
        "--validation-metric",
        help: "What makes a validation the best: dev BLEU, chrF2 or exact match (higher is better), or dev loss (lower is better); ties are broken by BLEU, then exact match, then loss. It decides the checkpoint kept and what --lr-decay, --early-stopping and --keep-best count.",
        default: defaults.validationMetric)
    static let validationSamples = Option.integer(
        "--validation-samples",
        help: "At each validation, show this many dev translations (source, references, translation), always the same ones, spread over the dev set; 0 shows none.",
        default: 3, in: 0...Int(Int32.max))
    static let plot = Flag(
        name: "--plot",
        help: "After every validation, redraw the learning curves beside the checkpoint: \(example.curves) for \(example.checkpoint) (see `seq2seq plot`).")
    static let maxNonFiniteSteps = Option.integer(
        "--max-non-finite-steps",
        help: "Stop after this many steps in a row with a non-finite loss or gradient (each is skipped, never applied).",
        default: defaults.maxNonFiniteSteps, in: 1...1_000_000)

    static let info = CommandInfo(
        name: "train",
        abstract: "Train a translation model on DIR/train.tsv, validating on DIR/dev.tsv; keeps the best checkpoint by dev BLEU (or --validation-metric).",
        usage: "seq2seq train --corpus DIR --checkpoint FILE [options]",
        options: [
            corpus.info, checkpoint.info, resume.info, overwrite.info,
            embeddingSize.info, hiddenSize.info, encoderLayers.info, decoderHiddenSize.info, decoderLayers.info,
            attentionSize.info, tieEmbeddings.info,
            tokenization.info, bpeMerges.info, lowercase.info, maxLength.info, minCount.info, maxVocabulary.info, typedCopies.info,
            batchSize.info, learningRate.info, warmupSteps.info, learningRateSchedule.info, epochs.info, maxSteps.info, dropout.info, labelSmoothing.info, clipNorm.info,
            seed.info, validateEvery.info, learningRateDecay.info, patience.info, minimumLearningRate.info, earlyStopping.info,
            keepBest.info, validationMetric.info, validationSamples.info, plot.info, maxNonFiniteSteps.info,
        ] + ThreadCount.options,
        discussion: """
            Ctrl-C (or SIGTERM) finishes the current step, saves the state beside the checkpoint and exits with 130; `--resume` then continues exactly where it stopped. A second Ctrl-C stops at once.

            A validation improves when it beats the best so far on dev BLEU (ties: exact match, then lower dev loss), or on the number --validation-metric names; that is the one saved to FILE, with its translations of the dev sources in \(example.devTranslations), and what --lr-decay, --early-stopping and --keep-best count. Dev pairs with the same source are one sentence with several references, scored as `seq2seq eval` scores them. When the dev targets are so short that BLEU says little (most under 4 tokens, or 90% of the sentences scoring sentence-level BLEU 0 while some are translated exactly), the first validation that shows it says so. A resumed run may change --epochs, --max-steps, --validate-every, --early-stopping, --keep-best and --validation-samples; it keeps its --validation-metric.

            --tokenization bpe cuts each word into pieces by byte-pair encoding (Sennrich et al. 2016): merges are learned on the training pairs only, both sides into one table (English and French share names, numbers and cognates, which are then cut alike on both sides), and stored in the checkpoint, so translation needs nothing else. Pieces of a word are glued by the joiner ￭, so the text comes back exactly. The default of 2,000 merges was measured on Corpora/eng-fra-tutorial (10,421 pairs): words give 2,935 English and 4,781 French tokens, of which 1,037 and 2,139 occur only once (too rare to learn); 2,000 merges give 1,343 and 1,472 tokens, of which only 71 and 78 occur once, for sentences of 6.9 and 8.2 tokens instead of 5.6 and 6.3 words. 500 merges leave 20 and 30 such tokens but make sentences of 9.1 and 10.6 tokens; 8,000 merges are close to words again (678 and 821 tokens occur once).
            """)

    /// What a resumed run keeps from its own start: the model, the data and the optimisation.
    static let fixedWhenResuming = [
        embeddingSize.info, hiddenSize.info, encoderLayers.info, decoderHiddenSize.info, decoderLayers.info,
        attentionSize.info, tokenization.info, bpeMerges.info, maxLength.info, minCount.info, maxVocabulary.info, typedCopies.info, batchSize.info,
        learningRate.info, warmupSteps.info, learningRateSchedule.info, dropout.info, labelSmoothing.info, clipNorm.info, seed.info,
        maxNonFiniteSteps.info, learningRateDecay.info, patience.info, minimumLearningRate.info, lowercase.info, tieEmbeddings.info,
        validationMetric.info,
    ]

    static func run(_ arguments: Arguments) throws {
        do {
            try train(arguments)
        } catch let error as Seq2SeqError {
            throw namingFlags(error)
        }
    }

    private static func train(_ arguments: Arguments) throws {
        let corpus = try arguments.required(Self.corpus)
        let checkpoint = try arguments.required(Self.checkpoint)
        // Every flag is parsed and checked first, so that a usage error writes nothing.
        let model = ModelConfig(
            embeddingSize: try arguments.value(embeddingSize),
            encoderHiddenSize: try arguments.value(hiddenSize),
            encoderLayers: try arguments.value(encoderLayers),
            decoderHiddenSize: try arguments.value(decoderHiddenSize),
            decoderLayers: try arguments.value(decoderLayers),
            attentionSize: try arguments.value(attentionSize),
            sourceVocabularySize: 5, targetVocabularySize: 5,       // set from the data by the Trainer
            dropout: try arguments.value(dropout),
            tieEmbeddings: arguments.flag(tieEmbeddings))
        if model.tieEmbeddings && model.embeddingSize != model.decoderHiddenSize {
            throw Seq2SeqError.invalidOption(flag: tieEmbeddings.name, reason: "needs \(embeddingSize.name) equal to \(decoderHiddenSize.name), but they are \(model.embeddingSize) and \(model.decoderHiddenSize)")
        }
        var options = TrainOptions()
        options.batchSize = try arguments.value(batchSize)
        options.learningRate = try arguments.value(learningRate)
        options.warmupSteps = try arguments.value(warmupSteps)
        options.learningRateSchedule = try arguments.value(learningRateSchedule)
        options.epochs = try arguments.value(epochs)
        options.maxSteps = try arguments.value(maxSteps)
        options.labelSmoothing = try arguments.value(labelSmoothing)
        options.clipNorm = try arguments.value(clipNorm)
        options.seed = try arguments.value(seed)
        options.validateEvery = try arguments.value(validateEvery)
        options.maxLength = try arguments.value(maxLength)
        options.minCount = try arguments.value(minCount)
        options.typedCopies = try arguments.value(typedCopies)
        options.maxVocabulary = try arguments.value(maxVocabulary)
        options.maxNonFiniteSteps = try arguments.value(maxNonFiniteSteps)
        options.threads = try ThreadCount(arguments).count
        options.learningRateDecay = try arguments.value(learningRateDecay)
        options.patience = try arguments.value(patience)
        options.minimumLearningRate = try arguments.value(minimumLearningRate)
        let resume = arguments.flag(Self.resume)
        if options.learningRateDecay < 1 && options.minimumLearningRate >= options.learningRate && !resume {
            throw Seq2SeqError.invalidOption(flag: minimumLearningRate.name, reason: "is \(options.minimumLearningRate), not below the learning rate \(options.learningRate), so \(learningRateDecay.name) could never lower it")
        }
        options.earlyStopping = try arguments.value(earlyStopping)
        options.keepBest = try arguments.value(keepBest)
        options.validationMetric = try arguments.value(validationMetric)
        let samples = try arguments.value(validationSamples)
        let tokenizer = Tokenizer(tokenization: try arguments.value(tokenization), lowercase: arguments.flag(lowercase))
        let bpeMerges = try arguments.value(Self.bpeMerges)
        if resume {
            if let given = fixedWhenResuming.first(where: arguments.isGiven) {
                throw Seq2SeqError.invalidOption(flag: given.name, reason: "cannot be changed with \(Self.resume.name): the run keeps its own value")
            }
        } else if arguments.isGiven(Self.bpeMerges.info) && tokenizer.tokenization != .bpe {
            throw Seq2SeqError.invalidOption(flag: Self.bpeMerges.name, reason: "applies only with \(tokenization.name) \(Tokenization.bpe.rawValue)")
        }
        let overwrite = arguments.flag(Self.overwrite)
        if resume && overwrite {
            throw Seq2SeqError.invalidOption(flag: Self.overwrite.name, reason: "cannot be combined with \(Self.resume.name): one continues the run, the other replaces it")
        }
        // Before any work: the outputs can be written and are none of the inputs, no other run writes them, and an
        // existing run is replaced only when asked.
        let paths = TrainingPaths(checkpoint: checkpoint)
        try paths.checkWritable(inputs: [corpus + "/train.tsv", corpus + "/dev.tsv"])
        let lock = try TrainingLock(path: paths.lock, protecting: checkpoint)
        defer { lock.release() }
        let existing = paths.runFiles.filter { FileManager.default.fileExists(atPath: $0) }
        if !resume && !overwrite && !existing.isEmpty {
            throw Seq2SeqError.unwritableFile(path: checkpoint, reason: "a training run is already there (\(existing.joined(separator: ", "))); continue it with --resume, or start again with --overwrite, which replaces it")
        }
        for leftover in paths.removeLeftoverTemporaryFiles() {
            Output.error("note: removed \(leftover), a temporary file left by a run that was killed")
        }
        WorkerPool.shared.setThreads(options.threads)
        let trainer: Trainer
        if resume {
            // What a resumed run may change, when given; the rest comes from its state.
            func given<Value>(_ option: Option<Value>, _ value: Value) -> Value? { arguments.isGiven(option.info) ? value : nil }
            trainer = try Trainer(resuming: checkpoint, corpus: corpus,
                                  epochs: given(epochs, options.epochs), maxSteps: options.maxSteps,
                                  validateEvery: given(validateEvery, options.validateEvery),
                                  earlyStopping: given(earlyStopping, options.earlyStopping),
                                  keepBest: given(keepBest, options.keepBest))
        } else {
            trainer = try Trainer(corpus: corpus, checkpoint: checkpoint, model: model, tokenizer: tokenizer, bpeMerges: bpeMerges,
                              options: options)
        }
        // The old run goes only once the new one has read its data and is ready to start.
        if overwrite { try paths.removeRun() }
        if resume {
            let dropped = try paths.truncateLog(after: trainer.state.progress.step)
            if dropped > 0 {
                Output.error("note: dropped \(dropped) record\(dropped == 1 ? "" : "s") of \(paths.log) after step \(trainer.state.progress.step), where the state was saved; they are made again")
            }
        }
        if let heldOut = trainer.heldOutForValidation {
            Output.error("note: \(corpus)/dev.tsv does not exist; holding out \(heldOut) pairs of train.tsv (chosen by the seed) for validation")
        }
        let plot = arguments.flag(Self.plot)
        let run = trainer.state.options
        let display = ProgressDisplay(live: Output.standardErrorIsTerminal, initialLearningRate: run.learningRate)
        // The plateau counters matter (and are shown) only when something acts on them.
        let showsPlateau = run.learningRateDecay < 1 || run.earlyStopping != nil
        // Said once: that dev sources share references, and that the dev targets are too short for BLEU.
        var toldGrouping = false, toldShortTargets = run.validationMetric != .bleu
        // Ctrl-C and SIGTERM ask the trainer to stop after the current step; a second Ctrl-C ends the process.
        // They are unblocked first: a parent may have started us with them blocked (libdispatch blocks signals in
        // its threads, and a spawned process inherits the mask).
        var handled = sigset_t()
        sigemptyset(&handled)
        sigaddset(&handled, SIGINT)
        sigaddset(&handled, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &handled, nil)
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { _ in
                stopRequested.store(true, ordering: .relaxed)
                signal(SIGINT, SIG_DFL)
            }
        }
        let end = try trainer.run(shouldStop: { stopRequested.load(ordering: .relaxed) }) { event in
            switch event {
            case let .prepared(trainPairs, skipped, devPairs, devSkipped, sourceVocabulary, targetVocabulary, parameters, totalSteps, resumedAt):
                let skippedNote = skipped > 0 ? " (\(skipped) skipped: longer than --max-length)" : ""
                let devSkippedNote = devSkipped > 0 ? " (\(devSkipped) left out: longer than --max-length)" : ""
                Output.error("training on \(trainPairs) pairs\(skippedNote), validating on \(devPairs)\(devSkippedNote); vocabularies \(sourceVocabulary) → \(targetVocabulary) tokens; \(parameters) parameters; \(totalSteps) steps")
                if let resumedAt { Output.error("resuming at step \(resumedAt)") }
            case let .progress(report):
                display.show(report)
            case let .skippedStep(step, loss, norm):
                display.clear()
                Output.error("warning: step \(step) skipped: loss \(loss), gradient norm \(norm) (not finite; no update applied)")
            case let .validated(record):
                display.clear()
                let dev = record.dev
                if !toldGrouping, let sources = dev.sources, let references = dev.references, sources < references {
                    Output.error("validation translates the \(sources) distinct dev sources and scores them against their \(references) references (the pairs that share a source)")
                }
                toldGrouping = true
                var verdict = record.isBest ? " — best so far, saved to \(checkpoint)" : ""
                if !record.isBest && showsPlateau, let count = record.validationsSinceBest {
                    verdict = " — \(validations(count)) without improvement (best: step \(trainer.state.progress.bestStep))"
                }
                let chrF = run.validationMetric == .chrf ? String(format: "chrF2 %.2f, ", dev.chrF ?? .nan) : ""
                Output.error(String(format: "step %d: dev %@BLEU %.2f, exact match %.1f%%, token accuracy %.1f%%, loss %.4f%@",
                                    record.step, chrF, dev.bleu, dev.exactMatch, dev.tokenAccuracy, dev.loss, verdict))
                if !record.dev.isFinite {
                    Output.error("warning: step \(record.step): the dev loss is not finite (the model's outputs overflow); logged as null, never kept as the best")
                }
                if plot { drawCurves(log: trainer.paths.log) }
            case let .devTranslations(step, evaluated):
                let shown = evaluated.samples(count: samples)
                let width = shown.map { "dev #\($0.index + 1)".count }.max() ?? 0
                for sample in shown { showSample(sample, width: width) }
                if !toldShortTargets {
                    let short = evaluated.shortTargets
                    if short.makeBLEUUninformative {
                        Output.error("note: the dev targets are short for BLEU: at step \(step), \(percent(short.zeroSentenceBLEU, of: short.sources)) of the dev sentences score sentence-level BLEU 0, and \(percent(short.shortReferences, of: short.sources)) have only references under 4 tokens, too short for a 4-gram; --validation-metric exact or chrf would choose the best checkpoint by something they have")
                        toldShortTargets = true
                    }
                }
            case let .learningRateDecayed(step, from, to):
                Output.error("step \(step): learning rate decayed from \(from) to \(to) (no improvement for \(validations(run.patience + 1)); --patience \(run.patience))")
            }
        }
        display.clear()
        switch end {
        case .finished:
            break
        case .interrupted:
            Output.error("interrupted at step \(trainer.state.progress.step); the state is saved in \(trainer.paths.state)")
            Output.error("resume with: seq2seq train --corpus \(corpus) --checkpoint \(checkpoint) --resume")
            lock.release()
            Output.finish(.interrupted)
        case let .stoppedEarly(step, bestStep):
            let best = trainer.state.progress.best.map { " (\(describe($0)))" } ?? ""
            Output.error("stopped early at step \(step): \(validations(trainer.state.progress.plateau.sinceBest)) in a row without improvement (--early-stopping \(run.earlyStopping ?? 0)); the best is step \(bestStep)\(best), kept in \(checkpoint)")
            if resume { Output.error("to train on anyway, resume with a larger --early-stopping, or 0 to turn it off") }
        }
    }
}

/// One dev translation under its validation line: the source, its distinct references (at most `shownReferences`,
/// a repeated one once with its count), the translation; "dev #N" padded to `width`, so that the labels of every
/// sample line up.
private func showSample(_ sample: TranslationSample, width: Int) {
    let number = "dev #\(sample.index + 1)"
    let indent = String(repeating: " ", count: width + 4)
    Output.error("  \(number)\(String(repeating: " ", count: max(width - number.count, 0)))  source      \(sample.source)")
    var distinct: [(reference: String, count: Int)] = []
    for reference in sample.references {
        if let seen = distinct.firstIndex(where: { $0.reference == reference }) { distinct[seen].count += 1 } else { distinct.append((reference, 1)) }
    }
    for (reference, count) in distinct.prefix(shownReferences) {
        Output.error("\(indent)reference   \(reference)\(count > 1 ? "   (×\(count))" : "")")
    }
    if distinct.count > shownReferences { Output.error("\(indent)            … and \(distinct.count - shownReferences) more references") }
    Output.error("\(indent)hypothesis  \(sample.hypothesis)")
}

/// The most references a sample shows.
private let shownReferences = 4

/// "93%".
private func percent(_ count: Int, of total: Int) -> String { "\(Int((100 * Double(count) / Double(max(total, 1))).rounded()))%" }

/// The best score by the run's metric: "dev BLEU 99.54", "dev loss 0.0166".
private func describe(_ score: ValidationScore) -> String {
    switch score.metric {
    case .bleu: String(format: "dev BLEU %.2f", score.bleu)
    case .chrf: String(format: "dev chrF2 %.2f", score.chrF ?? .nan)
    case .exact: String(format: "dev exact match %.1f%%", score.exactMatch)
    case .loss: String(format: "dev loss %.4f", score.loss)
    }
}

/// "1 validation", "2 validations".
private func validations(_ count: Int) -> String { "\(count) validation\(count == 1 ? "" : "s")" }

/// `--plot`: the log so far drawn beside it; a failure to draw is reported and training goes on.
private func drawCurves(log: String) {
    let picture = LearningCurves.picturePath(forLog: log)
    do {
        let svg = LearningCurves.svg(try LearningCurves.read(path: log), title: "Learning curves: " + URL(fileURLWithPath: log).lastPathComponent)
        try Output.writeFile(svg, to: picture)
    } catch {
        Output.error("warning: cannot draw the learning curves: \(error)")
    }
}

/// Shows training progress: one line rewritten in place on a terminal, a plain line every 10 s otherwise.
final class ProgressDisplay {
    let live: Bool
    /// The learning rate is shown once it differs from this (after a decay).
    let initialLearningRate: Float
    private var lastPlain = ContinuousClock.now
    private var showing = false

    init(live: Bool, initialLearningRate: Float) {
        self.live = live
        self.initialLearningRate = initialLearningRate
    }

    func show(_ r: ProgressReport) {
        var line = String(format: "epoch %d · step %d/%d · loss %.4f · %.0f target tokens/s · ETA %@",
                          r.epoch, r.step, r.totalSteps, r.loss, r.targetTokensPerSecond, Self.duration(r.etaSeconds))
        if r.learningRate != initialLearningRate { line += " · lr \(r.learningRate)" }
        if live {
            Output.errorRaw("\r\u{1B}[K" + line)
            showing = true
        } else if ContinuousClock.now - lastPlain >= .seconds(10) || r.step == r.totalSteps {
            Output.error(line)
            lastPlain = .now
        }
    }

    /// Ends the live line so that the next message starts on a fresh one.
    func clear() {
        if showing { Output.errorRaw("\r\u{1B}[K") }
        showing = false
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
