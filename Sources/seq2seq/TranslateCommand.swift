// TranslateCommand.swift — `seq2seq translate`: source sentences from stdin or --input, one translation a line on
// stdout, line for line (an empty line gives an empty line; an over-long line is refused on stderr). [8] → [9]

import Foundation
import Seq2SeqCore

enum TranslateCommand {
    static let info = CommandInfo(
        name: "translate",
        abstract: "Translate source sentences, one a line, from standard input (or --input) to standard output.",
        usage: "seq2seq translate --checkpoint FILE [--input FILE] [--batch-size N]",
        options: [
            OptionInfo(name: "--checkpoint", valueName: "file", help: "A checkpoint written by `seq2seq train`."),
            OptionInfo(name: "--input", valueName: "file", help: "Read sentences from this file instead of standard input."),
            OptionInfo(name: "--batch-size", valueName: "n", help: "Sentences decoded together (greedy). (default: 64)"),
            OptionInfo(name: "--threads", valueName: "n", help: "Threads sharing the work. (default: all cores)"),
        ],
        discussion: "Output has exactly one line per input line. Lines longer than the checkpoint's maximum length are refused with a message on stderr and left empty; the exit code is then 65.")

    static func run(_ arguments: Arguments) throws {
        let translator = try makeTranslator(arguments)
        let input = try InputSentences(arguments)
        try translateAll(input, translator) { result, _ in Output.line(result?.text ?? "") }
    }

    static func makeTranslator(_ arguments: Arguments) throws -> Translator {
        if arguments.command.options.contains(where: { $0.name == "--threads" }) {
            WorkerPool.shared.setThreads(try arguments.int("--threads", default: ProcessInfo.processInfo.activeProcessorCount, in: 1...256))
        }
        let checkpoint = try Checkpoint.load(path: try arguments.requiredString("--checkpoint"))
        return Translator(checkpoint: checkpoint, batchSize: try arguments.int("--batch-size", default: 64, in: 1...65_536))
    }

    /// Translates every line in chunks, calling `emit` once per input line in order (nil for an empty or refused
    /// line). Reports unknown tokens, and throws `refusedLines` at the end if any line was too long.
    static func translateAll(_ input: InputSentences, _ translator: Translator,
                             emit: (TranslationResult?, NumberedLine) throws -> Void) throws {
        let limit = translator.checkpoint.config.maxSourceLength
        var refused = 0, unknown = 0
        for start in stride(from: 0, to: input.lines.count, by: 1024) {
            let chunk = input.lines[start ..< min(start + 1024, input.lines.count)]
            var accepted: [NumberedLine] = []
            for line in chunk where !line.text.allSatisfy(\.isWhitespace) {
                let length = translator.tokenizer.tokenize(line.text).count
                if length > limit {
                    Output.error("Error: \(Seq2SeqError.inputTooLong(path: input.name, line: line.number, length: length, limit: limit))")
                    refused += 1
                } else {
                    accepted.append(line)
                }
            }
            let results = translator.translate(accepted.map(\.text))
            var byLine: [Int: TranslationResult] = [:]
            for (line, result) in zip(accepted, results) {
                byLine[line.number] = result
                unknown += result.unknownSourceTokens
            }
            for line in chunk { try emit(byLine[line.number], line) }
        }
        if unknown > 0 { Output.error("note: \(unknown) source token\(unknown == 1 ? " was" : "s were") not in the vocabulary and read as <unk>") }
        if refused > 0 { throw Seq2SeqError.refusedLines(path: input.name, count: refused) }
    }
}

/// The sentences to translate: the lines of --input, or of standard input (named "<stdin>" in messages).
struct InputSentences {
    let name: String
    let lines: [NumberedLine]

    init(_ arguments: Arguments) throws {
        if let path = arguments.string("--input") {
            name = path
            lines = try Corpus.readLines(path: path)
        } else {
            name = "<stdin>"
            lines = try Corpus.decodeLines(bytes: [UInt8](FileHandle.standardInput.readDataToEndOfFile()), path: name)
        }
    }
}
