// ValidationRecord.swift — one validation as a line of the JSON-lines log beside the checkpoint (FILE.log.jsonl),
// with `null` for a number that is not finite. Stage [8].

import Foundation

/// One validation, as written to the JSON-lines log.
public struct ValidationRecord: Codable, Equatable, Sendable {
    /// The step validated.
    public var step: Int
    /// The epoch training was in, counted from 0.
    public var epoch: Int
    /// Mean training loss per target token since the previous validation.
    public var trainLoss: Double
    /// The dev set's scores at this step.
    public var dev: EvaluationReport
    /// Whether this validation is the best so far (and so is in the checkpoint).
    public var isBest: Bool
    /// Training time at this validation.
    public var elapsedSeconds: Double
    /// Adam's learning rate from this validation on (lower than the previous record's when it decayed here).
    /// Logs written before the schedule existed have none of the last three fields.
    public var learningRate: Float? = nil
    /// `PlateauCounters.plateau` after this validation: how close the next decay is.
    public var plateauCount: Int? = nil
    /// `PlateauCounters.sinceBest` after this validation: how close early stopping is.
    public var validationsSinceBest: Int? = nil

    enum CodingKeys: String, CodingKey {
        case step, epoch, dev
        case trainLoss = "train_loss"
        case isBest = "best"
        case elapsedSeconds = "elapsed_seconds"
        case learningRate = "learning_rate"
        case plateauCount = "plateau_count"
        case validationsSinceBest = "validations_since_best"
        case nonFinite = "non_finite"
    }

}

extension ValidationRecord {
    /// JSON has no inf or NaN: a non-finite `train_loss` is written as null and named in `non_finite` (the dev report
    /// does the same for its own fields), and read back as NaN.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        step = try c.decode(Int.self, forKey: .step)
        epoch = try c.decode(Int.self, forKey: .epoch)
        trainLoss = try c.decodeIfPresent(Double.self, forKey: .trainLoss) ?? .nan
        dev = try c.decode(EvaluationReport.self, forKey: .dev)
        isBest = try c.decode(Bool.self, forKey: .isBest)
        elapsedSeconds = try c.decode(Double.self, forKey: .elapsedSeconds)
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate)
        plateauCount = try c.decodeIfPresent(Int.self, forKey: .plateauCount)
        validationsSinceBest = try c.decodeIfPresent(Int.self, forKey: .validationsSinceBest)
    }

    /// Encodes one log line; a non-finite `train_loss` is written as null and named in `non_finite`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step)
        try c.encode(epoch, forKey: .epoch)
        try c.encodeFinite(trainLoss, forKey: .trainLoss)
        try c.encode(dev, forKey: .dev)
        try c.encode(isBest, forKey: .isBest)
        try c.encode(elapsedSeconds, forKey: .elapsedSeconds)
        try c.encodeIfPresent(learningRate, forKey: .learningRate)
        try c.encodeIfPresent(plateauCount, forKey: .plateauCount)
        try c.encodeIfPresent(validationsSinceBest, forKey: .validationsSinceBest)
        if !trainLoss.isFinite { try c.encode(["train_loss"], forKey: .nonFinite) }
    }
}
