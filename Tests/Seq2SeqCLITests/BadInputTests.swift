// BadInputTests.swift — train / translate / attention / score / eval given bad corpora, bad flags, missing or
// corrupt checkpoints and bad standard input: the exit code of Output.swift (64 usage, 65 bad data, 66 missing
// input, 73 cannot write), nothing on stdout, one stderr line "Error: …" naming the file:line or the flag.

import Foundation
import Seq2SeqCore
import Testing

/// The four commands that start from a checkpoint, with the arguments each needs besides `--checkpoint`.
enum CheckpointCommand: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case translate, attention, score, eval

    var testDescription: String { rawValue }

    /// `seq2seq <command> --checkpoint <checkpoint> …` with valid other arguments (score and eval read dev.tsv).
    func arguments(checkpoint: String, run: TinyRun) -> [String] {
        switch self {
        case .translate: return ["translate", "--checkpoint", checkpoint]
        case .attention: return ["attention", "--checkpoint", checkpoint, "--format", "json"]
        case .score: return ["score", "--checkpoint", checkpoint, "--corpus", run.devFile, "--json"]
        case .eval: return ["eval", "--checkpoint", checkpoint, "--corpus", run.devFile]
        }
    }

    /// Runs it with two short sentences on stdin (read by translate and attention only).
    func run(checkpoint: String, in tinyRun: TinyRun, extra: [String] = []) throws -> CommandResult {
        try runSeq2Seq(arguments(checkpoint: checkpoint, run: tinyRun) + extra, stdin: Data("1 2 3\n4 5\n".utf8))
    }
}

/// A train.tsv that `train` must refuse, and what the message must say.
struct BadTrainFile: CustomTestStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]
    let mentions: [String]

    var testDescription: String { name }

    static let all = [
        BadTrainFile(name: "a line without a tab", bytes: Array("1 2\t2 1\n3 4 4 3\n5\t5\n".utf8),
                     mentions: ["train.tsv:2:", "tab"]),
        BadTrainFile(name: "two tabs", bytes: Array("1 2\t2 1\n3\t4\t5\n".utf8), mentions: ["train.tsv:2:"]),
        BadTrainFile(name: "an empty source", bytes: Array("1 2\t2 1\n\t4 3\n".utf8), mentions: ["train.tsv:2:", "empty"]),
        BadTrainFile(name: "a blank target", bytes: Array("1 2\t2 1\n5 6\t6 5\n3 4\t  \n".utf8),
                     mentions: ["train.tsv:3:", "empty"]),
        BadTrainFile(name: "invalid UTF-8", bytes: Array("1 2\t2 1\n3 ".utf8) + [0xFF, 0xFE] + Array("4\t4 3\n".utf8),
                     mentions: ["train.tsv:2:", "UTF-8"]),
        BadTrainFile(name: "a truncated UTF-8 sequence at the end", bytes: Array("1 2\t2 1\n3\t3 ".utf8) + [0xC3],
                     mentions: ["train.tsv:2:", "UTF-8"]),
        BadTrainFile(name: "zero bytes", bytes: [], mentions: ["train.tsv", "empty"]),
        BadTrainFile(name: "blank lines only", bytes: Array("\n  \n\n".utf8), mentions: ["train.tsv", "empty"]),
    ]
}

@Suite struct BadInputTests {
    // MARK: - train: bad corpora (65, 66)

    @Test(arguments: BadTrainFile.all)
    func trainRefusesABadTrainFile(_ bad: BadTrainFile) throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            try Data(bad.bytes).write(to: URL(fileURLWithPath: run.trainFile))
            expectError(try runSeq2Seq(run.trainArguments()), exitCode: 65, mentions: [run.trainFile] + bad.mentions)
            #expect(!FileManager.default.fileExists(atPath: run.checkpoint), "no checkpoint after bad data")
        }
    }

    @Test func trainRefusesABadDevFile() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            try Data("1 2\t2 1\n3 4\n".utf8).write(to: URL(fileURLWithPath: run.devFile))
            expectError(try runSeq2Seq(run.trainArguments()), exitCode: 65, mentions: ["\(run.devFile):2:"])
        }
    }

    /// No dev.tsv: a seeded share of train is held out for validation, and the run says so.
    @Test func trainWithoutDevFileHoldsOutPartOfTrain() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            try FileManager.default.removeItem(atPath: run.devFile)
            let result = try runSeq2Seq(run.trainArguments())
            expectSuccess(result)
            #expect(result.stderr.contains("dev.tsv does not exist; holding out 3 pairs of train.tsv"))
            #expect(result.stderr.contains("training on 57 pairs, validating on 3"))
            #expect(FileManager.default.fileExists(atPath: run.checkpoint))
        }
    }

    @Test func trainOnAMissingCorpusFolder() throws {
        try withTemporaryDirectory { folder in
            let missing = folder.appendingPathComponent("no-such-corpus").path
            let checkpoint = folder.appendingPathComponent("model.safetensors").path
            let result = try runSeq2Seq(["train", "--corpus", missing, "--checkpoint", checkpoint] + TinyRun.modelFlags
                                        + TinyRun.trainFlags)
            expectError(result, exitCode: 66, mentions: [missing])
            #expect(!FileManager.default.fileExists(atPath: checkpoint))
        }
    }

    @Test func resumeWithoutAStateFile() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            expectError(try runSeq2Seq(["train", "--corpus", run.corpus, "--checkpoint", run.checkpoint, "--resume"]),
                        exitCode: 66, mentions: [run.paths.state])
        }
    }

    /// A checkpoint that cannot be written must stop `train` before it trains, not at the first validation.
    @Test func trainWithACheckpointThatCannotBeWritten() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            let file = folder.appendingPathComponent("a-file")
            try Data("x".utf8).write(to: file)
            let checkpoint = file.appendingPathComponent("model.safetensors").path    // a folder inside a regular file
            let result = try runSeq2Seq(["train", "--corpus", run.corpus, "--checkpoint", checkpoint]
                                        + TinyRun.modelFlags + TinyRun.trainFlags)
            expectError(result, exitCode: 73, mentions: [file.path])
        }
    }

    // MARK: - Flags (64)

    /// A misspelt flag after otherwise valid arguments: refused before any work, with the nearest flag suggested.
    @Test(arguments: ["train", "translate", "attention", "score", "eval"])
    func misspeltFlag(command: String) throws {
        try withTrainedTinyModel { run in
            let newCheckpoint = run.folder.appendingPathComponent("new.safetensors").path
            let arguments: [String]
            switch command {
            case "train": arguments = ["train", "--corpus", run.corpus, "--checkpoint", newCheckpoint]
            case "translate", "attention": arguments = [command, "--checkpoint", run.checkpoint]
            default: arguments = [command, "--checkpoint", run.checkpoint, "--corpus", run.devFile]
            }
            let result = try runSeq2Seq(arguments + ["--batch-sise", "8"], stdin: Data("1 2\n".utf8))
            expectError(result, exitCode: 64, mentions: ["--batch-sise", "unknown option for 'seq2seq \(command)'",
                                                         "did you mean '--batch-size'?"])
            #expect(!FileManager.default.fileExists(atPath: newCheckpoint))
        }
    }

    @Test func missingRequiredFlags() throws {
        try withTrainedTinyModel { run in
            let cases: [(arguments: [String], flag: String)] = [
                (["train", "--checkpoint", run.folder.appendingPathComponent("new.safetensors").path], "--corpus"),
                (["train", "--corpus", run.corpus], "--checkpoint"),
                (["translate"], "--checkpoint"),
                (["translate", "--input", run.devFile], "--checkpoint"),
                (["attention", "--format", "json"], "--checkpoint"),
                (["score", "--checkpoint", run.checkpoint, "--json"], "--corpus"),
                (["score", "--corpus", run.devFile], "--checkpoint"),
                (["eval", "--checkpoint", run.checkpoint], "--corpus"),
                (["eval", "--corpus", run.devFile], "--checkpoint"),
            ]
            for (arguments, flag) in cases {
                let result = try runSeq2Seq(arguments, stdin: Data("1 2\n".utf8))
                expectError(result, exitCode: 64, mentions: [flag, "is required"])
            }
        }
    }

    @Test func outOfRangeValuesForTrain() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            // In a folder that does not exist yet: a usage error must not create it.
            let checkpoint = folder.appendingPathComponent("run/model.safetensors").path
            let cases: [(flag: String, value: String, mentions: [String])] = [
                ("--batch-size", "0", ["got '0'"]),
                ("--batch-size", "-3", ["got '-3'"]),
                ("--dropout", "1.5", ["got '1.5'"]),
                ("--dropout", "nan", ["got 'nan'"]),
                ("--learning-rate", "0", ["got '0'"]),
                ("--tokenization", "xyz", ["char|word", "got 'xyz'"]),
                ("--hidden-size", "0", ["got '0'"]),
                ("--max-steps", "0", ["got '0'"]),
                ("--validate-every", "ten", ["got 'ten'"]),
                ("--max-length", "0", ["got '0'"]),
                ("--seed", "-1", ["got '-1'"]),
            ]
            for (flag, value, mentions) in cases {
                let result = try runSeq2Seq(["train", "--corpus", run.corpus, "--checkpoint", checkpoint, flag, value])
                expectError(result, exitCode: 64, mentions: ["Error: \(flag): "] + mentions)
            }
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run").path),
                    "nothing is written after a usage error")
        }
    }

    /// `--resume` takes the model and data options from the state file, but a value that is wrong in itself must
    /// still be refused rather than silently ignored.
    @Test func outOfRangeValueWhenResuming() throws {
        try withTrainedTinyModel { run in
            for (flag, value) in [("--max-steps", "0"), ("--batch-size", "0"), ("--dropout", "1.5")] {
                let result = try runSeq2Seq(["train", "--corpus", run.corpus, "--checkpoint", run.checkpoint, "--resume",
                                             flag, value])
                expectError(result, exitCode: 64, mentions: [flag, "got '\(value)'"])
            }
        }
    }

    @Test(arguments: CheckpointCommand.allCases)
    func outOfRangeBatchSize(command: CheckpointCommand) throws {
        try withTrainedTinyModel { run in
            for value in ["0", "-1", "many"] {
                expectError(try command.run(checkpoint: run.checkpoint, in: run, extra: ["--batch-size", value]),
                            exitCode: 64, mentions: ["--batch-size", "got '\(value)'"])
            }
        }
    }

    @Test func attentionFormatNotOffered() throws {
        try withTrainedTinyModel { run in
            for format in ["png", "xml"] {      // svg, csv and text are offered since issue 5
                let result = try runSeq2Seq(["attention", "--checkpoint", run.checkpoint, "--format", format],
                                            stdin: Data("1 2\n".utf8))
                expectError(result, exitCode: 64, mentions: ["--format", "got '\(format)'", "json"])
            }
        }
    }

    // MARK: - Checkpoints: missing (66), corrupt or of another kind (65)

    @Test(arguments: CheckpointCommand.allCases)
    func missingCheckpoint(command: CheckpointCommand) throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            let missing = folder.appendingPathComponent("missing.safetensors").path
            expectError(try command.run(checkpoint: missing, in: run), exitCode: 66, mentions: [missing])
            // A folder where the checkpoint should be.
            expectError(try command.run(checkpoint: run.corpus, in: run), exitCode: 66, mentions: [run.corpus])
        }
    }

    /// Every way of spoiling a checkpoint, written next to the good one: (name, bytes).
    static func spoiltCheckpoints(of path: String) throws -> [(name: String, bytes: [UInt8])] {
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = good.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let dataStart = 8 + headerLength
        var spoilt: [(name: String, bytes: [UInt8])] = []
        // Cut at lengths 0 < n < size: inside the length field, inside the header, at and around the data's start,
        // in the middle of the data and at its last bytes.
        let cuts = [1, 4, 7, 8, 9, 20, dataStart / 2, dataStart - 1, dataStart, dataStart + 1, dataStart + 3,
                    (dataStart + good.count) / 2, good.count - 4, good.count - 1]
        for n in Set(cuts).sorted() where n > 0 && n < good.count {
            spoilt.append(("cut at \(n) of \(good.count) bytes", Array(good.prefix(n))))
        }
        spoilt.append(("zero bytes", []))
        spoilt.append(("a short text file", Array("hello\n".utf8)))
        spoilt.append(("a text file", Array("this is not a checkpoint, just some text\nover two lines\n".utf8)))
        spoilt.append(("a JSON file", Array("{\"format\": \"seq2seq-attention/1\"}\n".utf8)))
        // A header length that points into the file but the header is not JSON.
        spoilt.append(("a header of garbage", [16, 0, 0, 0, 0, 0, 0, 0] + Array(repeating: 0x7B, count: 16)))

        func encoded(_ file: SafeTensorsFile) throws -> [UInt8] { try SafeTensors.encode(file) }
        // Valid safetensors, but not ours.
        let foreign = SafeTensorsFile(tensors: [SafeTensor(name: "weight", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])],
                                      metadata: [:])
        spoilt.append(("safetensors without metadata", try encoded(foreign)))
        let original = try SafeTensors.read(path: path)
        var edited = original
        edited.metadata = [:]
        spoilt.append(("our tensors without metadata", try encoded(edited)))
        edited = original
        edited.metadata["format"] = "seq2seq-attention/99"
        spoilt.append(("another format", try encoded(edited)))
        edited = original
        edited.metadata["config"] = "{\"model\": "
        spoilt.append(("a config that is not JSON", try encoded(edited)))
        edited = original
        edited.metadata["config"] = "{}"
        spoilt.append(("an empty config", try encoded(edited)))

        // Vocabularies that do not match the config or the tensors.
        let sourceTokens = try JSONDecoder().decode([String].self, from: Data(original.metadata["source_vocabulary"]!.utf8))
        let targetTokens = try JSONDecoder().decode([String].self, from: Data(original.metadata["target_vocabulary"]!.utf8))
        func tokens(_ list: [String]) throws -> String { String(decoding: try JSONEncoder().encode(list), as: UTF8.self) }
        edited = original
        edited.metadata["source_vocabulary"] = try tokens(Array(sourceTokens.dropLast()))
        spoilt.append(("a source vocabulary one token short", try encoded(edited)))
        edited = original
        edited.metadata["target_vocabulary"] = try tokens(targetTokens + ["extra"])
        spoilt.append(("a target vocabulary one token long", try encoded(edited)))
        edited = original
        edited.metadata["target_vocabulary"] = try tokens(Array(targetTokens.dropLast()) + [targetTokens[4]])
        spoilt.append(("a target vocabulary with a token twice", try encoded(edited)))
        edited = original
        edited.metadata["source_vocabulary"] = try tokens(Array(sourceTokens.dropFirst()) + ["x"])
        spoilt.append(("a source vocabulary without <pad> first", try encoded(edited)))
        edited = original
        edited.metadata["source_vocabulary"] = "not a list"
        spoilt.append(("a source vocabulary that is not JSON", try encoded(edited)))
        // Config and vocabulary agree on one more source token, but the tensors were made for the old size.
        edited = original
        var config = try JSONSerialization.jsonObject(with: Data(original.metadata["config"]!.utf8)) as! [String: Any]
        var model = config["model"] as! [String: Any]
        model["source_vocabulary_size"] = sourceTokens.count + 1
        config["model"] = model
        edited.metadata["config"] = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
        edited.metadata["source_vocabulary"] = try tokens(sourceTokens + ["extra"])
        spoilt.append(("a vocabulary larger than the embedding", try encoded(edited)))

        // Tensors that do not fit.
        edited = original
        edited.tensors.removeAll { $0.name == "generator.bias" }
        spoilt.append(("a missing tensor", try encoded(edited)))
        edited = original
        edited.tensors.append(SafeTensor(name: "extra.weight", shape: [1], values: [0]))
        spoilt.append(("an extra tensor", try encoded(edited)))
        edited = original
        if let index = edited.tensors.firstIndex(where: { $0.name == "bridge.bias" }) {
            edited.tensors[index] = SafeTensor(name: "bridge.bias", shape: [edited.tensors[index].values.count + 1],
                                               values: edited.tensors[index].values + [0])
        }
        spoilt.append(("a tensor of the wrong shape", try encoded(edited)))
        edited = original
        if let index = edited.tensors.firstIndex(where: { $0.name == "readout.weight" }) {
            edited.tensors[index].values[0] = .nan
        }
        spoilt.append(("a NaN weight", try encoded(edited)))
        return spoilt
    }

    @Test(arguments: CheckpointCommand.allCases)
    func corruptOrForeignCheckpoint(command: CheckpointCommand) throws {
        try withTrainedTinyModel { run in
            let spoilt = try Self.spoiltCheckpoints(of: run.checkpoint)
            #expect(spoilt.count > 30)
            for (name, bytes) in spoilt {
                let path = run.folder.appendingPathComponent("spoilt.safetensors").path
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                let result = try command.run(checkpoint: path, in: run)
                #expect(result.exitCode == 65 && result.stderrLines.count == 1,
                        "\(name): exit \(result.exitCode), \(result.stderr)")
                expectError(result, exitCode: 65, mentions: [path])
            }
        }
    }

    // MARK: - Other input files of score and eval (65, 66)

    @Test(arguments: [CheckpointCommand.score, .eval])
    func badPairsFile(command: CheckpointCommand) throws {
        try withTrainedTinyModel { run in
            let pairs = run.folder.appendingPathComponent("pairs.tsv").path
            let cases: [(bytes: [UInt8], code: Int32, mentions: [String])] = [
                (Array("1 2\t2 1\n3 4\n".utf8), 65, ["\(pairs):2:", "tab"]),
                (Array("1 2\t2 1\n\n3\t\n".utf8), 65, ["\(pairs):3:", "empty"]),
                ([0x31, 0x09, 0x80, 0x0A], 65, ["\(pairs):1:", "UTF-8"]),
                ([], 65, [pairs, "empty"]),
            ]
            for (bytes, code, mentions) in cases {
                try Data(bytes).write(to: URL(fileURLWithPath: pairs))
                expectError(try runSeq2Seq([command.rawValue, "--checkpoint", run.checkpoint, "--corpus", pairs]),
                            exitCode: code, mentions: mentions)
            }
            let missing = run.folder.appendingPathComponent("missing.tsv").path
            expectError(try runSeq2Seq([command.rawValue, "--checkpoint", run.checkpoint, "--corpus", missing]),
                        exitCode: 66, mentions: [missing])
        }
    }

    // MARK: - --input of translate and attention (empty and invalid input: StreamTests)

    @Test(arguments: [CheckpointCommand.translate, .attention])
    func missingInputFile(command: CheckpointCommand) throws {
        try withTrainedTinyModel { run in
            let arguments = command.arguments(checkpoint: run.checkpoint, run: run)
            let missing = run.folder.appendingPathComponent("missing.txt").path
            expectError(try runSeq2Seq(arguments + ["--input", missing]), exitCode: 66, mentions: [missing])
        }
    }

    /// A line longer than the checkpoint's --max-length (6) between two good ones: every line still gets its
    /// output line (the long one empty), one error line names it, a summary line follows, and the exit code is 65.
    @Test func overLongLineAmongGoodOnes() throws {
        try withTrainedTinyModel { run in
            let translator = Translator(checkpoint: try Checkpoint.load(path: run.checkpoint))
            #expect(translator.checkpoint.config.maxSourceLength == 6)
            let good = ["1 2 3", "4 5"], long = "1 2 3 4 5 6 7 8 9 0"
            let stdin = Data([good[0], long, good[1]].map { $0 + "\n" }.joined().utf8)
            let expected = translator.translate(good)

            /// `wrote`: the line saying what an --output file received, which comes before the final error.
            func expectRefusal(_ result: CommandResult, name: String, wrote: String? = nil,
                               sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(!result.terminatedBySignal && !result.timedOut, sourceLocation: sourceLocation)
                #expect(result.exitCode == 65, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
                var stderr = result.stderrLines
                if let wrote {
                    #expect(stderr.count == 3 && stderr[1] == wrote, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
                    stderr.removeAll { $0 == wrote }
                }
                #expect(stderr.count == 2, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
                #expect(stderr.first?.hasPrefix("Error: \(name):2: ") == true, "stderr: \(result.stderr)",
                        sourceLocation: sourceLocation)
                #expect(stderr.first?.contains("10 tokens") == true && stderr.first?.contains("6") == true,
                        "stderr: \(result.stderr)", sourceLocation: sourceLocation)
                #expect(stderr.last?.hasPrefix("Error: \(name): ") == true && stderr.last?.contains("1 line") == true,
                        "stderr: \(result.stderr)", sourceLocation: sourceLocation)
            }

            let translated = try runSeq2Seq(["translate", "--checkpoint", run.checkpoint], stdin: stdin)
            expectRefusal(translated, name: "<stdin>")
            #expect(lines(of: translated.stdout) == [Substring(expected[0].text), "", Substring(expected[1].text)])

            let file = run.folder.appendingPathComponent("input.txt")
            try stdin.write(to: file)
            let fromFile = try runSeq2Seq(["translate", "--checkpoint", run.checkpoint, "--input", file.path])
            expectRefusal(fromFile, name: file.path)
            #expect(fromFile.stdout == translated.stdout)

            let attention = try runSeq2Seq(["attention", "--checkpoint", run.checkpoint, "--format", "json"], stdin: stdin)
            expectRefusal(attention, name: "<stdin>")
            let records = try lines(of: attention.stdout).map {
                try JSONDecoder().decode(AttentionRecord.self, from: Data($0.utf8))
            }
            #expect(records.map(\.targetTokens) == [expected[0].targetTokens, [], expected[1].targetTokens])

            let output = run.folder.appendingPathComponent("attention.jsonl")
            let toFile = try runSeq2Seq(["attention", "--checkpoint", run.checkpoint, "--format", "json",
                                         "--output", output.path], stdin: stdin)
            expectRefusal(toFile, name: "<stdin>", wrote: "attention: wrote the attention of 3 input lines as json to \(output.path)")
            #expect(toFile.stdout.isEmpty)
            #expect(try String(contentsOf: output, encoding: .utf8) == attention.stdout)
        }
    }

    // MARK: - Outputs that cannot be written (73)

    @Test func attentionOutputThatCannotBeWritten() throws {
        try withTrainedTinyModel { run in
            for output in [run.folder.path,                           // a folder
                           run.checkpoint + "/attention.jsonl"] {     // a folder inside a regular file
                let result = try runSeq2Seq(["attention", "--checkpoint", run.checkpoint, "--format", "json",
                                             "--output", output], stdin: Data("1 2\n".utf8))
                expectError(result, exitCode: 73, mentions: [output])
            }
        }
    }
}
