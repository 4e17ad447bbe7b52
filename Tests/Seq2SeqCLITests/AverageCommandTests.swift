// AverageCommandTests.swift — `seq2seq average` through the built binary: two runs of the tiny model averaged into
// a checkpoint equal to the library's average, which translates; a checkpoint of another config is refused naming
// it; an output that is an input is refused and left as it was.

import Foundation
import Seq2SeqCore
import Testing

@Suite struct AverageCommandTests {
    /// The tiny run's model trained with `seed` into `name` inside the run's folder, plus `extra` flags.
    func train(_ run: TinyRun, seed: Int, into name: String, _ extra: [String] = []) throws -> String {
        let checkpoint = run.folder.appendingPathComponent(name).path
        let arguments = ["train", "--corpus", run.corpus, "--checkpoint", checkpoint] + TinyRun.modelFlags
            + ["--max-steps", "8", "--validate-every", "4", "--batch-size", "8", "--max-length", "\(TinyRun.maxLength)",
               "--seed", "\(seed)"] + extra
        expectSuccess(try runSeq2Seq(arguments))
        return checkpoint
    }

    @Test func averagedCheckpointEqualsTheLibrarysAndTranslates() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            let a = try train(run, seed: 1, into: "a.safetensors"), b = try train(run, seed: 2, into: "b.safetensors")
            let output = folder.appendingPathComponent("averaged/ab.safetensors").path
            let result = try runSeq2Seq(["average", "--output", output, a, b])
            expectSuccess(result)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr == "average: wrote the mean of 2 checkpoints to \(output)\n")

            let written = try Checkpoint.load(path: output)
            let expected = try CheckpointAverage.average(paths: [a, b])
            let count = expected.model.parameters.storage.count
            #expect(written.model.parameters.storage.values(at: 0, count: count) == expected.model.parameters.storage.values(at: 0, count: count))
            #expect(written.training?.averageOf == [a, b])
            #expect(written.config == (try Checkpoint.load(path: a)).config)

            let translated = try runSeq2Seq(["translate", "--checkpoint", output], stdin: Data("1 2 3\n4 5\n".utf8))
            expectSuccess(translated)
            #expect(lines(of: translated.stdout).count == 2)
            let info = try runSeq2Seq(["info", "--checkpoint", output])
            #expect(info.stdout.contains("the mean of 2 checkpoints"), "\(info.stdout)")
            // Nothing but the checkpoint in its folder: no temporary file is left behind.
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("averaged").path) == ["ab.safetensors"])
        }
    }

    @Test func mismatchedConfigIsRefusedNamingTheFile() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            let a = try train(run, seed: 1, into: "a.safetensors")
            let lowercased = try train(run, seed: 2, into: "lower.safetensors", ["--lowercase"])
            let output = folder.appendingPathComponent("out.safetensors").path
            expectError(try runSeq2Seq(["average", "--output", output, a, lowercased]), exitCode: 65,
                        mentions: ["Error: \(lowercased): cannot be averaged with \(a): config lowercase is true, not false"])
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }

    @Test func refusesToOverwriteAnInputOrToAverageOneFile() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            let a = try train(run, seed: 1, into: "a.safetensors"), b = try train(run, seed: 2, into: "b.safetensors")
            let before = try Data(contentsOf: URL(fileURLWithPath: b))
            expectError(try runSeq2Seq(["average", "--output", b, a, b]), exitCode: 64,
                        mentions: ["--output: is the input \(b); refusing to overwrite it"])
            #expect(try Data(contentsOf: URL(fileURLWithPath: b)) == before)
            expectError(try runSeq2Seq(["average", "--output", folder.appendingPathComponent("c.safetensors").path, a]), exitCode: 64,
                        mentions: ["<checkpoints>: needs at least two checkpoints to average, got 1"])
            expectError(try runSeq2Seq(["average", a, b]), exitCode: 64, mentions: ["--output", "is required"])
        }
    }
}
