// ConvertTests.swift — `seq2seq convert`: a half-precision copy is about half the size, holds exactly the input's
// values rounded to F16 / BF16 (read back through the library), keeps the metadata, and never overwrites its input.

import Foundation
import Seq2SeqCore
import Testing

@Suite struct ConvertTests {
    @Test(arguments: [("f16", SafeTensorsDType.f16), ("bf16", .bf16)])
    func halfPrecisionCopyHoldsTheRoundedValues(flag: String, dtype: SafeTensorsDType) throws {
        try withTemporaryDirectory { folder in
            let input = try writeTinyCheckpoint(in: folder)
            let output = folder.appendingPathComponent("half.safetensors").path
            let result = try runSeq2Seq(["convert", "--checkpoint", input, "--output", output, "--dtype", flag])
            expectSuccess(result)
            #expect(result.stdout.isEmpty)
            #expect(result.stderrLines == ["convert: wrote the checkpoint with \(flag) tensors to \(output)"])

            let original = try Checkpoint.load(path: input), converted = try Checkpoint.load(path: output)
            #expect(converted.config == original.config)
            #expect(converted.sourceVocabulary.tokens == original.sourceVocabulary.tokens)
            #expect(converted.targetVocabulary.tokens == original.targetVocabulary.tokens)
            let rounded = original.model.parameters.storage.buffer.map { Checkpoint.stored($0, as: dtype) }
            #expect(Array(converted.model.parameters.storage.buffer) == rounded)
            #expect(rounded != Array(original.model.parameters.storage.buffer), "rounding changed nothing: a weak test")

            // Tensor data halves; the header only changes in its dtype names and byte offsets (a few dozen bytes).
            let sizes = try [input, output].map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as! Int }
            let dataBytes = 4 * original.model.parameters.storage.count
            #expect(abs(sizes[0] - sizes[1] - dataBytes / 2) < 100, "sizes \(sizes)")

            // It translates like any checkpoint.
            expectSuccess(try runSeq2Seq(["translate", "--checkpoint", output], stdin: Data("a c e\n".utf8)))
        }
    }

    @Test func refusesToOverwriteItsInputOrAnUnknownType() throws {
        try withTemporaryDirectory { folder in
            let input = try writeTinyCheckpoint(in: folder)
            let before = try Data(contentsOf: URL(fileURLWithPath: input))
            let same = try runSeq2Seq(["convert", "--checkpoint", input, "--output", folder.appendingPathComponent("./tiny.safetensors").path])
            #expect(same.exitCode == 64 && same.stderrLines.count == 1 && same.stderr.contains("--output"), "\(same.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
            let unknown = try runSeq2Seq(["convert", "--checkpoint", input, "--output", input + ".x", "--dtype", "f8"])
            #expect(unknown.exitCode == 64 && unknown.stderr.contains("--dtype"), "\(unknown.stderr)")
        }
    }
}
