// RunCommand.swift — runs the built `seq2seq` binary as a user would (arguments, optional stdin, a timeout) and
// returns stdout, stderr and the exit code kept apart. Both pipes are drained while the process runs, so a large
// output cannot fill a pipe and deadlock. Modelled on argument-parser's AssertExecuteCommand, minus its two flaws.

import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one run of the binary produced.
struct CommandResult {
    let stdoutData: Data
    let stderrData: Data
    /// The exit status, or the signal number when `terminatedBySignal` (a crash, or the timeout's SIGTERM).
    let exitCode: Int32
    let terminatedBySignal: Bool
    let timedOut: Bool

    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    var stderr: String { String(decoding: stderrData, as: UTF8.self) }
    /// The lines of stderr, without their line ends (a final line end does not start another line).
    var stderrLines: [Substring] {
        var lines = stderr.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

enum RunCommandError: Error, CustomStringConvertible {
    case binaryMissing(String)
    var description: String {
        switch self {
        case let .binaryMissing(path): return "the seq2seq binary is not at \(path); build it with `swift build`"
        }
    }
}

/// The built executable: on Linux `Bundle.main` is the build folder (.build/<triple>/debug); on macOS the tests
/// run inside `Seq2SeqPackageTests.xctest`, which sits in that folder (argument-parser's `debugURL`).
let seq2seqBinary: URL = {
    #if os(macOS)
    let bundle = Bundle(for: BundleLocator.self).bundleURL
    let folder = bundle.pathExtension == "xctest" ? bundle.deletingLastPathComponent() : bundle
    #else
    let folder = Bundle.main.bundleURL
    #endif
    return folder.appendingPathComponent("seq2seq")
}()

#if os(macOS)
private final class BundleLocator {}
#endif

/// A child that exits before reading all of its stdin must not kill the test process with SIGPIPE.
let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

/// Runs `seq2seq arguments…`; `stdin` nil means /dev/null. After `timeout` seconds the process gets SIGTERM and
/// the result says `timedOut`: a bound that only ends a hang, generous so that a busy machine never fails a test.
func runSeq2Seq(_ arguments: [String], stdin: Data? = nil, timeout: TimeInterval = 120,
                currentDirectory: URL? = nil) throws -> CommandResult {
    guard FileManager.default.isExecutableFile(atPath: seq2seqBinary.path) else {
        throw RunCommandError.binaryMissing(seq2seqBinary.path)
    }
    return try runProgram(seq2seqBinary, arguments, stdin: stdin, timeout: timeout, currentDirectory: currentDirectory)
}

/// Runs `script` with `shell -c`, the binary as its `$0` and `arguments` as `$1…` (so `exec "$0" "$@"` runs
/// seq2seq): for what only a shell sets up, such as a closed stdin (`<&-`), `> /dev/full`, `ulimit -v` or `<(…)`.
func runThroughShell(_ script: String, _ arguments: [String] = [], shell: String = "/bin/sh", stdin: Data? = nil,
                     timeout: TimeInterval = 120) throws -> CommandResult {
    guard FileManager.default.isExecutableFile(atPath: seq2seqBinary.path) else {
        throw RunCommandError.binaryMissing(seq2seqBinary.path)
    }
    return try runProgram(URL(fileURLWithPath: shell), ["-c", script, seq2seqBinary.path] + arguments, stdin: stdin, timeout: timeout)
}

/// Runs `executable arguments…` as `runSeq2Seq` describes. With `closedStandardOutput`, stdout is a pipe whose
/// reading end is closed before the child starts, so every write to it fails (SIGPIPE, or EPIPE where it is ignored).
func runProgram(_ executable: URL, _ arguments: [String], stdin: Data? = nil, timeout: TimeInterval = 120,
                currentDirectory: URL? = nil, closedStandardOutput: Bool = false) throws -> CommandResult {
    _ = ignoreBrokenPipes
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let outputPipe = Pipe(), errorPipe = Pipe()
    process.standardOutput = outputPipe
    process.standardError = errorPipe
    let inputPipe = stdin.map { _ in Pipe() }
    process.standardInput = inputPipe ?? FileHandle.nullDevice
    if closedStandardOutput { outputPipe.fileHandleForReading.closeFile() }

    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    let drained = DispatchGroup()
    let output = DataBox(), error = DataBox()
    try process.run()

    // One thread per pipe reads to end-of-file while the child runs; a third feeds stdin and closes it.
    // (The threads capture only FileHandles, which are Sendable, never the Pipes.)
    let readers = closedStandardOutput ? [(errorPipe.fileHandleForReading, error)]
        : [(outputPipe.fileHandleForReading, output), (errorPipe.fileHandleForReading, error)]
    for (reader, box) in readers {
        drained.enter()
        Thread {
            box.set(reader.readDataToEndOfFile())
            drained.leave()
        }.start()
    }
    if let writer = inputPipe?.fileHandleForWriting, let stdin {
        Thread {
            writeAll(stdin, to: writer.fileDescriptor)
            writer.closeFile()
        }.start()
    }

    var timedOut = false
    if exited.wait(timeout: .now() + timeout) == .timedOut {
        timedOut = true
        process.terminate()
        exited.wait()
    }
    // The pipes reach end-of-file when the child exits, unless something it started still holds them.
    if drained.wait(timeout: .now() + 10) == .timedOut { timedOut = true }
    return CommandResult(stdoutData: output.get(), stderrData: error.get(), exitCode: process.terminationStatus,
                         terminatedBySignal: process.terminationReason == .uncaughtSignal, timedOut: timedOut)
}

/// Writes all of `data` with write(2); stops quietly at an error such as EPIPE (the child quit without reading).
/// Plain POSIX, so it needs no macOS-version check (FileHandle's throwing `write(contentsOf:)` is 10.15.4+).
func writeAll(_ data: Data, to descriptor: Int32) {
    data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
        var offset = 0
        while offset < buffer.count {
            let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}

/// Data handed from a reader thread to the test, under a lock.
final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) {
        lock.lock()
        defer { lock.unlock() }
        data = value
    }
    func get() -> Data {
        lock.lock()
        defer { lock.unlock() }
        return data
    }
}

// MARK: - Expectations

/// A failed run as SPEC §3 wants it: the exit code, nothing on stdout, exactly one stderr line "Error: …" that
/// contains each of `mentions` (the flag, the file, the line).
func expectError(_ result: CommandResult, exitCode: Int32, mentions: [String],
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!result.terminatedBySignal && !result.timedOut, "crashed or hung: \(result.stderr)",
            sourceLocation: sourceLocation)
    #expect(result.exitCode == exitCode, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, "stdout: \(result.stdout)", sourceLocation: sourceLocation)
    #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("Error: ") && result.stderr.hasSuffix("\n"), "stderr: \(result.stderr)",
            sourceLocation: sourceLocation)
    for text in mentions {
        #expect(result.stderr.contains(text), "stderr does not mention \(text): \(result.stderr)",
                sourceLocation: sourceLocation)
    }
}

/// A successful run: exit code 0, no crash, no timeout.
func expectSuccess(_ result: CommandResult, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!result.terminatedBySignal && !result.timedOut && result.exitCode == 0,
            "exit \(result.exitCode), stderr: \(result.stderr)", sourceLocation: sourceLocation)
}

// MARK: - Temporary folders

/// A fresh empty folder for one test, removed afterwards whatever happens.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("seq2seq-cli-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try body(folder)
}
