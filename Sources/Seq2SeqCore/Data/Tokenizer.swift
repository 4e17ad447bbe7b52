// Tokenizer.swift — sentence ⇄ tokens: `char` (one token per grapheme) or `word` (words and punctuation, with
// OpenNMT-style joiner marks so that detokenize gives back the text as written). Stage [1]; SPEC §1 "Tokens",
// §2 (tokenization and lowercasing are stored in the checkpoint config).

/// How a sentence is cut into tokens; stored in the checkpoint config as `"char"` or `"word"`.
public enum Tokenization: String, Codable, Sendable, CaseIterable {
    /// One token per Swift `Character` (extended grapheme cluster): "é", "👍🏽" and a space are one token each.
    case char
    /// Words and punctuation marks, with joiner marks; see `Tokenizer`.
    case word
}

/// Splits sentences into tokens and joins tokens back into sentences.
///
/// **`char`**: one token per `Character`, spaces included; detokenize concatenates, so every text comes back exactly.
///
/// **`word`**: the text is cut at breaking whitespace (spaces, tabs, line breaks; any run counts as one gap), and each
/// piece into *words* (maximal runs of letters and digits) and *marks* (every other character: punctuation, symbols,
/// emoji, and the no-break spaces U+00A0, U+2007, U+202F). Two exceptions keep common words whole: an apostrophe
/// (`'` or `’`) between two letters stays inside the word ("don't", "l'homme", "aujourd'hui", "c'est", "J’y"), and
/// `.` or `,` between two digits stays inside the number ("3.5", "1,83", "10,000"). A run of one repeated mark is
/// one token ("...", "--", "!!").
///
/// Whether two neighbouring tokens were written with a space between them is recorded with the joiner `￭`
/// (U+FFED, as OpenNMT's `joiner_annotate`), always on the mark's side, so words stay clean vocabulary entries:
/// - a mark glued to the token before it carries a leading joiner: "Hi!" → `Hi ￭!`, while "Salut !" → `Salut !`;
/// - a mark glued to the word after it carries a trailing joiner: "(e)" → `(￭ e ￭)`, "« Oui »" → `« Oui »`;
/// - a mark glued on both sides carries both: "peut-être" → `peut ￭-￭ être`, "U.S." → `U ￭.￭ S ￭.`.
/// Two words are never glued (a maximal run of letters cannot be followed by a letter), so this covers every case.
/// A no-break space is kept as a mark, not a gap, so French typography survives: "Salut\u{A0}!" → `Salut ￭\u{A0} ￭!`.
///
/// detokenize joins tokens with one space, except where a joiner says "glued" (a lone `￭` token glues its two
/// neighbours). Hence `detokenize(tokenize(s)) == s` for every text whose breaking whitespace is already single
/// spaces with none at either end, and `== Tokenizer.collapsingWhitespace(s)` for every other text. The one
/// exception is text that itself contains `￭` (U+FFED), which cannot be told apart from the mark.
/// Lowercasing, when on, happens before splitting (so detokenize gives the lowercased text).
public struct Tokenizer: Codable, Equatable, Sendable {
    /// The joiner mark of the `word` scheme: U+FFED HALFWIDTH BLACK SQUARE, as in OpenNMT's tokenizer.
    public static let joiner: Character = "\u{FFED}"

    public var tokenization: Tokenization
    public var lowercase: Bool

    public init(tokenization: Tokenization, lowercase: Bool) {
        self.tokenization = tokenization
        self.lowercase = lowercase
    }

    public func tokenize(_ text: String) -> [String] {
        let text = lowercase ? text.lowercased() : text
        switch tokenization {
        case .char: return text.map { String($0) }
        case .word: return Self.wordTokens(text)
        }
    }

    public func detokenize(_ tokens: [String]) -> String {
        switch tokenization {
        case .char: return tokens.joined()
        case .word: return Self.joinWordTokens(tokens)
        }
    }

    /// The text with each run of breaking whitespace made one space and none at either end: what a `word`
    /// round trip gives back (before lowercasing). No-break spaces are kept, as the word tokenizer keeps them.
    public static func collapsingWhitespace(_ text: String) -> String {
        text.split(whereSeparator: isGap).joined(separator: " ")
    }

    // MARK: - word: splitting

    /// What a character is to the word scheme.
    private enum Role { case gap, word, mark }

    /// No-break spaces: whitespace that must not break a line, so it does not break tokens either.
    private static let noBreakSpaces: Set<Character> = ["\u{00A0}", "\u{2007}", "\u{202F}"]
    /// Apostrophes that stay inside a word when written between two letters.
    private static let apostrophes: Set<Character> = ["'", "\u{2019}"]
    /// Separators that stay inside a number when written between two digits.
    private static let numberSeparators: Set<Character> = [".", ","]

    private static func isGap(_ c: Character) -> Bool { c.isWhitespace && !noBreakSpaces.contains(c) }

    private static func roles(_ chars: [Character]) -> [Role] {
        chars.indices.map { i in
            let c = chars[i]
            if isGap(c) { return .gap }
            if c.isLetter || c.isNumber { return .word }
            let hasNeighbours = i > 0 && i + 1 < chars.count
            if hasNeighbours, apostrophes.contains(c), chars[i - 1].isLetter, chars[i + 1].isLetter { return .word }
            if hasNeighbours, numberSeparators.contains(c), chars[i - 1].isNumber, chars[i + 1].isNumber { return .word }
            return .mark
        }
    }

    private static func wordTokens(_ text: String) -> [String] {
        let chars = Array(text)
        let roles = roles(chars)
        let starts = Array(text.indices) + [text.endIndex]   // starts[i] = where chars[i] begins in text
        // Pieces in order; `glued` = no gap between this piece and the one before it.
        var pieces: [(text: String, role: Role, glued: Bool)] = []
        var afterGap = true
        var i = 0
        while i < chars.count {
            var j = i + 1
            switch roles[i] {
            case .gap:
                afterGap = true
                i = j
                continue
            case .word:
                while j < chars.count && roles[j] == .word { j += 1 }
            case .mark:
                while j < chars.count && roles[j] == .mark && chars[j] == chars[i] { j += 1 }
            }
            pieces.append((String(text[starts[i]..<starts[j]]), roles[i], !afterGap && !pieces.isEmpty))
            afterGap = false
            i = j
        }
        // Joiners go on the mark's side of each glued pair (a word is glued only to marks).
        var tokens = pieces.map(\.text)
        let joiner = String(Self.joiner)
        for k in pieces.indices.dropFirst() where pieces[k].glued {
            switch pieces[k].role {
            case .mark: tokens[k] = joiner + tokens[k]
            case .word: tokens[k - 1] += joiner
            case .gap: break   // gaps never become pieces
            }
        }
        return tokens
    }

    // MARK: - word: joining

    private static func joinWordTokens(_ tokens: [String]) -> String {
        var text = ""
        var gluedToNext = true   // nothing goes before the first token
        for token in tokens where !token.isEmpty {
            if token == String(joiner) {   // a lone joiner glues its neighbours
                gluedToNext = true
                continue
            }
            var body = Substring(token)
            var gluedToPrevious = false
            if body.count > 1 && body.first == joiner {
                gluedToPrevious = true
                body = body.dropFirst()
            }
            var gluedToFollowing = false
            if body.count > 1 && body.last == joiner {
                gluedToFollowing = true
                body = body.dropLast()
            }
            if !gluedToNext && !gluedToPrevious { text += " " }
            text += body
            gluedToNext = gluedToFollowing
        }
        return text
    }
}
