// TranslateCommand.swift — `seq2seq translate`: source sentences from stdin or --input, one translation a line on
// stdout, line for line (an empty line gives an empty line; an over-long line is refused on stderr). [8] → [9]

import Foundation
import Seq2SeqCore

enum TranslateCommand {
    static let info = CommandInfo(
        name: "translate",
        abstract: "Translate source sentences, one a line, from standard input (or --input) to standard output.",
        usage: "seq2seq translate --checkpoint FILE [--input FILE] [--beam K] [<options>]",
        options: [
            OptionInfo(name: "--checkpoint", valueName: "file", help: "A checkpoint written by `seq2seq train`."),
            OptionInfo(name: "--input", valueName: "file", help: "Read sentences from this file instead of standard input."),
            OptionInfo(name: "--batch-size", valueName: "n", help: "Sentences decoded together, grouped by length (with --beam K, up to K rows each); a sentence's translation does not depend on it. (default: 64)"),
            OptionInfo(name: "--beam", valueName: "k", help: "Beam search of width K instead of greedy decoding (1 = greedy). (default: 1)"),
            OptionInfo(name: "--length-penalty", valueName: "a", help: "α of the GNMT length penalty ((5+len)/6)^α that beam search ranks by. (default: 1)"),
            OptionInfo(name: "--n-best", valueName: "n", help: "Write the N best hypotheses of each line, one a line as score<TAB>translation (N ≤ K). (default: 1)"),
            replaceUnknownOption,
            noRepeatNgramOption,
            OptionInfo(name: "--threads", valueName: "n", help: "Threads sharing the work. (default: all cores)"),
        ],
        discussion: "Output has exactly one line per input line. Lines longer than the checkpoint's maximum length are refused with a message on stderr and left empty; the exit code is then 65.")

    /// Decoding options `attention` shares.
    static let replaceUnknownOption = OptionInfo(name: "--replace-unk", valueName: nil, help: "Replace each emitted <unk> by the source token with the highest attention weight at that step (OpenNMT's replace_unk; the </s> column is not a candidate).")
    static let noRepeatNgramOption = OptionInfo(name: "--no-repeat-ngram", valueName: "n", help: "Never emit an n-gram of N tokens twice in one translation (greedy and beam; fairseq's no_repeat_ngram_size); 0 turns it off. (default: 0)")

    static func run(_ arguments: Arguments) throws {
        let translator = try makeTranslator(arguments)
        let nBest = try arguments.int("--n-best", default: 1, in: 1...1000)
        if nBest > (translator.beam?.width ?? 1) {
            throw Seq2SeqError.invalidOption(flag: "--n-best", reason: "is \(nBest), more than the beam width \(translator.beam?.width ?? 1) (set --beam)")
        }
        // Read, translate and write 1,024 lines at a time: memory stays bounded whatever the input's size.
        let reader = try arguments.string("--input").map { try LineReader(path: $0) } ?? LineReader()
        let chunks = { try reader.next(1024) }
        if nBest == 1 {
            try translateAll(chunks, name: reader.path, translator) { result, _ in Output.line(result?.text ?? "") }
            return
        }
        // N lines per input line: score<TAB>translation, best first (empty or refused lines give N empty lines).
        try translateAll(chunks, name: reader.path, translator, decode: translator.nBest(encoded:)) { list, _ in
            let list = list ?? []
            for n in 0..<nBest {
                Output.line(n < list.count ? String(format: "%.6f\t", list[n].score) + list[n].result.text : "")
            }
        }
    }

    static func makeTranslator(_ arguments: Arguments) throws -> Translator {
        if arguments.command.options.contains(where: { $0.name == "--threads" }) {
            WorkerPool.shared.setThreads(try arguments.int("--threads", default: ProcessInfo.processInfo.activeProcessorCount, in: 1...256))
        }
        let batchSize = try arguments.int("--batch-size", default: 64, in: 1...65_536)
        var beam: BeamOptions? = nil
        if arguments.command.options.contains(where: { $0.name == "--beam" }) {
            let width = try arguments.int("--beam", default: 1, in: 1...1000)
            let penalty = Double(try arguments.float("--length-penalty", default: 1, in: 0...10))
            let nBest = arguments.command.options.contains(where: { $0.name == "--n-best" }) ? try arguments.int("--n-best", default: 1, in: 1...1000) : 1
            if width > 1 { beam = BeamOptions(width: width, lengthPenalty: penalty, nBest: min(nBest, width)) }
        }
        let declares = { (name: String) in arguments.command.options.contains { $0.name == name } }
        let noRepeatNgram = declares("--no-repeat-ngram") ? try arguments.int("--no-repeat-ngram", default: 0, in: 0...1000) : 0
        let replaceUnknown = declares("--replace-unk") && arguments.flag("--replace-unk")
        let checkpoint = try Checkpoint.load(path: try arguments.requiredString("--checkpoint"))
        var translator = Translator(checkpoint: checkpoint, batchSize: batchSize)
        translator.beam = beam
        translator.noRepeatNgram = noRepeatNgram
        translator.replaceUnknown = replaceUnknown
        return translator
    }

    /// Translates every line of `input` (whole, in memory) in chunks; see the streaming form below.
    static func translateAll(_ input: InputSentences, _ translator: Translator,
                             emit: (TranslationResult?, NumberedLine) throws -> Void) throws {
        var next = 0
        try translateAll({
            guard next < input.lines.count else { return nil }
            defer { next += 1024 }
            return input.lines[next ..< min(next + 1024, input.lines.count)].map { InputLine.text($0) }
        }, name: input.name, translator, emit: emit)
    }

    /// Translates the lines `nextChunk` hands out, calling `emit` once per input line in order (nil for an empty or
    /// refused line).
    static func translateAll(_ nextChunk: () throws -> [InputLine]?, name: String, _ translator: Translator,
                             emit: (TranslationResult?, NumberedLine) throws -> Void) throws {
        try translateAll(nextChunk, name: name, translator, decode: translator.translate(encoded:), emit: emit)
    }

    /// Decodes the lines `nextChunk` hands out with `decode` (all accepted lines of a chunk in one call, so that they
    /// are batched), calling `emit` once per input line in order (nil for an empty or refused line). Reports unknown
    /// tokens, and throws `refusedLines` at the end if any line was too long.
    static func translateAll<Result>(_ nextChunk: () throws -> [InputLine]?, name: String, _ translator: Translator,
                                     decode: ([(tokens: [String], ids: [Int])]) -> [Result],
                                     emit: (Result?, NumberedLine) throws -> Void) throws {
        let limit = translator.checkpoint.config.maxSourceLength
        var refused = 0, unknown = 0
        while let chunk = try nextChunk() {
            var accepted: [(line: NumberedLine, source: (tokens: [String], ids: [Int]))] = []
            var lines: [NumberedLine] = []
            for input in chunk {
                switch input {
                case let .tooLong(number, bytes):
                    Output.error("Error: \(Seq2SeqError.lineTooLong(path: name, line: number, bytes: bytes, limit: 1 << 20))")
                    refused += 1
                    lines.append(NumberedLine(number: number, text: ""))
                case let .text(line):
                    lines.append(line)
                    if line.text.allSatisfy(\.isWhitespace) { continue }
                    let source = translator.encodeSource(line.text)
                    if source.tokens.count > limit {
                        Output.error("Error: \(Seq2SeqError.inputTooLong(path: name, line: line.number, length: source.tokens.count, limit: limit))")
                        refused += 1
                    } else {
                        accepted.append((line, source))
                    }
                }
            }
            let results = decode(accepted.map(\.source))
            var byLine: [Int: Result] = [:]
            for (entry, result) in zip(accepted, results) {
                byLine[entry.line.number] = result
                unknown += entry.source.ids.filter { $0 == Vocabulary.unk }.count
            }
            for line in lines { try emit(byLine[line.number], line) }
        }
        if unknown > 0 { Output.error("note: \(unknown) source token\(unknown == 1 ? " was" : "s were") not in the vocabulary and read as <unk>") }
        if refused > 0 { throw Seq2SeqError.refusedLines(path: name, count: refused) }
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
