// TrainingState.swift — everything `train --resume` needs beyond the best checkpoint: the current weights, Adam's
// moments, step and learning rate, where the data order stands, the dropout generator, the best score so far, the
// plateau counters and the kept checkpoints. Written atomically beside the checkpoint at every validation, as a
// safetensors file of its own. Stage [8].

import Foundation

/// Where a run keeps its files: the best checkpoint, the resume state and the validation log side by side, and with
/// `--keep-best N` the N best checkpoints named by their step (model.safetensors → model-step1500.safetensors).
public struct TrainingPaths: Sendable {
    /// The best checkpoint's path; the other paths are named after it.
    public let checkpoint: String
    /// The resume state file.
    public var state: String { stem + ".state.safetensors" }
    /// The JSON-lines validation log.
    public var log: String { stem + ".log.jsonl" }
    /// The best validation's translations of the dev sources, one a line (model.safetensors → model.dev.txt).
    public var devTranslations: String { stem + ".dev.txt" }
    /// The path of the checkpoint kept for `step` by `--keep-best`.
    public func kept(step: Int) -> String { stem + "-step\(step).safetensors" }
    private var stem: String { checkpoint.hasSuffix(".safetensors") ? String(checkpoint.dropLast(".safetensors".count)) : checkpoint }

    /// Paths beside the best checkpoint at `checkpoint`.
    public init(checkpoint: String) { self.checkpoint = checkpoint }
}

/// A comparable "how good" of one validation: by its metric's number first (dev BLEU unless another was chosen), then
/// dev BLEU, then exact match, then lower loss.
public struct ValidationScore: Codable, Equatable, Sendable, Comparable {
    /// Dev BLEU, 0–100.
    public var bleu: Double
    /// Dev exact match, in percent.
    public var exactMatch: Double
    /// Dev loss per target token.
    public var loss: Double
    /// Dev chrF2, 0–100; nil in states written before the validation metric could be chosen (which rank by BLEU).
    public var chrF: Double?
    /// The number that ranks validations first.
    public var metric: ValidationMetric

    /// A validation's dev numbers, ranked by `metric`.
    public init(bleu: Double, exactMatch: Double, loss: Double, chrF: Double? = nil, metric: ValidationMetric = .bleu) {
        self.bleu = bleu
        self.exactMatch = exactMatch
        self.loss = loss
        self.chrF = chrF
        self.metric = metric
    }

    /// The metric's number, higher is better (the loss negated). A chrF that is missing ranks below any (`isValid`
    /// refuses that score for a run ranked by chrF).
    var ranking: Double {
        switch metric {
        case .bleu: bleu
        case .chrf: chrF ?? -.infinity
        case .exact: exactMatch
        case .loss: -loss
        }
    }

    /// Lower by `a`'s metric, then lower BLEU, then lower exact match, then higher loss ranks lower. Both scores of a
    /// comparison come from one run, so they have one metric.
    public static func < (a: ValidationScore, b: ValidationScore) -> Bool {
        (a.ranking, a.bleu, a.exactMatch, -a.loss) < (b.ranking, b.bleu, b.exactMatch, -b.loss)
    }

    enum CodingKeys: String, CodingKey {
        case bleu, loss, metric
        case exactMatch = "exact_match"
        case chrF = "chrf"
    }
}

extension ValidationScore {
    /// A state written before the validation metric could be chosen has neither chrF nor a metric: it ranks by BLEU.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(bleu: try c.decode(Double.self, forKey: .bleu), exactMatch: try c.decode(Double.self, forKey: .exactMatch),
                  loss: try c.decode(Double.self, forKey: .loss), chrF: try c.decodeIfPresent(Double.self, forKey: .chrF),
                  metric: try c.decodeIfPresent(ValidationMetric.self, forKey: .metric) ?? .bleu)
    }
}

/// Where training stands, stored as JSON in the state file.
public struct TrainingProgress: Codable, Equatable, Sendable {
    /// Steps taken so far.
    public var step: Int
    /// The epoch being trained, counted from 0.
    public var epoch: Int
    /// Batches of `epoch` already trained on (its order is recomputed from the seed).
    public var batchInEpoch: Int
    /// The dropout generator's state, so a resumed run draws the same masks.
    public var dropoutState: UInt64
    /// The best validation so far; nil before the first.
    public var best: ValidationScore?
    /// The step of `best`, whose weights are in the checkpoint.
    public var bestStep: Int
    /// Training time so far, over every resumed part of the run.
    public var trainingSeconds: Double
    /// Steps whose loss or gradient was not finite, skipped without an update.
    public var skippedSteps: Int = 0
    /// Validations without improvement, for the learning-rate decay and early stopping.
    public var plateau = PlateauCounters()
    /// The checkpoints kept with `--keep-best`, best first.
    public var bestCheckpoints = BestCheckpoints()

    enum CodingKeys: String, CodingKey {
        case step, epoch, best
        case batchInEpoch = "batch_in_epoch"
        case dropoutState = "dropout_state"
        case bestStep = "best_step"
        case trainingSeconds = "training_seconds"
        case skippedSteps = "skipped_steps"
        case plateauCount = "plateau_count"
        case validationsSinceBest = "validations_since_best"
        case kept
    }
}

extension TrainingProgress {
    /// A state file written before a field existed lacks it: it decodes as it was then (none skipped, no plateau
    /// counted, no checkpoints kept besides the best).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        step = try c.decode(Int.self, forKey: .step)
        epoch = try c.decode(Int.self, forKey: .epoch)
        batchInEpoch = try c.decode(Int.self, forKey: .batchInEpoch)
        dropoutState = try c.decode(UInt64.self, forKey: .dropoutState)
        best = try c.decodeIfPresent(ValidationScore.self, forKey: .best)
        bestStep = try c.decode(Int.self, forKey: .bestStep)
        trainingSeconds = try c.decode(Double.self, forKey: .trainingSeconds)
        skippedSteps = try c.decodeIfPresent(Int.self, forKey: .skippedSteps) ?? 0
        plateau = PlateauCounters(plateau: try c.decodeIfPresent(Int.self, forKey: .plateauCount) ?? 0,
                                  sinceBest: try c.decodeIfPresent(Int.self, forKey: .validationsSinceBest) ?? 0)
        bestCheckpoints = BestCheckpoints(kept: try c.decodeIfPresent([KeptCheckpoint].self, forKey: .kept) ?? [])
    }

    /// Encodes every field; `best` is left out while there is none.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(batchInEpoch, forKey: .batchInEpoch)
        try c.encode(dropoutState, forKey: .dropoutState)
        try c.encodeIfPresent(best, forKey: .best)
        try c.encode(bestStep, forKey: .bestStep)
        try c.encode(trainingSeconds, forKey: .trainingSeconds)
        try c.encode(skippedSteps, forKey: .skippedSteps)
        try c.encode(plateau.plateau, forKey: .plateauCount)
        try c.encode(plateau.sinceBest, forKey: .validationsSinceBest)
        try c.encode(bestCheckpoints.kept, forKey: .kept)
    }
}

/// What `train --resume` needs beyond the checkpoint: options, progress, Adam's moments, corpus fingerprint.
public struct TrainingState {
    /// Version 2 carries a checksum of everything in the file and the corpus fingerprint; version 1 files (from before
    /// them) still resume, with every field range-checked but nothing to compare them against.
    public static let format = "seq2seq-training-state/2"
    static let formatWithoutChecksum = "seq2seq-training-state/1"
    /// The metadata key of the checksum (not `checksum`, which the weights' own checkpoint reader would check).
    static let checksumKey = "state_checksum"

    /// The current (not the best) weights with their config and vocabularies.
    public var checkpoint: Checkpoint
    /// The run's options, as given when it started.
    public var options: TrainOptions
    /// Where the run stands.
    public var progress: TrainingProgress
    /// The optimizer's moments and step count.
    public var adam: Adam
    /// The corpus the run trains and validates on; nil in version 1 files.
    public var corpus: CorpusFingerprint?

    /// The state of a run at a validation.
    public init(checkpoint: Checkpoint, options: TrainOptions, progress: TrainingProgress, adam: Adam,
                corpus: CorpusFingerprint? = nil) {
        self.checkpoint = checkpoint
        self.options = options
        self.progress = progress
        self.adam = adam
        self.corpus = corpus
    }

    /// Writes the state atomically as a safetensors file at `path`: weights, moments, metadata, checksum.
    public func save(to path: String) throws {
        var file = try checkpoint.safeTensorsFile()
        let table = checkpoint.model.parameters.table
        for (prefix, moment) in [("adam.first_moment.", adam.firstMoment), ("adam.second_moment.", adam.secondMoment)] {
            for info in table.entries {
                file.tensors.append(SafeTensor(name: prefix + info.name, shape: info.shape, values: moment.values(at: info.offset, count: info.count)))
            }
        }
        file.metadata["format"] = Self.format
        file.metadata["options"] = try Checkpoint.json(options)
        file.metadata["progress"] = try Checkpoint.json(progress)
        file.metadata["adam_step"] = String(adam.step)
        file.metadata["adam_learning_rate"] = String(adam.options.learningRate)   // exact: Float's shortest round trip
        if let corpus { file.metadata["corpus"] = try Checkpoint.json(corpus) }
        file.metadata[Self.checksumKey] = Self.checksum(file)
        try SafeTensors.write(file, to: path)
    }

    /// A fingerprint of every tensor (name, shape, values) and every metadata entry but the checksum itself, so that
    /// a damaged state (a flipped bit in a moment, an edited step) is refused rather than trained on.
    public static func checksum(_ file: SafeTensorsFile) -> String {
        var hash = FNV1a64()
        for tensor in file.tensors {
            hash.add(tensor.name.utf8)
            hash.add(tensor.shape.map(String.init).joined(separator: ",").utf8)
            for value in tensor.values { hash.add(value) }
        }
        for key in file.metadata.keys.sorted() where key != checksumKey {
            hash.add(key.utf8)
            hash.add([0])
            hash.add((file.metadata[key] ?? "").utf8)
            hash.add([0])
        }
        return hash.text
    }

    /// Reads and checks a state written by `save` (or a version 1 file).
    public static func load(path: String) throws -> TrainingState {
        func invalid(_ reason: String) -> Seq2SeqError { .invalidCheckpoint(path: path, reason: reason) }
        var file = try SafeTensors.read(path: path)
        switch file.metadata["format"] {
        case format?:
            guard let expected = file.metadata[checksumKey] else { throw invalid("the training state has no checksum") }
            guard expected == checksum(file) else {
                throw invalid("the training state does not match its checksum (\(expected)): the file is damaged")
            }
        case formatWithoutChecksum?:
            break
        default:
            throw invalid("not a training state (format \"\(format)\" expected)")
        }
        guard let optionsText = file.metadata["options"], let progressText = file.metadata["progress"],
              let adamStepText = file.metadata["adam_step"] else { throw invalid("incomplete training state metadata") }
        guard let adamStep = Int(adamStepText) else { throw invalid("adam_step \"\(adamStepText)\" is not an integer") }
        let options: TrainOptions, progress: TrainingProgress, corpus: CorpusFingerprint?
        do {
            options = try JSONDecoder().decode(TrainOptions.self, from: Data(optionsText.utf8))
            progress = try JSONDecoder().decode(TrainingProgress.self, from: Data(progressText.utf8))
            corpus = try file.metadata["corpus"].map { try JSONDecoder().decode(CorpusFingerprint.self, from: Data($0.utf8)) }
        } catch { throw invalid("bad training state: \(Checkpoint.describe(error))") }
        do {
            try options.validate()
            try progress.validate(options: options)
        } catch let Seq2SeqError.invalidConfiguration(reason) {
            throw invalid("the training state is damaged: \(reason)")
        }
        // Adam counts the steps it applied: every step but the skipped ones.
        guard adamStep == progress.step - progress.skippedSteps else {
            throw invalid("the training state is damaged: adam_step is \(adamStep) but \(progress.step) steps with \(progress.skippedSteps) skipped were taken")
        }
        let momentTensors = file.tensors.filter { $0.name.hasPrefix("adam.") }
        file.tensors.removeAll { $0.name.hasPrefix("adam.") }
        file.metadata["format"] = Checkpoint.format
        let checkpoint = try Checkpoint(file: file, path: path)
        let table = checkpoint.model.parameters.table
        // A state file from before the learning-rate schedule has no current rate: it is still the initial one.
        var learningRate = options.learningRate
        if let text = file.metadata["adam_learning_rate"] {
            guard let rate = Float(text), rate.isFinite, rate > 0, rate <= options.learningRate else {
                throw invalid("bad adam_learning_rate \"\(text)\" (the rate only decays from \(options.learningRate))")
            }
            learningRate = rate
        }
        guard momentTensors.count == 2 * table.entries.count else {
            throw invalid("the training state has \(momentTensors.count) optimizer tensors, expected \(2 * table.entries.count)")
        }
        var adam = Adam(parameterCount: table.count, options: AdamOptions(learningRate: learningRate))
        adam.restore(step: adamStep)
        for (prefix, moment) in [("adam.first_moment.", adam.firstMoment), ("adam.second_moment.", adam.secondMoment)] {
            for info in table.entries {
                guard let tensor = momentTensors.first(where: { $0.name == prefix + info.name }), tensor.shape == info.shape else {
                    throw invalid("missing or misshapen optimizer tensor \"\(prefix + info.name)\"")
                }
                // A non-finite moment would reach the weights at the next update; a second moment is a mean of squares.
                let isSecond = prefix == "adam.second_moment."
                if let bad = tensor.values.firstIndex(where: { !$0.isFinite || (isSecond && $0 < 0) }) {
                    throw invalid("optimizer tensor \"\(prefix + info.name)\" holds \(tensor.values[bad]) at element \(bad)\(isSecond ? " (a second moment is finite and not negative)" : " (not finite)")")
                }
                moment.setValues(tensor.values, at: info.offset)
            }
        }
        return TrainingState(checkpoint: checkpoint, options: options, progress: progress, adam: adam, corpus: corpus)
    }
}

extension TrainingProgress {
    /// Throws `invalidConfiguration` naming the first field outside what a run can reach (a damaged state).
    func validate(options: TrainOptions) throws {
        let limit = Int(Int32.max)
        try check("step", step, 0...limit)
        try check("epoch", epoch, 0...1_000_000)
        try check("batch_in_epoch", batchInEpoch, 0...limit)
        try check("best_step", bestStep, 0...step)
        try check("skipped_steps", skippedSteps, 0...step)
        try check("plateau_count", plateau.plateau, 0...step)
        try check("validations_since_best", plateau.sinceBest, 0...step)
        guard trainingSeconds.isFinite && trainingSeconds >= 0 else {
            throw Seq2SeqError.invalidConfiguration(reason: "training_seconds is \(trainingSeconds), it must be a finite number of seconds")
        }
        for score in (best.map { [$0] } ?? []) + bestCheckpoints.kept.map(\.score) {
            guard score.isValid else {
                throw Seq2SeqError.invalidConfiguration(reason: "a validation score (BLEU \(score.bleu), chrF \(score.chrF.map { "\($0)" } ?? "none"), exact match \(score.exactMatch), loss \(score.loss)) is out of range")
            }
            guard score.metric == options.validationMetric else {
                throw Seq2SeqError.invalidConfiguration(reason: "a validation score is ranked by \(score.metric.rawValue), but the run by \(options.validationMetric.rawValue)")
            }
        }
        for kept in bestCheckpoints.kept { try check("a kept checkpoint's step", kept.step, 0...step) }
    }
}

extension ValidationScore {
    /// BLEU, chrF and exact match are percentages; the loss is a finite cross-entropy; a score ranked by chrF has one.
    /// A perfect BLEU is a few ulps over 100 (exp(log 100) = 100.00000000000004, as sacreBLEU prints it), and must
    /// still count.
    var isValid: Bool {
        (0...Self.perfectBLEU).contains(bleu) && (0...100).contains(exactMatch) && loss.isFinite && loss >= 0
            && (chrF.map { (0...Self.perfectBLEU).contains($0) } ?? (metric != .chrf))
    }

    static let perfectBLEU = 100 + 1e-9
}

/// Throws `invalidConfiguration` unless `value` is in `range`.
func check(_ name: String, _ value: Int, _ range: ClosedRange<Int>) throws {
    guard range.contains(value) else {
        throw Seq2SeqError.invalidConfiguration(reason: "\(name) is \(value), it must be in \(range.lowerBound)…\(range.upperBound)")
    }
}
