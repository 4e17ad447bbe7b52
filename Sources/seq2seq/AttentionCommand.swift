// AttentionCommand.swift — `seq2seq attention`: translate each input line and dump its attention matrix (rows =
// target tokens emitted, columns = source tokens incl. </s>, each row sums to 1) with the tokens as labels. [8] → [10]

import Foundation
import Seq2SeqCore

enum AttentionFormat: String, CaseIterable {
    case json
}

enum AttentionCommand {
    static let info = CommandInfo(
        name: "attention",
        abstract: "Translate each input line and write its attention matrix with the tokens as labels.",
        usage: "seq2seq attention --checkpoint FILE --format json [--input FILE] [--output PATH]",
        options: [
            OptionInfo(name: "--checkpoint", valueName: "file", help: "A checkpoint written by `seq2seq train`."),
            OptionInfo(name: "--format", valueName: "json", help: "json: one object a line, {\"source_tokens\", \"target_tokens\", \"attention\"}. (default: json)"),
            OptionInfo(name: "--input", valueName: "file", help: "Read sentences from this file instead of standard input."),
            OptionInfo(name: "--output", valueName: "path", help: "Write to this file instead of standard output."),
            OptionInfo(name: "--batch-size", valueName: "n", help: "Sentences decoded together (greedy). (default: 64)"),
        ],
        discussion: "An empty input line gives an empty object (no tokens, no rows).")

    struct Record: Encodable {
        let sourceTokens: [String]
        let targetTokens: [String]
        let attention: [[Float]]
        enum CodingKeys: String, CodingKey {
            case sourceTokens = "source_tokens", targetTokens = "target_tokens", attention
        }
    }

    static func run(_ arguments: Arguments) throws {
        let _: AttentionFormat = try arguments.choice("--format", default: .json)
        let translator = try TranslateCommand.makeTranslator(arguments)
        let input = try InputSentences(arguments)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines: [String] = []
        let outputPath = arguments.string("--output")
        var refusal: Error? = nil
        do {
            try TranslateCommand.translateAll(input, translator) { result, _ in
                let record = Record(sourceTokens: result?.sourceTokens ?? [], targetTokens: result?.targetTokens ?? [],
                                    attention: result?.attention ?? [])
                let text = String(decoding: try encoder.encode(record), as: UTF8.self)
                if outputPath == nil { Output.line(text) } else { lines.append(text) }
            }
        } catch let error as Seq2SeqError {
            guard case .refusedLines = error else { throw error }
            refusal = error       // still write what was translated
        }
        if let outputPath { try Output.writeFile(lines.map { $0 + "\n" }.joined(), to: outputPath) }
        if let refusal { throw refusal }
    }
}
