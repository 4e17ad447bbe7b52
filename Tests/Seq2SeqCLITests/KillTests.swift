// KillTests.swift — SIGKILL at random moments of training (20 times; with a validation, and so possibly a checkpoint
// write, after every step): the checkpoint on disk always loads, and it is one the run had announced as saved.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct KillTests {
    @Test func killedTrainingLeavesALoadableCheckpoint() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            var rng = SplitMix64(seed: 99)
            var kills = 0, checked = 0
            for attempt in 0..<20 {
                let checkpoint = folder.appendingPathComponent("kill-\(attempt)/model.safetensors").path
                let process = Process()
                process.executableURL = seq2seqBinary
                process.arguments = ["train", "--corpus", run.corpus, "--checkpoint", checkpoint, "--max-steps", "100000",
                                     "--epochs", "100000", "--validate-every", "1", "--batch-size", "8", "--max-length", "6",
                                     "--threads", "1"] + TinyRun.modelFlags
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                usleep(UInt32(100_000 + rng.nextInt(below: 900_000)))        // 0.1–1 s into training
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                #expect(process.terminationReason == .uncaughtSignal)
                kills += 1
                guard FileManager.default.fileExists(atPath: checkpoint) else { continue }   // killed before the first save
                let loaded = try Checkpoint.load(path: checkpoint)
                checked += 1
                // It is one of the saved ones: the log lists every validation, and a saved one was marked best.
                let log = (try? String(contentsOfFile: TrainingPaths(checkpoint: checkpoint).log, encoding: .utf8)) ?? ""
                let savedSteps = log.split(separator: "\n").compactMap { line -> Int? in
                    guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                          object["best"] as? Bool == true else { return nil }
                    return object["step"] as? Int
                }
                let step = try #require(loaded.training?.step)
                // The checkpoint is renamed into place before the log line is written, so the newest may be unlogged.
                #expect(savedSteps.contains(step) || step > (savedSteps.last ?? 0), "attempt \(attempt): step \(step), saved \(savedSteps)")
            }
            #expect(kills == 20)
            #expect(checked >= 10, "only \(checked) of 20 runs had saved a checkpoint before the kill")
            print("killed 20 runs; \(checked) had a checkpoint on disk, every one loaded")
        }
    }
}
