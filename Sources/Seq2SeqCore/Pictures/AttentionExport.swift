// AttentionExport.swift — one translation's attention matrix (rows = target tokens emitted, columns = source tokens
// incl. </s>, each row sums to 1; SPEC §3) as JSON, CSV, text for a terminal, or an SVG heat map. Everything here
// takes a TranslationResult, whichever decoder made it: greedy today; beam search's best hypothesis, once it exists,
// is one more TranslationResult and needs nothing new here. Stage [10].

import Foundation

/// Writes an attention matrix as JSON, CSV or text: rows are target tokens, columns source tokens incl. </s>.
public enum AttentionExport {
    // MARK: - JSON (SPEC §3)

    struct Record: Encodable {
        let sourceTokens: [String]
        let targetTokens: [String]
        let attention: [[Float]]
        enum CodingKeys: String, CodingKey {
            case sourceTokens = "source_tokens", targetTokens = "target_tokens", attention
        }
    }

    /// `{"attention":[[…],…],"source_tokens":[…],"target_tokens":[…]}` on one line; nil (an empty input line) gives
    /// the same object with nothing in it.
    public static func json(_ result: TranslationResult?) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let record = Record(sourceTokens: result?.sourceTokens ?? [], targetTokens: result?.targetTokens ?? [],
                            attention: result?.attention ?? [])
        return String(decoding: try encoder.encode(record), as: UTF8.self)
    }

    // MARK: - CSV

    /// RFC 4180 CSV: a header row of an empty corner cell and the source tokens, then one row per target token, its
    /// label first and then its weights. Numbers are written in the shortest form that reads back to the same
    /// Float. Lines end with "\n".
    public static func csv(_ result: TranslationResult) -> String {
        var lines = [([""] + result.sourceTokens).map(csvField).joined(separator: ",")]
        for (token, row) in zip(result.targetTokens, result.attention) {
            lines.append(([csvField(token)] + row.map { "\($0)" }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A field quoted when it must be (a comma, a quote, a line end, or spaces at either end), quotes doubled.
    public static func csvField(_ text: String) -> String {
        let needsQuotes = text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || text.first == " " || text.last == " "
        return needsQuotes ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    // MARK: - Text

    /// The matrix for a terminal: the source tokens written downwards above their columns, one line per target
    /// token (its label, then one two-character cell per source token), and after each row "→ the most attended
    /// source token and its weight". With `colour`, cells are xterm-256 backgrounds on the viridis scale; without,
    /// the shades "·░▒▓█", one for each fifth of 0 … 1. A legend line closes the block: the colours, or the shades'
    /// rule ("·· < 0.2 ≤ ░░ < 0.4 ≤ …").
    public static func text(_ result: TranslationResult, colour: Bool, title: String? = nil) -> String {
        let scale = ColourScale.viridis()
        let columns = result.sourceTokens.map { SVGWriter.shortened($0, limit: 10) }
        let rows = result.targetTokens.map { SVGWriter.shortened($0, limit: 12) }
        let labelWidth = rows.map(\.count).max() ?? 0
        var lines: [String] = []
        if let title { lines.append(title) }
        // Header: column labels written top to bottom, bottom-aligned, one character per line in each column.
        let height = columns.map(\.count).max() ?? 0
        for level in 0..<height {
            var line = String(repeating: " ", count: labelWidth + 1)
            for label in columns {
                let padding = height - label.count
                let character = level >= padding ? String(Array(label)[level - padding]) : " "
                line += character + (isWide(character) ? "" : " ") + " "
            }
            lines.append(trimmingTrailingSpaces(line))
        }
        for (label, weights) in zip(rows, result.attention) {
            var line = label + String(repeating: " ", count: labelWidth - label.count + 1)
            for value in weights {
                let fraction = scale.fraction(Double(value))
                line += (colour ? TerminalColour.painted("  ", background: scale.colour(Double(value)))
                                : String(repeating: TerminalColour.shade(fraction), count: 2)) + " "
            }
            if let best = weights.indices.max(by: { weights[$0] < weights[$1] }) {
                line += " → " + result.sourceTokens[best] + String(format: " %.2f", weights[best])
            }
            lines.append(line)
        }
        lines.append(legend(colour: colour, scale: scale))
        return lines.joined(separator: "\n") + "\n"
    }

    /// In colour, five cells of the scale with their values; in shades, the rule the shades follow.
    static func legend(colour: Bool, scale: ColourScale) -> String {
        guard colour else { return "weight α: " + TerminalColour.shadeRule(scale) }
        let cells = scale.ticks.map { value in
            TerminalColour.painted("  ", background: scale.colour(value)) + " " + SVGWriter.number(value)
        }
        return "weight α: " + cells.joined(separator: "  ")
    }

    static func isWide(_ character: String) -> Bool { (character.unicodeScalars.first?.value ?? 0) >= 0x2E80 }

    static func trimmingTrailingSpaces(_ line: String) -> String {
        var line = line
        while line.last == " " { line.removeLast() }
        return line
    }

    // MARK: - SVG

    /// "source  →  translation", the pair a picture is titled with.
    public static func title(source: String, result: TranslationResult) -> String { "\(source)  →  \(result.text)" }

    static let subtitle = "rows: target tokens emitted · columns: source tokens · colour: attention weight α (each row sums to 1)"

    /// The matrix as a heat map panel: target tokens down, source tokens across, viridis from 0 to 1.
    public static func heatmap(_ result: TranslationResult, title: String? = nil) -> HeatmapPanel {
        HeatmapPanel(title: title, rowLabels: result.targetTokens, columnLabels: result.sourceTokens, values: result.attention,
                     scale: .viridis(), legendTitle: "α")
    }

    /// One sentence's picture, titled with its pair.
    public static func svg(_ result: TranslationResult, title: String) -> String {
        SVGSheet(title: title, subtitle: subtitle, sections: [SVGSheet.Section(panels: [heatmap(result)])]).render()
    }

    /// Several sentences on one sheet, one under the other, each headed by its pair.
    public static func svgSheet(_ items: [(title: String, result: TranslationResult)]) -> String {
        let sections = items.map { SVGSheet.Section(heading: $0.title, panels: [heatmap($0.result)]) }
        return SVGSheet(title: "Attention", subtitle: subtitle, sections: sections).render()
    }
}
