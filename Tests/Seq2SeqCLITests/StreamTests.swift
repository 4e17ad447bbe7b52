// StreamTests.swift — the commands behave as Unix filters (SPEC §3), through the built binary: empty input is empty
// output; a line that is not UTF-8 costs that line only; a closed or unreadable stdin is one line and exit 66; a
// failed write to stdout is one line and exit 74 (a closed pipe under default SIGPIPE ends the process quietly);
// "-", /dev/stdin and process substitution are read wherever a file is, and a FIFO is refused without blocking.

import Foundation
import Seq2SeqCore
import Testing

/// The commands that read sentences from stdin or --input.
enum StreamCommand: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case translate, attention, inspect

    var testDescription: String { rawValue }

    func arguments(checkpoint: String) -> [String] {
        switch self {
        case .translate: return ["translate", "--checkpoint", checkpoint]
        case .attention: return ["attention", "--checkpoint", checkpoint, "--format", "json"]
        case .inspect: return ["inspect", "--checkpoint", checkpoint]
        }
    }
}

/// Every command that reads an input file, with how it is named: translate, attention and inspect take sentences
/// (--input), score and eval take pairs (--corpus).
enum InputCommand: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case translate, attention, inspect, score, eval

    var testDescription: String { rawValue }

    var inputFlag: String { self == .score || self == .eval ? "--corpus" : "--input" }

    /// What it reads: two sentences, or the same two as pairs.
    var input: Data {
        Data((self == .score || self == .eval ? "a b\tx y\nd e c\tz\n" : "a b\nd e c\n").utf8)
    }

    func arguments(checkpoint: String) -> [String] {
        switch self {
        case .translate, .attention, .inspect: return StreamCommand(rawValue: rawValue)?.arguments(checkpoint: checkpoint) ?? []
        case .score: return ["score", "--checkpoint", checkpoint, "--json"]
        case .eval: return ["eval", "--checkpoint", checkpoint]
        }
    }
}

@Suite struct StreamTests {
    // MARK: - Empty input, a line that is not UTF-8

    @Test(arguments: StreamCommand.allCases)
    func emptyInputIsEmptyOutput(command: StreamCommand) throws {
        try withTemporaryDirectory { folder in
            let arguments = command.arguments(checkpoint: try writeTinyCheckpoint(in: folder))
            let empty = folder.appendingPathComponent("empty.txt").path
            try Data().write(to: URL(fileURLWithPath: empty))
            for result in [try runSeq2Seq(arguments, stdin: Data()),              // a pipe that closes at once
                           try runSeq2Seq(arguments),                            // /dev/null
                           try runSeq2Seq(arguments + ["--input", empty])] {
                expectSuccess(result)
                #expect(result.stdout.isEmpty && result.stderr.isEmpty, "stdout: \(result.stdout) stderr: \(result.stderr)")
            }
        }
    }

    /// Every way of showing something empty input could reach: pictures, tables, the unit view, the ranking.
    @Test func emptyInputIsEmptyOutputInEveryFormat() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            for extra in [["attention", "--format", "csv"], ["attention", "--format", "svg"], ["attention", "--format", "text"],
                          ["inspect", "--format", "svg"], ["inspect", "--unit", "1"], ["inspect", "--unit", "1", "--format", "svg"],
                          ["inspect", "--top", "3", "--feature", "position"]] {
                let result = try runSeq2Seq(extra + ["--checkpoint", checkpoint], stdin: Data())
                expectSuccess(result)
                #expect(result.stdout.isEmpty && result.stderr.isEmpty, "\(extra): \(result.stdout) \(result.stderr)")
            }
        }
    }

    /// Line 2 is not UTF-8: it is refused on stderr and left empty, lines 1 and 3 are processed, the exit code is 65.
    @Test(arguments: StreamCommand.allCases)
    func invalidUTF8LineIsRefusedAlone(command: StreamCommand) throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let arguments = command.arguments(checkpoint: checkpoint)
            let bytes = Data(Array("a b\nc ".utf8) + [0xE2, 0x28, 0xA1] + Array("\nd e\n".utf8))
            let good = try runSeq2Seq(arguments, stdin: Data("a b\n\nd e\n".utf8))     // the same with line 2 empty
            expectSuccess(good)
            let file = folder.appendingPathComponent("input.txt").path
            try bytes.write(to: URL(fileURLWithPath: file))
            for (result, name) in [(try runSeq2Seq(arguments, stdin: bytes), "<stdin>"),
                                   (try runSeq2Seq(arguments + ["--input", file]), file)] {
                #expect(!result.terminatedBySignal && !result.timedOut)
                #expect(result.exitCode == 65, "stderr: \(result.stderr)")
                #expect(lines(of: result.stdout).count == 3)
                #expect(result.stdout == good.stdout, "the other lines are processed as if line 2 were empty")
                #expect(result.stderrLines == ["Error: \(name):2: invalid UTF-8 at byte 3 of the line",
                                               "Error: \(name): 1 line was refused; its output line is empty"])
            }
        }
    }

    // MARK: - Standard input closed or unreadable (66)

    @Test(arguments: InputCommand.allCases)
    func closedStandardInputIsOneLine(command: InputCommand) throws {
        try withTemporaryDirectory { folder in
            let arguments = command.arguments(checkpoint: try writeTinyCheckpoint(in: folder))
            let named: [(extra: [String], name: String)] = command.inputFlag == "--corpus"
                ? [([command.inputFlag, "-"], "<stdin>"), ([command.inputFlag, "/dev/stdin"], "/dev/stdin")]
                : [([], "<stdin>"), ([command.inputFlag, "-"], "<stdin>"), ([command.inputFlag, "/dev/stdin"], "/dev/stdin")]
            for (extra, name) in named {
                let closed = try runThroughShell(#"exec "$0" "$@" <&-"#, arguments + extra)
                expectError(closed, exitCode: 66, mentions: ["\(name): cannot read: standard input is closed"])
                let folderAsInput = try runThroughShell(#"exec "$0" "$@" < /"#, arguments + extra)       // read(2) fails
                expectError(folderAsInput, exitCode: 66, mentions: ["\(name): cannot read:"])
            }
        }
    }

    // MARK: - Output that cannot be written (74)

    /// Stdout on a full disk (`> /dev/full`), or closed when the command starts (`>&-`, so the results would have
    /// nowhere to go): an output error with the system's reason, never exit 0.
    @Test(arguments: InputCommand.allCases)
    func unwritableStandardOutputIsAnOutputError(command: InputCommand) throws {
        var redirections = [(">&-", "Bad file descriptor")]
        if FileManager.default.fileExists(atPath: "/dev/full") { redirections.append(("> /dev/full", "No space left on device")) }
        try withTemporaryDirectory { folder in
            let arguments = command.arguments(checkpoint: try writeTinyCheckpoint(in: folder))
            let input = folder.appendingPathComponent("input").path
            try command.input.write(to: URL(fileURLWithPath: input))
            for (redirection, reason) in redirections {
                let result = try runThroughShell(#"exec "$0" "$@" "# + redirection, arguments + [command.inputFlag, input])
                expectError(result, exitCode: 74, mentions: ["<stdout>: cannot write: \(reason)"])
            }
        }
    }

    /// The test process ignores SIGPIPE and its children inherit that, so a closed pipe is a failed write (EPIPE).
    @Test(arguments: InputCommand.allCases)
    func closedPipeIsAnOutputErrorWhereSIGPIPEIsIgnored(command: InputCommand) throws {
        try withTemporaryDirectory { folder in
            let arguments = command.arguments(checkpoint: try writeTinyCheckpoint(in: folder))
            let result = try runProgram(seq2seqBinary, arguments + [command.inputFlag, "-"], stdin: command.input,
                                        closedStandardOutput: true)
            expectError(result, exitCode: 74, mentions: ["<stdout>: cannot write: Broken pipe"])
        }
    }

    /// Under SIGPIPE's default disposition a closed pipe ends the process by the signal, with nothing on stderr.
    @Test func closedPipeUnderDefaultSIGPIPEEndsQuietly() throws {
        try withTemporaryDirectory { folder in
            let arguments = StreamCommand.translate.arguments(checkpoint: try writeTinyCheckpoint(in: folder))
            let result = try runProgram(URL(fileURLWithPath: "/usr/bin/env"), ["--default-signal=PIPE", seq2seqBinary.path] + arguments,
                                        stdin: Data("a b\n".utf8), closedStandardOutput: true)
            #expect(result.terminatedBySignal && result.exitCode == SIGPIPE, "exit \(result.exitCode): \(result.stderr)")
            #expect(result.stderr.isEmpty)
        }
    }

    // MARK: - Streams named as files: /dev/stdin, process substitution; a FIFO refused

    /// `--input /dev/stdin` (`--corpus /dev/stdin`), `-` and `<(cat FILE)` give what FILE gives.
    @Test(arguments: InputCommand.allCases)
    func standardInputAndProcessSubstitutionAreFiles(command: InputCommand) throws {
        try withTemporaryDirectory { folder in
            let arguments = command.arguments(checkpoint: try writeTinyCheckpoint(in: folder))
            let file = folder.appendingPathComponent("input").path
            try command.input.write(to: URL(fileURLWithPath: file))
            let expected = try runSeq2Seq(arguments + [command.inputFlag, file])
            expectSuccess(expected)
            #expect(!expected.stdout.isEmpty)
            for name in ["/dev/stdin", "-"] {
                let result = try runSeq2Seq(arguments + [command.inputFlag, name], stdin: command.input)
                expectSuccess(result)
                #expect(result.stdout == expected.stdout, "\(name)")
            }
            let substituted = try runThroughShell(#"exec "$0" "$@" \#(command.inputFlag) <(cat "$INPUT")"#.replacingOccurrences(of: "$INPUT", with: file),
                                                  arguments, shell: "/bin/bash")
            expectSuccess(substituted)
            #expect(substituted.stdout == expected.stdout)
        }
    }

    @Test(arguments: InputCommand.allCases)
    func fifoIsRefusedWithoutBlocking(command: InputCommand) throws {
        try withTemporaryDirectory { folder in
            let arguments = command.arguments(checkpoint: try writeTinyCheckpoint(in: folder))
            let fifo = folder.appendingPathComponent("fifo").path
            #expect(mkfifo(fifo, 0o600) == 0)
            // Nobody ever writes to it: opening it for reading in the usual way would wait for ever.
            let result = try runSeq2Seq(arguments + [command.inputFlag, fifo])
            expectError(result, exitCode: 66, mentions: [fifo, "FIFO"])
        }
    }
}
