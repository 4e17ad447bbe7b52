// TypedInput.swift — source text as people type it, made into text as the corpus writes it, before tokenizing.
// Stage [1]. One function, used wherever a source sentence is tokenized (translate, attention, inspect, eval, score
// and train), so training and translation see the same text.

import Foundation

/// The normalisation of a source sentence before it is tokenized.
///
/// What people type differs from the corpus in ways that mean nothing: a typographic apostrophe where the corpus has
/// `'`, curly quotes where it has `"`, a double space, a tab, a trailing CR from a Windows file, a letter and its
/// accent as two code points. The English side of Corpora/eng-fra (161,000 pairs) writes the apostrophe `'` 55,119
/// times and `’` or `‘` 37 times, the double quote `"` 828 times and a typographic one never, all in NFC. So:
/// - `’ ‘ ‚ ‛ ′` become `'`, and `“ ” „ « »` become `"`;
/// - each run of breaking whitespace (spaces, tabs, CR, LF, the Unicode spaces that break a line) becomes one
///   space, and whitespace at either end is removed (a CRLF line end or a trailing CR with it);
/// - the text is put in Unicode canonical composition (NFC): `e` + U+0301 becomes `é`.
///
/// Nothing else changes: case, punctuation and the no-break spaces inside the text (U+00A0, U+2007, U+202F, which
/// the tokenizer keeps as marks) are kept. The target side is never normalised: it is what the model learns to write.
public enum TypedInput {
    /// Apostrophes and primes typed for `'`.
    static let apostrophes: Set<Unicode.Scalar> = ["\u{2019}", "\u{2018}", "\u{201A}", "\u{201B}", "\u{2032}"]
    /// Quotation marks typed for `"`.
    static let quotes: Set<Unicode.Scalar> = ["\u{201C}", "\u{201D}", "\u{201E}", "\u{00AB}", "\u{00BB}"]
    /// Whitespace that does not break a line (as `Tokenizer` counts it): kept inside the text.
    static let noBreakSpaces: Set<Unicode.Scalar> = ["\u{00A0}", "\u{2007}", "\u{202F}"]

    /// `text` normalised as the type's documentation says; text already in the corpus's form comes back unchanged.
    public static func normalized(_ text: String) -> String {
        if isPlainASCII(text) { return text }
        var scalars = String.UnicodeScalarView()
        var pendingGap = false                           // a run of breaking whitespace since the last kept scalar
        for scalar in text.precomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.properties.isWhitespace && !noBreakSpaces.contains(scalar) {
                pendingGap = true
                continue
            }
            if pendingGap && !scalars.isEmpty { scalars.append(" ") }
            pendingGap = false
            scalars.append(apostrophes.contains(scalar) ? "'" : quotes.contains(scalar) ? "\"" : scalar)
        }
        return trimmingWhitespace(String(scalars))
    }

    /// True when `text` is printable ASCII with single spaces and none at either end: then there is nothing to do.
    static func isPlainASCII(_ text: String) -> Bool {
        var previous: UInt8 = 0x20                       // as if a space came before: a leading space is not plain
        for byte in text.utf8 {
            guard (0x20...0x7E).contains(byte), !(byte == 0x20 && previous == 0x20) else { return false }
            previous = byte
        }
        return previous != 0x20 || text.isEmpty
    }

    /// Without whitespace (no-break spaces included) at either end.
    static func trimmingWhitespace(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}

extension TypedInput {
    /// Final punctuation that people often leave out when they type a sentence.
    static let finalMarks: Set<Character> = [".", "!", "?", "…"]

    /// `text` as people often type it in a hurry: in lower case, without the final `.`, `!`, `?` or `…` (and the
    /// spaces before them). "Where is the station?" → "where is the station". Used for the typed copies of training
    /// pairs (`TrainOptions.typedCopies`) and by `seq2seq eval --typed-casually`; nil when that changes nothing.
    public static func casual(_ text: String) -> String? {
        var casual = normalized(text).lowercased()
        while let last = casual.last, finalMarks.contains(last) || last == " " { casual.removeLast() }
        return casual.isEmpty || casual == text ? nil : casual
    }
}

extension Tokenizer {
    /// The tokens of a source sentence: `TypedInput.normalized`, then `tokenize`. Every path that reads a source
    /// sentence (training, translation, evaluation, scoring, inspection) tokenizes it with this.
    public func tokenizeSource(_ text: String) -> [String] {
        tokenize(TypedInput.normalized(text))
    }
}
