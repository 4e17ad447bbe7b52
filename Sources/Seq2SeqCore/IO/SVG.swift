// SVG.swift — the pictures as plain SVG 1.1 text: a small writer (escaped text, compact numbers), heat-map panels
// with labelled axes and a colour legend (attention matrices; LSTM gates and cells over time), line-chart panels
// (learning curves), and a sheet that stacks panels under a title. Browsers, rsvg-convert and Inkscape draw it.
// Stage [10].

import Foundation

// MARK: - Writer

/// SVG being written: elements appended in drawing order, every text and attribute value escaped.
public struct SVGWriter {
    public private(set) var body = ""
    private var definitions = ""
    private var nextIdentifier = 0

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

    public mutating func open(_ name: String, _ attributes: [(String, String)]) {
        body += "<" + name + Self.attributeText(attributes) + ">\n"
    }

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
    public struct Section {
        public var heading: String?
        public var panels: [any SVGPanel]
        public init(heading: String? = nil, panels: [any SVGPanel]) {
            self.heading = heading
            self.panels = panels
        }
    }

    public var title: String
    public var subtitle: String?
    public var sections: [Section]

    public init(title: String, subtitle: String? = nil, sections: [Section]) {
        self.title = title
        self.subtitle = subtitle
        self.sections = sections
    }

    static let margin = 16.0, panelGap = 28.0, sectionGap = 22.0, headingHeight = 22.0

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

// MARK: - Heat maps

/// A matrix drawn as coloured cells: row labels down the left, column labels across the top (rotated), a colour
/// legend on the right. Every cell is one `<rect class="cell">` whose tooltip names its row, column and value.
public struct HeatmapPanel: SVGPanel {
    public var title: String?
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// rows × columns.
    public var values: [[Float]]
    public var scale: ColourScale
    public var legendTitle: String
    public var cellWidth: Double
    public var cellHeight: Double
    /// Label every this many rows (1: all), for tall matrices such as 128 units.
    public var rowLabelEvery: Int
    /// One `<title>` per cell with its value (large matrices leave them out to stay small).
    public var tooltips: Bool

    public init(title: String? = nil, rowLabels: [String], columnLabels: [String], values: [[Float]], scale: ColourScale,
                legendTitle: String, cellWidth: Double = 18, cellHeight: Double = 18, rowLabelEvery: Int = 1,
                tooltips: Bool = true) {
        precondition(values.count == rowLabels.count && values.allSatisfy { $0.count == columnLabels.count },
                     "a heat map needs one label per row and per column")
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.scale = scale
        self.legendTitle = legendTitle
        self.cellWidth = cellWidth
        self.cellHeight = cellHeight
        self.rowLabelEvery = max(1, rowLabelEvery)
        self.tooltips = tooltips
    }

    static let labelSize = 11.0, titleSize = 12.0, minimumBarHeight = 100.0

    var rowLabelSize: Double { min(Self.labelSize, max(8, cellHeight * Double(rowLabelEvery) - 2)) }
    var titleHeight: Double { title == nil ? 0 : 20 }
    var columnLabelHeight: Double {
        let longest = columnLabels.map { SVGWriter.textWidth(SVGWriter.shortened($0), size: Self.labelSize) }.max() ?? 0
        return max(18, longest + 8)
    }
    var rowLabelWidth: Double {
        let shown = rowLabels.enumerated().filter { $0.offset % rowLabelEvery == 0 }.map(\.element)
        return (shown.map { SVGWriter.textWidth(SVGWriter.shortened($0), size: rowLabelSize) }.max() ?? 0) + 8
    }
    var matrixWidth: Double { Double(columnLabels.count) * cellWidth }
    var matrixHeight: Double { Double(rowLabels.count) * cellHeight }
    var legend: ColourLegend { ColourLegend(scale: scale, title: legendTitle, barHeight: max(matrixHeight, Self.minimumBarHeight)) }
    var legendWidth: Double { 16 + legend.width }

    public var width: Double {
        max(rowLabelWidth + matrixWidth + legendWidth, SVGWriter.textWidth(title ?? "", size: Self.titleSize))
    }
    public var height: Double { titleHeight + columnLabelHeight + max(matrixHeight, legend.barHeight) }

    public func draw(into svg: inout SVGWriter, x: Double, y: Double) {
        typealias W = SVGWriter
        if let title { svg.text(title, x: x, y: y + 13, size: Self.titleSize, bold: true) }
        let left = x + rowLabelWidth, top = y + titleHeight + columnLabelHeight
        // Column labels, rotated to read upwards, ending just above their column.
        svg.open("g", [("font-size", W.number(Self.labelSize))])
        for (j, label) in columnLabels.enumerated() {
            let shown = W.shortened(label)
            svg.text(shown, x: left + (Double(j) + 0.5) * cellWidth + Self.labelSize * 0.35, y: top - 4, rotation: -90,
                     tooltip: shown == label ? nil : label)
        }
        svg.close("g")
        // Row labels, right-aligned against the matrix.
        svg.open("g", [("font-size", W.number(rowLabelSize)), ("text-anchor", "end")])
        for (i, label) in rowLabels.enumerated() where i % rowLabelEvery == 0 {
            let shown = W.shortened(label)
            svg.text(shown, x: left - 5, y: top + (Double(i) + 0.5) * cellHeight + rowLabelSize * 0.35,
                     tooltip: shown == label ? nil : label)
        }
        svg.close("g")
        // The cells.
        svg.open("g", [])
        let (width, height) = (W.number(cellWidth), W.number(cellHeight))
        for (i, row) in values.enumerated() {
            for (j, value) in row.enumerated() {
                let attributes = [("class", "cell"), ("x", W.number(left + Double(j) * cellWidth)),
                                  ("y", W.number(top + Double(i) * cellHeight)), ("width", width), ("height", height),
                                  ("fill", scale.colour(Double(value)).hex)]
                let tip = tooltips ? "<title>\(W.escape("\(rowLabels[i]) · \(columnLabels[j]): \(value)"))</title>" : nil
                svg.element("rect", attributes, content: tip)
            }
        }
        svg.close("g")
        svg.element("rect", [("x", W.number(left)), ("y", W.number(top)), ("width", W.number(matrixWidth)),
                             ("height", W.number(matrixHeight)), ("fill", "none"), ("stroke", "#888888"),
                             ("stroke-width", "0.5")])
        legend.draw(into: &svg, x: left + matrixWidth + 16, top: top)
    }

}

/// A vertical colour bar of `scale` from `lower` (bottom) to `upper` (top) with five ticks and `title` above it.
struct ColourLegend {
    var scale: ColourScale
    var title: String
    var barHeight: Double

    static let size = 10.0, barWidth = 12.0

    var tickLabels: [String] { scale.ticks.map(SVGWriter.number) }
    var width: Double {
        let ticks = tickLabels.map { SVGWriter.textWidth($0, size: Self.size) }.max() ?? 0
        return max(Self.barWidth + 6 + ticks, SVGWriter.textWidth(title, size: Self.size))
    }

    func draw(into svg: inout SVGWriter, x: Double, top: Double) {
        typealias W = SVGWriter
        let gradient = svg.identifier("scale")
        let stops = scale.anchors.enumerated().map { k, colour in
            W.tag("stop", [("offset", W.number(Double(k) / Double(scale.anchors.count - 1))), ("stop-color", colour.hex)],
                  content: nil)
        }.joined()
        svg.define("linearGradient", [("id", gradient), ("x1", "0"), ("y1", "1"), ("x2", "0"), ("y2", "0")], content: stops)
        svg.text(title, x: x, y: top - 6, size: Self.size, fill: "#333333")
        svg.element("rect", [("class", "legend"), ("x", W.number(x)), ("y", W.number(top)), ("width", W.number(Self.barWidth)),
                             ("height", W.number(barHeight)), ("fill", "url(#\(gradient))"), ("stroke", "#888888"),
                             ("stroke-width", "0.5")])
        for (value, label) in zip(scale.ticks, tickLabels) {
            let tickY = top + barHeight * (1 - scale.fraction(value))
            svg.element("line", [("x1", W.number(x + Self.barWidth)), ("y1", W.number(tickY)),
                                 ("x2", W.number(x + Self.barWidth + 4)), ("y2", W.number(tickY)), ("stroke", "#555555")])
            svg.text(label, x: x + Self.barWidth + 6, y: tickY + Self.size * 0.35, size: Self.size)
        }
    }
}

// MARK: - Tokens coloured by a value

/// Lines of tokens, each on a box coloured by its value (the view of Karpathy's and Edwin Chen's LSTM posts), with a
/// colour legend on the right. Every token is one `<rect class="token">` whose tooltip holds its value.
public struct TokenStripPanel: SVGPanel {
    public var title: String?
    public var lines: [[(token: String, value: Float)]]
    public var scale: ColourScale
    public var legendTitle: String

    public init(title: String? = nil, lines: [[(token: String, value: Float)]], scale: ColourScale, legendTitle: String) {
        self.title = title
        self.lines = lines
        self.scale = scale
        self.legendTitle = legendTitle
    }

    static let size = 13.0, boxHeight = 22.0, lineGap = 6.0, padding = 4.0

    static func boxWidth(_ token: String) -> Double { max(SVGWriter.textWidth(token, size: size), 0.6 * size) + 2 * padding }

    var titleHeight: Double { title == nil ? 0 : 20 }
    var textWidth: Double { lines.map { $0.reduce(0) { $0 + Self.boxWidth($1.token) } }.max() ?? 0 }
    var textHeight: Double { Double(lines.count) * (Self.boxHeight + Self.lineGap) }
    var legend: ColourLegend { ColourLegend(scale: scale, title: legendTitle, barHeight: max(textHeight - Self.lineGap, 100)) }

    public var width: Double { max(textWidth + 20 + legend.width, SVGWriter.textWidth(title ?? "", size: 12)) }
    public var height: Double { titleHeight + 18 + max(textHeight, legend.barHeight) }

    public func draw(into svg: inout SVGWriter, x: Double, y: Double) {
        typealias W = SVGWriter
        if let title { svg.text(title, x: x, y: y + 13, size: 12, bold: true) }
        let top = y + titleHeight + 18
        svg.open("g", [("font-size", W.number(Self.size)), ("text-anchor", "middle")])
        for (n, line) in lines.enumerated() {
            var left = x
            let boxTop = top + Double(n) * (Self.boxHeight + Self.lineGap)
            for (token, value) in line {
                let width = Self.boxWidth(token), colour = scale.colour(Double(value))
                svg.element("rect", [("class", "token"), ("x", W.number(left)), ("y", W.number(boxTop)), ("width", W.number(width)),
                                     ("height", W.number(Self.boxHeight)), ("fill", colour.hex)],
                            content: "<title>\(W.escape("\(token): \(value)"))</title>")
                svg.text(token, x: left + width / 2, y: boxTop + Self.boxHeight / 2 + Self.size * 0.35,
                         fill: colour.prefersDarkText ? "#000000" : "#ffffff")
                left += width
            }
        }
        svg.close("g")
        legend.draw(into: &svg, x: x + textWidth + 20, top: top)
    }
}

// MARK: - Line charts

/// One line of a chart; points with a non-finite y are left out, and the line breaks there.
public struct LineSeries {
    public var name: String
    public var points: [(x: Double, y: Double)]
    public var colour: RGB
    public var dashed: Bool

    public init(name: String, points: [(x: Double, y: Double)], colour: RGB, dashed: Bool = false) {
        self.name = name
        self.points = points
        self.colour = colour
        self.dashed = dashed
    }

    /// The Okabe–Ito colours, told apart by every kind of colour vision.
    public static let palette = [RGB(0x00, 0x72, 0xB2), RGB(0xD5, 0x5E, 0x00), RGB(0x00, 0x9E, 0x73), RGB(0xCC, 0x79, 0xA7),
                                 RGB(0xE6, 0x9F, 0x00)]
}

/// Axes with "nice" ticks, grid lines, the series as polylines with a dot per point (its value as tooltip), an
/// optional vertical marker line (the best checkpoint), and a legend in the top-right corner.
public struct LineChartPanel: SVGPanel {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [LineSeries]
    /// nil: from the data.
    public var yRange: ClosedRange<Double>?
    public var marker: (x: Double, label: String)?
    public var plotWidth: Double
    public var plotHeight: Double

    public init(title: String, xLabel: String, yLabel: String, series: [LineSeries], yRange: ClosedRange<Double>? = nil,
                marker: (x: Double, label: String)? = nil, plotWidth: Double = 640, plotHeight: Double = 220) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yRange = yRange
        self.marker = marker
        self.plotWidth = plotWidth
        self.plotHeight = plotHeight
    }

    static let left = 64.0, top = 40.0, bottom = 40.0, right = 12.0

    public var width: Double { Self.left + plotWidth + Self.right }
    public var height: Double { Self.top + plotHeight + Self.bottom }

    var finitePoints: [(x: Double, y: Double)] { series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite } }

    var xTicks: [Double] {
        let xs = finitePoints.map(\.x)
        return niceTicks(xs.min() ?? 0, xs.max() ?? 1)
    }

    var yTicks: [Double] {
        if let yRange { return niceTicks(yRange.lowerBound, yRange.upperBound) }
        let ys = finitePoints.map(\.y)
        let low = ys.min() ?? 0, high = ys.max() ?? 1
        // Losses start from 0 when the data is not far from it, so that falling curves are not exaggerated.
        return niceTicks(low >= 0 && low < (high - low) ? 0 : low, high)
    }

    public func draw(into svg: inout SVGWriter, x: Double, y: Double) {
        typealias W = SVGWriter
        let plotLeft = x + Self.left, plotTop = y + Self.top
        let xs = xTicks, ys = yTicks
        let (x0, x1) = (xs.first ?? 0, xs.last ?? 1), (y0, y1) = (ys.first ?? 0, ys.last ?? 1)
        func px(_ value: Double) -> Double { plotLeft + (value - x0) / max(x1 - x0, 1e-12) * plotWidth }
        func py(_ value: Double) -> Double { plotTop + plotHeight - (value - y0) / max(y1 - y0, 1e-12) * plotHeight }

        svg.text(title, x: x, y: y + 14, size: 13, bold: true)
        // Grid and ticks.
        svg.open("g", [("stroke", "#e3e3e3"), ("stroke-width", "1")])
        for value in ys { svg.element("line", [("x1", W.number(plotLeft)), ("y1", W.number(py(value))), ("x2", W.number(plotLeft + plotWidth)), ("y2", W.number(py(value)))]) }
        for value in xs { svg.element("line", [("x1", W.number(px(value))), ("y1", W.number(plotTop)), ("x2", W.number(px(value))), ("y2", W.number(plotTop + plotHeight))]) }
        svg.close("g")
        svg.element("rect", [("x", W.number(plotLeft)), ("y", W.number(plotTop)), ("width", W.number(plotWidth)),
                             ("height", W.number(plotHeight)), ("fill", "none"), ("stroke", "#666666")])
        svg.open("g", [("font-size", "10"), ("fill", "#333333")])
        let yDecimals = Self.decimals(ys), xDecimals = Self.decimals(xs)
        for value in ys {
            svg.text(String(format: "%.\(yDecimals)f", value), x: plotLeft - 6, y: py(value) + 3.5, anchor: "end")
        }
        for value in xs {
            svg.text(String(format: "%.\(xDecimals)f", value), x: px(value), y: plotTop + plotHeight + 14, anchor: "middle")
        }
        svg.close("g")
        svg.text(xLabel, x: plotLeft + plotWidth / 2, y: plotTop + plotHeight + 32, size: 11, anchor: "middle")
        svg.text(yLabel, x: x + 14, y: plotTop + plotHeight / 2, size: 11, anchor: "middle", rotation: -90)

        if let marker, marker.x.isFinite {
            let mx = px(marker.x)
            svg.element("line", [("class", "marker"), ("x1", W.number(mx)), ("y1", W.number(plotTop)), ("x2", W.number(mx)),
                                 ("y2", W.number(plotTop + plotHeight)), ("stroke", "#999999"), ("stroke-dasharray", "4 3")])
            // Named on the title row, right-aligned, where it cannot hide a point.
            svg.text("dashed line: " + marker.label, x: plotLeft + plotWidth, y: y + 14, size: 10, anchor: "end", fill: "#666666")
        }
        // The series: polylines broken at missing values, then a dot per point.
        for line in series {
            var segments: [[(x: Double, y: Double)]] = [[]]
            for point in line.points {
                if point.x.isFinite && point.y.isFinite {
                    segments[segments.count - 1].append(point)
                } else if !(segments.last?.isEmpty ?? true) {
                    segments.append([])
                }
            }
            for segment in segments where segment.count > 1 {
                var attributes = [("class", "line"), ("points", segment.map { "\(W.number(px($0.x))),\(W.number(py($0.y)))" }.joined(separator: " ")),
                                  ("fill", "none"), ("stroke", line.colour.hex), ("stroke-width", "1.8")]
                if line.dashed { attributes.append(("stroke-dasharray", "6 3")) }
                svg.element("polyline", attributes)
            }
            for point in line.points where point.x.isFinite && point.y.isFinite {
                svg.element("circle", [("class", "point"), ("cx", W.number(px(point.x))), ("cy", W.number(py(point.y))),
                                       ("r", "2.5"), ("fill", line.colour.hex)],
                            content: "<title>\(W.escape("\(line.name) at \(xLabel) \(Self.compact(point.x)): \(Self.compact(point.y))"))</title>")
            }
        }
        // Legend: one row between the title and the plot, so that it never hides a point.
        var legendX = plotLeft
        for line in series {
            let ly = y + Self.top - 9
            var attributes = [("x1", W.number(legendX)), ("y1", W.number(ly)), ("x2", W.number(legendX + 20)), ("y2", W.number(ly)),
                              ("stroke", line.colour.hex), ("stroke-width", "2")]
            if line.dashed { attributes.append(("stroke-dasharray", "6 3")) }
            svg.element("line", attributes)
            svg.text(line.name, x: legendX + 25, y: ly + 3.5, size: 10)
            legendX += 25 + W.textWidth(line.name, size: 10) + 18
        }
    }

    /// Decimals needed to tell the ticks apart.
    static func decimals(_ ticks: [Double]) -> Int {
        guard ticks.count > 1 else { return 0 }
        let step = abs(ticks[1] - ticks[0])
        return step >= 1 ? 0 : min(6, Int((-log10(step)).rounded(.up)))
    }

    static func compact(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e12 ? String(Int(value)) : String(format: "%.4g", value)
    }
}

/// Tick values covering [low, high] at a step of 1, 2 or 5 × 10^k, about five of them.
public func niceTicks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
    guard low.isFinite, high.isFinite else { return [0, 1] }
    var (low, high) = (min(low, high), max(low, high))
    if high - low < 1e-12 { (low, high) = (low - 1, high + 1) }
    let rough = (high - low) / Double(max(count, 1))
    let magnitude = pow(10, (log10(rough)).rounded(.down))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
    let first = (low / step).rounded(.down), last = (high / step).rounded(.up)
    return stride(from: first, through: last, by: 1).map { $0 * step }
}
