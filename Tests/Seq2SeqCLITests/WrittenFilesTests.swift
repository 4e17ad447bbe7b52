// WrittenFilesTests.swift — every command that writes a file says so on stderr in one line, "<command>: wrote …",
// and writes it whole (a temporary file beside it, then renamed); `translate --output FILE` puts the translations
// there instead of stdout and never overwrites its input. Run through the built binary.

import Foundation
import Testing

@Suite struct WrittenFilesTests {
    /// Three sentences of the tiny checkpoint's source words, one of them empty.
    static let sentences = Data("a c e b d\n\nb\n".utf8)

    // MARK: - translate --output

    @Test(arguments: [[String](), ["--beam", "3", "--n-best", "2"]])
    func translateOutputHoldsWhatStdoutWouldHave(extra: [String]) throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let arguments = ["translate", "--checkpoint", checkpoint] + extra
            let onStdout = try runSeq2Seq(arguments, stdin: Self.sentences)
            expectSuccess(onStdout)
            let output = folder.appendingPathComponent("out.txt").path
            let toFile = try runSeq2Seq(arguments + ["--output", output], stdin: Self.sentences)
            expectSuccess(toFile)
            #expect(toFile.stdout.isEmpty)
            let count = lines(of: onStdout.stdout).count
            #expect(count == (extra.isEmpty ? 3 : 6))
            #expect(toFile.stderrLines == ["translate: wrote \(count) lines to \(output)"])
            #expect(try String(contentsOfFile: output, encoding: .utf8) == onStdout.stdout)
            // Only the file is left: no temporary file beside it.
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["out.txt", "tiny.safetensors"])
        }
    }

    @Test func translateOutputReplacesAnOldFileWhole() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let output = folder.appendingPathComponent("out.txt").path
            try Data(String(repeating: "old line\n", count: 100).utf8).write(to: URL(fileURLWithPath: output))
            let result = try runSeq2Seq(["translate", "--checkpoint", checkpoint, "--output", output], stdin: Data("b\n".utf8))
            expectSuccess(result)
            #expect(result.stderrLines == ["translate: wrote 1 line to \(output)"])
            #expect(lines(of: try String(contentsOfFile: output, encoding: .utf8)).count == 1)
        }
    }

    @Test func translateRefusesToWriteOverItsInputOrCheckpoint() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let input = folder.appendingPathComponent("in.txt").path
            try Self.sentences.write(to: URL(fileURLWithPath: input))
            expectError(try runSeq2Seq(["translate", "--checkpoint", checkpoint, "--input", input, "--output", input]),
                        exitCode: 64, mentions: ["--output", "is the input \(input)"])
            // The same file read as standard input (`< in.txt`).
            expectError(try runThroughShell("exec \"$0\" \"$@\" < \"$5\"", ["translate", "--checkpoint", checkpoint, "--output", input]),
                        exitCode: 64, mentions: ["--output", "is the input /dev/stdin"])
            expectError(try runSeq2Seq(["translate", "--checkpoint", checkpoint, "--output", checkpoint], stdin: Self.sentences),
                        exitCode: 64, mentions: ["--output", "is the input \(checkpoint)"])
            #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == Self.sentences)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["in.txt", "tiny.safetensors"])
        }
    }

    @Test func translateOutputIntoAMissingFolderIsOneLineAndExit73() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let output = folder.appendingPathComponent("no/such/folder/out.txt").path
            expectError(try runSeq2Seq(["translate", "--checkpoint", checkpoint, "--output", output], stdin: Self.sentences),
                        exitCode: 73, mentions: [output, "cannot write"])
        }
    }

    // MARK: - Every other command that writes a file: one line "<command>: wrote … to PATH"

    @Test func convertSaysWhatItWrote() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let output = folder.appendingPathComponent("half.safetensors").path
            let result = try runSeq2Seq(["convert", "--checkpoint", checkpoint, "--output", output, "--dtype", "bf16"])
            expectSuccess(result)
            #expect(result.stdout.isEmpty)
            #expect(result.stderrLines == ["convert: wrote the checkpoint with bf16 tensors to \(output)"])
            #expect(FileManager.default.fileExists(atPath: output))
        }
    }

    @Test(arguments: ["json", "csv", "text", "svg"])
    func attentionOutputSaysWhatItWrote(format: String) throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let file = folder.appendingPathComponent("attention.\(format)").path
            let toFile = try runSeq2Seq(["attention", "--checkpoint", checkpoint, "--format", format, "--output", file], stdin: Self.sentences)
            expectSuccess(toFile)
            #expect(toFile.stdout.isEmpty)
            #expect(toFile.stderrLines == ["attention: wrote the attention of 3 input lines as \(format) to \(file)"])
            guard format == "csv" || format == "svg" else { return }
            // A folder: one file per translated line (the empty line has none).
            let pictures = folder.appendingPathComponent("pictures").path
            let toFolder = try runSeq2Seq(["attention", "--checkpoint", checkpoint, "--format", format, "--output", pictures], stdin: Self.sentences)
            expectSuccess(toFolder)
            #expect(toFolder.stderrLines == ["attention: wrote 2 \(format) files to \(pictures)"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: pictures).count == 2)
        }
    }

    @Test func inspectOutputSaysWhatItWrote() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let base = ["inspect", "--checkpoint", checkpoint]
            for (extra, format) in [([String](), "json"), (["--format", "svg"], "svg"), (["--unit", "0", "--layer", "0"], "text"),
                                    (["--unit", "0", "--layer", "0", "--format", "svg"], "svg")] {
                let file = folder.appendingPathComponent("states-\(extra.count).\(format)").path
                let result = try runSeq2Seq(base + extra + ["--output", file], stdin: Self.sentences)
                expectSuccess(result)
                #expect(result.stdout.isEmpty)
                #expect(result.stderrLines == ["inspect: wrote the states of 3 input lines as \(format) to \(file)"], "\(extra)")
                #expect(FileManager.default.fileExists(atPath: file))
            }
            let pictures = folder.appendingPathComponent("pictures").path
            let toFolder = try runSeq2Seq(base + ["--format", "svg", "--output", pictures], stdin: Self.sentences)
            expectSuccess(toFolder)
            #expect(toFolder.stderrLines == ["inspect: wrote 2 svg files to \(pictures)"])
        }
    }

    /// A refused line leaves its output line empty and the rest translated: the file is still written, whole, and
    /// the exit code (65) says a line was refused.
    @Test func translateOutputIsWrittenWhenALineIsRefused() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let output = folder.appendingPathComponent("out.txt").path
            var input = Data("b\n".utf8)
            input.append(contentsOf: [0xFF, 0x0A])                                 // line 2 is not UTF-8
            input.append(Data("a c\n".utf8))
            let result = try runSeq2Seq(["translate", "--checkpoint", checkpoint, "--output", output], stdin: input)
            #expect(result.exitCode == 65)
            #expect(result.stdout.isEmpty)
            #expect(result.stderrLines.contains("translate: wrote 3 lines to \(output)"), "stderr: \(result.stderr)")
            let written = lines(of: try String(contentsOfFile: output, encoding: .utf8))
            #expect(written.count == 3 && written[1].isEmpty && !written[0].isEmpty && !written[2].isEmpty)
        }
    }
}
