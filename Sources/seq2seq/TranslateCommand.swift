// TranslateCommand.swift — `seq2seq translate`: source sentences from stdin or --input, one translation a line on
// stdout or into --output, line for line (an empty line gives an empty line; an over-long line is refused on stderr),
// each line answered as soon as no further input is waiting. [8] → [9]

import Foundation
import Seq2SeqCore

enum TranslateCommand {
    static let output = Option<String?>.text(
        "--output", "file",
        help: "Write the translations to this file instead of standard output; it appears only once complete (never the input or the checkpoint).")
    static let nBest = Option.integer(
        "--n-best", help: "Write the N best hypotheses of each line, one a line as score<TAB>translation (N ≤ K).",
        default: 1, in: 1...1000)

    static let info = CommandInfo(
        name: "translate",
        abstract: "Translate source sentences, one a line, from standard input (or --input) to standard output.",
        usage: "seq2seq translate --checkpoint FILE [--input FILE] [--output FILE] [--beam K] [<options>]",
        options: CheckpointInput.options + SentenceInput.options + [output.info] + DecodingOptions.options
            + [nBest.info] + ThreadCount.options,
        discussion: "Output has exactly one line per input line; empty input gives empty output. Lines are translated together in batches while more input is waiting, and each line is answered as soon as none is: a sentence typed in a terminal, or written into an open pipe, gets its translation at once. A line that is not UTF-8, longer than 1 MB or longer than the checkpoint's maximum length is refused with a message on stderr and left empty, the other lines are translated, and the exit code is then 65.")

    static func run(_ arguments: Arguments) throws {
        try ThreadCount(arguments).apply()
        let decoding = try DecodingOptions(arguments)
        let nBest = try arguments.value(Self.nBest)
        let checkpoint = try CheckpointInput(arguments)
        let translator = decoding.translator(try Checkpoint.load(path: checkpoint.path), nBest: nBest)
        if nBest > decoding.beamWidth {
            throw Seq2SeqError.invalidOption(flag: Self.nBest.name, reason: "is \(nBest), more than the beam width \(decoding.beamWidth) (set \(DecodingOptions.beam.name))")
        }
        try checkDecodingMemory(translator, sentences: chunkSize)
        let input = try InputLines(try SentenceInput(arguments), checkpoint: checkpoint)
        // Standard input, when read from, is checked under the name the system gives it, so `< out.txt` is caught too.
        let inputPath = input.name == "<stdin>" ? "/dev/stdin" : input.name
        let results = try ResultLines(output: arguments.value(Self.output), outputFlag: Self.output.name, inputs: [inputPath, input.checkpoint])
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
        let (beam, batchSize) = (DecodingOptions.beam.name, DecodingOptions.batchSize.name)
        let flags = (width > 1 ? "\(beam) \(width) " : "") + "\(batchSize) \(translator.batchSize)"
        let refusal = Seq2SeqError.exceedsMemory(subject: subject, needed: needed, budget: budget,
                                                 remedy: width > 1 ? "lower \(batchSize) or \(beam)" : "lower \(batchSize)")
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
    /// stdout after each chunk. A chunk is `chunkSize` lines, or the lines read when no more input is waiting
    /// (`LineReader.nextReady`): a file is translated in full chunks, a line typed or written into a pipe at once. A result that is not `isFinite` ends the command before anything of its chunk is
    /// written. Once every line is emitted, calls `afterLastLine` (where an --output file is put in place: refused
    /// lines leave it complete, line for line), reports unknown tokens, and throws `refusedLines` if any line was refused.
    static func translateAll<Result>(_ input: InputLines, _ translator: Translator,
                                     decode: ([(tokens: [String], ids: [Int])]) -> [Result], isFinite: (Result) -> Bool,
                                     afterLastLine: () throws -> Void = {},
                                     emit: (Result?, NumberedLine) throws -> Void) throws {
        let limit = translator.checkpoint.config.maxSourceLength
        var refusals = RefusedLines(input.reader)
        var unknown = 0
        while let chunk = try input.reader.nextReady(chunkSize) {
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

    init(_ input: SentenceInput, checkpoint: CheckpointInput) throws {
        self.checkpoint = checkpoint.path
        reader = try LineReader(path: input.path)
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
