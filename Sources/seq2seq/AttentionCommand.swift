// AttentionCommand.swift — `seq2seq attention`: translate each input line and dump its attention matrix (rows =
// target tokens emitted, columns = source tokens incl. </s>, each row sums to 1) with the tokens as labels, as JSON,
// CSV, an SVG heat map or text for the terminal (AttentionExport does the work). [8] → [10]

import Foundation
import Seq2SeqCore

enum AttentionFormat: String, CaseIterable {
    case json, csv, svg, text
}

enum AttentionCommand {
    /// The most sentences one SVG sheet holds; more need a folder (one file per line).
    static let sheetLimit = 20

    static let format = Option<AttentionFormat>.choice("--format", help: """
        json: one object a line, {"source_tokens", "target_tokens", "attention"}. csv: a header row of the \
        source tokens, then one row per target token, label first. svg: a heat map (target tokens down, source \
        tokens across, a colour legend, the sentence pair as title). text: the matrix drawn in shade blocks, \
        each row's most attended source token after it; in colour on a terminal.
        """, default: .json)
    static let output = Option<String?>.text("--output", "path", help: """
        Write to this file instead of standard output. For svg and csv, a path that does not end in .svg or \
        .csv is a folder (created if needed) that gets one file per input line, \(LineFiles.described("svg")) or line-N.csv.
        """)

    static let info = CommandInfo(
        name: "attention",
        abstract: "Translate each input line and write its attention matrix with the tokens as labels.",
        usage: "seq2seq attention --checkpoint FILE [--format json|csv|svg|text] [--input FILE] [--output PATH]",
        options: CheckpointInput.options + [format.info] + SentenceInput.options + [output.info] + DecodingOptions.options,
        discussion: """
            The matrix is that of the translation `seq2seq translate` prints with the same options (with --replace-unk, \
            a replaced <unk> is labelled with the source token put in its place). On standard output or in \
            one file, csv and text write one block per input line with an empty line between blocks, and svg draws \
            one sheet of at most \(sheetLimit) sentences. An empty input line gives an empty object (json), an empty \
            block (csv, text), and no picture (svg).
            """)

    static func run(_ arguments: Arguments) throws {
        let format = try arguments.value(Self.format)
        let outputPath = try arguments.value(Self.output)
        let folder: String? = switch format {
        case .json, .text: nil
        case .csv, .svg: outputFolder(outputPath, fileExtension: format.rawValue)
        }
        let decoding = try DecodingOptions(arguments)
        let checkpoint = try CheckpointInput(arguments)
        let translator = decoding.translator(try Checkpoint.load(path: checkpoint.path))
        try TranslateCommand.checkDecodingMemory(translator, sentences: TranslateCommand.chunkSize)
        let input = try InputLines(try SentenceInput(arguments), checkpoint: checkpoint)
        var files = try folder.map { try LineFiles(folder: $0, fileExtension: format.rawValue) }
        let colour = outputPath == nil && Output.wantsColour
        var blocks: [String] = [], pictures: [(title: String, result: TranslationResult)] = []
        var refusal: Error? = nil, firstBlock = true
        do {
            try TranslateCommand.translateAll(input, translator) { result, line in
                let block: String
                switch format {
                case .json: block = try AttentionExport.json(result) + "\n"
                case .csv: block = result.map(AttentionExport.csv) ?? ""
                case .text:
                    block = result.map { AttentionExport.text($0, colour: colour, title: AttentionExport.title(source: line.text, result: $0)) } ?? ""
                case .svg:
                    guard let result else { return }
                    let title = AttentionExport.title(source: line.text, result: result)
                    if files != nil {
                        try files?.write(AttentionExport.svg(result, title: title), line: line)
                    } else {
                        guard pictures.count < sheetLimit else { throw sheetIsFull() }
                        pictures.append((title, result))
                    }
                    return
                }
                if files != nil {
                    if result != nil { try files?.write(block, line: line) }
                } else if outputPath == nil {
                    if format != .json && !firstBlock { Output.line("") }      // an empty line between blocks
                    Output.raw(block)
                    firstBlock = false
                } else {
                    blocks.append(block)
                }
            }
        } catch let error as Seq2SeqError {
            guard case .refusedLines = error else { throw error }
            refusal = error       // still write what was translated
        }
        if let files {
            try files.finish(lastLine: input.reader.linesRead)
            Output.wrote(Output.count(files.count, "\(format.rawValue) file"), to: files.folder, command: info.name)
        } else {
            // Empty input is empty output, not an empty sheet.
            let text = format == .svg ? (input.reader.linesRead == 0 ? "" : AttentionExport.svgSheet(pictures))
                : blocks.joined(separator: format == .json ? "" : "\n")
            if let outputPath {
                try Output.writeFile(text, to: outputPath)
                Output.wrote("the attention of \(Output.count(input.reader.linesRead, "input line")) as \(format.rawValue)",
                             to: outputPath, command: info.name)
            } else if format == .svg {
                Output.raw(text)
            }
        }
        if let refusal { throw refusal }
    }

    /// The refusal of a sentence more than one SVG sheet holds (known only when it comes: the input is a stream).
    static func sheetIsFull() -> Seq2SeqError {
        .invalidOption(flag: output.name, reason: "one SVG sheet holds at most \(sheetLimit) sentences and the input has more; give a folder to get one picture per line")
    }

    /// The folder for one file per line: an --output that does not end in `.fileExtension`.
    static func outputFolder(_ path: String?, fileExtension: String) -> String? {
        guard let path, !path.lowercased().hasSuffix("." + fileExtension) else { return nil }
        return path
    }
}

/// One file per input line in a folder, FOLDER/line-007.svg: the line's number, zero-padded to the digits of the
/// input's last line so that the files sort in input order. The input is a stream, so its number of lines is known
/// only at the end: each file is written as its line comes, padded to the digits of that line's own number, and
/// `finish` renames the files that need more.
struct LineFiles {
    let folder: String
    let fileExtension: String
    private var written: [Int] = []
    /// The files written so far.
    var count: Int { written.count }

    /// Creates the folder (and its parents) if needed.
    init(folder: String, fileExtension: String) throws {
        self.folder = folder
        self.fileExtension = fileExtension
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw Seq2SeqError.unwritableFile(path: folder, reason: "cannot create the folder")
        }
    }

    /// Writes the file of `line`.
    mutating func write(_ text: String, line: NumberedLine) throws {
        try Output.writeFile(text, to: path(line.number, digits: String(line.number).count))
        written.append(line.number)
    }

    /// Renames the files whose names have fewer digits than `lastLine`, the number of the input's last line.
    func finish(lastLine: Int) throws {
        let digits = String(lastLine).count
        for number in written where String(number).count < digits {
            let from = path(number, digits: String(number).count), to = path(number, digits: digits)
            guard rename(from, to) == 0 else {
                throw Seq2SeqError.unwritableFile(path: to, reason: String(cString: strerror(errno)))
            }
        }
    }

    private func path(_ number: Int, digits: Int) -> String {
        URL(fileURLWithPath: folder).appendingPathComponent(Self.name(line: number, digits: digits, fileExtension: fileExtension)).path
    }

    /// "line-007.svg": the file of input line `line`, its number zero-padded to `digits`.
    static func name(line: Int, digits: Int, fileExtension: String) -> String {
        let text = String(line)
        return "line-" + String(repeating: "0", count: max(0, digits - text.count)) + text + "." + fileExtension
    }

    /// How the help names the files: "line-N.svg (N zero-padded …: line-07.svg for line 7 of 12)".
    static func described(_ fileExtension: String) -> String {
        "line-N.\(fileExtension) (N the line's number, zero-padded so that the files sort in input order: " +
            "\(name(line: 7, digits: 2, fileExtension: fileExtension)) for line 7 of 12)"
    }
}

extension Output {
    /// Colour for standard output: it is a terminal and the NO_COLOR convention (no-color.org) does not ask otherwise.
    static var wantsColour: Bool {
        standardOutputIsTerminal && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    }
}
