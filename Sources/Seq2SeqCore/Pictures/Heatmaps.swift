// Heatmaps.swift — SVG panels that colour values: a matrix as cells with labelled axes (attention matrices; LSTM
// gates and cells over time), tokens on boxes coloured by one unit's value, and their colour legend. Stage [10].

// MARK: - Heat maps

/// A matrix drawn as coloured cells: row labels down the left, column labels across the top (rotated), a colour
/// legend on the right. Every cell is one `<rect class="cell">` whose tooltip names its row, column and value.
/// Labels are tokens, drawn as `SVGWriter.tokenLabel` gives them.
public struct HeatmapPanel: SVGPanel {
    public var title: String?
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// rows × columns.
    public var values: [[Float]]
    /// Maps a value to its cell colour.
    public var scale: ColourScale
    public var legendTitle: String
    /// Width of a cell in SVG user units.
    public var cellWidth: Double
    /// Height of a cell in SVG user units.
    public var cellHeight: Double
    /// Label every this many rows (1: all), for tall matrices such as 128 units.
    public var rowLabelEvery: Int
    /// One `<title>` per cell with its value (large matrices leave them out to stay small).
    public var tooltips: Bool

    /// A heat map of `values` [rows, columns]; every row must have one value per column label.
    public init(title: String? = nil, rowLabels: [String], columnLabels: [String], values: [[Float]], scale: ColourScale,
                legendTitle: String, cellWidth: Double = 18, cellHeight: Double = 18, rowLabelEvery: Int = 1,
                tooltips: Bool = true) {
        precondition(values.count == rowLabels.count && values.allSatisfy { $0.count == columnLabels.count },
                     "a heat map needs one label per row and per column")
        self.title = title
        self.rowLabels = rowLabels.map(SVGWriter.tokenLabel)
        self.columnLabels = columnLabels.map(SVGWriter.tokenLabel)
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

    /// The panel's width: labels, cells and legend.
    public var width: Double {
        max(rowLabelWidth + matrixWidth + legendWidth, SVGWriter.textWidth(title ?? "", size: Self.titleSize))
    }
    /// The panel's height: title, column labels and the taller of matrix and legend.
    public var height: Double { titleHeight + columnLabelHeight + max(matrixHeight, legend.barHeight) }

    /// Draws the title, labels, cells and legend with the top left corner at (x, y).
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
/// colour legend on the right. Every token is one `<rect class="token">` whose tooltip holds its value. Tokens are
/// drawn as `SVGWriter.tokenLabel` gives them.
public struct TokenStripPanel: SVGPanel {
    public var title: String?
    /// Each line's tokens with the value that colours them.
    public var lines: [[(token: String, value: Float)]]
    public var scale: ColourScale
    public var legendTitle: String

    /// Lines of tokens, each token's background coloured by its value.
    public init(title: String? = nil, lines: [[(token: String, value: Float)]], scale: ColourScale, legendTitle: String) {
        self.title = title
        self.lines = lines.map { $0.map { (token: SVGWriter.tokenLabel($0.token), value: $0.value) } }
        self.scale = scale
        self.legendTitle = legendTitle
    }

    static let size = 13.0, boxHeight = 22.0, lineGap = 6.0, padding = 4.0

    static func boxWidth(_ token: String) -> Double { max(SVGWriter.textWidth(token, size: size), 0.6 * size) + 2 * padding }

    var titleHeight: Double { title == nil ? 0 : 20 }
    var textWidth: Double { lines.map { $0.reduce(0) { $0 + Self.boxWidth($1.token) } }.max() ?? 0 }
    var textHeight: Double { Double(lines.count) * (Self.boxHeight + Self.lineGap) }
    var legend: ColourLegend { ColourLegend(scale: scale, title: legendTitle, barHeight: max(textHeight - Self.lineGap, 100)) }

    /// The panel's width: the longest line and the legend, or the title if wider.
    public var width: Double { max(textWidth + 20 + legend.width, SVGWriter.textWidth(title ?? "", size: 12)) }
    /// The panel's height: title and the taller of text and legend.
    public var height: Double { titleHeight + 18 + max(textHeight, legend.barHeight) }

    /// Draws the title, the coloured tokens and the legend with the top left corner at (x, y).
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
