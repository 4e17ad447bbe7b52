// ValidationMetricTests.swift — `TrainOptions.validationMetric` decides which validation is the best: the checkpoint
// kept, its dev translations beside it, the N best kept by keep-best and the validations early stopping counts.
// A small deterministic run is trained once per metric; the metric changes nothing a step computes, so every run
// validates to the same numbers, and the best of each is recomputed here from those numbers.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct ValidationMetricTests {
    static func options(_ metric: ValidationMetric, keepBest: Int = 1, earlyStopping: Int? = nil) -> TrainOptions {
        // A high learning rate, so that the dev numbers go up and down and do not agree on the best step.
        var options = TrainerTests.options(maxSteps: 32)
        options.epochs = 4
        options.validateEvery = 4
        options.learningRate = 0.03
        options.validationMetric = metric
        options.keepBest = keepBest
        options.earlyStopping = earlyStopping
        return options
    }

    /// What the run's validations said, and the translations of the dev sources at each step.
    struct Run {
        var records: [ValidationRecord] = []
        var translations: [Int: [String]] = [:]
        var trainer: Trainer
    }

    static func train(_ corpus: String, _ name: String, _ options: TrainOptions) throws -> Run {
        let trainer = try Trainer(corpus: corpus, checkpoint: corpus + "/\(name).safetensors", model: TrainerTests.model,
                                  tokenizer: Tokenizer(tokenization: .word, lowercase: false), options: options)
        var run = Run(trainer: trainer)
        try trainer.run { event in
            switch event {
            case let .validated(record): run.records.append(record)
            case let .devTranslations(step, evaluated): run.translations[step] = evaluated.hypotheses
            default: break
            }
        }
        return run
    }

    /// The metric's number of a validation, higher is better, then the tie-breaks: BLEU, exact match, lower loss.
    /// Written out here rather than taken from `ValidationScore`.
    static func key(_ dev: EvaluationReport, _ metric: ValidationMetric) -> [Double] {
        let first: Double = switch metric {
        case .bleu: dev.bleu
        case .chrf: dev.chrF ?? .nan
        case .exact: dev.exactMatch
        case .loss: -dev.loss
        }
        return [first, dev.bleu, dev.exactMatch, -dev.loss]
    }

    /// The validations that were a new best, in order: each strictly better than every one before it.
    static func improvements(_ records: [ValidationRecord], _ metric: ValidationMetric) -> [Int] {
        var best: [Double]? = nil, steps: [Int] = []
        for record in records {
            let key = key(record.dev, metric)
            if best.map({ $0.lexicographicallyPrecedes(key) }) ?? true {
                best = key
                steps.append(record.step)
            }
        }
        return steps
    }

    @Test func theMetricDecidesWhichValidationIsKept() throws {
        let corpus = try TrainerTests.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        var kept: [ValidationMetric: Int] = [:]
        var reference: [ValidationRecord]? = nil
        for metric in ValidationMetric.allCases {
            let run = try Self.train(corpus, metric.rawValue, Self.options(metric, keepBest: 2))
            // The same numbers whatever the metric: it changes only what is kept.
            func numbers(_ records: [ValidationRecord]) -> [[Double]] {
                records.map { [Double($0.step), $0.dev.chrF ?? .nan] + Self.key($0.dev, .bleu) }
            }
            if let reference {
                #expect(numbers(run.records) == numbers(reference), "\(metric)")
            } else {
                reference = run.records
            }
            #expect(run.records.map(\.step) == [4, 8, 12, 16, 20, 24, 28, 32])

            let improvements = Self.improvements(run.records, metric)
            #expect(run.records.filter(\.isBest).map(\.step) == improvements, "\(metric)")
            let best = try #require(improvements.last)
            kept[metric] = best
            #expect(run.trainer.state.progress.bestStep == best, "\(metric)")
            #expect(try Checkpoint.load(path: corpus + "/\(metric.rawValue).safetensors").training?.step == best, "\(metric)")
            #expect(run.trainer.state.progress.best?.metric == metric)

            // Beside it, the best validation's translations of the dev sources, one a line.
            let file = try String(contentsOfFile: run.trainer.paths.devTranslations, encoding: .utf8)
            let translations = try #require(run.translations[best])
            #expect(file == translations.map { $0 + "\n" }.joined(), "\(metric)")

            // --keep-best 2: the two best by the metric (of equal ones the earlier), best first.
            let ranked = run.records.enumerated().sorted { a, b in
                let (x, y) = (Self.key(a.element.dev, metric), Self.key(b.element.dev, metric))
                return x == y ? a.offset < b.offset : y.lexicographicallyPrecedes(x)
            }.map(\.element.step)
            #expect(run.trainer.state.progress.bestCheckpoints.kept.map(\.step) == Array(ranked.prefix(2)), "\(metric)")
            for step in ranked.prefix(2) {
                #expect(FileManager.default.fileExists(atPath: run.trainer.paths.kept(step: step)), "\(metric) step \(step)")
            }
        }
        // On this run the metrics disagree, so the test shows that the choice matters.
        #expect(Set(kept.values).count > 1, "\(kept)")
    }

    /// Early stopping counts the validations that were no new best by the metric: with 1, the first of them ends the run.
    @Test func earlyStoppingCountsByTheMetric() throws {
        let corpus = try TrainerTests.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        let full = try Self.train(corpus, "full", Self.options(.bleu)).records
        var stops: [ValidationMetric: Int] = [:]
        for metric in ValidationMetric.allCases {
            // The first validation without a new best by this metric.
            let improvements = Set(Self.improvements(full, metric))
            var sinceBest = 0, expected = full.last?.step
            for record in full {
                sinceBest = improvements.contains(record.step) ? 0 : sinceBest + 1
                if sinceBest == 1 { expected = record.step; break }
            }
            let run = try Self.train(corpus, "stop-\(metric.rawValue)", Self.options(metric, earlyStopping: 1))
            #expect(run.records.last?.step == expected, "\(metric)")
            stops[metric] = run.records.last?.step
        }
        #expect(Set(stops.values).count > 1, "\(stops)")
    }

    /// A resumed run ranks as it started: the metric is in the state, and a score ranked by another is refused.
    @Test func theStateKeepsTheMetric() throws {
        let corpus = try TrainerTests.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        var options = Self.options(.loss)
        options.maxSteps = 4
        let run = try Self.train(corpus, "m", options)
        var state = try TrainingState.load(path: run.trainer.paths.state)
        #expect(state.options.validationMetric == .loss && state.progress.best?.metric == .loss)
        let resumed = try Trainer(resuming: corpus + "/m.safetensors", corpus: corpus, epochs: nil, maxSteps: 8)
        try resumed.run()
        #expect(resumed.state.options.validationMetric == .loss && resumed.state.progress.best?.metric == .loss)

        state.progress.best?.metric = .bleu
        try state.save(to: run.trainer.paths.state)
        #expect(throws: Seq2SeqError.self) { try TrainingState.load(path: run.trainer.paths.state) }
    }
}
