// PhasesTests.swift — `Trainer.phases`, the time of each phase of the loop that `bench --verbose` prints for a real
// run: every step and validation counted once, the phases within the run's wall time, none negative; and
// `Benchmark.realRunPhases` runs `train`'s own loop on a corpus of the config's shape.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct PhasesTests {
    @Test func everyStepAndValidationIsTimedOnce() throws {
        let corpus = try TrainerTests.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        let options = TrainerTests.options(maxSteps: 12)           // validations at 5, 10 and the end (12)
        let trainer = try Trainer(corpus: corpus, checkpoint: corpus + "/phases.safetensors", model: TrainerTests.model,
                                  tokenizer: Tokenizer(tokenization: .word, lowercase: false), options: options)
        let clock = ContinuousClock()
        let start = clock.now
        var validations = 0
        try trainer.run { if case .validated = $0 { validations += 1 } }
        let wall = Trainer.seconds(clock.now - start)
        let p = trainer.phases
        #expect(p.steps == 12 && p.validations == 3 && validations == 3)
        let all = [p.batching, p.forwardBackward, p.clipping, p.update, p.reporting, p.validation, p.devTranslation, p.fileWrites]
        #expect(all.allSatisfy { $0 >= 0 })
        #expect(p.forwardBackward > 0 && p.update > 0 && p.devTranslation > 0 && p.fileWrites > 0)
        #expect(p.devTranslation + p.fileWrites <= p.validation)
        #expect(p.stepSeconds + p.validation <= wall)
    }

    @Test func theBenchRunsTrainsOwnLoop() throws {
        var config = BenchmarkConfig.reference
        config.model = TrainerTests.model
        config.model.sourceVocabularySize = 12
        config.model.targetVocabularySize = 12
        config.batchSize = 16
        config.lengths = 1...4
        let phases = try Benchmark.realRunPhases(config, threads: 1, steps: 6)
        #expect(phases.steps == 6 && phases.validations == 2)
        #expect(phases.forwardBackward > 0 && phases.devTranslation > 0)
    }
}
