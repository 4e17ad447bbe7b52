// Schedule.swift — what a validation decides besides "is this the best checkpoint": the learning-rate decay on a
// dev plateau (PyTorch's ReduceLROnPlateau in mode "max", as Joey NMT's `scheduling: plateau` uses it), early
// stopping, and which of the N best checkpoints stay on disk. Pure values, kept in the resume state. Stage [7][8].

/// How the learning rate moves with the step, apart from the decay on a plateau: a linear warm-up from 0 over the
/// first `warmupSteps` updates, then either constant or falling linearly to 0 at the run's last step (as
/// `transformers.get_linear_schedule_with_warmup`). A pure function of the step, so a resumed run follows it exactly.
public enum LearningRateSchedule: String, Codable, Sendable, CaseIterable {
    /// The rate stays where it is (after the warm-up).
    case constant
    /// After the warm-up the rate falls in a straight line, reaching 0 at the last planned step.
    case linear

    /// What update number `step` (1 for the first) multiplies the learning rate by, in a run of `totalSteps`:
    /// step / warmup during the warm-up; then 1 (constant) or (totalSteps − step) / (totalSteps − warmup) (linear).
    public func factor(step: Int, warmupSteps: Int, totalSteps: Int) -> Float {
        if step < warmupSteps { return Float(step) / Float(warmupSteps) }
        switch self {
        case .constant: return 1
        case .linear: return max(0, Float(totalSteps - step) / Float(max(totalSteps - warmupSteps, 1)))
        }
    }
}

/// The two "validations in a row without improvement" counters. A validation improves when it is a new best by
/// `ValidationScore`'s order (dev BLEU, then exact match, then lower dev loss): the same test that keeps the checkpoint,
/// so the step early stopping names as the best is the step whose weights are in the checkpoint.
public struct PlateauCounters: Equatable, Sendable {
    /// Validations without improvement since the last improvement or decay (PyTorch's `num_bad_epochs`).
    public var plateau: Int = 0
    /// Validations without improvement since the best one (what early stopping counts; a decay does not reset it).
    public var sinceBest: Int = 0

    /// Counters starting at the given values (0 for a new run).
    public init(plateau: Int = 0, sinceBest: Int = 0) {
        self.plateau = plateau
        self.sinceBest = sinceBest
    }

    /// Counts one validation and returns the learning rate to train with from now on. As ReduceLROnPlateau (with
    /// threshold 0 and no cooldown): `patience` validations without improvement are tolerated; the next one multiplies
    /// the rate by `factor`, never below `minimum` (nor above the current rate), and starts the count again.
    /// So with patience 0 every validation without improvement decays the rate.
    public mutating func record(improved: Bool, learningRate: Float, factor: Float, patience: Int, minimum: Float) -> Float {
        guard !improved else {
            self = PlateauCounters()
            return learningRate
        }
        plateau += 1
        sinceBest += 1
        guard plateau > patience else { return learningRate }
        plateau = 0
        return min(learningRate, max(learningRate * factor, minimum))
    }

    /// Early stopping after `validations` in a row without improvement; nil never stops.
    public func stopsEarly(after validations: Int?) -> Bool {
        validations.map { sinceBest >= $0 } ?? false
    }
}

/// One checkpoint kept among the N best: the step it was saved at (its file is `TrainingPaths.kept(step:)`) and its
/// dev score.
public struct KeptCheckpoint: Codable, Equatable, Sendable {
    /// The step whose weights the file holds.
    public var step: Int
    /// Its dev score, which ranks it.
    public var score: ValidationScore

    /// A kept checkpoint: the step it was written at and its validation score.
    public init(step: Int, score: ValidationScore) {
        self.step = step
        self.score = score
    }
}

/// The best validations' checkpoints on disk, best first; of equal scores the earlier one ranks first (a later
/// validation must be strictly better to take its place, as for the best checkpoint).
public struct BestCheckpoints: Equatable, Sendable {
    /// The kept checkpoints, best first.
    public private(set) var kept: [KeptCheckpoint]

    /// A list starting from `kept` (empty for a new run).
    public init(kept: [KeptCheckpoint] = []) { self.kept = kept }

    /// Ranks a new validation among the kept ones and keeps at most `limit`. Returns whether the new one is kept (its
    /// file must then be written) and the ones that fell out (their files must be deleted). A `limit` lower than
    /// before drops the worst even when the new one is not kept.
    public mutating func offer(_ candidate: KeptCheckpoint, limit: Int) -> (isKept: Bool, dropped: [KeptCheckpoint]) {
        let limit = max(limit, 0)
        var ranked = kept
        let position = ranked.firstIndex { $0.score < candidate.score } ?? ranked.endIndex
        ranked.insert(candidate, at: position)
        let isKept = position < limit
        var dropped = Array(ranked.dropFirst(limit))
        if !isKept { dropped.remove(at: position - limit) }
        kept = Array(ranked.prefix(limit))
        return (isKept, dropped)
    }
}
