// ExploreCommand.swift — `seq2seq explore`: one self-contained HTML page for the input lines (at most
// ExplorerPage.sentenceLimit): each one's translation and n-best list, beam search tree, attention grid and every
// LSTM unit, the unit rankings, the model's summary and learning curves (ExplorerPage does the work). [8] → [10]

import Foundation
import Seq2SeqCore

enum ExploreCommand {
    static let output = Option<String?>.text(
        "--output", "file", help: "The page to write (PAGE.html); it appears only once complete (never the input or the checkpoint).")

    static let info = CommandInfo(
        name: "explore",
        abstract: "Write one HTML page to explore the input lines' translations: beam search, attention, gates and units.",
        usage: "seq2seq explore --checkpoint FILE [--input FILE] --output PAGE.html [--beam K] [--n-best N] [<options>]",
        options: CheckpointInput.options + SentenceInput.options + [output.info] + DecodingOptions.options + [TranslateCommand.nBest.info],
        discussion: """
            The page is one file with its style, script and data inside: it needs no network and opens from disk in \
            any current browser. For each input line it shows the translation (with --n-best, the alternatives and \
            their scores), the beam search as a tree, the attention matrix of the chosen hypothesis (the numbers \
            of `seq2seq attention --format json`), and every gate and state of every LSTM unit behind the tokens its \
            layer read (those of `seq2seq inspect --format json`, for the greedy translation); then the units that \
            follow position, count:TOKEN and remaining:TOKEN best over all lines (`inspect --top`), the checkpoint's \
            summary (`seq2seq info`) and, when FILE.log.jsonl is beside the checkpoint, the learning curves. Every \
            number is rounded to \(ExplorerPage.significantDigits) significant digits. A page holds at most \
            \(ExplorerPage.sentenceLimit) sentences; empty lines are skipped.
            """)

    static func run(_ arguments: Arguments) throws {
        let decoding = try DecodingOptions(arguments)
        let nBest = try arguments.value(TranslateCommand.nBest)
        let outputPath = try arguments.required(Self.output)
        let checkpoint = try CheckpointInput(arguments)
        if nBest > decoding.beamWidth {
            throw Seq2SeqError.invalidOption(flag: TranslateCommand.nBest.name, reason: "is \(nBest), more than the beam width \(decoding.beamWidth) (set \(DecodingOptions.beam.name))")
        }
        let summary = try CheckpointSummary(path: checkpoint.path)
        let translator = decoding.translator(summary.checkpoint, nBest: nBest)
        try TranslateCommand.checkDecodingMemory(translator, sentences: 1)
        let input = try InputLines(try SentenceInput(arguments), checkpoint: checkpoint)
        let inputPath = input.name == "<stdin>" ? "/dev/stdin" : input.name
        try refuseOverwriting(inputs: [inputPath, checkpoint.path], with: outputPath, flag: Self.output.name)
        let log = TrainingPaths(checkpoint: checkpoint.path).log
        let curves = FileManager.default.fileExists(atPath: log) ? try LearningCurves.read(path: log) : nil

        let limit = translator.checkpoint.config.maxSourceLength
        var refusals = RefusedLines(input.reader)
        var sentences: [ExplorerSentence] = [], unknown = 0
        while let entry = try input.reader.next() {
            guard let line = refusals.text(of: entry), !line.text.allSatisfy(\.isWhitespace) else { continue }
            let source = translator.encodeSource(line.text)
            guard source.tokens.count <= limit else {
                refusals.refuse(.inputTooLong(path: input.name, line: line.number, length: source.tokens.count, limit: limit))
                continue
            }
            guard sentences.count < ExplorerPage.sentenceLimit else {
                throw Seq2SeqError.malformedLine(path: input.name, line: line.number,
                                                 reason: "one sentence more than the \(ExplorerPage.sentenceLimit) an explorer page holds; explore fewer lines at a time")
            }
            let sentence = translator.explore(line.text)
            guard sentence.isFinite else { throw Seq2SeqError.nonFiniteOutput(path: checkpoint.path, what: "output scores or states") }
            unknown += source.ids.filter { $0 == Vocabulary.unk }.count
            sentences.append(sentence)
        }
        let page = ExplorerPage(checkpointPath: checkpoint.path, summary: summary, curves: curves,
                                beam: translator.beam ?? BeamOptions(width: 1), sentences: sentences)
        try Output.writeFile(page.html(), to: outputPath)
        Output.wrote("the page of \(Output.count(sentences.count, "sentence"))", to: outputPath, command: info.name)
        TranslateCommand.reportUnknown(unknown)
        try refusals.finish()
    }
}
