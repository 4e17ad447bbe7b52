// InspectionExport.swift — pictures of an InspectionTrace: units × time heat maps of i f g o c h for each layer and
// direction (SVG), and one unit's value painted behind the tokens it read, as text for a terminal or as SVG (the view
// of Karpathy's "The Unreasonable Effectiveness of RNNs" and Edwin Chen's "Exploring LSTMs"). Stage [10].

import Foundation

/// Pictures and tables of an LSTM inspection: gate and state heat maps, unit rankings.
public enum InspectionExport {
    /// The colour scale a quantity is drawn with: gates i f o in [0, 1] on viridis; g and h in [−1, 1] and the cell
    /// state c (unbounded) on the diverging RdBu, c's range widened to cover `largest` |c| (see `divergingCovering`).
    public static func scale(for quantity: LSTMQuantity, largest: Double) -> ColourScale {
        switch quantity {
        case .i, .f, .o: return .viridis()
        case .g, .h: return .diverging(limit: 1)
        case .c: return .divergingCovering(largest)
        }
    }

    static func largestMagnitude(_ values: [Float]) -> Double { Double(values.map(abs).max() ?? 0) }

    /// What a layer reads, for headings.
    static func reading(_ id: LSTMLayerID) -> String {
        switch (id.module, id.direction) {
        case (.encoder, .forward): return "reads the source left to right"
        case (.encoder, .backward): return "reads the source right to left"
        case (.decoder, _): return "reads <s> and each token it emitted"
        }
    }

    // MARK: - Units × time heat maps

    /// One panel per quantity: a row per unit, a column per step (labelled with the token read, in processing order).
    public static func panels(_ layer: LSTMLayerTrace, quantities: [LSTMQuantity]) -> [HeatmapPanel] {
        let units = layer.units, steps = layer.steps.count
        let cellHeight: Double = units <= 24 ? 14 : units <= 64 ? 8 : 5
        let labelEvery = units <= 24 ? 1 : units <= 64 ? 4 : 16
        return quantities.map { quantity in
            let values = (0..<units).map { u in layer.steps.map { $0[quantity][u] } }
            return HeatmapPanel(title: "\(quantity.rawValue) · \(quantity.meaning)", rowLabels: (0..<units).map(String.init),
                                columnLabels: layer.tokens, values: values,
                                scale: scale(for: quantity, largest: largestMagnitude(values.flatMap { $0 })),
                                legendTitle: quantity.rawValue, cellWidth: 16, cellHeight: cellHeight,
                                rowLabelEvery: labelEvery, tooltips: units * steps <= 1_500)
        }
    }

    /// Sentences on one sheet: for each, a heading with its pair, then a row of panels per selected layer.
    public static func heatmapSVG(_ items: [(title: String, trace: InspectionTrace)], layers include: (LSTMLayerID) -> Bool,
                                  quantities: [LSTMQuantity]) -> String {
        var sections: [SVGSheet.Section] = []
        for item in items {
            if items.count > 1 { sections.append(SVGSheet.Section(heading: item.title, panels: [])) }
            for layer in item.trace.layers where include(layer.id) {
                sections.append(SVGSheet.Section(heading: "\(layer.id) (\(reading(layer.id)))",
                                                 panels: panels(layer, quantities: quantities)))
            }
        }
        let title = items.count == 1 ? items[0].title : "LSTM gates and states"
        return SVGSheet(title: title, subtitle: "rows: units · columns: the token read at each step, in the order the layer reads them",
                        sections: sections).render()
    }

    // MARK: - One unit behind the text

    /// One unit's values in reading order (a backward layer's steps turned back into sentence order), with the tokens.
    public static func unitValues(_ trace: InspectionTrace, layer id: LSTMLayerID, unit: Int,
                                  quantity: LSTMQuantity) -> [(token: String, value: Float)]? {
        guard let layer = trace.layer(id), unit >= 0, unit < layer.units else { return nil }
        let values = layer.steps.map { (token: $0.token, value: $0[quantity][unit]) }
        switch id.direction {
        case .forward: return values
        case .backward: return values.reversed()
        }
    }

    /// "encoder layer 0 forward · unit 7 · c (cell state)".
    public static func unitHeading(layer id: LSTMLayerID, unit: Int, quantity: LSTMQuantity) -> String {
        "\(id) · unit \(unit) · \(quantity.rawValue) (\(quantity.meaning))"
    }

    /// The scale for one unit over several sentences (c is widened to cover all of them).
    public static func unitScale(_ lines: [[(token: String, value: Float)]], quantity: LSTMQuantity) -> ColourScale {
        scale(for: quantity, largest: largestMagnitude(lines.flatMap { $0.map(\.value) }))
    }

    /// The unit view for a terminal. With `colour`: each sentence is one line of tokens on xterm-256 backgrounds
    /// coloured by the unit's value. Without: three lines a sentence — the tokens, a shade "·░▒▓█" under each (one
    /// for each fifth of the scale, low to high) and the values. A heading and a legend line (the colours, or the
    /// shades' rule) frame the block.
    public static func unitText(_ lines: [[(token: String, value: Float)]], heading: String, quantity: LSTMQuantity,
                                colour: Bool) -> String {
        let scale = unitScale(lines, quantity: quantity)
        var out = [heading]
        for line in lines {
            if colour {
                out.append(line.map { TerminalColour.painted(" \($0.token) ", background: scale.colour(Double($0.value))) }.joined())
                continue
            }
            let numbers = line.map { String(format: "%.2f", $0.value) }
            let widths = zip(line, numbers).map { max($0.token.count, $1.count) }
            func row(_ cells: [String]) -> String {
                AttentionExport.trimmingTrailingSpaces(zip(cells, widths).map { $0 + String(repeating: " ", count: $1 - $0.count + 2) }.joined())
            }
            out.append(row(line.map(\.token)))
            out.append(row(zip(line, widths).map { String(repeating: TerminalColour.shade(scale.fraction(Double($0.value))), count: $1) }))
            out.append(row(numbers))
        }
        if colour {
            let marks = scale.ticks.map { TerminalColour.painted("  ", background: scale.colour($0)) + " " + SVGWriter.number($0) }
            out.append("scale: " + marks.joined(separator: "  "))
        } else {
            out.append("scale \(SVGWriter.number(scale.lower)) to \(SVGWriter.number(scale.upper)): " + TerminalColour.shadeRule(scale))
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The unit view as a picture: a line of coloured token boxes per sentence, with a legend.
    public static func unitSVG(_ lines: [[(token: String, value: Float)]], heading: String, quantity: LSTMQuantity) -> String {
        let panel = TokenStripPanel(lines: lines, scale: unitScale(lines, quantity: quantity), legendTitle: quantity.rawValue)
        return SVGSheet(title: heading, subtitle: "each token on the colour of the unit's value after reading it",
                        sections: [SVGSheet.Section(panels: [panel])]).render()
    }
}
