// AttentionExportTests.swift — every attention format of one TranslationResult: CSV parses back to the exact matrix
// and labels, SVG is well-formed with one cell per entry and every label, text has one row per target token with
// its most attended source token, JSON keeps SPEC §3's object. Stage [10].

import Foundation
import Testing
@testable import Seq2SeqCore

/// A translation with tokens that need quoting in CSV and escaping in XML, and rows that sum to 1.
let awkwardResult = TranslationResult(
    sourceTokens: ["le", "chat,", "\"noir\"", " x", "</s>"], targetTokens: ["the", "black", "cat", "</s>"],
    text: "the black cat",
    attention: [[0.7, 0.1, 0.1, 0.05, 0.05], [0.1, 0.1, 0.6123457, 0.1, 0.0876543], [0.05, 0.8, 0.05, 0.05, 0.05],
                [0.01, 0.01, 0.01, 0.01, 0.96]],
    unknownSourceTokens: 0)

/// RFC 4180 records: fields split at commas outside quotes, "" inside quotes is one quote.
func parseCSV(_ text: String) -> [[String]] {
    var records: [[String]] = [], record: [String] = [], field = ""
    var quoted = false, characters = Array(text), k = 0
    while k < characters.count {
        let c = characters[k]
        if quoted {
            if c == "\"" && k + 1 < characters.count && characters[k + 1] == "\"" { field.append("\""); k += 1 }
            else if c == "\"" { quoted = false }
            else { field.append(c) }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            record.append(field); field = ""
        } else if c == "\n" {
            record.append(field); records.append(record); record = []; field = ""
        } else {
            field.append(c)
        }
        k += 1
    }
    if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
    return records
}

@Suite struct AttentionExportTests {
    @Test func csvParsesBackToTheMatrix() throws {
        let csv = AttentionExport.csv(awkwardResult)
        #expect(csv.hasSuffix("\n"))
        let records = parseCSV(csv)
        #expect(records.count == 1 + awkwardResult.targetTokens.count)
        #expect(records[0] == [""] + awkwardResult.sourceTokens)
        for (record, (token, row)) in zip(records.dropFirst(), zip(awkwardResult.targetTokens, awkwardResult.attention)) {
            #expect(record.first == token)
            #expect(record.dropFirst().map { Float($0) } == row.map { Optional($0) }, "the numbers read back exactly")
        }
    }

    @Test func svgHasOneCellPerEntryAndTheLabels() throws {
        let svg = AttentionExport.svg(awkwardResult, title: AttentionExport.title(source: "le chat, \"noir\"  x", result: awkwardResult))
        let elements = try #require(parseXML(svg), "not well-formed XML")
        let cells = elements.filter { $0.name == "rect" && $0.attributes["class"] == "cell" }
        #expect(cells.count == 4 * 5)
        let scale = ColourScale.viridis()
        #expect(cells.map { $0.attributes["fill"] } == awkwardResult.attention.flatMap { $0 }.map { Optional(scale.colour(Double($0)).hex) })
        let texts = elements.filter { $0.name == "text" }.map(\.text)
        for token in awkwardResult.sourceTokens + awkwardResult.targetTokens { #expect(texts.contains(token), "\(token)") }
        #expect(texts.contains("le chat, \"noir\"  x  →  the black cat"), "the pair is the title")
        #expect(texts.contains { $0.hasPrefix("rows: target tokens") })
    }

    @Test func svgSheetStacksSentences() throws {
        let svg = AttentionExport.svgSheet([("one", awkwardResult), ("two", awkwardResult)])
        let elements = try #require(parseXML(svg))
        #expect(elements.filter { $0.attributes["class"] == "cell" }.count == 2 * 20)
        let texts = elements.filter { $0.name == "text" }.map(\.text)
        #expect(texts.contains("one") && texts.contains("two"))
    }

    @Test func sixtyTokenSentencesStayReadable() throws {
        // 60 source and 60 target tokens: 18-pixel cells with 11-pixel labels, every label drawn.
        let tokens = (0..<59).map { "w\($0)" } + ["</s>"]
        let row = [Float](repeating: 1 / 60, count: 60)
        let result = TranslationResult(sourceTokens: tokens, targetTokens: tokens, text: "", attention: Array(repeating: row, count: 60),
                                       unknownSourceTokens: 0)
        let elements = try #require(parseXML(AttentionExport.svg(result, title: "long")))
        #expect(elements.filter { $0.attributes["class"] == "cell" }.map { $0.attributes["width"] } == Array(repeating: "18", count: 3600))
        #expect(elements.filter { $0.name == "text" && $0.text == "w58" }.count == 2)
    }

    /// Every cell is drawn, the smallest weights as dots: a row has one two-character cell per source token.
    @Test func textDrawsNoValueBlank() {
        let rows = AttentionExport.text(awkwardResult, colour: false).split(separator: "\n").filter { $0.contains("→") }
        #expect(rows.count == awkwardResult.targetTokens.count)
        for (row, weights) in zip(rows, awkwardResult.attention) {
            let cells = row.split(separator: " ").dropFirst().prefix(weights.count)
            #expect(cells.map { $0.count } == Array(repeating: 2, count: weights.count), "\(row)")
            #expect(cells.map { String($0.first!) } == weights.map { String(TerminalColour.shade(Double($0))) }, "\(row)")
        }
    }

    /// Pictures draw the BPE joiner as `@@`: the fonts they name have no `￭`.
    @Test func picturesDrawTheJoinerAsAtSigns() throws {
        let result = TranslationResult(sourceTokens: ["un\u{FFED}", "believ\u{FFED}", "able", "\u{FFED}!", "</s>"],
                                       targetTokens: ["x", "</s>"], text: "x",
                                       attention: [[0.2, 0.2, 0.2, 0.2, 0.2], [0.2, 0.2, 0.2, 0.2, 0.2]], unknownSourceTokens: 0)
        let svg = AttentionExport.svg(result, title: "unbelievable!  →  x")
        #expect(!svg.contains("\u{FFED}"))
        let elements = try #require(parseXML(svg))
        let labels = elements.filter { $0.name == "text" }.map(\.text)
        for label in ["un@@", "believ@@", "able", "@@!"] { #expect(labels.contains(label), "\(labels)") }
    }

    @Test func textHasOneRowPerTargetTokenAndMarksTheMostAttended() {
        let text = AttentionExport.text(awkwardResult, colour: false, title: "pair")
        #expect(!text.contains("\u{1B}"))
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.removeLast() == "")
        #expect(lines.first == "pair")
        #expect(lines.last == "weight α: ·· < 0.2 ≤ ░░ < 0.4 ≤ ▒▒ < 0.6 ≤ ▓▓ < 0.8 ≤ ██")
        let header = 6                                           // "\"noir\"" written downwards
        let rows = Array(lines.dropFirst(1 + header).dropLast())
        #expect(rows.count == awkwardResult.targetTokens.count)
        for (row, (token, weights)) in zip(rows, zip(awkwardResult.targetTokens, awkwardResult.attention)) {
            #expect(row.hasPrefix(token + " "), "\(row)")
            let best = weights.indices.max { weights[$0] < weights[$1] }!
            #expect(row.hasSuffix("→ \(awkwardResult.sourceTokens[best]) " + String(format: "%.2f", weights[best])), "\(row)")
        }
        // The cell of the first row's most attended token is full, its 0.05 cells are empty.
        #expect(rows[0].contains("▓▓") && rows[3].contains("██"))
        #expect(lines[1 ..< 1 + header].allSatisfy { $0.hasPrefix("      ") }, "labels sit above the matrix, not beside it")
    }

    @Test func textInColourUsesXterm256Backgrounds() {
        let text = AttentionExport.text(awkwardResult, colour: true)
        #expect(text.contains("\u{1B}[38;5;"))
        #expect(text.contains(";48;5;\(ColourScale.viridis().colour(0.96).xterm256)m"))
        #expect(!text.contains("█"))
        #expect(text.split(separator: "\n").filter { $0.contains("→") }.count == 4)
    }

    @Test func jsonIsSpecObject() throws {
        #expect(try AttentionExport.json(nil) == "{\"attention\":[],\"source_tokens\":[],\"target_tokens\":[]}")
        let object = try JSONSerialization.jsonObject(with: Data(try AttentionExport.json(awkwardResult).utf8)) as? [String: Any]
        #expect(object?["source_tokens"] as? [String] == awkwardResult.sourceTokens)
        #expect((object?["attention"] as? [[Double]])?.count == 4)
    }
}
