// TrainOptions.swift — every training hyperparameter that is not a model size, as stored in the resume state, and
// the ranges a resumed state's values must be in. Stages [3] → [7].

import Foundation

/// Every training hyperparameter that is not a model size (those are in ModelConfig).
public struct TrainOptions: Codable, Equatable, Sendable {
    /// Sentence pairs per training step: B.
    public var batchSize: Int = 64
    /// Adam's starting learning rate.
    public var learningRate: Float = 1e-3
    /// Passes over the training set.
    public var epochs: Int = 10
    /// Stop after this many steps even if epochs remain.
    public var maxSteps: Int? = nil
    /// ε of the label-smoothed loss; 0 gives plain cross-entropy.
    public var labelSmoothing: Float = 0
    /// Gradients are scaled down to this global norm when longer.
    public var clipNorm: Float = 1
    /// Seeds the dev split, initialisation, data order and dropout: the same seed gives the same run.
    public var seed: UInt64 = 1
    /// Validate (and maybe save) every this many steps, and at the end.
    public var validateEvery: Int = 500
    /// Training pairs with more tokens than this on either side are skipped (and counted).
    public var maxLength: Int = 100
    /// Tokens seen fewer times in the training set become <unk>.
    public var minCount: Int = 1
    /// Most tokens per vocabulary, specials included; nil for no limit.
    public var maxVocabulary: Int? = nil
    /// Threads the kernels share (`WorkerPool`).
    public var threads: Int = 1
    /// Stop when this many steps in a row had a non-finite loss or gradient (each is skipped, not applied).
    public var maxNonFiniteSteps: Int = 10
    /// Multiplies Adam's learning rate when dev stops improving (`PlateauCounters.record`); 1 never changes it.
    public var learningRateDecay: Float = 1
    /// Updates over which the learning rate rises linearly from 0 to `learningRate`; 0 starts at full rate.
    public var warmupSteps: Int = 0
    /// What the rate does after the warm-up (`LearningRateSchedule`).
    public var learningRateSchedule: LearningRateSchedule = .constant
    /// Validations in a row without improvement tolerated before the learning rate decays (as ReduceLROnPlateau's).
    public var patience: Int = 5
    /// The learning rate never decays below this.
    public var minimumLearningRate: Float = 1e-6
    /// Stop training after this many validations in a row without improvement; nil never stops early.
    public var earlyStopping: Int? = nil
    /// How many of the best validations' checkpoints to keep as `TrainingPaths.kept(step:)` files; 1 keeps the
    /// best checkpoint alone (and no such files).
    public var keepBest: Int = 1
    /// The dev number that says which validation is the best: the one kept, and what the decay and early stopping count.
    public var validationMetric: ValidationMetric = .bleu
    /// The share of training pairs (chosen by the seed) also trained on with the source as people often type it,
    /// `TypedInput.casual`: lower case, no final stop. 0 adds none.
    public var typedCopies: Float = 0

    /// The defaults of `seq2seq train`.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case epochs, seed, threads
        case batchSize = "batch_size"
        case learningRate = "learning_rate"
        case maxSteps = "max_steps"
        case labelSmoothing = "label_smoothing"
        case clipNorm = "clip_norm"
        case validateEvery = "validate_every"
        case maxLength = "max_length"
        case minCount = "min_count"
        case maxVocabulary = "max_vocabulary"
        case maxNonFiniteSteps = "max_non_finite_steps"
        case learningRateDecay = "lr_decay"
        case patience
        case warmupSteps = "warmup_steps"
        case learningRateSchedule = "lr_schedule"
        case minimumLearningRate = "min_lr"
        case earlyStopping = "early_stopping"
        case keepBest = "keep_best"
        case validationMetric = "validation_metric"
        case typedCopies = "typed_copies"
    }
}

/// What "best" means for a validation. Each ranks by its own number first, then as dev BLEU does: higher BLEU, then
/// higher exact match, then lower loss.
public enum ValidationMetric: String, Codable, CaseIterable, Sendable {
    /// Dev BLEU, higher is better.
    case bleu
    /// Dev chrF2, higher is better.
    case chrf
    /// Dev exact match, higher is better.
    case exact
    /// Dev loss per target token, lower is better.
    case loss
}

extension TrainOptions {
    /// The options of a state file written before the learning-rate schedule, early stopping, keep-best and the
    /// validation metric and the typed copies existed lack them: they decode to the defaults, so such a run continues exactly as it started.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        epochs = try c.decode(Int.self, forKey: .epochs)
        maxSteps = try c.decodeIfPresent(Int.self, forKey: .maxSteps)
        labelSmoothing = try c.decode(Float.self, forKey: .labelSmoothing)
        clipNorm = try c.decode(Float.self, forKey: .clipNorm)
        seed = try c.decode(UInt64.self, forKey: .seed)
        validateEvery = try c.decode(Int.self, forKey: .validateEvery)
        maxLength = try c.decode(Int.self, forKey: .maxLength)
        minCount = try c.decode(Int.self, forKey: .minCount)
        maxVocabulary = try c.decodeIfPresent(Int.self, forKey: .maxVocabulary)
        threads = try c.decode(Int.self, forKey: .threads)
        maxNonFiniteSteps = try c.decodeIfPresent(Int.self, forKey: .maxNonFiniteSteps) ?? maxNonFiniteSteps
        learningRateDecay = try c.decodeIfPresent(Float.self, forKey: .learningRateDecay) ?? learningRateDecay
        patience = try c.decodeIfPresent(Int.self, forKey: .patience) ?? patience
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? warmupSteps
        learningRateSchedule = try c.decodeIfPresent(LearningRateSchedule.self, forKey: .learningRateSchedule) ?? learningRateSchedule
        minimumLearningRate = try c.decodeIfPresent(Float.self, forKey: .minimumLearningRate) ?? minimumLearningRate
        earlyStopping = try c.decodeIfPresent(Int.self, forKey: .earlyStopping)
        keepBest = try c.decodeIfPresent(Int.self, forKey: .keepBest) ?? keepBest
        validationMetric = try c.decodeIfPresent(ValidationMetric.self, forKey: .validationMetric) ?? validationMetric
        typedCopies = try c.decodeIfPresent(Float.self, forKey: .typedCopies) ?? typedCopies
    }
}

extension TrainOptions {
    /// Throws `invalidConfiguration` naming the first option outside the range `train` accepts for it.
    public func validate() throws {
        let limit = Int(Int32.max)
        try check("batch_size", batchSize, 1...65_536)
        try check("epochs", epochs, 1...1_000_000)
        if let maxSteps { try check("max_steps", maxSteps, 1...limit) }
        try check("validate_every", validateEvery, 1...limit)
        try check("max_length", maxLength, 1...100_000)
        try check("min_count", minCount, 1...limit)
        if let maxVocabulary { try check("max_vocabulary", maxVocabulary, 5...10_000_000) }
        try check("threads", threads, 1...256)
        try check("max_non_finite_steps", maxNonFiniteSteps, 1...1_000_000)
        try check("patience", patience, 0...limit)
        try check("warmup_steps", warmupSteps, 0...limit)
        if let earlyStopping { try check("early_stopping", earlyStopping, 1...limit) }
        try check("keep_best", keepBest, 1...limit)
        for (name, value, range) in [("learning_rate", learningRate, Float(1e-7)...10), ("label_smoothing", labelSmoothing, 0...0.99),
                                     ("clip_norm", clipNorm, 1e-6...1e6), ("min_lr", minimumLearningRate, 0...10)]
            where !range.contains(value) {
            throw Seq2SeqError.invalidConfiguration(reason: "\(name) is \(value), it must be in \(range.lowerBound)…\(range.upperBound)")
        }
        guard learningRateDecay > 0 && learningRateDecay <= 1 else {
            throw Seq2SeqError.invalidConfiguration(reason: "lr_decay is \(learningRateDecay), it must be above 0 and at most 1")
        }
    }
}
