// TrainingScheduleTests.swift — `train --lr-decay --patience --min-lr --early-stopping --keep-best` through the
// built binary: bad values are one-line usage errors naming the flag; a run stops early where its log says it must,
// keeps the N best checkpoints, and can be resumed with early stopping turned off.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct TrainingScheduleTests {
    @Test func badScheduleValuesAreUsageErrors() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            let checkpoint = folder.appendingPathComponent("run/model.safetensors").path
            let cases: [(arguments: [String], flag: String, mentions: [String])] = [
                (["--lr-decay", "0"], "--lr-decay", ["got '0'"]),
                (["--lr-decay", "1.5"], "--lr-decay", ["got '1.5'"]),
                (["--lr-decay", "-0.5"], "--lr-decay", ["got '-0.5'"]),
                (["--patience", "-1"], "--patience", ["got '-1'"]),
                (["--keep-best", "0"], "--keep-best", ["got '0'"]),
                (["--early-stopping", "-1"], "--early-stopping", ["got '-1'"]),
                (["--min-lr", "-1"], "--min-lr", ["got '-1'"]),
                // A floor at or above the learning rate would make the decay a silent no-op.
                (["--lr-decay", "0.5", "--min-lr", "0.01", "--learning-rate", "0.005"], "--min-lr", ["not below the learning rate"]),
            ]
            for (arguments, flag, mentions) in cases {
                let result = try runSeq2Seq(["train", "--corpus", run.corpus, "--checkpoint", checkpoint] + arguments)
                expectError(result, exitCode: 64, mentions: ["Error: \(flag): "] + mentions)
            }
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run").path),
                    "nothing is written after a usage error")
        }
    }

    /// A high learning rate, a validation every step, patience 0 and early stopping after 2: the run stops at the
    /// validation its own log marks as the second in a row without improvement, says so, has decayed the learning rate
    /// wherever the log says, and keeps the two best checkpoints. Resumed with early stopping off, it trains on.
    @Test func earlyStoppingDecayAndKeepBestThroughTheBinary() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            let schedule = ["--learning-rate", "0.05", "--lr-decay", "0.5", "--patience", "0", "--early-stopping", "2",
                            "--keep-best", "2", "--validate-every", "1", "--threads", "1"]
            let arguments = ["train", "--corpus", run.corpus, "--checkpoint", run.checkpoint] + TinyRun.modelFlags
                + ["--batch-size", "8", "--max-length", "\(TinyRun.maxLength)", "--seed", "1", "--max-steps", "40"] + schedule
            let result = try runSeq2Seq(arguments)
            expectSuccess(result)
            let records = try LearningCurves.read(path: run.paths.log)
            let last = try #require(records.last)
            try #require(last.validationsSinceBest == 2, "the run never had two validations in a row without improvement")
            let best = try #require(records.last { $0.isBest })
            #expect(result.stderr.contains("stopped early at step \(last.step): 2 validations in a row without improvement (--early-stopping 2); the best is step \(best.step)"),
                    "stderr: \(result.stderr)")
            #expect(records.filter { $0.validationsSinceBest == 2 }.count == 1, "it stopped at the first such validation")

            // Every decay the log shows is announced, and the progress is what the log says.
            var rate: Float = 0.05
            for record in records {
                let now = try #require(record.learningRate)
                #expect(now == (record.isBest ? rate : rate * 0.5), "step \(record.step)")
                if now != rate {
                    #expect(result.stderr.contains("step \(record.step): learning rate decayed from \(rate) to \(now)"))
                }
                rate = now
            }
            let state = try TrainingState.load(path: run.paths.state)
            #expect(state.adam.options.learningRate == rate && state.progress.step == last.step)

            // The two best by dev score, earlier first on ties, as model-stepS.safetensors beside the checkpoint.
            let score = { (r: ValidationRecord) in ValidationScore(bleu: r.dev.bleu, exactMatch: r.dev.exactMatch, loss: r.dev.loss) }
            let ranked = records.enumerated().sorted { score($1.element) < score($0.element) || (score($0.element) == score($1.element) && $0.offset < $1.offset) }
            let expected = Set(ranked.prefix(2).map { "model-step\($0.element.step).safetensors" })
            let kept = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("model-step") }
            #expect(Set(kept) == expected)

            // Resumed as it was, it stops again at once, as the uninterrupted run did, and says how to go on.
            let again = try runSeq2Seq(["train", "--corpus", run.corpus, "--checkpoint", run.checkpoint, "--resume",
                                        "--max-steps", "\(last.step + 2)"])
            expectSuccess(again)
            #expect(again.stderr.contains("stopped early at step \(last.step): 2 validations in a row"), "stderr: \(again.stderr)")
            #expect(again.stderr.contains("resume with a larger --early-stopping, or 0 to turn it off"))
            #expect(try TrainingState.load(path: run.paths.state).progress.step == last.step)

            // --resume may turn early stopping off (and keep more checkpoints); the schedule itself is the run's own.
            let resumed = try runSeq2Seq(["train", "--corpus", run.corpus, "--checkpoint", run.checkpoint, "--resume",
                                          "--early-stopping", "0", "--max-steps", "\(last.step + 2)", "--keep-best", "3"])
            expectSuccess(resumed)
            #expect(!resumed.stderr.contains("stopped early"))
            #expect(try TrainingState.load(path: run.paths.state).progress.step == last.step + 2)
            #expect(try LearningCurves.read(path: run.paths.log).count == records.count + 2)
            let refused = try runSeq2Seq(["train", "--corpus", run.corpus, "--checkpoint", run.checkpoint, "--resume",
                                          "--lr-decay", "0.9"])
            expectError(refused, exitCode: 64, mentions: ["--lr-decay", "cannot be changed with --resume"])
        }
    }
}
