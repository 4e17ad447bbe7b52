// Errors.swift — every failure a user can cause, as one typed error whose description is a
// single line naming the file (and line) or the flag. The executable prints it and exits non-zero.

import Foundation

public enum Seq2SeqError: Error, Equatable, CustomStringConvertible {
    /// A file could not be opened or read at all (missing, a folder, no permission).
    case unreadableFile(path: String, reason: String)
    /// A file exists but holds nothing usable (zero bytes, or only blank lines).
    case emptyFile(path: String)
    /// A line of a corpus or input file is malformed; `line` counts from 1.
    case malformedLine(path: String, line: Int, reason: String)
    /// A checkpoint (or any safetensors file) is truncated, corrupt, of another format, or inconsistent.
    case invalidCheckpoint(path: String, reason: String)
    /// A file could not be written.
    case unwritableFile(path: String, reason: String)
    /// A checkpoint that cannot be averaged with `first` (another config or vocabulary).
    case incompatibleCheckpoints(path: String, first: String, reason: String)
    /// A command-line flag is unknown, lacks its value, or has a value out of range.
    case invalidOption(flag: String, reason: String)
    /// A configuration that cannot describe a model (for example a zero size).
    case invalidConfiguration(reason: String)
    /// An input sentence longer than the model accepts.
    case inputTooLong(path: String, line: Int, length: Int, limit: Int)
    /// An input line longer than the reader keeps (in bytes); refused without being read whole.
    case lineTooLong(path: String, line: Int, bytes: Int, limit: Int)
    /// Some input lines were refused (each already reported); their output lines are left empty.
    case refusedLines(path: String, count: Int)
    /// Training met this many steps in a row whose loss or gradient was not finite.
    case trainingDiverged(step: Int, steps: Int)
    /// Training ended without one validation whose dev numbers were finite, so no checkpoint was kept.
    case noFiniteValidation(step: Int, state: String)
    /// Another process (`pid`, when its lock says) is training into this checkpoint.
    case runInProgress(checkpoint: String, pid: Int32?)
    /// A resume state that does not belong with the corpus or checkpoint it is resumed with.
    case resumeMismatch(path: String, reason: String)
    /// An input holds more bytes than `limit`, what reading it as `what` ("a corpus") may take; refused unread.
    case inputTooLarge(path: String, bytes: Int, limit: Int, what: String)
    /// A job whose estimated memory (`needed` bytes) is more than the process may use (`MemoryBudget.bytes`);
    /// `subject` names the job and what makes it large, `remedy` what to change. Refused before the work starts.
    case exceedsMemory(subject: String, needed: Double, budget: Double, remedy: String)
    /// Writing results failed (a full disk, a closed pipe): the output is incomplete.
    case outputFailed(path: String, reason: String)
    /// The model computed a value that is not finite (its weights are finite but too large); nothing is printed.
    case nonFiniteOutput(path: String, what: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): return "\(path): cannot read: \(reason)"
        case let .emptyFile(path): return "\(path): the file is empty"
        case let .malformedLine(path, line, reason): return "\(path):\(line): \(reason)"
        case let .invalidCheckpoint(path, reason): return "\(path): not a valid checkpoint: \(reason)"
        case let .unwritableFile(path, reason): return "\(path): cannot write: \(reason)"
        case let .incompatibleCheckpoints(path, first, reason): return "\(path): cannot be averaged with \(first): \(reason)"
        case let .invalidOption(flag, reason): return "\(flag): \(reason)"
        case let .invalidConfiguration(reason): return "invalid configuration: \(reason)"
        case let .inputTooLong(path, line, length, limit):
            return "\(path):\(line): the sentence has \(length) tokens, more than the limit of \(limit)"
        case let .lineTooLong(path, line, bytes, limit):
            return "\(path):\(line): the line has \(bytes) bytes, more than the limit of \(limit)"
        case let .trainingDiverged(step, steps):
            return "training stopped at step \(step): \(steps) steps in a row had a non-finite loss or gradient (none was applied; the state before them is saved); try a lower --learning-rate or --clip-norm"
        case let .noFiniteValidation(step, state):
            return "training stopped at step \(step) without a validation whose dev loss was finite, so no checkpoint was kept (the state is saved in \(state)); try a lower --learning-rate or --clip-norm"
        case let .runInProgress(checkpoint, pid):
            return "\(checkpoint): another training run\(pid.map { " (process \($0))" } ?? "") is writing this checkpoint; wait for it to end, or choose another checkpoint"
        case let .resumeMismatch(path, reason): return "\(path): cannot resume: \(reason)"
        case let .inputTooLarge(path, bytes, limit, what):
            return "\(path): \(bytes) bytes is too large for \(what): at most \(limit) bytes can be read (about \(MemoryBudget.describe(Double(limit))) of the memory this process may use)"
        case let .exceedsMemory(subject, needed, budget, remedy):
            return "\(subject) needs about \(MemoryBudget.describe(needed)) of memory, more than the \(MemoryBudget.describe(budget)) this process may use; \(remedy)"
        case let .outputFailed(path, reason): return "\(path): cannot write: \(reason); the output is incomplete"
        case let .nonFiniteOutput(path, what):
            return "\(path): the model's \(what) are not finite (its weights are too large); refusing to print them"
        case let .refusedLines(path, count):
            return "\(path): \(count) line\(count == 1 ? " was" : "s were") refused; \(count == 1 ? "its output line is" : "their output lines are") empty"
        }
    }
}
