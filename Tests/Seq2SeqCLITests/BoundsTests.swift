// BoundsTests.swift — work that would not fit in memory is refused before it starts, with an estimate, through the
// built binary under `ulimit -v` (3 GB, so the budget is the same on every machine): extreme --beam and --batch-size
// (64, naming the flags), a pair too long to score (65, naming file:line), a corpus too large to read (65); a 100 MB
// line is refused alone while the lines around it are processed; normal settings are never refused.

import Foundation
import Seq2SeqCore
import Testing

/// Runs seq2seq with `arguments` under an address-space limit of about 3 GB.
func runUnderMemoryLimit(_ arguments: [String], kilobytes: Int = 3_000_000, stdin: Data? = nil) throws -> CommandResult {
    try runThroughShell("ulimit -v \(kilobytes) && exec \"$0\" \"$@\"", arguments, stdin: stdin)
}

@Suite struct BoundsTests {
    static let sentences = Data("a b\nd e c\n".utf8)

    /// The tiny checkpoint's dev pairs: `a b → x y`, `d e c → z`.
    static func pairs(in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("pairs.tsv").path
        try Data("a b\tx y\nd e c\tz\n".utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    // MARK: - Flags whose decoding would not fit (64)

    @Test(arguments: ["translate", "attention", "eval"])
    func extremeBeamAndBatchAreRefusedBeforeDecoding(command: String) throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            var arguments = [command, "--checkpoint", checkpoint, "--beam", "1000", "--batch-size", "65536"]
            if command == "eval" { arguments += ["--corpus", try Self.pairs(in: folder)] }
            // Refused before decoding: decoding would need far more than the memory limit the run is under.
            let result = try runUnderMemoryLimit(arguments, stdin: Self.sentences)
            expectError(result, exitCode: 64, mentions: ["--beam 1000 --batch-size 65536:", "1000 hypotheses each", "GB of memory",
                                                         "this process may use", "lower --batch-size or --beam"])
        }
    }

    @Test func normalSettingsAreNotRefused() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let pairs = try Self.pairs(in: folder)
            for arguments in [["translate", "--checkpoint", checkpoint], ["translate", "--checkpoint", checkpoint, "--beam", "5"],
                              ["attention", "--checkpoint", checkpoint, "--beam", "10", "--batch-size", "256"],
                              ["eval", "--checkpoint", checkpoint, "--corpus", pairs, "--beam", "5"],
                              ["score", "--checkpoint", checkpoint, "--corpus", pairs],
                              ["translate", "--checkpoint", ShippedModelTests.path, "--beam", "10"]] {
                let result = try runUnderMemoryLimit(arguments, stdin: Data("a b\nI am cold.\n".utf8))
                expectSuccess(result)
                #expect(result.stderr.isEmpty || result.stderr.hasPrefix("note:"), "\(arguments): \(result.stderr)")
            }
        }
    }

    // MARK: - A pair too long to score, a corpus too large to read (65)

    /// Line 3 is a pair of 20,000 tokens a side: the batch holding it would need far more than 3 GB.
    @Test(arguments: ["score", "eval"])
    func hugePairIsRefusedBeforeWork(command: String) throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let pairs = folder.appendingPathComponent("pairs.tsv").path
            let long = Array(repeating: "a", count: 20_000).joined(separator: " ") + "\t" + Array(repeating: "x", count: 20_000).joined(separator: " ")
            try Data("a b\tx y\nd\tz\n\(long)\ne\tw\n".utf8).write(to: URL(fileURLWithPath: pairs))
            let result = try runUnderMemoryLimit([command, "--checkpoint", checkpoint, "--corpus", pairs])
            expectError(result, exitCode: 65, mentions: ["\(pairs):3: this pair of 20000 source and 20000 target tokens",
                                                         "GB of memory", "this process may use", "lower --batch-size"])
            let alone = try runUnderMemoryLimit([command, "--checkpoint", checkpoint, "--corpus", pairs, "--batch-size", "1"])
            expectError(alone, exitCode: 65, mentions: ["\(pairs):3:", "shorten or leave out the pair"])
        }
    }

    /// Under 1 GB a corpus may take about 1/27 of it; a 64 MB file (sparse: no disk used) is refused unread.
    @Test(arguments: ["score", "eval"])
    func corpusTooLargeIsRefusedUnread(command: String) throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let corpus = folder.appendingPathComponent("large.tsv")
            #expect(FileManager.default.createFile(atPath: corpus.path, contents: nil))
            let handle = try FileHandle(forWritingTo: corpus)
            try handle.truncate(atOffset: 64 << 20)
            try handle.close()
            let result = try runUnderMemoryLimit([command, "--checkpoint", checkpoint, "--corpus", corpus.path], kilobytes: 1_000_000)
            expectError(result, exitCode: 65, mentions: ["\(corpus.path): 67108864 bytes is too large for a corpus"])
        }
    }

    // MARK: - A 100 MB line

    /// Through stdin: refused alone without being held, the lines around it processed as if it were empty.
    @Test(arguments: StreamCommand.allCases)
    func hundredMegabyteLineIsRefusedAlone(command: StreamCommand) throws {
        try withTemporaryDirectory { folder in
            let arguments = command.arguments(checkpoint: try writeTinyCheckpoint(in: folder))
            var input = Data("a b\n".utf8)
            input.append(Data(repeating: UInt8(ascii: "a"), count: 100_000_000))
            input.append(Data("\nd e\n".utf8))
            let expected = try runSeq2Seq(arguments, stdin: Data("a b\n\nd e\n".utf8))
            let result = try runUnderMemoryLimit(arguments, stdin: input)
            #expect(!result.terminatedBySignal && !result.timedOut)
            #expect(result.exitCode == 65, "\(result.stderr)")
            #expect(result.stdout == expected.stdout && lines(of: result.stdout).count == 3)
            #expect(result.stderrLines == ["Error: <stdin>:2: the line has 100000000 bytes, more than the limit of 1048576",
                                           "Error: <stdin>: 1 line was refused; its output line is empty"])
        }
    }

    /// In a corpus: an error naming file:line and the byte count.
    @Test(arguments: ["score", "eval"])
    func hundredMegabyteLineInACorpusIsAnError(command: String) throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let corpus = folder.appendingPathComponent("pairs.tsv").path
            var bytes = Data("a b\tx y\n".utf8)
            bytes.append(Data(repeating: UInt8(ascii: "a"), count: 100_000_000))
            bytes.append(Data("\tx\n".utf8))
            try bytes.write(to: URL(fileURLWithPath: corpus))
            // 4 GB: the 100 MB file is then well within what a corpus may take (about 1/27 of it), so it is read.
            let result = try runUnderMemoryLimit([command, "--checkpoint", checkpoint, "--corpus", corpus], kilobytes: 4_000_000)
            expectError(result, exitCode: 65, mentions: ["\(corpus):2: the line has 100000002 bytes, more than the limit of 1048576"])
        }
    }
}
