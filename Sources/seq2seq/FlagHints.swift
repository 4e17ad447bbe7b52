// FlagHints.swift — the library's errors that an option can fix, told on the command line: the library names the
// problem ("no training pair is within 3 tokens"), the command names the flag that changes it and how
// ("--max-length: no training pair of DIR/train.tsv is within 3 tokens"). The exit code stays the library error's.

import Seq2SeqCore

/// A library error whose message the command line completes with a hint naming the flags that would help.
struct HintedError: Error, CustomStringConvertible {
    let error: Seq2SeqError
    let hint: String

    var description: String { "\(error); \(hint)" }
}

/// Refuses an output that is one of the inputs (the same file, even under another name), naming the flag that gave it.
func refuseOverwriting(inputs: [String], with output: String, flag: String) throws {
    do {
        try checkOutput(output, isNotOneOf: inputs)
    } catch let Seq2SeqError.outputIsInput(_, input) {
        throw Seq2SeqError.invalidOption(flag: flag, reason: "is the input \(input); refusing to overwrite it")
    }
}

extension TrainCommand {
    /// `error` told with the training flags that would avoid it.
    static func namingFlags(_ error: Seq2SeqError) -> Error {
        let (maxLength, batchSize) = (Self.maxLength.name, Self.batchSize.name)
        switch error {
        case let .noPairWithinLength(path, limit):
            return Seq2SeqError.invalidOption(flag: maxLength, reason: "no training pair of \(path) is within \(limit) tokens")
        case let .trainingExceedsMemory(job, _, _):
            let remedy = switch job {
            case .step: "lower \(batchSize), \(maxLength) or the model sizes"
            case .validation: "lower \(maxLength) so that long dev pairs are left out"
            }
            return Seq2SeqError.invalidConfiguration(reason: "\(error); \(remedy)")
        case .trainingDiverged, .noFiniteValidation:
            return HintedError(error: error, hint: "try a lower \(Self.learningRate.name) or \(Self.clipNorm.name)")
        default:
            return error
        }
    }
}

extension CorpusCommand {
    /// A split that cannot be made, told with the size flag to change.
    static func namingFlags(_ error: Seq2SeqError) -> Error {
        guard case let .impossibleSplit(path, pairs, sources, problem) = error else { return error }
        let available = "\(path) has \(pairs) pairs with \(sources) distinct source sentences"
        switch problem {
        case .testTooSmall:
            return Seq2SeqError.invalidOption(flag: testSize.name, reason: "no source sentence has this few translations: \(available)")
        case .devTooSmall:
            return Seq2SeqError.invalidOption(flag: devSize.name, reason: "no source sentence left has this few translations: \(available)")
        case let .nothingLeftForTrain(size):
            return Seq2SeqError.invalidOption(
                flag: devSize.name, reason: "with \(testSize.name) \(size) leaves no pairs for train: \(available)")
        }
    }
}
