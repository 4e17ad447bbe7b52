// MutatedInputTests.swift — damaged inputs through the real binary (the thousands of in-process mutations are in
// Seq2SeqCoreTests/Robustness): 60 damaged checkpoints given to `attention --format json` and 60 damaged pair files given to
// `score`. Every run exits by itself within its time bound, never by a signal, with 0 and finite numbers or with
// one "Error:" line and a documented exit code.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct MutatedInputTests {
    static let documentedCodes: Set<Int32> = [64, 65, 66, 73]

    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var out = bytes
        for _ in 0..<(1 + rng.nextInt(below: 3)) where !out.isEmpty {
            let at = rng.nextInt(below: out.count)
            switch rng.nextInt(below: 4) {
            case 0: out[at] ^= UInt8(1) << UInt8(rng.nextInt(below: 8))
            case 1: out.remove(at: at)
            case 2: out.insert([0x09, 0x0A, 0xFF, 0x22][rng.nextInt(below: 4)], at: at)
            default: out.removeSubrange(at...)
            }
        }
        return out
    }

    static func expectCleanEnd(_ result: CommandResult, _ what: String) {
        #expect(!result.timedOut && !result.terminatedBySignal, "\(what): ended by a signal or the time bound")
        if result.exitCode == 0 {
            // Token by token, so that a word containing "inf" or "nan" could not count as a non-finite number.
            let tokens = result.stdout.split { !$0.isLetter }.map { $0.lowercased() }
            #expect(!tokens.contains { ["nan", "inf", "infinity"].contains($0) }, "\(what): non-finite output")
        } else {
            #expect(documentedCodes.contains(result.exitCode), "\(what): exit \(result.exitCode)")
            #expect(result.stderr.hasPrefix("Error: "), "\(what): \(result.stderr)")
        }
    }

    @Test func damagedCheckpointsThroughTranslate() throws {
        try withTrainedTinyModel { run in
            let valid = [UInt8](try Data(contentsOf: URL(fileURLWithPath: run.checkpoint)))
            var rng = SplitMix64(seed: 31)
            let damaged = run.folder.appendingPathComponent("damaged.safetensors").path
            for attempt in 0..<60 {
                try Data(Self.mutate(valid, &rng)).write(to: URL(fileURLWithPath: damaged))
                let result = try runSeq2Seq(["attention", "--checkpoint", damaged, "--format", "json"],
                                            stdin: Data("1 2 3\n4\n".utf8))
                Self.expectCleanEnd(result, "checkpoint mutation \(attempt)")
            }
        }
    }

    @Test func damagedPairFilesThroughScore() throws {
        try withTrainedTinyModel { run in
            let valid = [UInt8](try Data(contentsOf: URL(fileURLWithPath: run.devFile)))
            var rng = SplitMix64(seed: 32)
            let damaged = run.folder.appendingPathComponent("damaged.tsv").path
            for attempt in 0..<60 {
                try Data(Self.mutate(valid, &rng)).write(to: URL(fileURLWithPath: damaged))
                let result = try runSeq2Seq(["score", "--checkpoint", run.checkpoint, "--corpus", damaged, "--json"])
                Self.expectCleanEnd(result, "corpus mutation \(attempt)")
            }
        }
    }
}
