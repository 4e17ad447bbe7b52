// Errors.swift — every failure a user can cause, as one typed error whose description is a single line naming the
// file (and line) or the problem. The library never names a command-line flag: the executable maps the errors a flag
// can fix to that flag and its hint, prints the line and exits non-zero.

import Foundation

/// Every error the library throws; `description` is the one line the command prints.
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
    /// A command-line flag is unknown, lacks its value, or has a value out of range (thrown by the command line only).
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
    /// No training pair of `path` has at most `limit` tokens on both sides, so there is nothing to train on.
    case noPairWithinLength(path: String, limit: Int)
    /// A training step or a validation would need more memory (`needed` bytes) than the process may use.
    case trainingExceedsMemory(TrainingJob, needed: Double, budget: Double)
    /// A split of `path` (`pairs` pairs, `sources` distinct source sentences) that whole groups of a source's pairs
    /// cannot make.
    case impossibleSplit(path: String, pairs: Int, sources: Int, problem: SplitProblem)
    /// An output that is the same file as one of the inputs (`input`), which it would overwrite.
    case outputIsInput(output: String, input: String)
    /// Averaging was given fewer than two checkpoints.
    case tooFewCheckpoints(count: Int)

    /// The one-line message the command prints on stderr, naming the file (and line) or the value concerned.
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
            return "training stopped at step \(step): \(steps) steps in a row had a non-finite loss or gradient (none was applied; the state before them is saved)"
        case let .noFiniteValidation(step, state):
            return "training stopped at step \(step) without a validation whose dev loss was finite, so no checkpoint was kept (the state is saved in \(state))"
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
        case let .noPairWithinLength(path, limit): return "no training pair of \(path) is within \(limit) tokens"
        case let .trainingExceedsMemory(job, needed, budget):
            return String(format: "%@ needs about %.1f GB (%@) but this process may use %.1f GB", job.name, needed / 1e9, job.sizes, budget / 1e9)
        case let .impossibleSplit(path, pairs, sources, problem):
            return "\(problem.description): \(path) has \(pairs) pairs with \(sources) distinct source sentences"
        case let .outputIsInput(output, input): return "\(output): is the input \(input); refusing to overwrite it"
        case let .tooFewCheckpoints(count): return "averaging needs at least two checkpoints, got \(count)"
        case let .refusedLines(path, count):
            return "\(path): \(count) line\(count == 1 ? " was" : "s were") refused; \(count == 1 ? "its output line is" : "their output lines are") empty"
        }
    }
}

/// What would need more memory than the process may use while training (`Seq2SeqError.trainingExceedsMemory`).
public enum TrainingJob: Equatable, Sendable {
    /// One training step: a batch of `batchSize` pairs of up to `sourceLength` and `targetLength` tokens.
    case step(batchSize: Int, sourceLength: Int, targetLength: Int)
    /// A validation over dev pairs of up to `sourceLength` and `targetLength` tokens.
    case validation(sourceLength: Int, targetLength: Int)

    var name: String {
        switch self {
        case .step: "a training step"
        case .validation: "validating"
        }
    }

    var sizes: String {
        switch self {
        case let .step(batch, source, target): "batch of \(batch) pairs, up to \(source) source and \(target) target tokens"
        case let .validation(source, target): "dev pairs of up to \(source) source and \(target) target tokens"
        }
    }
}

/// Why a corpus split cannot be made (`Seq2SeqError.impossibleSplit`).
public enum SplitProblem: Equatable, Sendable, CustomStringConvertible {
    /// Every source sentence has more translations than the test split's size.
    case testTooSmall
    /// Every source sentence left after the test split has more translations than the dev split's size.
    case devTooSmall
    /// The dev and test splits (the test split of `testSize` pairs) take every pair.
    case nothingLeftForTrain(testSize: Int)

    /// Why the split fails, in words, for `Seq2SeqError.description`.
    public var description: String {
        switch self {
        case .testTooSmall: "the test split is smaller than the translations of any source sentence"
        case .devTooSmall: "the dev split is smaller than the translations of any source sentence left"
        case .nothingLeftForTrain: "the dev and test splits leave no pairs for train"
        }
    }
}
