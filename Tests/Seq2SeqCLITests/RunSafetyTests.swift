// RunSafetyTests.swift — a training run is never destroyed by accident, through the binary: a re-run refuses to
// replace a run unless told (--resume, --overwrite); outputs are checked before the first step (a folder, an input
// under another name, a folder that cannot be made); one run at a time holds the lock, and a dead run's lock is taken
// over; --resume refuses another corpus or another model, drops log records it will make again and removes the
// temporary files a killed run left; a damaged state is refused; a validation with non-finite numbers is logged as
// null and the run keeps its state.

import Foundation
import Testing
@testable import Seq2SeqCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct RunSafetyTests {
    /// The bytes of every file of a run, to prove a refused command changed nothing.
    static func snapshot(_ run: TinyRun) throws -> [Data] {
        try run.paths.runFiles.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
    }

    static func logSteps(_ run: TinyRun) throws -> [Int] {
        try LearningCurves.read(path: run.paths.log).map(\.step)
    }

    @Test func rerunIsRefusedUnlessResumeOrOverwrite() throws {
        try withTrainedTinyModel { run in
            let before = try Self.snapshot(run)
            expectError(try runSeq2Seq(run.trainArguments()), exitCode: 73, mentions: [run.checkpoint, "--resume", "--overwrite"])
            #expect(try Self.snapshot(run) == before)

            let both = ["train", "--corpus", run.corpus, "--checkpoint", run.checkpoint, "--resume", "--overwrite"]
            expectError(try runSeq2Seq(both), exitCode: 64, mentions: ["--overwrite", "--resume"])
            #expect(try Self.snapshot(run) == before)

            // --overwrite starts again: the log holds the new run's validations only, not the old ones followed by them.
            try Data("stale".utf8).write(to: URL(fileURLWithPath: run.paths.kept(step: 99)))
            expectSuccess(try runSeq2Seq(run.trainArguments(["--overwrite"])))
            #expect(try Self.logSteps(run) == [4, 8])
            #expect(!FileManager.default.fileExists(atPath: run.paths.kept(step: 99)))
            #expect(!FileManager.default.fileExists(atPath: run.paths.lock))
        }
    }

    @Test func outputsAreCheckedBeforeTheFirstStep() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            let corpusBytes = try Data(contentsOf: URL(fileURLWithPath: run.trainFile))
            // The checkpoint is the training data: refused even with --overwrite, and the data is untouched.
            for extra in [[], ["--overwrite"]] {
                let arguments = ["train", "--corpus", run.corpus, "--checkpoint", run.trainFile] + TinyRun.modelFlags + TinyRun.trainFlags + extra
                let result = try runSeq2Seq(arguments)
                #expect(result.exitCode == 73 && result.stderrLines.count == 1, "\(result.stderr)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: run.trainFile)) == corpusBytes)
            }
            // A state that is a link to the dev set is the dev set.
            try FileManager.default.createSymbolicLink(atPath: run.paths.state, withDestinationPath: run.devFile)
            expectError(try runSeq2Seq(run.trainArguments(["--overwrite"])), exitCode: 73, mentions: [run.paths.state, "is the input \(run.devFile)"])
            try FileManager.default.removeItem(atPath: run.paths.state)
            // A folder where the log goes; a folder that cannot be made (its parent is a file).
            try FileManager.default.createDirectory(atPath: run.paths.log, withIntermediateDirectories: false)
            expectError(try runSeq2Seq(run.trainArguments()), exitCode: 73, mentions: [run.paths.log, "it is a folder"])
            try FileManager.default.removeItem(atPath: run.paths.log)
            let impossible = run.trainFile + "/runs/model.safetensors"
            // Refused before training: its only stderr line is the error (no "training on …", no progress).
            let arguments = ["train", "--corpus", run.corpus, "--checkpoint", impossible] + TinyRun.modelFlags + TinyRun.trainFlags
            expectError(try runSeq2Seq(arguments), exitCode: 73, mentions: [run.trainFile + "/runs", "cannot create the folder"])
        }
    }

    @Test func oneRunAtATimeHoldsTheLock() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            do {
                let lock = try TrainingLock(path: run.paths.lock, protecting: run.checkpoint)
                expectError(try runSeq2Seq(run.trainArguments()), exitCode: 73, mentions: [run.checkpoint, "process \(getpid())"])
                #expect(!FileManager.default.fileExists(atPath: run.checkpoint))
                lock.release()
            }
            // A lock file left by a run that was killed (its process gone, no lock held) is taken over.
            try Data("\(Self.deadProcess())\n".utf8).write(to: URL(fileURLWithPath: run.paths.lock))
            try run.train()
            #expect(!FileManager.default.fileExists(atPath: run.paths.lock))
        }
    }

    @Test func resumeRefusesAnotherCorpusOrModel() throws {
        try withTrainedTinyModel { run in
            let dev = try String(contentsOfFile: run.devFile, encoding: .utf8)
            try String(dev.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n").write(toFile: run.devFile, atomically: true, encoding: .utf8)
            let before = try Self.snapshot(run)
            let resume = ["train", "--corpus", run.corpus, "--checkpoint", run.checkpoint, "--resume", "--max-steps", "12"]
            expectError(try runSeq2Seq(resume), exitCode: 65, mentions: [run.paths.state, "cannot resume", "dev.tsv", "9 pairs", "had 10"])
            #expect(try Self.snapshot(run) == before)
            try dev.write(toFile: run.devFile, atomically: true, encoding: .utf8)

            // The checkpoint beside the state is of another model.
            try withTemporaryDirectory { other in
                let otherRun = try TinyRun(folder: other)
                var arguments = otherRun.trainArguments()
                arguments[try #require(arguments.firstIndex(of: "--hidden-size")) + 1] = "6"
                expectSuccess(try runSeq2Seq(arguments))
                try FileManager.default.removeItem(atPath: run.checkpoint)
                try FileManager.default.copyItem(atPath: otherRun.checkpoint, toPath: run.checkpoint)
            }
            expectError(try runSeq2Seq(resume), exitCode: 65, mentions: [run.paths.state, "another configuration"])
            try FileManager.default.removeItem(atPath: run.checkpoint)
            expectError(try runSeq2Seq(resume), exitCode: 65, mentions: [run.paths.state, "is missing"])
        }
    }

    @Test func resumeDropsRecordsItMakesAgainAndRemovesTemporaryFiles() throws {
        try withTrainedTinyModel { run in
            // As if killed after logging a validation at step 12 whose state was never saved, and while writing files.
            let lines = try String(contentsOfFile: run.paths.log, encoding: .utf8).split(separator: "\n")
            let ghost = try #require(lines.last).replacingOccurrences(of: #""step":8"#, with: #""step":12"#)
            try (lines.joined(separator: "\n") + "\n" + ghost + "\n" + #"{"step":1"# ).write(toFile: run.paths.log, atomically: true, encoding: .utf8)
            let dead = Self.deadProcess()
            let leftovers = [".model.safetensors.tmp-\(dead)-1f", ".model.state.safetensors.tmp-\(dead)-2e"].map { run.folder.appendingPathComponent($0).path }
            for path in leftovers { try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path)) }
            let mine = run.folder.appendingPathComponent(".model.safetensors.tmp-\(getpid())-3d").path
            try Data([1]).write(to: URL(fileURLWithPath: mine))

            let result = try runSeq2Seq(["train", "--corpus", run.corpus, "--checkpoint", run.checkpoint, "--resume", "--max-steps", "12"])
            expectSuccess(result)
            #expect(try Self.logSteps(run) == [4, 8, 12])
            #expect(result.stderr.contains("dropped 2 records of \(run.paths.log) after step 8"))
            for path in leftovers {
                #expect(!FileManager.default.fileExists(atPath: path))
                #expect(result.stderr.contains("removed \(path)"))
            }
            #expect(FileManager.default.fileExists(atPath: mine), "a live process's temporary file is not touched")
        }
    }

    @Test func damagedStateIsRefused() throws {
        try withTrainedTinyModel { run in
            let resume = ["train", "--corpus", run.corpus, "--checkpoint", run.checkpoint, "--resume", "--max-steps", "12"]
            let original = try Data(contentsOf: URL(fileURLWithPath: run.paths.state))
            var flipped = original
            flipped[flipped.count - 3] ^= 0x40                       // a bit of the last optimizer moment
            try flipped.write(to: URL(fileURLWithPath: run.paths.state))
            expectError(try runSeq2Seq(resume), exitCode: 65, mentions: [run.paths.state, "checksum"])

            // A field out of range behind a correct checksum: refused by the range check, not trained on.
            var file = try SafeTensors.decode([UInt8](original), path: run.paths.state)
            file.metadata["options"] = try #require(file.metadata["options"]).replacingOccurrences(of: #""batch_size":8"#, with: #""batch_size":-3"#)
            file.metadata[TrainingState.checksumKey] = TrainingState.checksum(file)
            try SafeTensors.write(file, to: run.paths.state)
            expectError(try runSeq2Seq(resume), exitCode: 65, mentions: [run.paths.state, "batch_size is -3"])
        }
    }

    /// A dev pair of 20,000 tokens would make validation decode 20,000 steps over 20,000 positions: it is left out
    /// (the limit is the run's --max-length, as for training pairs), said once, and the run trains in little memory.
    @Test func overLongDevPairIsLeftOutOfValidation() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            let huge = Array(repeating: "7", count: 20_000).joined(separator: " ")
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: run.devFile))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((huge + "\t" + huge + "\n").utf8))
            try handle.close()
            let result = try runSeq2Seq(run.trainArguments())
            expectSuccess(result)
            #expect(result.stderr.contains("validating on 10 (1 left out: longer than --max-length)"))
            #expect(try LearningCurves.read(path: run.paths.log).allSatisfy { $0.dev.sentences == 10 })
        }
    }

    /// Weights that are finite but make every output overflow: the steps are skipped, and the validation that ends
    /// the run is logged with null numbers named in `non_finite`; the state is saved, the best checkpoint kept.
    @Test func nonFiniteValidationIsLoggedAsNull() throws {
        try withTrainedTinyModel { run in
            let best = try Data(contentsOf: URL(fileURLWithPath: run.checkpoint))
            var state = try TrainingState.load(path: run.paths.state)
            Self.makeOutputsOverflow(state.checkpoint)
            try state.save(to: run.paths.state)
            let result = try runSeq2Seq(["train", "--corpus", run.corpus, "--checkpoint", run.checkpoint, "--resume",
                                         "--max-steps", "10"])
            expectSuccess(result)
            #expect(result.stderr.contains("warning: step 10: the dev loss is not finite"))
            let last = try #require(try String(contentsOfFile: run.paths.log, encoding: .utf8).split(separator: "\n").last)
            #expect(last.contains(#""loss":null"#) && last.contains(#""non_finite":["loss","perplexity"]"#) && last.contains(#""best":false"#))
            #expect(last.contains(#""train_loss":null"#) && last.contains(#""non_finite":["train_loss"]"#))
            #expect(try Data(contentsOf: URL(fileURLWithPath: run.checkpoint)) == best)
            state = try TrainingState.load(path: run.paths.state)
            #expect(state.progress.step == 10 && state.progress.skippedSteps == 2)
            // The log still reads and draws.
            expectSuccess(try runSeq2Seq(["plot", "--log", run.paths.log, "--output", run.folder.appendingPathComponent("c.svg").path]))
        }
    }

    /// readout o = tanh(1000) = 1 in every unit, and every generator weight 3e38: each logit is 3e38·D = +inf.
    static func makeOutputsOverflow(_ checkpoint: Checkpoint) {
        let parameters = checkpoint.model.parameters
        for (name, value) in [("readout.weight", Float(0)), ("readout.bias", 1000), ("generator.weight", 3e38)] {
            guard let info = parameters.table.info(named: name) else { continue }
            parameters.storage.setValues([Float](repeating: value, count: info.count), at: info.offset)
        }
    }

    /// The id of a process that has ended (a lock or temporary file's owner that is gone).
    static func deadProcess() -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exit 0"]
        try? process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }
}
