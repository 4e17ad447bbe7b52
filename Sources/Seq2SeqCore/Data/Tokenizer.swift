// Tokenizer.swift — sentence ⇄ tokens: `char` (one token per grapheme), `word` (words and punctuation, with
// OpenNMT-style joiner marks so that detokenize gives back the text as written) or `bpe` (word tokens cut into
// subword pieces by byte-pair merges, BPE.swift). Stage [1]; SPEC §1 "Tokens", §2 (tokenization, lowercasing and
// the merges are stored in the checkpoint config).

/// How a sentence is cut into tokens; stored in the checkpoint config as `"char"`, `"word"` or `"bpe"`.
public enum Tokenization: String, Codable, Sendable, CaseIterable {
    /// One token per Swift `Character` (extended grapheme cluster): "é", "👍🏽" and a space are one token each.
    case char
    /// Words and punctuation marks, with joiner marks; see `Tokenizer`.
    case word
    /// `word` tokens cut into subword pieces by byte-pair merges learned on the training split; see `Tokenizer`.
    case bpe
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
///
/// **`bpe`**: the `word` tokens, each cut into pieces by `bpe` (BPE.swift). The joiners a word token carries stay
/// outside the cutting (the merges see "!" in `￭!`, and `(` in `(￭`), and the pieces of one token are glued with
/// the same joiner, on every piece but the last: "unbelievable!" → `un￭ believ￭ able ￭!`. So detokenize is the
/// `word` one unchanged, and the round trip gives back exactly what `word`'s does. A `bpe` tokenizer whose merges
/// are not learned yet (`bpe == nil`) cuts every word into its characters.
public struct Tokenizer: Codable, Equatable, Sendable {
    /// The joiner mark of the `word` scheme: U+FFED HALFWIDTH BLACK SQUARE, as in OpenNMT's tokenizer.
    public static let joiner: Character = "\u{FFED}"

    /// How text is split: characters, words or BPE pieces.
    public var tokenization: Tokenization
    /// Lowercase the text before splitting.
    public var lowercase: Bool
    /// The merges of the `bpe` scheme (nil for `char` and `word`).
    public var bpe: BytePairEncoding?

    /// A tokenizer of `tokenization` that keeps case unless `lowercase`. A `bpe` one learns its merges in
    /// `Trainer` (or takes them from `bpe`).
    public init(tokenization: Tokenization, lowercase: Bool = false, bpe: BytePairEncoding? = nil) {
        self.tokenization = tokenization
        self.lowercase = lowercase
        self.bpe = bpe
    }

    /// Splits `text` into tokens by the tokenization scheme, lowercased first if `lowercase`.
    public func tokenize(_ text: String) -> [String] {
        let text = lowercase ? text.lowercased() : text
        switch tokenization {
        case .char: return text.map { String($0) }
        case .word: return Self.wordTokens(text)
        case .bpe: return Self.wordTokens(text).flatMap(subwordPieces)
        }
    }

    /// The inverse of `tokenize`: joins tokens back into text (lowercasing is not undone).
    public func detokenize(_ tokens: [String]) -> String {
        switch tokenization {
        case .char: return tokens.joined()
        case .word, .bpe: return Self.joinWordTokens(tokens)
        }
    }

    /// This tokenizer with `count` merges learned from `texts` (one table for source and target: pass both sides),
    /// when its scheme is `bpe`; any other tokenizer is returned as it is.
    ///
    /// One joint table, as Sennrich et al. do for related languages (§3.2 of the paper): English and French share an
    /// alphabet and many names, numbers and cognates, and a joint table cuts such a word the same way on both sides,
    /// which makes it easy for the model to copy it piece by piece; separate tables would cut "Tom" or "Boston"
    /// differently on each side.
    public func learningMerges(from texts: [String], count: Int) -> Tokenizer {
        switch tokenization {
        case .char, .word: return self
        case .bpe:
            var words: [String: Int] = [:]
            for text in texts {
                for token in Self.wordTokens(lowercase ? text.lowercased() : text) {
                    words[String(Self.withoutJoiners(token).body), default: 0] += 1
                }
            }
            return Tokenizer(tokenization: .bpe, lowercase: lowercase, bpe: BytePairEncoding.learn(words: words, count: count))
        }
    }

    // MARK: - bpe: cutting word tokens

    /// A word token's text without the joiners it carries, and which sides carried one (as `joinWordTokens` reads
    /// them: a joiner counts only on a token longer than the joiner alone).
    private static func withoutJoiners(_ token: String) -> (body: Substring, leading: Bool, trailing: Bool) {
        var body = Substring(token)
        var leading = false, trailing = false
        if body.count > 1 && body.first == joiner {
            leading = true
            body = body.dropFirst()
        }
        if body.count > 1 && body.last == joiner {
            trailing = true
            body = body.dropLast()
        }
        return (body, leading, trailing)
    }

    /// The pieces of one word token: every piece but the last glued to the next by a trailing joiner, and the
    /// token's own joiners put back on its first and last piece.
    private func subwordPieces(_ token: String) -> [String] {
        let (body, leading, trailing) = Self.withoutJoiners(token)
        let word = String(body)
        var pieces = bpe?.pieces(word) ?? BytePairEncoding.split(word, ranks: [:])
        let joiner = String(Self.joiner)
        for k in pieces.indices.dropLast() { pieces[k] += joiner }
        if leading { pieces[0] = joiner + pieces[0] }
        if trailing { pieces[pieces.count - 1] += joiner }
        return pieces
    }

    /// The tokens of `tokens` grouped into the word tokens they were cut from (`bpe`: consecutive ranges that cover
    /// `tokens`; `char` and `word`: one token each). Read from the tokens alone, so it works on model output too: a
    /// piece continues the one before when that one ends with a joiner, this one starts without one, and the two
    /// meet between word characters (letters, digits, an apostrophe; `<unk>` counts as one), between a digit and
    /// `.` or `,` ("1￭ .￭ 83"), or between the same mark ("..￭ ." is one token "..."). So "Z￭ ol￭ tán" is one group,
    /// and a mark glued to a word ("(￭ e", "1987 ￭.") stays apart from it.
    public func wordGroups(_ tokens: [String]) -> [Range<Int>] {
        switch tokenization {
        case .char, .word: return tokens.indices.map { $0 ..< $0 + 1 }
        case .bpe:
            var groups: [Range<Int>] = []
            var start = 0
            for k in tokens.indices.dropFirst() where !Self.continues(tokens[k - 1], with: tokens[k]) {
                groups.append(start ..< k)
                start = k
            }
            if !tokens.isEmpty { groups.append(start ..< tokens.count) }
            return groups
        }
    }

    /// Whether `next` is the next piece of the word token `piece` belongs to (see `wordGroups`).
    private static func continues(_ piece: String, with next: String) -> Bool {
        let (body, _, trailing) = withoutJoiners(piece)
        let (nextBody, leading, _) = withoutJoiners(next)
        guard trailing, !leading, let last = body.last, let first = nextBody.first else { return false }
        let unknown = Vocabulary.specials[Vocabulary.unk]
        func isWordCharacter(_ c: Character, of text: Substring) -> Bool {
            text == unknown || c.isLetter || c.isNumber || apostrophes.contains(c)
        }
        if isWordCharacter(last, of: body) && isWordCharacter(first, of: nextBody) { return true }
        if (last.isNumber && numberSeparators.contains(first)) || (numberSeparators.contains(last) && first.isNumber) { return true }
        return last == first && body.allSatisfy { $0 == last }
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
