// InterruptTests.swift — Ctrl-C during training: the binary finishes its step, saves the state, says how to resume
// and exits 130; `--resume` then ends with exactly the parameters of a run that was never interrupted, with the same
// validations, learning-rate decays and kept checkpoints.

import Foundation
import Synchronization
import Testing
@testable import Seq2SeqCore

@Suite struct InterruptTests {
    /// Collects a pipe's bytes as they arrive.
    final class Collector: Sendable {
        let data = Mutex(Data())
        var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
    }

    @Test func interruptedAndResumedRunEqualsAnUninterruptedOne() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            let flags = TinyRun.modelFlags + ["--batch-size", "8", "--max-length", "6", "--seed", "1", "--epochs", "100000",
                                              "--validate-every", "3", "--dropout", "0.1", "--threads", "1",
                                              "--lr-decay", "0.5", "--patience", "0", "--keep-best", "2"]
            let interrupted = folder.appendingPathComponent("interrupted/model.safetensors").path
            let straight = folder.appendingPathComponent("straight/model.safetensors").path

            // 1. A run far too long to finish, interrupted with SIGINT once it has started stepping.
            let process = Process()
            process.executableURL = seq2seqBinary
            process.arguments = ["train", "--corpus", run.corpus, "--checkpoint", interrupted, "--max-steps", "1000000"] + flags
            let errorPipe = Pipe()
            let collected = Collector()
            errorPipe.fileHandleForReading.readabilityHandler = { handle in
                let chunk = handle.availableData
                collected.data.withLock { $0.append(chunk) }
            }
            process.standardError = errorPipe
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            // Only a bound on a hang (training that never starts or never stops): generous, so a busy machine passes.
            let deadline = Date().addingTimeInterval(600)
            while !collected.text.contains("training on") && Date() < deadline { usleep(20_000) }
            usleep(700_000)                                   // let it take some steps
            process.interrupt()                               // SIGINT, as Ctrl-C sends
            while process.isRunning && Date() < deadline { usleep(20_000) }
            errorPipe.fileHandleForReading.readabilityHandler = nil
            try #require(!process.isRunning, "training did not stop within ten minutes")
            #expect(process.terminationStatus == 130)
            let stderr = collected.text
            #expect(stderr.contains("resume with: seq2seq train --corpus \(run.corpus) --checkpoint \(interrupted) --resume"))
            let words = stderr.components(separatedBy: "interrupted at step ").last?.split(separator: ";").first
            let stoppedAt = try #require(words.flatMap { Int($0) })
            #expect(stoppedAt > 0)

            // 2. Resumed to ten steps further, and 3. the same run straight through; same final state, bit for bit.
            let target = String(stoppedAt + 10)
            expectSuccess(try runSeq2Seq(["train", "--corpus", run.corpus, "--checkpoint", interrupted, "--resume",
                                          "--max-steps", target, "--threads", "1"]))
            expectSuccess(try runSeq2Seq(["train", "--corpus", run.corpus, "--checkpoint", straight, "--max-steps", target] + flags))
            let resumed = try TrainingState.load(path: TrainingPaths(checkpoint: interrupted).state)
            let uninterrupted = try TrainingState.load(path: TrainingPaths(checkpoint: straight).state)
            #expect(resumed.progress.step == stoppedAt + 10 && uninterrupted.progress.step == stoppedAt + 10)
            #expect(Array(resumed.checkpoint.model.parameters.storage.buffer) == Array(uninterrupted.checkpoint.model.parameters.storage.buffer))
            #expect(Array(resumed.adam.secondMoment.buffer) == Array(uninterrupted.adam.secondMoment.buffer))
            #expect(resumed.adam.options.learningRate == uninterrupted.adam.options.learningRate)
            #expect(resumed.progress.plateau == uninterrupted.progress.plateau)
            #expect(resumed.progress.bestCheckpoints == uninterrupted.progress.bestCheckpoints)
            // The validations before the interruption and after the resume are those of the straight run (the
            // training loss of the first one after the resume covers only the steps since it, so it is left out).
            let verdicts = { (r: ValidationRecord) in "\(r.step) \(r.dev.bleu) \(r.isBest) \(String(describing: r.learningRate))" }
            #expect(try LearningCurves.read(path: TrainingPaths(checkpoint: interrupted).log).map(verdicts)
                    == LearningCurves.read(path: TrainingPaths(checkpoint: straight).log).map(verdicts))
            let kept = { (path: String) in
                try FileManager.default.contentsOfDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
                    .filter { $0.hasPrefix("model-step") }.sorted()
            }
            #expect(try kept(interrupted) == kept(straight))
        }
    }
}
