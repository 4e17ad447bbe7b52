// Colour.swift — how a number becomes a colour, the same in an SVG picture and in a terminal: viridis (perceptually
// uniform, colour-blind safe) for values in [0, 1] such as attention weights and gates, ColorBrewer's RdBu for signed
// values (tanh outputs, cell states); xterm-256 escapes and the shades "·░▒▓█" for text. Stage [10].

import Foundation

/// An sRGB colour.
public struct RGB: Equatable, Sendable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    /// A colour from its three 8-bit channels.
    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// `#rrggbb`, as SVG writes it.
    public var hex: String { String(format: "#%02x%02x%02x", red, green, blue) }

    /// Relative luminance (WCAG 2): 0 for black, 1 for white.
    public var luminance: Double {
        func linear(_ channel: UInt8) -> Double {
            let c = Double(channel) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    /// Whether black text reads better on this colour than white (the WCAG contrast crossover, L ≈ 0.179).
    public var prefersDarkText: Bool { luminance > 0.179 }

    /// The nearest of xterm's 256 colours: the 6×6×6 cube (16–231) or the 24 greys (232–255).
    public var xterm256: Int {
        let levels = [0, 95, 135, 175, 215, 255]
        func nearestLevel(_ channel: UInt8) -> Int {
            levels.indices.min { abs(levels[$0] - Int(channel)) < abs(levels[$1] - Int(channel)) } ?? 0
        }
        func distance(_ r: Int, _ g: Int, _ b: Int) -> Int {
            let dr = r - Int(red), dg = g - Int(green), db = b - Int(blue)
            return dr * dr + dg * dg + db * db
        }
        let (r, g, b) = (nearestLevel(red), nearestLevel(green), nearestLevel(blue))
        let cube = 16 + 36 * r + 6 * g + b
        let cubeDistance = distance(levels[r], levels[g], levels[b])
        let average = (Int(red) + Int(green) + Int(blue)) / 3
        let grey = min(23, max(0, (average - 8 + 5) / 10))        // grey k is 8 + 10k
        let greyLevel = 8 + 10 * grey
        return distance(greyLevel, greyLevel, greyLevel) < cubeDistance ? 232 + grey : cube
    }
}

/// Values in `lower ... upper` to colours, by linear interpolation between evenly spaced anchor colours.
/// Values outside the range take the end colours.
public struct ColourScale: Equatable, Sendable {
    /// Colours at evenly spaced points from `lower` to `upper`.
    public let anchors: [RGB]
    /// The value drawn in the first anchor's colour.
    public let lower: Double
    /// The value drawn in the last anchor's colour.
    public let upper: Double

    /// A scale from `lower` to `upper` through evenly spaced `anchors` (at least two).
    public init(anchors: [RGB], lower: Double, upper: Double) {
        precondition(anchors.count >= 2 && lower < upper, "a colour scale needs two anchors and lower < upper")
        self.anchors = anchors
        self.lower = lower
        self.upper = upper
    }

    /// matplotlib's viridis at ten evenly spaced points (as R's viridisLite::viridis(10) lists them):
    /// dark violet at `lower`, yellow at `upper`, lightness rising evenly in between.
    public static func viridis(_ lower: Double = 0, _ upper: Double = 1) -> ColourScale {
        ColourScale(anchors: [RGB(0x44, 0x01, 0x54), RGB(0x48, 0x28, 0x78), RGB(0x3E, 0x4A, 0x89), RGB(0x31, 0x68, 0x8E),
                              RGB(0x26, 0x82, 0x8E), RGB(0x1F, 0x9E, 0x89), RGB(0x35, 0xB7, 0x79), RGB(0x6D, 0xCD, 0x59),
                              RGB(0xB4, 0xDE, 0x2C), RGB(0xFD, 0xE7, 0x25)],
                    lower: lower, upper: upper)
    }

    /// ColorBrewer's 11-class RdBu, blue for −limit, near-white for 0, red for +limit.
    public static func diverging(limit: Double) -> ColourScale {
        ColourScale(anchors: [RGB(0x05, 0x30, 0x61), RGB(0x21, 0x66, 0xAC), RGB(0x43, 0x93, 0xC3), RGB(0x92, 0xC5, 0xDE),
                              RGB(0xD1, 0xE5, 0xF0), RGB(0xF7, 0xF7, 0xF7), RGB(0xFD, 0xDB, 0xC7), RGB(0xF4, 0xA5, 0x82),
                              RGB(0xD6, 0x60, 0x4D), RGB(0xB2, 0x18, 0x2B), RGB(0x67, 0x00, 0x1F)],
                    lower: -limit, upper: limit)
    }

    /// Where `value` sits in the range, clamped to [0, 1] (NaN counts as the middle).
    public func fraction(_ value: Double) -> Double {
        guard !value.isNaN else { return 0.5 }
        return min(1, max(0, (value - lower) / (upper - lower)))
    }

    /// The colour of `value`, interpolated linearly between anchors; values outside the range are clamped.
    public func colour(_ value: Double) -> RGB {
        let position = fraction(value) * Double(anchors.count - 1)
        let k = min(anchors.count - 2, Int(position))
        let t = position - Double(k)
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded()) }
        let a = anchors[k], b = anchors[k + 1]
        return RGB(mix(a.red, b.red), mix(a.green, b.green), mix(a.blue, b.blue))
    }

    /// Five evenly spaced values from `lower` to `upper`, for a legend.
    public var ticks: [Double] { (0...4).map { lower + (upper - lower) * Double($0) / 4 } }

    /// The signed scale for values whose largest magnitude is `largest`: ±1 when that is at most 1 (tanh outputs),
    /// otherwise ± the next value of the sequence 1, 2, 5, 10, 20, 50, … at or above it (cell states).
    public static func divergingCovering(_ largest: Double) -> ColourScale {
        guard largest.isFinite, largest > 1 else { return diverging(limit: 1) }
        let factors = [2.0, 2.5, 2.0]                        // 1 → 2 → 5 → 10 → 20 → 50 → …
        var limit = 1.0, k = 0
        while limit < largest {
            limit *= factors[k % factors.count]
            k += 1
        }
        return diverging(limit: limit)
    }
}

/// Colour in a terminal: xterm-256 escapes (understood by every current terminal, and by macOS Terminal, which
/// has no 24-bit colour) and the plain shade blocks for output that is not a terminal.
public enum TerminalColour {
    /// The shades from low to high, one for each fifth of a scale. The lowest is a dot, not a space, so that no
    /// value is drawn blank.
    public static let shades: [Character] = ["·", "░", "▒", "▓", "█"]

    /// The shade of the fraction 0 … 1 of a scale: fifth k (k/5 ≤ fraction < (k+1)/5) gets `shades[k]`, 1 the
    /// last; a fraction outside 0 … 1 is clamped (NaN counts as 0).
    public static func shade(_ fraction: Double) -> Character {
        shades[min(shades.count - 1, Int(min(1, max(0, fraction.isNaN ? 0 : fraction)) * Double(shades.count)))]
    }

    /// The rule the shades of `scale` follow, each drawn `width` times, the boundaries between them in the scale's
    /// units: "·· < 0.2 ≤ ░░ < 0.4 ≤ ▒▒ < 0.6 ≤ ▓▓ < 0.8 ≤ ██" for 0 … 1.
    public static func shadeRule(_ scale: ColourScale, width: Int = 2) -> String {
        var rule = ""
        for (k, shade) in shades.enumerated() {
            if k > 0 {
                let boundary = scale.lower + (scale.upper - scale.lower) * Double(k) / Double(shades.count)
                rule += " < " + SVGWriter.number(boundary) + " ≤ "
            }
            rule += String(repeating: shade, count: width)
        }
        return rule
    }

    /// `text` on a background of `colour`, in black or white, whichever reads better; then the colours reset.
    public static func painted(_ text: String, background colour: RGB) -> String {
        let foreground = colour.prefersDarkText ? 16 : 231
        return "\u{1B}[38;5;\(foreground);48;5;\(colour.xterm256)m" + text + reset
    }

    /// The escape sequence that restores the terminal's default colours.
    public static let reset = "\u{1B}[0m"
}
