// SVGTests.swift — the SVG writer escapes what XML needs escaped, writes compact numbers, and draws heat maps and
// line charts that parse as XML with one element per value; the colour scales hit their published anchor colours.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct SVGTests {
    @Test func escapesTextAndDropsWhatXMLForbids() {
        #expect(SVGWriter.escape("<s> & \"q\" 'x'") == "&lt;s&gt; &amp; &quot;q&quot; &apos;x&apos;")
        #expect(SVGWriter.escape("a\u{01}b\u{FFFE}c\td") == "a\u{FFFD}b\u{FFFD}c\td")
        #expect(SVGWriter.escape("日本 👍🏽") == "日本 👍🏽")
    }

    @Test func numbersHaveAtMostTwoDecimals() {
        #expect(SVGWriter.number(12) == "12")
        #expect(SVGWriter.number(12.5) == "12.5")
        #expect(SVGWriter.number(-0.25) == "-0.25")
        #expect(SVGWriter.number(1.0 / 3) == "0.33")
        #expect(SVGWriter.number(2.999) == "3")
    }

    @Test func coloursScalesHitTheirAnchors() {
        let viridis = ColourScale.viridis()
        #expect(viridis.colour(0).hex == "#440154")                  // matplotlib viridis(0)
        #expect(viridis.colour(1).hex == "#fde725")                  // viridis(1)
        #expect(viridis.colour(-3) == viridis.colour(0))             // clamped
        #expect(viridis.colour(.nan) == viridis.colour(0.5))
        let signed = ColourScale.diverging(limit: 2)
        #expect(signed.colour(0).hex == "#f7f7f7")                   // ColorBrewer RdBu's middle
        #expect(signed.colour(-2).hex == "#053061")
        #expect(signed.colour(2).hex == "#67001f")
        #expect(signed.ticks == [-2, -1, 0, 1, 2])
        #expect([0.5, 1, 1.2, 3, 7, 30].map { ColourScale.divergingCovering($0).upper } == [1, 1, 2, 5, 10, 50])
    }

    @Test func terminalColoursAreTheNearestXtermOnes() {
        #expect(RGB(255, 0, 0).xterm256 == 196)
        #expect(RGB(0, 0, 0).xterm256 == 16)
        #expect(RGB(255, 255, 255).xterm256 == 231)
        #expect(RGB(128, 128, 128).xterm256 == 244)                 // grey 8 + 10·12 = 128
        #expect(RGB(0x44, 0x01, 0x54).prefersDarkText == false)
        #expect(RGB(0xFD, 0xE7, 0x25).prefersDarkText == true)
        // One shade per fifth of the scale; the lowest is a dot, so that no value is drawn blank.
        #expect(TerminalColour.shades.map { String($0) }.joined() == "·░▒▓█")
        #expect([-1, 0, 0.1, 0.19, 0.2, 0.3, 0.5, 0.7, 0.8, 1, 7, .nan].map(TerminalColour.shade)
                == ["·", "·", "·", "·", "░", "░", "▒", "▓", "█", "█", "█", "·"])
        #expect(TerminalColour.shadeRule(.viridis()) == "·· < 0.2 ≤ ░░ < 0.4 ≤ ▒▒ < 0.6 ≤ ▓▓ < 0.8 ≤ ██")
        #expect(TerminalColour.shadeRule(.diverging(limit: 10), width: 1) == "· < -6 ≤ ░ < -2 ≤ ▒ < 2 ≤ ▓ < 6 ≤ █")
    }

    @Test func ticksAreRoundNumbersCoveringTheRange() {
        #expect(niceTicks(20, 60) == [20, 30, 40, 50, 60])
        #expect(niceTicks(0, 100) == [0, 20, 40, 60, 80, 100])
        let ticks = niceTicks(0.94, 1.56)                            // step 0.2: 0.8 … 1.6
        #expect(ticks.count == 5 && abs(ticks[0] - 0.8) < 1e-9 && abs(ticks[4] - 1.6) < 1e-9, "\(ticks)")
        #expect(niceTicks(5, 5).count >= 2)
    }

    @Test func heatmapHasOneCellPerValueAndEveryLabel() throws {
        let values: [[Float]] = [[0, 0.5, 1], [0.25, 0.75, 0.125]]
        let panel = HeatmapPanel(title: "a <title>", rowLabels: ["r&1", "r2"], columnLabels: ["c1", "</s>", "c3"], values: values,
                                 scale: .viridis(), legendTitle: "α")
        let svg = SVGSheet(title: "sheet", sections: [SVGSheet.Section(panels: [panel])]).render()
        let elements = try #require(parseXML(svg), "not well-formed XML")
        #expect(elements.first?.name == "svg")
        let cells = elements.filter { $0.name == "rect" && $0.attributes["class"] == "cell" }
        #expect(cells.count == 6)
        // Row-major: the cell of row 1, column 2 has the colour of 0.125.
        #expect(cells[5].attributes["fill"] == ColourScale.viridis().colour(0.125).hex)
        let texts = Set(elements.filter { $0.name == "text" }.map(\.text))
        for label in ["r&1", "r2", "c1", "</s>", "c3", "a <title>", "sheet", "α", "0", "0.5", "1"] {
            #expect(texts.contains(label), "label \(label) is missing")
        }
        #expect(elements.contains { $0.name == "linearGradient" })
    }

    @Test func lineChartDrawsEveryFinitePointAndBreaksAtGaps() throws {
        let series = [LineSeries(name: "loss", points: [(1, 2), (2, .nan), (3, 1), (4, 0.5)], colour: LineSeries.palette[0]),
                      LineSeries(name: "bleu", points: [(1, 10), (2, 20), (3, 30), (4, 40)], colour: LineSeries.palette[1], dashed: true)]
        let panel = LineChartPanel(title: "t", xLabel: "step", yLabel: "y", series: series, marker: (x: 3, label: "best"))
        let svg = SVGSheet(title: "chart", sections: [SVGSheet.Section(panels: [panel])]).render()
        let elements = try #require(parseXML(svg))
        #expect(elements.filter { $0.attributes["class"] == "point" }.count == 7)
        // loss: one segment (1) then (3, 4); bleu: one polyline of four points.
        let lines = elements.filter { $0.attributes["class"] == "line" }.compactMap { $0.attributes["points"] }
        #expect(lines.map { $0.split(separator: " ").count } == [2, 4])
        #expect(elements.contains { $0.attributes["class"] == "marker" })
        let texts = Set(elements.filter { $0.name == "text" }.map(\.text))
        for label in ["chart", "t", "step", "y", "loss", "bleu", "dashed line: best"] { #expect(texts.contains(label), "\(label)") }
    }
}
