// TrainerTests.swift — a run interrupted and resumed from its state file ends with the same parameters and
// optimizer moments, bit for bit, as one that was not (data order, dropout generator and Adam all restored);
// and the kept checkpoint is the best validation's.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct TrainerTests {
    /// A tiny reverse corpus in a new temporary folder.
    static func corpus() throws -> String {
        let directory = TinyCheckpoint.temporaryPath("corpus")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: 9)
        try Corpus.writePairs(ToyTasks.pairs(.reverse, count: 60, lengths: 1...6, vocabularySize: 8, rng: &rng), path: directory + "/train.tsv")
        try Corpus.writePairs(ToyTasks.pairs(.reverse, count: 8, lengths: 1...6, vocabularySize: 8, rng: &rng), path: directory + "/dev.tsv")
        return directory
    }

    static let model = ModelConfig(embeddingSize: 4, encoderHiddenSize: 6, encoderLayers: 2, decoderHiddenSize: 5, decoderLayers: 2,
                                   attentionSize: 7, sourceVocabularySize: 5, targetVocabularySize: 5, dropout: 0.2)

    static func options(maxSteps: Int?) -> TrainOptions {
        var options = TrainOptions()
        options.batchSize = 8            // 60 pairs → 8 batches an epoch
        options.epochs = 2
        options.maxSteps = maxSteps
        options.validateEvery = 5
        options.seed = 3
        options.labelSmoothing = 0.1
        return options
    }

    @Test func resumedRunEqualsUninterruptedRun() throws {
        let corpus = try Self.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        let tokenizer = Tokenizer(tokenization: .word, lowercase: false)

        let straight = try Trainer(corpus: corpus, checkpoint: corpus + "/straight.safetensors", model: Self.model,
                                   tokenizer: tokenizer, options: Self.options(maxSteps: nil))
        try straight.run { _ in }
        #expect(straight.state.progress.step == 16)

        // Interrupted at step 7, inside the first epoch, then resumed from the state file by a new Trainer.
        let first = try Trainer(corpus: corpus, checkpoint: corpus + "/resumed.safetensors", model: Self.model,
                                tokenizer: tokenizer, options: Self.options(maxSteps: 7))
        try first.run { _ in }
        #expect(first.state.progress.step == 7 && first.state.progress.batchInEpoch == 7)
        let resumed = try Trainer(resuming: corpus + "/resumed.safetensors", corpus: corpus, epochs: nil, maxSteps: 16)
        var resumedAt: Int? = nil
        try resumed.run { event in
            if case let .prepared(_, _, _, _, _, _, _, _, at) = event { resumedAt = at }
        }
        #expect(resumedAt == 7)
        #expect(resumed.state.progress.step == 16)
        #expect(Array(resumed.state.checkpoint.model.parameters.storage.buffer) == Array(straight.state.checkpoint.model.parameters.storage.buffer))
        #expect(Array(resumed.state.adam.firstMoment.buffer) == Array(straight.state.adam.firstMoment.buffer))
        #expect(Array(resumed.state.adam.secondMoment.buffer) == Array(straight.state.adam.secondMoment.buffer))
        #expect(resumed.state.adam.step == 16)
    }

    @Test func keptCheckpointIsTheBestValidation() throws {
        let corpus = try Self.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        let trainer = try Trainer(corpus: corpus, checkpoint: corpus + "/m.safetensors", model: Self.model,
                                  tokenizer: Tokenizer(tokenization: .word, lowercase: false), options: Self.options(maxSteps: nil))
        var records: [ValidationRecord] = []
        try trainer.run { event in
            if case let .validated(record) = event { records.append(record) }
        }
        #expect(records.map(\.step) == [5, 10, 15, 16])
        let bests = records.filter(\.isBest)
        let best = try #require(bests.last)
        let saved = try Checkpoint.load(path: corpus + "/m.safetensors")
        #expect(saved.training?.step == best.step)
        #expect(saved.training?.devBLEU == best.dev.bleu)
        for record in records {
            let score = ValidationScore(bleu: record.dev.bleu, exactMatch: record.dev.exactMatch, loss: record.dev.loss)
            #expect(!(ValidationScore(bleu: best.dev.bleu, exactMatch: best.dev.exactMatch, loss: best.dev.loss) < score))
        }
        let log = try String(contentsOfFile: corpus + "/m.log.jsonl", encoding: .utf8)
        #expect(log.split(separator: "\n").count == records.count)
    }

    /// A NaN in one step's gradient: that step is skipped (no update), counted, and nothing non-finite reaches the
    /// weights, the state or the checkpoint; training goes on.
    @Test func nonFiniteGradientIsSkipped() throws {
        let corpus = try Self.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        let trainer = try Trainer(corpus: corpus, checkpoint: corpus + "/m.safetensors", model: Self.model,
                                  tokenizer: Tokenizer(tokenization: .word, lowercase: false), options: Self.options(maxSteps: 8))
        var before: [Float] = []
        trainer.gradientHook = { step, grads in
            if step == 3 {
                before = Array(trainer.state.checkpoint.model.parameters.storage.buffer)
                grads.storage.base[17] = .nan
            }
        }
        var skipped: [Int] = []
        var afterSkip: [Float] = []
        try trainer.run { event in
            if case let .skippedStep(step, _, norm) = event {
                skipped.append(step)
                #expect(norm.isNaN)
                afterSkip = Array(trainer.state.checkpoint.model.parameters.storage.buffer)
            }
        }
        #expect(skipped == [4])                                  // the fourth step (0-based step 3)
        #expect(afterSkip == before)                             // the skipped step changed no weight
        #expect(trainer.state.progress.skippedSteps == 1 && trainer.state.progress.step == 8)
        #expect(trainer.state.adam.step == 7)
        #expect(trainer.state.checkpoint.model.parameters.storage.buffer.allSatisfy { $0.isFinite })
        let saved = try Checkpoint.load(path: corpus + "/m.safetensors")
        #expect(saved.model.parameters.storage.buffer.allSatisfy { $0.isFinite })
        let state = try TrainingState.load(path: corpus + "/m.state.safetensors")
        #expect(state.progress.skippedSteps == 1)
    }

    /// Too many non-finite steps in a row stop training with a clear error, the last finite state saved.
    @Test func nonFiniteStepsInARowStopTraining() throws {
        let corpus = try Self.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        var options = Self.options(maxSteps: 20)
        options.maxNonFiniteSteps = 3
        let trainer = try Trainer(corpus: corpus, checkpoint: corpus + "/m.safetensors", model: Self.model,
                                  tokenizer: Tokenizer(tokenization: .word, lowercase: false), options: options)
        trainer.gradientHook = { step, grads in if step >= 2 { grads.storage.base[0] = .infinity } }
        #expect(throws: Seq2SeqError.trainingDiverged(step: 5, steps: 3)) { try trainer.run { _ in } }
        let state = try TrainingState.load(path: corpus + "/m.state.safetensors")
        #expect(state.progress.step == 5 && state.progress.skippedSteps == 3 && state.adam.step == 2)
        #expect(state.checkpoint.model.parameters.storage.buffer.allSatisfy { $0.isFinite })
    }

    /// A run whose every output overflows (finite weights, infinite logits) skips its steps, logs its one validation
    /// with null numbers (JSON has no NaN), keeps no checkpoint, and stops with `noFiniteValidation`, its state saved.
    @Test func runWithoutAFiniteValidationStopsWithItsStateSaved() throws {
        let corpus = try Self.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        var options = Self.options(maxSteps: 4)
        options.maxNonFiniteSteps = 100
        let trainer = try Trainer(corpus: corpus, checkpoint: corpus + "/m.safetensors", model: Self.model,
                                  tokenizer: Tokenizer(tokenization: .word, lowercase: false), options: options)
        let parameters = trainer.state.checkpoint.model.parameters
        for (name, value) in [("readout.weight", Float(0)), ("readout.bias", 1000), ("generator.weight", 3e38)] {
            let info = try #require(parameters.table.info(named: name))
            parameters.storage.setValues([Float](repeating: value, count: info.count), at: info.offset)
        }
        #expect(throws: Seq2SeqError.noFiniteValidation(step: 4, state: corpus + "/m.state.safetensors")) { try trainer.run { _ in } }
        #expect(!FileManager.default.fileExists(atPath: corpus + "/m.safetensors"))
        let state = try TrainingState.load(path: corpus + "/m.state.safetensors")
        #expect(state.progress.step == 4 && state.progress.skippedSteps == 4 && state.progress.best == nil)
        let records = try LearningCurves.read(path: corpus + "/m.log.jsonl")
        #expect(records.count == 1 && records[0].dev.loss.isNaN && records[0].trainLoss.isNaN && !records[0].isBest)
        let text = try String(contentsOfFile: corpus + "/m.log.jsonl", encoding: .utf8)
        #expect(text.contains(#""loss":null"#) && text.contains(#""non_finite":["loss","perplexity"]"#))
    }

    /// A configuration whose step cannot fit in memory is refused before training, saying how much it would need.
    @Test func configurationTooLargeForMemoryIsRefused() throws {
        let corpus = try Self.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        var huge = Self.model
        huge.encoderHiddenSize = 4096
        huge.attentionSize = 4096
        var options = Self.options(maxSteps: 1)
        options.batchSize = 65_536
        #expect {
            _ = try Trainer(corpus: corpus, checkpoint: corpus + "/m.safetensors", model: huge,
                            tokenizer: Tokenizer(tokenization: .word, lowercase: false), options: options)
        } throws: { error in
            guard case let Seq2SeqError.trainingExceedsMemory(.step(batchSize, _, _), needed, budget) = error else { return false }
            return batchSize == 65_536 && needed > budget && "\(error)".hasPrefix("a training step needs about")
        }
        #expect(!FileManager.default.fileExists(atPath: corpus + "/m.safetensors"))
        // The reference bench configuration: an estimate of the order of its measured 137 MB peak.
        let reference = Trainer.stepBytes(BenchmarkConfig.reference.model, batchSize: 64, sourceLength: 25, targetLength: 25)
        #expect(reference > 100e6 && reference < 400e6)
    }
}
