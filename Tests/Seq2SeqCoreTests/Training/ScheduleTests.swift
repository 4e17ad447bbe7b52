// ScheduleTests.swift — the learning-rate decay on a dev plateau (PyTorch ReduceLROnPlateau's counting), early
// stopping and the N best checkpoints: first the rules on scripted validations, then real tiny runs whose logs,
// files and resumed states must agree with them bit for bit.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct ScheduleTests {
    // MARK: - The rules, on scripted validations

    /// The rates after each validation for a script of improvements, as `PlateauCounters` computes them.
    static func rates(_ improved: [Bool], start: Float = 1, factor: Float = 0.5, patience: Int, minimum: Float = 0) -> [Float] {
        var counters = PlateauCounters()
        var rate = start
        return improved.map { improved in
            rate = counters.record(improved: improved, learningRate: rate, factor: factor, patience: patience, minimum: minimum)
            return rate
        }
    }

    /// torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=2, threshold=0) stepped with
    /// BLEU 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3 leaves the rate at 1, 1, 1, 1, .5, .5, .5, .25, .25, .25, .25, .125:
    /// two validations without improvement are tolerated, the third decays and starts the count again.
    @Test func decayFollowsThePatienceExactly() {
        let improved = [true, true, false, false, false, false, false, false, true, false, false, false]
        #expect(Self.rates(improved, patience: 2) == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125])
        // Patience 0: every validation without improvement decays.
        #expect(Self.rates([true, false, true, false, false], patience: 0) == [1, 0.5, 0.5, 0.25, 0.125])
        // An improvement just before the patience runs out starts the count again.
        #expect(Self.rates([false, false, true, false, false, false], patience: 2) == [1, 1, 1, 1, 1, 0.5])
    }

    @Test func decayStopsAtTheMinimumAndNeverRaisesTheRate() {
        #expect(Self.rates(Array(repeating: false, count: 5), patience: 0, minimum: 0.2) == [0.5, 0.25, 0.2, 0.2, 0.2])
        #expect(Self.rates([false, false], start: 0.1, patience: 0, minimum: 0.2) == [0.1, 0.1])
        #expect(Self.rates([false, false, false], factor: 1, patience: 0) == [1, 1, 1])
    }

    /// Early stopping counts from the best validation; a decay in between does not reset its count.
    @Test func earlyStoppingCountsFromTheBestValidation() {
        var counters = PlateauCounters()
        var stops: [Bool] = []
        var rate: Float = 1
        for improved in [true, false, false, true, false, false, false] {
            rate = counters.record(improved: improved, learningRate: rate, factor: 0.5, patience: 0, minimum: 0)
            stops.append(counters.stopsEarly(after: 3))
        }
        #expect(stops == [false, false, false, false, false, false, true])
        // Patience 0: each of the five validations without improvement decayed the rate.
        #expect(rate == 1.0 / 32 && counters.sinceBest == 3 && counters.plateau == 0)
        #expect(!counters.stopsEarly(after: nil) && counters.stopsEarly(after: 2) && !counters.stopsEarly(after: 4))
    }

    static func score(_ bleu: Double) -> ValidationScore { ValidationScore(bleu: bleu, exactMatch: 0, loss: 1) }

    /// A perfect dev set scores BLEU 100.00000000000004 (sacreBLEU's number too): that is a valid score, which a new
    /// best must beat, not one to be thrown away (the count walkthrough's run kept a worse validation after it).
    @Test func aPerfectBLEUIsAValidScore() {
        let sentences = ["the cat sat on the mat", "b b b b b b"]
        let perfect = BLEU.corpusScore(hypotheses: sentences, references: sentences).score
        #expect(perfect > 100)
        #expect(ValidationScore(bleu: perfect, exactMatch: 100, loss: 0.1).isValid)
        #expect(!ValidationScore(bleu: 100.1, exactMatch: 100, loss: 0.1).isValid)
    }

    @Test func bestCheckpointsKeepTheNBestAndSayWhichFellOut() {
        var best = BestCheckpoints()
        func offer(_ step: Int, _ bleu: Double, limit: Int = 3) -> (Bool, [Int]) {
            let (isKept, dropped) = best.offer(KeptCheckpoint(step: step, score: Self.score(bleu)), limit: limit)
            return (isKept, dropped.map(\.step))
        }
        #expect(offer(1, 10) == (true, []))
        #expect(offer(2, 30) == (true, []))
        #expect(offer(3, 20) == (true, []))
        #expect(offer(4, 5) == (false, []))          // worse than all three kept
        #expect(offer(5, 25) == (true, [1]))
        #expect(offer(6, 20) == (false, []))         // ties the worst kept: the earlier one stays
        #expect(best.kept.map(\.step) == [2, 5, 3])
        #expect(offer(7, 40, limit: 2) == (true, [5, 3]))   // a lower limit on resume drops the surplus
        #expect(offer(8, 1, limit: 0) == (false, [7, 2]))   // limit 0: nothing kept beside the best checkpoint
        #expect(best.kept.isEmpty)
    }

    // MARK: - The warm-up and the linear schedule

    /// transformers.get_linear_schedule_with_warmup(opt, num_warmup_steps=4, num_training_steps=12) multiplies the
    /// rate by 0, .25, .5, .75, 1, 7/8, … 1/8 for its updates 0 … 11; counted from 1 as `train` counts its steps, update
    /// s gets the factor PyTorch gives s, so the last update's factor is 0.
    @Test func warmUpThenLinearDecayToZeroAtTheLastStep() {
        let linear = (1...12).map { LearningRateSchedule.linear.factor(step: $0, warmupSteps: 4, totalSteps: 12) }
        #expect(linear == [0.25, 0.5, 0.75, 1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0])
        let constant = (1...6).map { LearningRateSchedule.constant.factor(step: $0, warmupSteps: 4, totalSteps: 12) }
        #expect(constant == [0.25, 0.5, 0.75, 1, 1, 1])
        // No warm-up: the full rate from the first update; a run of one step is not divided by zero.
        #expect(LearningRateSchedule.constant.factor(step: 1, warmupSteps: 0, totalSteps: 10) == 1)
        #expect(LearningRateSchedule.linear.factor(step: 1, warmupSteps: 0, totalSteps: 10) == 0.9)
        #expect(LearningRateSchedule.linear.factor(step: 1, warmupSteps: 1, totalSteps: 1) == 0)
        // Past the planned end (a resumed run given fewer epochs) the rate stays at 0, never negative.
        #expect(LearningRateSchedule.linear.factor(step: 15, warmupSteps: 4, totalSteps: 12) == 0)
    }

    /// Adam's first update moves every weight whose gradient is not 0 by lr·g/(|g| + ε) ≈ ±lr: with a warm-up of 4
    /// steps the first update is a quarter of that, and the log records the rate each validation's step trained with.
    @Test func theWarmUpScalesTheUpdatesOfARealRun() throws {
        let corpus = try TrainerTests.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        func firstStepMove(warmup: Int) throws -> (Float, [Float?]) {
            var options = Self.options(epochs: 1)
            options.learningRateDecay = 1
            options.learningRate = 0.01
            options.warmupSteps = warmup
            options.learningRateSchedule = .linear
            let trainer = try Trainer(corpus: corpus, checkpoint: corpus + "/warm\(warmup).safetensors", model: TrainerTests.model,
                                      tokenizer: Tokenizer(tokenization: .word, lowercase: false), options: options)
            let before = Array(trainer.state.checkpoint.model.parameters.storage.buffer)
            var records: [ValidationRecord] = []
            var moved: Float = 0
            try trainer.run { event in
                guard case let .validated(record) = event else { return }
                if records.isEmpty {
                    let after = trainer.state.checkpoint.model.parameters.storage.buffer
                    moved = zip(before, after).map { abs($1 - $0) }.max() ?? 0
                }
                records.append(record)
            }
            #expect(records.count == trainer.totalSteps)
            return (moved, records.map(\.learningRate))
        }
        let (full, fullRates) = try firstStepMove(warmup: 0)
        let (quarter, rates) = try firstStepMove(warmup: 4)
        // Without a warm-up the linear schedule's first update has the factor (N − 1) / N.
        let first = LearningRateSchedule.linear.factor(step: 1, warmupSteps: 0, totalSteps: fullRates.count)
        #expect(abs(full - 0.01 * first) < 1e-4, "first Adam step without warm-up moved \(full), not 0.01 · \(first)")
        #expect(abs(quarter - 0.0025) < 1e-4, "first Adam step with a warm-up of 4 moved \(quarter)")
        let total = rates.count
        let expected = (1...total).map { Float(0.01) * LearningRateSchedule.linear.factor(step: $0, warmupSteps: 4, totalSteps: total) }
        #expect(rates == expected)
    }

    // MARK: - Real runs

    /// A tiny reverse corpus trained with a learning rate high enough that dev often gets worse: 8 batches an epoch,
    /// validation every step, so decays and early stops come within a few steps.
    static func options(epochs: Int = 3) -> TrainOptions {
        var options = TrainerTests.options(maxSteps: nil)
        options.epochs = epochs
        options.learningRate = 0.05
        options.validateEvery = 1
        options.learningRateDecay = 0.5
        options.patience = 1
        options.minimumLearningRate = 1e-4
        return options
    }

    static func train(_ corpus: String, _ name: String, _ options: TrainOptions,
                      stopAt step: Int? = nil) throws -> (Trainer, TrainingEnd, [ValidationRecord], [(Int, Float, Float)]) {
        let trainer = try Trainer(corpus: corpus, checkpoint: corpus + "/\(name).safetensors", model: TrainerTests.model,
                                  tokenizer: Tokenizer(tokenization: .word, lowercase: false), options: options)
        var records: [ValidationRecord] = []
        var decays: [(Int, Float, Float)] = []
        let end = try trainer.run(shouldStop: { step.map { trainer.state.progress.step >= $0 } ?? false }) { event in
            if case let .validated(record) = event { records.append(record) }
            if case let .learningRateDecayed(step, from, to) = event { decays.append((step, from, to)) }
        }
        return (trainer, end, records, decays)
    }

    /// The log's learning rates are the rule applied to the log's own verdicts; an interrupted run resumed across a
    /// decay ends with the same weights, moments, rate, counters, log and kept files as the uninterrupted run.
    @Test func learningRateDecaysOnPlateauAndResumesBitForBit() throws {
        let corpus = try TrainerTests.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        var options = Self.options()
        options.keepBest = 2
        let (straight, end, records, decays) = try Self.train(corpus, "straight", options)
        guard case .finished = end else { Issue.record("the run did not finish: \(end)"); return }
        #expect(records.count == 24)
        let expected = Self.rates(records.map(\.isBest), start: options.learningRate, factor: 0.5, patience: 1, minimum: 1e-4)
        #expect(records.map(\.learningRate) == expected)
        // A decay event for exactly the validations whose rate is below the one before.
        let decaySteps = zip(records, [options.learningRate] + expected).filter { $0.0.learningRate! < $0.1 }.map(\.0.step)
        #expect(decays.map(\.0) == decaySteps)
        try #require(decays.count >= 2, "the run should decay at least twice: \(records.map(\.isBest))")
        #expect(straight.state.adam.options.learningRate == expected.last)

        // Interrupted one step after the first decay, then resumed by a new Trainer to the end.
        let stop = decays[0].0 + 1
        let (first, firstEnd, firstRecords, _) = try Self.train(corpus, "resumed", options, stopAt: stop)
        guard case .interrupted = firstEnd else { Issue.record("not interrupted: \(firstEnd)"); return }
        #expect(first.state.adam.options.learningRate == decays[0].2)
        let resumed = try Trainer(resuming: corpus + "/resumed.safetensors", corpus: corpus, epochs: nil, maxSteps: nil)
        #expect(resumed.state.adam.options.learningRate == decays[0].2)
        var resumedRecords: [ValidationRecord] = []
        try resumed.run { event in if case let .validated(record) = event { resumedRecords.append(record) } }
        #expect(Array(resumed.state.checkpoint.model.parameters.storage.buffer) == Array(straight.state.checkpoint.model.parameters.storage.buffer))
        #expect(Array(resumed.state.adam.firstMoment.buffer) == Array(straight.state.adam.firstMoment.buffer))
        #expect(Array(resumed.state.adam.secondMoment.buffer) == Array(straight.state.adam.secondMoment.buffer))
        #expect(resumed.state.adam.options.learningRate == straight.state.adam.options.learningRate)
        #expect(resumed.state.progress.plateau == straight.state.progress.plateau)
        #expect(resumed.state.progress.bestCheckpoints == straight.state.progress.bestCheckpoints)
        let verdicts = { (r: ValidationRecord) in "\(r.step) \(r.dev.bleu) \(r.isBest) \(r.learningRate!) \(r.plateauCount!) \(r.validationsSinceBest!)" }
        #expect((firstRecords + resumedRecords).map(verdicts) == records.map(verdicts))
        let kept = { (name: String) in
            try FileManager.default.contentsOfDirectory(atPath: corpus).filter { $0.hasPrefix(name + "-step") }.map { $0.dropFirst(name.count) }.sorted()
        }
        #expect(try kept("resumed") == kept("straight") && kept("straight").count == 2)
    }

    /// Early stopping ends the run at the validation the log of a run without it predicts, saying which step was
    /// best; resuming that run stops again at once, as the uninterrupted run did.
    @Test func earlyStoppingStopsAtThePredictedValidation() throws {
        let corpus = try TrainerTests.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        let patience = 3
        let (_, _, all, _) = try Self.train(corpus, "all", Self.options())
        // The first validation that ends `patience` in a row without a new best.
        var inARow = 0
        let predicted = try #require(all.first { record in
            inARow = record.isBest ? 0 : inARow + 1
            return inARow == patience
        }, "the run never had \(patience) validations in a row without improvement")
        let bestStep = try #require(all.last { $0.isBest && $0.step < predicted.step }).step

        var options = Self.options()
        options.earlyStopping = patience
        let (trainer, end, records, _) = try Self.train(corpus, "early", options)
        guard case let .stoppedEarly(step, best) = end else { Issue.record("did not stop early: \(end)"); return }
        #expect(step == predicted.step && best == bestStep)
        #expect(records.map(\.step) == all.prefix { $0.step <= predicted.step }.map(\.step))
        #expect(trainer.state.progress.step == predicted.step)
        #expect(try Checkpoint.load(path: corpus + "/early.safetensors").training?.step == bestStep)

        let resumed = try Trainer(resuming: corpus + "/early.safetensors", corpus: corpus, epochs: nil, maxSteps: nil)
        var validated = 0
        let again = try resumed.run { event in if case .validated = event { validated += 1 } }
        guard case let .stoppedEarly(againStep, againBest) = again else { Issue.record("resumed run did not stop: \(again)"); return }
        #expect(againStep == predicted.step && againBest == bestStep)
        #expect(resumed.state.progress.step == predicted.step && validated == 0)
    }

    /// `keepBest` 3: exactly the three best validations' checkpoints are on disk, each holding its own step and dev
    /// score; every other one that was written was deleted.
    @Test func keepBestKeepsExactlyTheNBestFiles() throws {
        let corpus = try TrainerTests.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        var options = Self.options(epochs: 2)
        options.learningRateDecay = 1
        options.keepBest = 3
        let (_, _, records, _) = try Self.train(corpus, "m", options)
        let score = { (r: ValidationRecord) in ValidationScore(bleu: r.dev.bleu, exactMatch: r.dev.exactMatch, loss: r.dev.loss) }
        // Best first; of equal scores the earlier step (a stable sort keeps the log's order).
        let ranked = records.enumerated().sorted { score($1.element) < score($0.element) || (score($0.element) == score($1.element) && $0.offset < $1.offset) }.map(\.element)
        let best3 = Array(ranked.prefix(3))
        var everKept = Set<Int>()
        for n in records.indices {
            let top = records[...n].enumerated().sorted { score($1.element) < score($0.element) || (score($0.element) == score($1.element) && $0.offset < $1.offset) }
            everKept.formUnion(top.prefix(3).map(\.element.step))
        }
        try #require(everKept.count > 3, "no checkpoint was ever dropped from the three best")

        let files = try FileManager.default.contentsOfDirectory(atPath: corpus).filter { $0.hasPrefix("m-step") }
        #expect(Set(files) == Set(best3.map { "m-step\($0.step).safetensors" }))
        for record in best3 {
            let saved = try Checkpoint.load(path: TrainingPaths(checkpoint: corpus + "/m.safetensors").kept(step: record.step))
            #expect(saved.training?.step == record.step && saved.training?.devBLEU == record.dev.bleu)
            #expect(saved.training?.devLoss == record.dev.loss)
        }
        let best = try Checkpoint.load(path: corpus + "/m.safetensors")
        #expect(best.training?.step == best3[0].step)
        let bestCopy = try Checkpoint.load(path: corpus + "/m-step\(best3[0].step).safetensors")
        #expect(Array(bestCopy.model.parameters.storage.buffer) == Array(best.model.parameters.storage.buffer))
    }

    /// A state file written before the schedule existed (no rate, counters, kept list or schedule options) still
    /// resumes, with the defaults: the initial learning rate, no decay, nothing counted, nothing kept.
    @Test func stateFileWithoutScheduleFieldsResumesWithDefaults() throws {
        let corpus = try TrainerTests.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        var options = TrainerTests.options(maxSteps: 4)
        options.validateEvery = 2
        let (_, _, _, _) = try Self.train(corpus, "old", options)
        let path = corpus + "/old.state.safetensors"
        var file = try SafeTensors.read(path: path)
        func without(_ keys: [String], _ json: String?) throws -> String {
            let text = try #require(json)
            var object = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            for key in keys { #expect(object.removeValue(forKey: key) != nil, "\(key) was not written") }
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        file.metadata["options"] = try without(["lr_decay", "patience", "min_lr", "keep_best"], file.metadata["options"])
        file.metadata["progress"] = try without(["plateau_count", "validations_since_best", "kept", "skipped_steps"], file.metadata["progress"])
        #expect(file.metadata.removeValue(forKey: "adam_learning_rate") != nil)
        // Nor had it the checksum and corpus fingerprint of version 2.
        file.metadata["format"] = TrainingState.formatWithoutChecksum
        #expect(file.metadata.removeValue(forKey: TrainingState.checksumKey) != nil)
        #expect(file.metadata.removeValue(forKey: "corpus") != nil)
        try SafeTensors.write(file, to: path)

        let state = try TrainingState.load(path: path)
        #expect(state.options.learningRateDecay == 1 && state.options.patience == 5 && state.options.earlyStopping == nil)
        #expect(state.options.keepBest == 1 && state.options.minimumLearningRate == 1e-6)
        #expect(state.adam.options.learningRate == options.learningRate)
        #expect(state.progress.plateau == PlateauCounters() && state.progress.bestCheckpoints.kept.isEmpty)
        #expect(state.progress.step == 4 && state.progress.skippedSteps == 0)
        let resumed = try Trainer(resuming: corpus + "/old.safetensors", corpus: corpus, epochs: nil, maxSteps: 6)
        try resumed.run { _ in }
        #expect(resumed.state.progress.step == 6)

        // A log line from before has no rate or counters; it still reads.
        let old = #"{"step":5,"epoch":0,"train_loss":1.5,"dev":{"sentences":1,"bleu":2,"exact_match":0,"token_accuracy":10,"loss":1.2,"perplexity":3.3},"best":true,"elapsed_seconds":1}"#
        let record = try JSONDecoder().decode(ValidationRecord.self, from: Data(old.utf8))
        #expect(record.step == 5 && record.learningRate == nil && record.plateauCount == nil)
    }
}
