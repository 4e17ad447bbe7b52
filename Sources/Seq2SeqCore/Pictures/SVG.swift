// SVG.swift — pictures as plain SVG 1.1 text: a small writer (escaped text, compact numbers), the panel protocol,
// and a sheet that stacks panels under a title. Browsers, rsvg-convert and Inkscape draw it. Stage [10].

import Foundation

// MARK: - Writer

/// SVG being written: elements appended in drawing order, every text and attribute value escaped.
public struct SVGWriter {
    /// The elements written so far; the `<svg>` element and its `<defs>` wrap them on output.
    public private(set) var body = ""
    private var definitions = ""
    private var nextIdentifier = 0

    /// An empty drawing.
    public init() {}

    /// Text for element content or an attribute value: `& < > " '` escaped; characters XML 1.0 does not allow
    /// (control characters other than tab and line ends, U+FFFE, U+FFFF) become U+FFFD.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case "\u{00}"..."\u{1F}", "\u{FFFE}", "\u{FFFF}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A coordinate or length with at most two decimals and no trailing zeros: "12", "12.5", "-0.25".
    public static func number(_ x: Double) -> String {
        let rounded = (x * 100).rounded() / 100
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
        var text = String(format: "%.2f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// A new identifier for a definition (a gradient), unique within this writer.
    public mutating func identifier(_ prefix: String) -> String {
        nextIdentifier += 1
        return "\(prefix)\(nextIdentifier)"
    }

    /// `<name a="v" …/>`, or with `content` (already SVG) between the tags.
    public mutating func element(_ name: String, _ attributes: [(String, String)], content: String? = nil) {
        body += Self.tag(name, attributes, content: content) + "\n"
    }

    /// An element inside `<defs>` (gradients).
    public mutating func define(_ name: String, _ attributes: [(String, String)], content: String) {
        definitions += Self.tag(name, attributes, content: content) + "\n"
    }

    /// Opens element `name` with `attributes` (values escaped); close it with `close(_:)`.
    public mutating func open(_ name: String, _ attributes: [(String, String)]) {
        body += "<" + name + Self.attributeText(attributes) + ">\n"
    }

    /// Closes the element opened last with `open(_:_:)`.
    public mutating func close(_ name: String) { body += "</\(name)>\n" }

    /// `<text>`: `anchor` is start, middle or end; `rotation` in degrees about (x, y).
    public mutating func text(_ text: String, x: Double, y: Double, size: Double? = nil, anchor: String? = nil,
                              rotation: Double? = nil, bold: Bool = false, fill: String? = nil, tooltip: String? = nil) {
        var attributes = [("x", Self.number(x)), ("y", Self.number(y))]
        if let size { attributes.append(("font-size", Self.number(size))) }
        if let anchor { attributes.append(("text-anchor", anchor)) }
        if let rotation {
            attributes.append(("transform", "rotate(\(Self.number(rotation)) \(Self.number(x)) \(Self.number(y)))"))
        }
        if bold { attributes.append(("font-weight", "bold")) }
        if let fill { attributes.append(("fill", fill)) }
        let tip = tooltip.map { "<title>\(Self.escape($0))</title>" } ?? ""
        element("text", attributes, content: tip + Self.escape(text))
    }

    /// The whole document: a white background under everything drawn.
    public func document(width: Double, height: Double, fontFamily: String = SVGWriter.fontFamily) -> String {
        let (w, h) = (Self.number(width.rounded(.up)), Self.number(height.rounded(.up)))
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(w)\" height=\"\(h)\" "
        out += "viewBox=\"0 0 \(w) \(h)\" font-family=\"\(Self.escape(fontFamily))\" font-size=\"11\">\n"
        if !definitions.isEmpty { out += "<defs>\n" + definitions + "</defs>\n" }
        out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        return out + body + "</svg>\n"
    }

    /// Monospace, so that label widths can be known before drawing.
    public static let fontFamily = "DejaVu Sans Mono, Menlo, Consolas, monospace"

    static func tag(_ name: String, _ attributes: [(String, String)], content: String?) -> String {
        guard let content else { return "<" + name + attributeText(attributes) + "/>" }
        return "<" + name + attributeText(attributes) + ">" + content + "</" + name + ">"
    }

    static func attributeText(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined()
    }

    /// The drawn width of `text` in the monospace font: 0.6 em a character, 1.2 em for wide (East Asian, emoji) ones.
    public static func textWidth(_ text: String, size: Double) -> Double {
        let units = text.reduce(0) { sum, character in
            sum + ((character.unicodeScalars.first?.value ?? 0) >= 0x2E80 ? 2 : 1)
        }
        return Double(units) * 0.6 * size
    }

    /// What a picture draws for the BPE joiner `￭` (U+FFED): `@@`, as subword-nmt marks its pieces. DejaVu Sans
    /// Mono, the pictures' first font, has no `￭`, and Chromium on Debian drew it as an empty box.
    public static let joinerLabel = "@@"

    /// A token as a picture labels it: every joiner drawn as `joinerLabel` (`un￭` → `un@@`, `￭.` → `@@.`).
    public static func tokenLabel(_ token: String) -> String {
        token.contains(Tokenizer.joiner) ? token.replacingOccurrences(of: String(Tokenizer.joiner), with: joinerLabel) : token
    }

    /// A label of at most `limit` characters: longer ones keep their start and end in "…".
    public static func shortened(_ label: String, limit: Int = 16) -> String {
        guard label.count > limit else { return label }
        return String(label.prefix(limit - 1)) + "…"
    }
}

// MARK: - Panels and the sheet

/// A rectangle of drawing with its own size, placed by a sheet.
public protocol SVGPanel {
    var width: Double { get }
    var height: Double { get }
    /// Draws the panel with its top-left corner at (x, y).
    func draw(into svg: inout SVGWriter, x: Double, y: Double)
}

/// Panels under a title: each section a heading and a row of panels side by side; sections stacked downwards.
public struct SVGSheet {
    /// One row of panels under an optional heading.
    public struct Section {
        public var heading: String?
        public var panels: [any SVGPanel]
        /// A section of `panels`, side by side.
        public init(heading: String? = nil, panels: [any SVGPanel]) {
            self.heading = heading
            self.panels = panels
        }
    }

    public var title: String
    public var subtitle: String?
    public var sections: [Section]

    /// A sheet of `sections` under `title`.
    public init(title: String, subtitle: String? = nil, sections: [Section]) {
        self.title = title
        self.subtitle = subtitle
        self.sections = sections
    }

    static let margin = 16.0, panelGap = 28.0, sectionGap = 22.0, headingHeight = 22.0

    /// The whole sheet as an SVG document, sized to fit its sections.
    public func render() -> String {
        var svg = SVGWriter()
        let m = Self.margin
        var y = m + 16
        var width = m + SVGWriter.textWidth(title, size: 15) + m
        svg.text(title, x: m, y: y, size: 15, bold: true)
        if let subtitle {
            y += 18
            svg.text(subtitle, x: m, y: y, size: 12, fill: "#444444")
            width = max(width, m + SVGWriter.textWidth(subtitle, size: 12) + m)
        }
        y += 14
        for section in sections {
            if let heading = section.heading {
                y += Self.headingHeight - 6
                svg.text(heading, x: m, y: y, size: 13, bold: true)
                width = max(width, m + SVGWriter.textWidth(heading, size: 13) + m)
                y += 6
            }
            var x = m, rowHeight = 0.0
            for panel in section.panels {
                panel.draw(into: &svg, x: x, y: y)
                x += panel.width + Self.panelGap
                rowHeight = max(rowHeight, panel.height)
            }
            width = max(width, x - Self.panelGap + m)
            y += rowHeight + Self.sectionGap
        }
        return svg.document(width: width, height: y - Self.sectionGap + m)
    }
}
