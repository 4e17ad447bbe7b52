// Output.swift — everything the executable writes: results on stdout, messages and progress on stderr, files;
// whether a stream is a terminal; and the exit codes (BSD sysexits.h, as argument-parser uses them), with the
// one mapping from Seq2SeqError to an exit code.

import Foundation
import Seq2SeqCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `seq2seq` ends. The top-level help lists these, so the meaning lives beside the number.
enum ExitCode: Int32, CaseIterable {
    case success = 0
    case failure = 1
    case usage = 64          // EX_USAGE
    case dataError = 65      // EX_DATAERR
    case noInput = 66        // EX_NOINPUT
    case cannotCreate = 73   // EX_CANTCREAT
    case ioError = 74        // EX_IOERR
    case diverged = 75       // training stopped on non-finite numbers (EX_TEMPFAIL: try again with other settings)
    case interrupted = 130   // 128 + SIGINT, as shells report it

    var meaning: String {
        switch self {
        case .success: return "Success."
        case .failure: return "Any other failure."
        case .usage: return "Usage error: unknown subcommand or option, missing or invalid value, flags whose job would not fit in memory."
        case .dataError: return "Bad data: malformed or empty input file, corrupt, wrong or mismatched checkpoint or resume state, input too long or too large, a model whose outputs are not finite."
        case .noInput: return "An input file is missing, cannot be read, or is a special file (a FIFO, a device, a socket)."
        case .cannotCreate: return "An output file or folder cannot be created: unwritable, a folder, one of the inputs, a training run already there or in progress."
        case .ioError: return "Writing the output failed (a full disk, a closed pipe): it is incomplete."
        case .diverged: return "Training stopped: too many steps in a row had a non-finite loss or gradient, or no validation was finite (the state is saved)."
        case .interrupted: return "Training was interrupted (Ctrl-C or SIGTERM); its state is saved for --resume."
        }
    }
}

extension Seq2SeqError {
    /// The one place that decides how each kind of failure ends the process.
    var exitCode: ExitCode {
        switch self {
        case .invalidOption, .invalidConfiguration, .noPairWithinLength, .trainingExceedsMemory, .impossibleSplit, .outputIsInput,
             .tooFewCheckpoints:
            return .usage
        case .malformedLine, .emptyFile, .inputTooLong, .lineTooLong, .invalidCheckpoint, .incompatibleCheckpoints, .refusedLines,
             .inputTooLarge, .exceedsMemory, .nonFiniteOutput, .resumeMismatch:
            return .dataError
        case .unreadableFile: return .noInput
        case .unwritableFile, .runInProgress: return .cannotCreate
        case .outputFailed: return .ioError
        case .trainingDiverged, .noFiniteValidation: return .diverged
        }
    }
}

/// Writes to the standard streams. Stdout is buffered here (fast for many lines; a terminal gets each line at once)
/// and written with write(2), so that a failed write is known with its reason (stdio's `ferror` says only that one
/// failed): the first failure is kept, nothing more is written, and `checkedFlush()` or `finish` turn it into exit 74.
/// SIGPIPE keeps its default, so a reader that closes the pipe ends the process quietly, as it ends every filter;
/// only where SIGPIPE is ignored does a closed pipe come back as a failed write (EPIPE). Stderr is written unbuffered,
/// so messages appear at once.
enum Output {
    static let standardOutputIsTerminal = isatty(STDOUT_FILENO) == 1
    static let standardErrorIsTerminal = isatty(STDERR_FILENO) == 1

    /// Stdout's bytes not yet written, and the errno of the first write that failed.
    private struct PendingOutput {
        var bytes: [UInt8] = []
        var failure: Int32? = nil
    }
    private static let standardOutput = Mutex(PendingOutput())
    /// Bytes kept before they are written: few system calls, and little held back from a reader.
    private static let bufferSize = 1 << 16

    /// One line of results on stdout.
    static func line(_ text: String) {
        raw(text + "\n")
    }

    /// Text on stdout exactly as given (no line end added).
    static func raw(_ text: String) {
        standardOutput.withLock { output in
            guard output.failure == nil else { return }
            output.bytes.append(contentsOf: text.utf8)
            if output.bytes.count >= bufferSize || standardOutputIsTerminal { writePending(&output) }
        }
    }

    /// Pushes buffered stdout to its destination now (for a reader waiting on a pipe); a failure is kept for later.
    static func flush() {
        standardOutput.withLock { writePending(&$0) }
    }

    /// Flushes stdout and throws `.outputFailed` if any write to it has failed: the output is incomplete.
    static func checkedFlush() throws {
        flush()
        if let failure = standardOutput.withLock({ $0.failure }) {
            throw Seq2SeqError.outputFailed(path: "<stdout>", reason: String(cString: strerror(failure)))
        }
    }

    private static func writePending(_ output: inout PendingOutput) {
        // Started with stdout closed (`>&-`): it points at /dev/null, and results written there would be lost.
        if !output.bytes.isEmpty && InputFile.standardOutputWasClosed { output.failure = EBADF }
        var written = 0
        while written < output.bytes.count && output.failure == nil {
            let count = output.bytes.withUnsafeBytes { bytes in
                bytes.baseAddress.map { write(STDOUT_FILENO, $0 + written, bytes.count - written) } ?? 0
            }
            if count >= 0 {
                written += count
            } else if errno != EINTR {
                output.failure = errno
            }
        }
        output.bytes.removeAll(keepingCapacity: true)
    }

    /// One line of messages (progress, summaries, warnings) on stderr.
    static func error(_ text: String) {
        errorRaw(text + "\n")
    }

    /// Text on stderr exactly as given, e.g. "\r\u{1B}[K…" to rewrite a live progress line on a terminal.
    static func errorRaw(_ text: String) {
        flush()                                   // keep stdout and stderr in the order they were written
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written > 0 {
                bytes = bytes.dropFirst(written)
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return                                // stderr is closed: nowhere left to report
            }
        }
    }

    /// Writes a whole text file atomically (temporary file, then rename); failure → `.unwritableFile`.
    static func writeFile(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw Seq2SeqError.unwritableFile(path: path, reason: oneLine(error.localizedDescription))
        }
    }

    /// The one line a command says on stderr about a file (or folder) it wrote: "<command>: wrote <what> to <path>".
    static func wrote(_ what: String, to path: String, command: String) {
        error("\(command): wrote \(what) to \(path)")
    }

    /// "1 line", "3 lines": a count and its noun, for the messages.
    static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }

    /// Makes the folder that will hold `path` (and its parents) if it does not exist yet.
    static func createParentFolder(of path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw Seq2SeqError.unwritableFile(path: folder.path, reason: oneLine(error.localizedDescription))
        }
    }

    /// Prints "Error: <message>" as one line on stderr and ends the process with `code`.
    static func fail(_ message: String, code: ExitCode) -> Never {
        error("Error: " + oneLine(message))
        finish(code)
    }

    /// Flushes stdout and ends the process; if writing stdout failed, the output is incomplete, which is said on
    /// stderr (once) and ends the process with `ioError` whatever else happened.
    static func finish(_ code: ExitCode) -> Never {
        do {
            try checkedFlush()
        } catch {
            if code != .ioError { Self.error("Error: \(error)") }
            exit(ExitCode.ioError.rawValue)
        }
        exit(code.rawValue)
    }

    /// Line breaks (and other vertical whitespace) become spaces, so a message stays one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// A command's result lines: on standard output, or (`--output FILE`) streamed into a temporary file beside FILE
/// that `finish` renames into place, so FILE is never half-written and memory stays bounded whatever the count.
final class ResultLines {
    private let file: AtomicFileWriter?
    private(set) var count = 0

    /// `output` nil means standard output; a file must not be one of `inputs` (refused naming `outputFlag`, exit 64).
    init(output: String?, outputFlag: String, inputs: [String]) throws {
        if let output { try refuseOverwriting(inputs: inputs, with: output, flag: outputFlag) }
        file = try output.map { try AtomicFileWriter(path: $0) }
    }

    func line(_ text: String) throws {
        count += 1
        guard let file else { return Output.line(text) }
        try file.append(Array((text + "\n").utf8))
    }

    /// Puts the file in place and says so on stderr, one line: "translate: wrote 3 lines to out.txt".
    func finish(command: String) throws {
        guard let file else { return }
        try file.commit()
        Output.wrote(Output.count(count, "line"), to: file.path, command: command)
    }
}
