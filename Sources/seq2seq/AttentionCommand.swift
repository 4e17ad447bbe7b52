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

    static let info = CommandInfo(
        name: "attention",
        abstract: "Translate each input line and write its attention matrix with the tokens as labels.",
        usage: "seq2seq attention --checkpoint FILE [--format json|csv|svg|text] [--input FILE] [--output PATH]",
        options: [
            OptionInfo(name: "--checkpoint", valueName: "file", help: "A checkpoint written by `seq2seq train`."),
            OptionInfo(name: "--format", valueName: "json|csv|svg|text", help: """
                json: one object a line, {"source_tokens", "target_tokens", "attention"}. csv: a header row of the \
                source tokens, then one row per target token, label first. svg: a heat map (target tokens down, source \
                tokens across, a colour legend, the sentence pair as title). text: the matrix drawn in shade blocks, \
                each row's most attended source token after it; in colour on a terminal. (default: json)
                """),
            OptionInfo(name: "--input", valueName: "file", help: "Read sentences from this file instead of standard input."),
            OptionInfo(name: "--output", valueName: "path", help: """
                Write to this file instead of standard output. For svg and csv, a path that does not end in .svg or \
                .csv is a folder (created if needed) that gets one file per input line, line-N.svg or line-N.csv.
                """),
            OptionInfo(name: "--beam", valueName: "k", help: "Beam search of width K; the matrix is that of the returned hypothesis. (default: 1, greedy)"),
            OptionInfo(name: "--length-penalty", valueName: "a", help: "α of the GNMT length penalty for beam search. (default: 1)"),
            OptionInfo(name: "--batch-size", valueName: "n", help: "Sentences decoded together, grouped by length. (default: 64)"),
            TranslateCommand.replaceUnknownOption,
            TranslateCommand.noRepeatNgramOption,
        ],
        discussion: """
            The matrix is that of the translation `seq2seq translate` prints with the same options (with --replace-unk, \
            a replaced <unk> is labelled with the source token put in its place). On standard output or in \
            one file, csv and text write one block per input line with an empty line between blocks, and svg draws \
            one sheet of at most \(sheetLimit) sentences. An empty input line gives an empty object (json), an empty \
            block (csv, text), and no picture (svg).
            """)

    static func run(_ arguments: Arguments) throws {
        let format: AttentionFormat = try arguments.choice("--format", default: .json)
        let outputPath = arguments.string("--output")
        let folder: String? = switch format {
        case .json, .text: nil
        case .csv, .svg: outputFolder(outputPath, fileExtension: format.rawValue)
        }
        let translator = try TranslateCommand.makeTranslator(arguments)
        let input = try InputSentences(arguments)
        if format == .svg && folder == nil {
            let sentences = input.lines.filter { !$0.text.allSatisfy(\.isWhitespace) }.count
            if sentences > sheetLimit {
                throw Seq2SeqError.invalidOption(flag: "--output", reason: "one SVG sheet holds at most \(sheetLimit) sentences and the input has \(sentences); give a folder to get one picture per line")
            }
        }
        if let folder { try createFolder(folder) }
        let colour = outputPath == nil && Output.wantsColour
        let digits = String(input.lines.count).count
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
                    if let folder {
                        try Output.writeFile(AttentionExport.svg(result, title: title), to: fileName(folder, line, digits, "svg"))
                    } else {
                        pictures.append((title, result))
                    }
                    return
                }
                if let folder {
                    if result != nil { try Output.writeFile(block, to: fileName(folder, line, digits, format.rawValue)) }
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
        if folder == nil {
            let text = format == .svg ? AttentionExport.svgSheet(pictures)
                : blocks.joined(separator: format == .json ? "" : "\n")
            if let outputPath {
                try Output.writeFile(text, to: outputPath)
            } else if format == .svg {
                Output.raw(text)
            }
        }
        if let refusal { throw refusal }
    }

    /// The folder for one file per line: an --output that does not end in `.fileExtension`.
    static func outputFolder(_ path: String?, fileExtension: String) -> String? {
        guard let path, !path.lowercased().hasSuffix("." + fileExtension) else { return nil }
        return path
    }

    /// FOLDER/line-007.svg: the input line's number, zero-padded so that the files sort in input order.
    static func fileName(_ folder: String, _ line: NumberedLine, _ digits: Int, _ fileExtension: String) -> String {
        let number = String(line.number)
        return URL(fileURLWithPath: folder)
            .appendingPathComponent("line-" + String(repeating: "0", count: max(0, digits - number.count)) + number + "." + fileExtension).path
    }

    static func createFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw Seq2SeqError.unwritableFile(path: path, reason: "cannot create the folder")
        }
    }
}

extension Output {
    /// Colour for standard output: it is a terminal and the NO_COLOR convention (no-color.org) does not ask otherwise.
    static var wantsColour: Bool {
        standardOutputIsTerminal && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    }
}
