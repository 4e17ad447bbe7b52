// LineCharts.swift — SVG line-chart panels (learning curves): series, axes with "nice" ticks, a best-checkpoint
// marker and a legend. Stage [10].

import Foundation

/// One line of a chart; points with a non-finite y are left out, and the line breaks there.
public struct LineSeries {
    public var name: String
    public var points: [(x: Double, y: Double)]
    public var colour: RGB
    /// Draw the line dashed (e.g. to tell a dev curve from a training one).
    public var dashed: Bool

    /// One named line of (x, y) points.
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
    /// A vertical line at x with a label (e.g. the best step); nil for none.
    public var marker: (x: Double, label: String)?
    /// Width of the plotting area, axes and labels excluded.
    public var plotWidth: Double
    /// Height of the plotting area, axes and labels excluded.
    public var plotHeight: Double

    /// A chart of `series`; `yRange` fixes the y axis, otherwise it fits the data.
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

    /// The chart's width, margins included.
    public var width: Double { Self.left + plotWidth + Self.right }
    /// The chart's height, margins included.
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

    /// Draws axes, ticks, lines, legend and marker with the top left corner at (x, y).
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
