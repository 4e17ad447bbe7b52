// ErrorTests.swift — every bad input gives exactly one stderr line "Error: …" naming the flag or file:line, an
// empty stdout and the exit code of the top-level help (64 usage, 65 bad data, 66 missing input, 73 cannot
// create). Run through the built binary.

import Foundation
import Testing

@Suite struct ErrorTests {
    // MARK: - Usage errors (64)

    @Test func noSubcommand() throws {
        expectError(try runSeq2Seq([]), exitCode: 64, mentions: ["seq2seq <subcommand>"])
    }

    @Test func unknownSubcommand() throws {
        expectError(try runSeq2Seq(["tranlsate"]), exitCode: 64, mentions: ["Error: unknown subcommand 'tranlsate'"])
        expectError(try runSeq2Seq(["help", "tranlsate"]), exitCode: 64, mentions: ["unknown subcommand 'tranlsate'"])
    }

    @Test func mistypedSubcommandSuggestsTheNearestOne() throws {
        let result = try runSeq2Seq(["tranlsate", "--checkpoint", "x.safetensors"])
        expectError(result, exitCode: 64, mentions: [])
        #expect(result.stderr.hasPrefix("Error: unknown subcommand 'tranlsate'; did you mean 'translate'? (the subcommands are train, translate, "),
                "stderr: \(result.stderr)")
        expectError(try runSeq2Seq(["evl"]), exitCode: 64, mentions: ["did you mean 'eval'?"])
        // Nothing within two edits: no guess, only the list.
        let far = try runSeq2Seq(["compile"])
        expectError(far, exitCode: 64, mentions: ["Error: unknown subcommand 'compile'; the subcommands are train, "])
        #expect(!far.stderr.contains("did you mean"))
    }

    @Test func optionBeforeTheSubcommand() throws {
        expectError(try runSeq2Seq(["--seed", "1"]), exitCode: 64, mentions: ["--seed"])
        expectError(try runSeq2Seq(["--verison"]), exitCode: 64,
                    mentions: ["--verison: unknown option for 'seq2seq'; did you mean '--version'? the subcommand comes first"])
    }

    @Test(arguments: ["train", "translate", "attention", "score", "eval", "corpus"])
    func unknownOption(subcommand: String) throws {
        expectError(try runSeq2Seq([subcommand, "--no-such-option", "3"]), exitCode: 64,
                    mentions: ["--no-such-option", "unknown option for 'seq2seq \(subcommand)'"])
    }

    @Test func unknownOptionSuggestsTheNearestOne() throws {
        expectError(try runSeq2Seq(["corpus", "reverse", "--ouptut", "x"]), exitCode: 64,
                    mentions: ["--ouptut", "did you mean '--output'?"])
    }

    @Test func missingValue() throws {
        expectError(try runSeq2Seq(["corpus", "reverse", "--output"]), exitCode: 64, mentions: ["--output", "needs a value"])
        expectError(try runSeq2Seq(["corpus", "reverse", "--output", "--seed", "2"]), exitCode: 64,
                    mentions: ["--output", "needs a value"])
        expectError(try runSeq2Seq(["corpus", "reverse", "--output="]), exitCode: 64, mentions: ["--output", "needs a value"])
    }

    @Test func missingRequiredOption() throws {
        expectError(try runSeq2Seq(["corpus", "reverse"]), exitCode: 64, mentions: ["--output", "is required"])
        expectError(try runSeq2Seq(["corpus", "split", "--output", "x"]), exitCode: 64, mentions: ["--input", "is required"])
    }

    @Test func badInteger() throws {
        try withTemporaryDirectory { folder in
            let output = folder.appendingPathComponent("corpus").path
            for value in ["ten", "1.5", "", "99999999999999999999"] {
                expectError(try runSeq2Seq(["corpus", "reverse", "--output", output, "--train-size=\(value)"]),
                            exitCode: 64, mentions: ["--train-size"])
            }
            expectError(try runSeq2Seq(["corpus", "reverse", "--output", output, "--train-size", "ten"]), exitCode: 64,
                        mentions: ["--train-size: expects an integer from 1 to 100000000, got 'ten'"])
            expectError(try runSeq2Seq(["corpus", "reverse", "--output", output, "--seed", "-1"]), exitCode: 64,
                        mentions: ["--seed", "got '-1'"])
            #expect(!FileManager.default.fileExists(atPath: output), "nothing is written after a usage error")
        }
    }

    @Test func outOfRangeValue() throws {
        try withTemporaryDirectory { folder in
            let output = folder.appendingPathComponent("corpus").path
            expectError(try runSeq2Seq(["corpus", "reverse", "--output", output, "--dev-size", "0"]), exitCode: 64,
                        mentions: ["--dev-size: expects an integer from 1 to 100000000, got '0'"])
            expectError(try runSeq2Seq(["corpus", "reverse", "--output", output, "--test-size", "-5"]), exitCode: 64,
                        mentions: ["--test-size", "got '-5'"])
        }
    }

    @Test func badChoice() throws {
        expectError(try runSeq2Seq(["corpus", "sort", "--output", "x"]), exitCode: 64,
                    mentions: ["<task>", "reverse|copy|split", "got 'sort'"])
        expectError(try runSeq2Seq(["corpus", "--output", "x"]), exitCode: 64, mentions: ["<task>", "reverse|copy|split"])
    }

    @Test func valueGivenToABooleanFlag() throws {
        expectError(try runSeq2Seq(["train", "--lowercase=yes"]), exitCode: 64, mentions: ["--lowercase", "takes no value"])
    }

    @Test func repeatedOption() throws {
        expectError(try runSeq2Seq(["corpus", "reverse", "--output", "a", "--output", "b"]), exitCode: 64,
                    mentions: ["--output", "more than once"])
    }

    @Test func strayArgument() throws {
        expectError(try runSeq2Seq(["corpus", "reverse", "extra", "--output", "a"]), exitCode: 64,
                    mentions: ["extra", "unexpected argument"])
        expectError(try runSeq2Seq(["train", "corpus-folder"]), exitCode: 64, mentions: ["corpus-folder", "unexpected argument"])
    }

    @Test func optionOfAnotherTask() throws {
        expectError(try runSeq2Seq(["corpus", "reverse", "--output", "a", "--input", "b.tsv"]), exitCode: 64,
                    mentions: ["--input"])
        expectError(try runSeq2Seq(["corpus", "split", "--input", "a.tsv", "--output", "b", "--train-size", "5"]),
                    exitCode: 64, mentions: ["--train-size"])
    }

    @Test func splitThatLeavesNothingForTraining() throws {
        try withTemporaryDirectory { folder in
            let input = folder.appendingPathComponent("pairs.tsv")
            try Data((1...10).map { "s\($0)\tt\($0)\n" }.joined().utf8).write(to: input)
            expectError(try runSeq2Seq(["corpus", "split", "--input", input.path, "--output", folder.path,
                                        "--dev-size", "5", "--test-size", "5"]),
                        exitCode: 64, mentions: ["--dev-size", "10 pairs"])
        }
    }

    // MARK: - Bad input files (65, 66) and outputs that cannot be created (73)

    @Test func splitOfAMissingFile() throws {
        try withTemporaryDirectory { folder in
            let input = folder.appendingPathComponent("missing.tsv").path
            expectError(try runSeq2Seq(["corpus", "split", "--input", input, "--output", folder.path]), exitCode: 66,
                        mentions: [input])
        }
    }

    @Test func splitOfALineWithoutATab() throws {
        try withTemporaryDirectory { folder in
            let input = folder.appendingPathComponent("bad.tsv")
            try Data("one\tun\ntwo deux\nthree\ttrois\n".utf8).write(to: input)
            expectError(try runSeq2Seq(["corpus", "split", "--input", input.path, "--output", folder.path]), exitCode: 65,
                        mentions: ["\(input.path):2:", "tab"])
        }
    }

    @Test func splitOfAnEmptyFile() throws {
        try withTemporaryDirectory { folder in
            let input = folder.appendingPathComponent("empty.tsv")
            try Data().write(to: input)
            expectError(try runSeq2Seq(["corpus", "split", "--input", input.path, "--output", folder.path]), exitCode: 65,
                        mentions: [input.path, "empty"])
        }
    }

    /// The harness must survive a child that exits without reading its (large) stdin: no SIGPIPE, no hang.
    @Test func missingCheckpointWithLargeInputOnStdin() throws {
        let input = Data(String(repeating: "a sentence to translate\n", count: 200_000).utf8)     // 4.8 MB
        let result = try runSeq2Seq(["translate", "--checkpoint", "/nonexistent/model.safetensors"], stdin: input)
        expectError(result, exitCode: 66, mentions: ["/nonexistent/model.safetensors"])
    }

    @Test func outputFolderThatCannotBeCreated() throws {
        try withTemporaryDirectory { folder in
            let file = folder.appendingPathComponent("a-file")
            try Data("x".utf8).write(to: file)
            let output = file.appendingPathComponent("corpus").path       // a folder inside a regular file
            expectError(try runSeq2Seq(["corpus", "reverse", "--output", output, "--train-size", "3"]), exitCode: 73,
                        mentions: [output])
        }
    }
}
