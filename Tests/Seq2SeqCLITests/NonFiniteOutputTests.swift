// NonFiniteOutputTests.swift — a checkpoint whose weights are finite but far too large (saved through the library, so
// its checksum is right and it loads) makes every command that prints the model's numbers refuse with one line and
// exit 65, instead of printing `<pad> <pad> …`, `nan` or noise with exit 0.

import Foundation
import Seq2SeqCore
import Testing

@Suite struct NonFiniteOutputTests {
    /// The tiny checkpoint with its generator weights multiplied by `scale`: 1e30 gives logits around 1e30 (finite,
    /// but far beyond what Float32 resolves), 1e38 gives logits that overflow to ±infinity and NaN log-probabilities.
    static func scaledCheckpoint(in folder: URL, scale: Float) throws -> String {
        let checkpoint = try Checkpoint.load(path: try writeTinyCheckpoint(in: folder))
        let generator = checkpoint.model.parameters.generator.weight
        for r in 0..<generator.rows {
            for c in 0..<generator.cols { generator[r, c] *= scale }
        }
        let path = folder.appendingPathComponent("scaled.safetensors").path
        try checkpoint.save(to: path)
        return path
    }

    static let commands: [(name: String, extra: [String])] = [
        ("translate", []), ("translate", ["--beam", "3"]), ("attention", ["--format", "json"]), ("inspect", []),
        ("inspect", ["--top", "2", "--feature", "position"]), ("score", ["--json"]), ("score", []), ("eval", []),
    ]

    @Test(arguments: [Float(1e30), 1e38])
    func hugeWeightsAreRefusedNotPrinted(scale: Float) throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try Self.scaledCheckpoint(in: folder, scale: scale)
            let corpus = folder.appendingPathComponent("pairs.tsv").path
            try Data("a b\tx y\nd e c\tz\n".utf8).write(to: URL(fileURLWithPath: corpus))
            for (name, extra) in Self.commands {
                let input = name == "score" || name == "eval" ? ["--corpus", corpus] : []
                let result = try runSeq2Seq([name, "--checkpoint", checkpoint] + input + extra, stdin: Data("a b\nd e c\n".utf8))
                expectError(result, exitCode: 65, mentions: [checkpoint, "are not finite", "its weights are too large"])
            }
            // The same commands print as always with the weights as trained.
            let original = folder.appendingPathComponent("tiny.safetensors").path
            expectSuccess(try runSeq2Seq(["translate", "--checkpoint", original], stdin: Data("a b\n".utf8)))
            expectSuccess(try runSeq2Seq(["score", "--checkpoint", original, "--corpus", corpus]))
        }
    }
}
