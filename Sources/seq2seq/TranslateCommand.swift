// TranslateCommand.swift — `seq2seq translate`: source sentences from stdin or --input, one translation a line on
// stdout or into --output, line for line (an empty line gives an empty line; an over-long line is refused on stderr). [8] → [9]

import Foundation
import Seq2SeqCore

enum TranslateCommand {
    static let info = CommandInfo(
        name: "translate",
        abstract: "Translate source sentences, one a line, from standard input (or --input) to standard output.",
        usage: "seq2seq translate --checkpoint FILE [--input FILE] [--output FILE] [--beam K] [<options>]",
        options: [
            OptionInfo(name: "--checkpoint", valueName: "file", help: "A checkpoint written by `seq2seq train`."),
            OptionInfo(name: "--input", valueName: "file", help: "Read sentences from this file instead of standard input."),
            OptionInfo(name: "--output", valueName: "file", help: "Write the translations to this file instead of standard output; it appears only once complete (never the input or the checkpoint)."),
            OptionInfo(name: "--batch-size", valueName: "n", help: "Sentences decoded together, grouped by length (with --beam K, up to K rows each); a sentence's translation does not depend on it. (default: 64)"),
            OptionInfo(name: "--beam", valueName: "k", help: "Beam search of width K instead of greedy decoding (1 = greedy). (default: 1)"),
            OptionInfo(name: "--length-penalty", valueName: "a", help: "α of the GNMT length penalty ((5+len)/6)^α that beam search ranks by. (default: 1)"),
            OptionInfo(name: "--n-best", valueName: "n", help: "Write the N best hypotheses of each line, one a line as score<TAB>translation (N ≤ K). (default: 1)"),
            replaceUnknownOption,
            noRepeatNgramOption,
            OptionInfo(name: "--threads", valueName: "n", help: "Threads sharing the work. (default: all cores)"),
        ],
        discussion: "Output has exactly one line per input line; empty input gives empty output. A line that is not UTF-8, longer than 1 MB or longer than the checkpoint's maximum length is refused with a message on stderr and left empty, the other lines are translated, and the exit code is then 65.")

    /// Decoding options `attention` shares.
    static let replaceUnknownOption = OptionInfo(name: "--replace-unk", valueName: nil, help: "Replace each emitted <unk> by the source token with the highest attention weight at that step (OpenNMT's replace_unk; the </s> column is not a candidate).")
    static let noRepeatNgramOption = OptionInfo(name: "--no-repeat-ngram", valueName: "n", help: "Never emit an n-gram of N tokens twice in one translation (greedy and beam; fairseq's no_repeat_ngram_size); 0 turns it off. (default: 0)")

    static func run(_ arguments: Arguments) throws {
        let translator = try makeTranslator(arguments)
        let nBest = try arguments.int("--n-best", default: 1, in: 1...1000)
        if nBest > (translator.beam?.width ?? 1) {
            throw Seq2SeqError.invalidOption(flag: "--n-best", reason: "is \(nBest), more than the beam width \(translator.beam?.width ?? 1) (set --beam)")
        }
        try checkDecodingMemory(translator, sentences: chunkSize)
        let input = try InputLines(arguments)
        // Standard input, when read from, is checked under the name the system gives it, so `< out.txt` is caught too.
        let inputPath = input.name == "<stdin>" ? "/dev/stdin" : input.name
        let results = try ResultLines(output: arguments.string("--output"), inputs: [inputPath, input.checkpoint])
        let finish = { try results.finish(command: info.name) }
        if nBest == 1 {
            try translateAll(input, translator, afterLastLine: finish) { result, _ in try results.line(result?.text ?? "") }
            return
        }
        // N lines per input line: score<TAB>translation, best first (empty or refused lines give N empty lines).
        try translateAll(input, translator, decode: translator.nBest(encoded:), isFinite: { $0.allSatisfy(\.result.isFinite) },
                         afterLastLine: finish) { list, _ in
            let list = list ?? []
            for n in 0..<nBest {
                try results.line(n < list.count ? String(format: "%.6f\t", list[n].score) + list[n].result.text : "")
            }
        }
    }

    /// Lines read, translated and written together: memory stays bounded whatever the input's size.
    static let chunkSize = 1024

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

    /// Refuses, before any decoding, a --batch-size (and --beam) whose decoding would need more memory than the process
    /// may use, in the worst case: `sentences` handed over at once, every one as long as the checkpoint accepts.
    static func checkDecodingMemory(_ translator: Translator, sentences: Int) throws {
        let longest = translator.checkpoint.config.maxSourceLength
        let needed = translator.decodingBytes(sentences: sentences, sourceLength: longest, threads: WorkerPool.shared.threads)
        let budget = MemoryBudget.bytes
        guard needed > budget else { return }
        let width = translator.beam?.width ?? 1
        let subject = "decoding \(min(translator.batchSize, sentences)) sentences of up to \(longest) tokens together"
            + (width > 1 ? " with \(width) hypotheses each" : "")
        let flags = (width > 1 ? "--beam \(width) " : "") + "--batch-size \(translator.batchSize)"
        let refusal = Seq2SeqError.exceedsMemory(subject: subject, needed: needed, budget: budget,
                                                 remedy: width > 1 ? "lower --batch-size or --beam" : "lower --batch-size")
        throw Seq2SeqError.invalidOption(flag: flags, reason: refusal.description)
    }

    /// Translates every line of `input`, calling `emit` once per input line in order (nil for an empty or refused line).
    static func translateAll(_ input: InputLines, _ translator: Translator, afterLastLine: () throws -> Void = {},
                             emit: (TranslationResult?, NumberedLine) throws -> Void) throws {
        try translateAll(input, translator, decode: translator.translate(encoded:), isFinite: \.isFinite,
                         afterLastLine: afterLastLine, emit: emit)
    }

    /// Decodes the lines of `input` with `decode`, a chunk at a time (all accepted lines of a chunk in one call, so that
    /// they are batched), calling `emit` once per input line in order (nil for an empty or refused line) and flushing
    /// stdout after each chunk. A result that is not `isFinite` ends the command before anything of its chunk is
    /// written. Once every line is emitted, calls `afterLastLine` (where an --output file is put in place: refused
    /// lines leave it complete, line for line), reports unknown tokens, and throws `refusedLines` if any line was refused.
    static func translateAll<Result>(_ input: InputLines, _ translator: Translator,
                                     decode: ([(tokens: [String], ids: [Int])]) -> [Result], isFinite: (Result) -> Bool,
                                     afterLastLine: () throws -> Void = {},
                                     emit: (Result?, NumberedLine) throws -> Void) throws {
        let limit = translator.checkpoint.config.maxSourceLength
        var refusals = RefusedLines(input.reader)
        var unknown = 0
        while let chunk = try input.reader.next(chunkSize) {
            var accepted: [(line: NumberedLine, source: (tokens: [String], ids: [Int]))] = []
            var lines: [NumberedLine] = []
            for entry in chunk {
                guard let line = refusals.text(of: entry) else {
                    lines.append(NumberedLine(number: entry.number, text: ""))
                    continue
                }
                lines.append(line)
                if line.text.allSatisfy(\.isWhitespace) { continue }
                let source = translator.encodeSource(line.text)
                if source.tokens.count > limit {
                    refusals.refuse(.inputTooLong(path: input.name, line: line.number, length: source.tokens.count, limit: limit))
                } else {
                    accepted.append((line, source))
                }
            }
            let results = decode(accepted.map(\.source))
            if !results.allSatisfy(isFinite) { throw Seq2SeqError.nonFiniteOutput(path: input.checkpoint, what: "output scores") }
            var byLine: [Int: Result] = [:]
            for (entry, result) in zip(accepted, results) {
                byLine[entry.line.number] = result
                unknown += entry.source.ids.filter { $0 == Vocabulary.unk }.count
            }
            for line in lines { try emit(byLine[line.number], line) }
            try Output.checkedFlush()
        }
        try afterLastLine()
        reportUnknown(unknown)
        try refusals.finish()
    }

    static func reportUnknown(_ count: Int) {
        if count > 0 { Output.error("note: \(count) source token\(count == 1 ? " was" : "s were") not in the vocabulary and read as <unk>") }
    }
}

/// The sentences to translate, as a stream: the lines of --input, or of standard input ("-" or no --input), with
/// the checkpoint that messages about them name.
struct InputLines {
    let reader: LineReader
    let checkpoint: String
    /// The name messages give the input: its path, or "<stdin>".
    var name: String { reader.path }

    init(_ arguments: Arguments) throws {
        checkpoint = try arguments.requiredString("--checkpoint")
        reader = try LineReader(path: arguments.string("--input") ?? "-")
    }
}

/// The input lines a command refuses (not UTF-8, or too long in bytes or tokens), each reported on stderr as it is
/// met, while every other line is still processed; their output stays empty. `finish` ends the command with
/// `refusedLines` (65) if there were any, once everything else is written.
struct RefusedLines {
    let name: String
    let maxLineBytes: Int
    private(set) var count = 0

    init(_ reader: LineReader) {
        name = reader.path
        maxLineBytes = reader.maxLineBytes
    }

    /// The line's text, or nil (reported) when the reader could not make text of it.
    mutating func text(of input: InputLine) -> NumberedLine? {
        switch input {
        case let .text(line):
            return line
        case let .tooLong(number, bytes):
            refuse(.lineTooLong(path: name, line: number, bytes: bytes, limit: maxLineBytes))
        case let .invalidUTF8(number, byte):
            refuse(.malformedLine(path: name, line: number, reason: "invalid UTF-8 at byte \(byte) of the line"))
        }
        return nil
    }

    mutating func refuse(_ error: Seq2SeqError) {
        Output.error("Error: \(error)")
        count += 1
    }

    func finish() throws {
        if count > 0 { throw Seq2SeqError.refusedLines(path: name, count: count) }
    }
}
