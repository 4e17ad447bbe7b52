// InteractiveTranslateTests.swift — `translate` answers each line as soon as no further input is waiting: through the
// built binary, with its standard input a pipe held open, a line written is translated and its answer read back
// before the next line is written and before the pipe is closed. The answers are those of an ordinary run on the
// same lines; empty input, and a last line without a line end, behave as in a file. No clock is asserted: the only
// time limit is a generous guard that ends a hang.

import Foundation
import Seq2SeqCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `seq2seq` process whose standard input is a pipe the test writes to line by line.
private final class OpenPipeRun {
    let process = Process()
    private let input = Pipe(), output = Pipe(), errors = Pipe()
    private let errorText = DataBox()
    private let errorsDrained = DispatchGroup()
    /// Bytes of stdout read but not yet handed out as lines.
    private var pending: [UInt8] = []

    init(_ arguments: [String]) throws {
        _ = ignoreBrokenPipes
        process.executableURL = seq2seqBinary
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let reader = errors.fileHandleForReading, box = errorText
        errorsDrained.enter()
        Thread { [errorsDrained] in
            box.set(reader.readDataToEndOfFile())
            errorsDrained.leave()
        }.start()
    }

    func write(_ text: String) { write(Data(text.utf8)) }

    func write(_ bytes: Data) { writeAll(bytes, to: input.fileHandleForWriting.fileDescriptor) }

    func closeInput() { input.fileHandleForWriting.closeFile() }

    /// The next `count` lines of stdout (without their line ends), waiting for them at most `guardSeconds`;
    /// nil when the output ended first or the guard ran out (a hang).
    func readLines(_ count: Int, guardSeconds: Double = 120) -> [String]? {
        let deadline = Date().addingTimeInterval(guardSeconds)
        let descriptor = output.fileHandleForReading.fileDescriptor
        while pending.filter({ $0 == 0x0A }).count < count {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return nil }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, Int32(min(left, 1) * 1000)) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let got = read(descriptor, &buffer, buffer.count)
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { return nil }
            pending += buffer[0..<got]
        }
        var lines: [String] = []
        for _ in 0..<count {
            let end = pending.firstIndex(of: 0x0A)!
            lines.append(String(decoding: pending[..<end], as: UTF8.self))
            pending.removeSubrange(...end)
        }
        return lines
    }

    /// Closes stdin if still open, waits for the exit (ending a hang after `guardSeconds`) and returns what was left
    /// on stdout, stderr and the exit status.
    func finish(guardSeconds: Double = 120) -> (stdout: String, stderr: String, exitCode: Int32, hung: Bool) {
        closeInput()
        let rest = output.fileHandleForReading.readDataToEndOfFile()    // end of file: the process closed stdout
        let exited = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { [process] in
            process.waitUntilExit()
            exited.signal()
        }
        var hung = false
        if exited.wait(timeout: .now() + guardSeconds) == .timedOut {
            hung = true
            process.terminate()
            exited.wait()
        }
        _ = errorsDrained.wait(timeout: .now() + 10)
        return (String(decoding: pending + rest, as: UTF8.self), String(decoding: errorText.get(), as: UTF8.self),
                process.terminationStatus, hung)
    }
}

@Suite struct InteractiveTranslateTests {
    static let lines = ["a c e b d", "b", "d e c"]

    /// What an ordinary run prints for `lines`, one output line per input line.
    static func batchOutput(_ arguments: [String]) throws -> [String] {
        let result = try runSeq2Seq(arguments, stdin: Data(lines.map { $0 + "\n" }.joined().utf8))
        expectSuccess(result)
        return result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test(arguments: [[String](), ["--beam", "3"]])
    func answersEachLineWhileTheInputIsStillOpen(extra: [String]) throws {
        try withTemporaryDirectory { folder in
            let arguments = ["translate", "--checkpoint", try writeTinyCheckpoint(in: folder)] + extra
            let expected = try Self.batchOutput(arguments)
            #expect(expected.count == Self.lines.count)
            let run = try OpenPipeRun(arguments)
            // One line, its answer read back with the pipe still open; then the next.
            run.write(Self.lines[0] + "\n")
            #expect(run.readLines(1) == [expected[0]])
            run.write(Self.lines[1] + "\n")
            #expect(run.readLines(1) == [expected[1]])
            // Two lines at once (an empty one between): answered together, in order.
            run.write("\n" + Self.lines[2] + "\n")
            #expect(run.readLines(2) == ["", expected[2]])
            let end = run.finish()
            #expect(!end.hung && end.exitCode == 0, "exit \(end.exitCode): \(end.stderr)")
            #expect(end.stdout.isEmpty && end.stderr.isEmpty, "stdout: \(end.stdout) stderr: \(end.stderr)")
        }
    }

    /// A pipe held open and closed without a byte: empty output, exit 0. A last line without a line end is
    /// translated when the pipe closes.
    @Test func emptyInputAndALastLineWithoutItsEnd() throws {
        try withTemporaryDirectory { folder in
            let arguments = ["translate", "--checkpoint", try writeTinyCheckpoint(in: folder)]
            let empty = try OpenPipeRun(arguments).finish()
            #expect(!empty.hung && empty.exitCode == 0 && empty.stdout.isEmpty && empty.stderr.isEmpty,
                    "exit \(empty.exitCode) stdout: \(empty.stdout) stderr: \(empty.stderr)")

            let expected = try Self.batchOutput(arguments)
            let run = try OpenPipeRun(arguments)
            run.write(Self.lines[0] + "\n")
            #expect(run.readLines(1) == [expected[0]])
            run.write(Self.lines[1])
            let end = run.finish()
            #expect(!end.hung && end.exitCode == 0, "exit \(end.exitCode): \(end.stderr)")
            #expect(end.stdout == expected[1] + "\n")
        }
    }

    /// A refused line (not UTF-8) is reported at once, its output line left empty, and the session goes on.
    @Test func aRefusedLineIsAnsweredAtOnceToo() throws {
        try withTemporaryDirectory { folder in
            let arguments = ["translate", "--checkpoint", try writeTinyCheckpoint(in: folder)]
            let expected = try Self.batchOutput(arguments)
            let run = try OpenPipeRun(arguments)
            run.write(Data([0x61, 0xFF, 0x0A]))
            #expect(run.readLines(1) == [""])
            run.write(Self.lines[0] + "\n")
            #expect(run.readLines(1) == [expected[0]])
            let end = run.finish()
            #expect(!end.hung && end.exitCode == 65)
            #expect(end.stderr.contains("<stdin>:1: invalid UTF-8"), "\(end.stderr)")
        }
    }
}
