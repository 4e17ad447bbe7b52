// BLEUTests.swift — Evaluation/BLEU.swift against sacreBLEU 2.6.0: 13a tokens and corpus scores (SPEC §3 `eval`).
// Provenance: every expected value is pasted verbatim from Python 3.11 with `pip install sacrebleu==2.6.0`, after
//   >>> import sacrebleu
//   >>> from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
//   >>> def stats(s): return (s.score, s.counts, s.totals, s.precisions, s.bp, s.sys_len, s.ref_len)
// The `>>>` line beside each literal is the call that printed it. Swift's "\u{301}" is Python's "\u0301".

import Testing
import Seq2SeqCore

/// sacreBLEU's numbers in `stats(s)` order, so the tuple Python prints pastes in unchanged.
private typealias SacreBLEUStats = (
    score: Double, counts: [Int], totals: [Int], precisions: [Double], bp: Double, sysLen: Int, refLen: Int
)

/// Far tighter than the 0.01 that BLEU is printed to; what is left is libm rounding.
private let tolerance = 1e-9

/// Counts and lengths exactly, then score, brevity penalty and each precision to `tolerance`.
private func expectSacreBLEU(
    _ actual: BLEUScore, _ expected: SacreBLEUStats, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.counts == expected.counts, "counts", sourceLocation: sourceLocation)
    #expect(actual.totals == expected.totals, "totals", sourceLocation: sourceLocation)
    #expect(actual.hypothesisLength == expected.sysLen, "sys_len", sourceLocation: sourceLocation)
    #expect(actual.referenceLength == expected.refLen, "ref_len", sourceLocation: sourceLocation)
    #expect(abs(actual.score - expected.score) <= tolerance, "score \(actual.score) vs \(expected.score)",
            sourceLocation: sourceLocation)
    #expect(abs(actual.brevityPenalty - expected.bp) <= tolerance,
            "bp \(actual.brevityPenalty) vs \(expected.bp)", sourceLocation: sourceLocation)
    #expect(actual.precisions.count == expected.precisions.count, "precision count", sourceLocation: sourceLocation)
    for (order, (got, want)) in zip(actual.precisions, expected.precisions).enumerated() {
        #expect(abs(got - want) <= tolerance, "\(order + 1)-gram precision \(got) vs \(want)",
                sourceLocation: sourceLocation)
    }
}

/// Tricky lines for the tokenizer, each with sacreBLEU's tokens.
private let tokenizerCases: [(line: String, tokens: [String])] = [
    // >>> Tokenizer13a()("Hello, world!").split()
    ("Hello, world!", ["Hello", ",", "world", "!"]),
    // >>> Tokenizer13a()("It costs $1,000.50 (approx.), not 3.").split()
    ("It costs $1,000.50 (approx.), not 3.", ["It", "costs", "$", "1,000.50", "(", "approx", ".", ")", ",", "not", "3", "."]),
    // >>> Tokenizer13a()(".5 and 5. and 1.2.3 and a,b and 1,a and a.,5").split()
    (".5 and 5. and 1.2.3 and a,b and 1,a and a.,5", [".", "5", "and", "5", ".", "and", "1.2.3", "and", "a", ",", "b", "and", "1", ",", "a", "and", "a", ".", ",5"]),
    // >>> Tokenizer13a()("The 3-4 split, 2000-2010 - and well-known e-mail; x-7 -5.").split()
    ("The 3-4 split, 2000-2010 - and well-known e-mail; x-7 -5.", ["The", "3", "-", "4", "split", ",", "2000", "-", "2010", "-", "and", "well-known", "e-mail", ";", "x-7", "-5", "."]),
    // >>> Tokenizer13a()("&quot;Quoted&quot; &amp; &lt;tag&gt; &amp;lt;").split()
    ("&quot;Quoted&quot; &amp; &lt;tag&gt; &amp;lt;", ["\"", "Quoted", "\"", "&", "<", "tag", ">", "<"]),
    // >>> Tokenizer13a()("« Il est là ! » dit-il, l'été.").split()
    ("« Il est là ! » dit-il, l'été.", ["«", "Il", "est", "là", "!", "»", "dit-il", ",", "l'été", "."]),
    // >>> Tokenizer13a()("He said \"no\"... then {left} [again]^_`~|@#%*+=/\\").split()
    ("He said \"no\"... then {left} [again]^_`~|@#%*+=/\\", ["He", "said", "\"", "no", "\"", ".", ".", ".", "then", "{", "left", "}", "[", "again", "]", "^", "_", "`", "~", "|", "@", "#", "%", "*", "+", "=", "/", "\\"]),
    // >>> Tokenizer13a()("<skipped> text<skipped>").split()
    ("<skipped> text<skipped>", ["text"]),
    // >>> Tokenizer13a()("line-\nbreak and new\nline").split()
    ("line-\nbreak and new\nline", ["linebreak", "and", "new", "line"]),
    // >>> Tokenizer13a()("tab\there\xa0nbsp\u3000wide\x1cfs").split()
    ("tab\there\u{A0}nbsp\u{3000}wide\u{1C}fs", ["tab", "here", "nbsp", "wide", "fs"]),
    // >>> Tokenizer13a()("e\u0301té cafés").split()
    ("e\u{301}té cafés", ["e\u{301}té", "cafés"]),
    // >>> Tokenizer13a()("don't won't 'quoted'").split()
    ("don't won't 'quoted'", ["don't", "won't", "'quoted'"]),
    // >>> Tokenizer13a()("1--2, 1-2-3 and 4 -- 5").split()
    ("1--2, 1-2-3 and 4 -- 5", ["1", "-", "-2", ",", "1", "-", "2", "-", "3", "and", "4", "--", "5"]),
    // >>> Tokenizer13a()("“Smart” quotes — em dash… and ¿qué?").split()
    ("“Smart” quotes — em dash… and ¿qué?", ["“Smart”", "quotes", "—", "em", "dash…", "and", "¿qué", "?"]),
    // >>> Tokenizer13a()("").split()
    ("", []),
]

struct BLEUTests {
    // MARK: - 13a tokenization

    /// Tokens are compared scalar by scalar: Swift's `String ==` would accept "é" for "e\u{301}".
    @Test(arguments: tokenizerCases)
    func tokenize13aMatchesSacreBLEU(line: String, tokens: [String]) {
        let actual = BLEU.tokenize13a(line)
        #expect(actual.map { Array($0.unicodeScalars) } == tokens.map { Array($0.unicodeScalars) },
                "\(actual) vs \(tokens)")
    }

    // MARK: - Corpus BLEU

    /// sacreBLEU's README example (the dog sentences); our API takes one reference, so its first reference stream.
    @Test func readmeExampleFirstReferenceStream() {
        // >>> stats(sacrebleu.corpus_bleu(["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."],
        // ...                            [["The dog bit the man.", "It was not unexpected.", "The man bit him first."]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."],
                             references: ["The dog bit the man.", "It was not unexpected.", "The man bit him first."]),
            (45.06750632106114, [12, 6, 4, 3], [17, 14, 11, 8], [70.58823529411765, 42.857142857142854, 36.36363636363637, 37.5], 1.0, 17, 17))
    }

    /// The cat sentence: one token short of the reference, so BP = exp(1 − 8/7).
    @Test func catSentenceShortByOneToken() {
        // >>> stats(sacrebleu.corpus_bleu(["The cat sat on the mat."],
        // ...                            [["The cat is sitting on the mat."]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["The cat sat on the mat."],
                             references: ["The cat is sitting on the mat."]),
            (42.38365628278778, [6, 4, 2, 1], [7, 6, 5, 4], [85.71428571428571, 66.66666666666667, 40.0, 25.0], 0.8668778997501817, 7, 8))
    }

    /// Papineni et al.'s example: 7 × "the" matches only the 2 in the reference; orders 2–4 smoothed to 100/(2·6), 100/(4·5), 100/(8·4).
    @Test func repeatedWordIsClipped() {
        // >>> stats(sacrebleu.corpus_bleu(["the the the the the the the"],
        // ...                            [["the cat is on the mat"]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["the the the the the the the"],
                             references: ["the cat is on the mat"]),
            (7.809849842300637, [2, 0, 0, 0], [7, 6, 5, 4], [28.571428571428573, 8.333333333333334, 5.0, 3.125], 1.0, 7, 6))
    }

    /// An empty hypothesis against an empty reference: no n-grams at all, score 0, BP 1.
    @Test func emptyStrings() {
        // >>> stats(sacrebleu.corpus_bleu([""],
        // ...                            [[""]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: [""],
                             references: [""]),
            (0.0, [0, 0, 0, 0], [0, 0, 0, 0], [0.0, 0.0, 0.0, 0.0], 1.0, 0, 0))
    }

    /// Only empty hypotheses against a real reference: hypothesis length 0 ⇒ BP = 0.
    @Test func emptyHypothesesOnly() {
        // >>> stats(sacrebleu.corpus_bleu([""],
        // ...                            [["Hello there."]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: [""],
                             references: ["Hello there."]),
            (0.0, [0, 0, 0, 0], [0, 0, 0, 0], [0.0, 0.0, 0.0, 0.0], 0.0, 0, 3))
    }

    /// One empty hypothesis in a corpus costs nothing but brevity: every n-gram matches.
    @Test func emptyHypothesisInCorpus() {
        // >>> stats(sacrebleu.corpus_bleu(["", "The cat sat on the mat."],
        // ...                            [["Hello there.", "The cat sat on the mat."]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["", "The cat sat on the mat."],
                             references: ["Hello there.", "The cat sat on the mat."]),
            (65.14390575310559, [7, 6, 5, 4], [7, 6, 5, 4], [100.0, 100.0, 100.0, 100.0], 0.6514390575310556, 7, 10))
    }

    /// Identical multi-sentence corpora score 100 (sacreBLEU prints 100.00000000000004).
    @Test func perfectMatchIsHundred() {
        // >>> stats(sacrebleu.corpus_bleu(["The quick brown fox jumps over the lazy dog.", "A second, longer sentence -- with punctuation!"],
        // ...                            [["The quick brown fox jumps over the lazy dog.", "A second, longer sentence -- with punctuation!"]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["The quick brown fox jumps over the lazy dog.", "A second, longer sentence -- with punctuation!"],
                             references: ["The quick brown fox jumps over the lazy dog.", "A second, longer sentence -- with punctuation!"]),
            (100.00000000000004, [19, 17, 15, 13], [19, 17, 15, 13], [100.0, 100.0, 100.0, 100.0], 1.0, 19, 19))
    }

    /// No n-gram in common: score 0 and all precisions 0, unsmoothed (sacreBLEU issue #141).
    @Test func noMatchesIsZero() {
        // >>> stats(sacrebleu.corpus_bleu(["alpha beta gamma delta"],
        // ...                            [["one two three four five"]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["alpha beta gamma delta"],
                             references: ["one two three four five"]),
            (0.0, [0, 0, 0, 0], [4, 3, 2, 1], [0.0, 0.0, 0.0, 0.0], 0.7788007830714049, 4, 5))
    }

    /// A 4-token hypothesis against 9 reference tokens: BP = exp(1 − 9/4); the 4-gram is smoothed to 1/2.
    @Test func shortHypothesisBrevityPenalty() {
        // >>> stats(sacrebleu.corpus_bleu(["The cat sat."],
        // ...                            [["The cat sat on the red mat today."]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["The cat sat."],
                             references: ["The cat sat on the red mat today."]),
            (18.306026428729766, [4, 2, 1, 0], [4, 3, 2, 1], [100.0, 66.66666666666667, 50.0, 50.0], 0.2865047968601901, 4, 9))
    }

    /// Hypotheses of at most 3 tokens have no 4-gram: precision 0, so the score is 0 even for exact matches.
    @Test func noFourGramIsZero() {
        // >>> stats(sacrebleu.corpus_bleu(["a b c", "d e"],
        // ...                            [["a b c", "d e"]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["a b c", "d e"],
                             references: ["a b c", "d e"]),
            (0.0, [5, 3, 1, 0], [5, 3, 1, 0], [100.0, 100.0, 100.0, 0.0], 1.0, 5, 5))
    }

    /// A single matching word: only 1-grams exist, score 0.
    @Test func oneWordPerfectMatchIsZero() {
        // >>> stats(sacrebleu.corpus_bleu(["a"],
        // ...                            [["a"]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["a"],
                             references: ["a"]),
            (0.0, [1, 0, 0, 0], [1, 0, 0, 0], [100.0, 0.0, 0.0, 0.0], 1.0, 1, 1))
    }

    /// One substituted word: fewer matches at every order, but no order without a match.
    @Test func oneSubstitutedWord() {
        // >>> stats(sacrebleu.corpus_bleu(["the cat sat on a mat"],
        // ...                            [["the cat sat on the mat"]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["the cat sat on a mat"],
                             references: ["the cat sat on the mat"]),
            (53.7284965911771, [5, 3, 2, 1], [6, 5, 4, 3], [83.33333333333333, 60.0, 50.0, 33.333333333333336], 1.0, 6, 6))
    }

    /// No 3-gram and no 4-gram matches: "exp" smoothing gives them 100/(2·4) and 100/(4·3).
    @Test func expSmoothingOfUnmatchedOrders() {
        // >>> stats(sacrebleu.corpus_bleu(["the cat and the dog ran"],
        // ...                            [["the cat with the dog sat"]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["the cat and the dog ran"],
                             references: ["the cat with the dog sat"]),
            (22.957488466614336, [4, 2, 0, 0], [6, 5, 4, 3], [66.66666666666667, 40.0, 12.5, 8.333333333333334], 1.0, 6, 6))
    }

    /// A hypothesis longer than its reference: BP = 1, precisions fall.
    @Test func longerHypothesisHasNoPenalty() {
        // >>> stats(sacrebleu.corpus_bleu(["the cat sat on the mat and then it slept for a while"],
        // ...                            [["the cat sat on the mat"]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["the cat sat on the mat and then it slept for a while"],
                             references: ["the cat sat on the mat"]),
            (38.05803001674947, [6, 5, 4, 3], [13, 12, 11, 10], [46.15384615384615, 41.666666666666664, 36.36363636363637, 30.0], 1.0, 13, 6))
    }

    /// 13a keeps "1,000.50" and "3.5" whole, splits "2000-2010" and "%".
    @Test func numbersAndDashes() {
        // >>> stats(sacrebleu.corpus_bleu(["It costs $1,000.50 now.", "Between 2000-2010 prices rose 3.5%."],
        // ...                            [["It costs $1,000.50 today.", "From 2000-2010 prices rose by 3.5 %."]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["It costs $1,000.50 now.", "Between 2000-2010 prices rose 3.5%."],
                             references: ["It costs $1,000.50 today.", "From 2000-2010 prices rose by 3.5 %."]),
            (53.764322160843534, [13, 9, 6, 3], [15, 13, 11, 9], [86.66666666666667, 69.23076923076923, 54.54545454545455, 33.333333333333336], 0.9355069850316178, 15, 16))
    }

    /// French with guillemets and accents; "dit-il" and "l'été" stay single tokens.
    @Test func accentedFrench() {
        // >>> stats(sacrebleu.corpus_bleu(["« Il est là ! » dit-il, l'été dernier.", "C'est déjà fini."],
        // ...                            [["« Il est ici ! » a-t-il dit, l'été dernier.", "C'est fini déjà."]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["« Il est là ! » dit-il, l'été dernier.", "C'est déjà fini."],
                             references: ["« Il est ici ! » a-t-il dit, l'été dernier.", "C'est fini déjà."]),
            (31.04084587236077, [13, 6, 3, 1], [15, 13, 11, 9], [86.66666666666667, 46.15384615384615, 27.272727272727273, 11.11111111111111], 0.9355069850316178, 15, 16))
    }

    /// &quot; &amp; &lt; &gt; are unescaped before tokenizing, so both sides agree exactly.
    @Test func htmlEntitiesAreUnescaped() {
        // >>> stats(sacrebleu.corpus_bleu(["&quot;Hello&quot; &amp; goodbye, &lt;friend&gt;."],
        // ...                            [["\"Hello\" & goodbye, <friend>."]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["&quot;Hello&quot; &amp; goodbye, &lt;friend&gt;."],
                             references: ["\"Hello\" & goodbye, <friend>."]),
            (100.00000000000004, [10, 9, 8, 7], [10, 9, 8, 7], [100.0, 100.0, 100.0, 100.0], 1.0, 10, 10))
    }

    /// "café" precomposed vs "cafe" + U+0301: Python compares code points, so they do not match (Swift's String == would say they do).
    @Test func canonicallyEquivalentSpellingsDiffer() {
        // >>> stats(sacrebleu.corpus_bleu(["un caf\xe9 au lait chaud"],
        // ...                            [["un cafe\u0301 au lait chaud"]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["un caf\u{E9} au lait chaud"],
                             references: ["un cafe\u{301} au lait chaud"]),
            (42.72870063962342, [4, 2, 1, 0], [5, 4, 3, 2], [80.0, 50.0, 33.333333333333336, 25.0], 1.0, 5, 5))
    }

    /// Trailing whitespace is stripped first: an inner "-\n" joins the words, a final one keeps its dash.
    @Test func trailingWhitespaceAndLineBreakHyphen() {
        // >>> stats(sacrebleu.corpus_bleu(["a broken-\nline here  \t", "ends with a dash-\n"],
        // ...                            [["a brokenline here", "ends with a dash-"]]))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: ["a broken-\nline here  \t", "ends with a dash-\n"],
                             references: ["a brokenline here", "ends with a dash-"]),
            (100.00000000000004, [7, 5, 3, 1], [7, 5, 3, 1], [100.0, 100.0, 100.0, 100.0], 1.0, 7, 7))
    }

    /// An empty corpus. sacreBLEU raises IndexError for `corpus_bleu([], [[]])`; we return what its scorer
    /// gives for all-zero statistics.
    @Test func emptyCorpus() {
        // >>> from sacrebleu.metrics import BLEU
        // >>> stats(BLEU.compute_bleu([0, 0, 0, 0], [0, 0, 0, 0], 0, 0, smooth_method="exp"))
        expectSacreBLEU(
            BLEU.corpusScore(hypotheses: [], references: []),
            (0.0, [0, 0, 0, 0], [0, 0, 0, 0], [0.0, 0.0, 0.0, 0.0], 1.0, 0, 0))
    }

    @Test func signatureNamesTheCheckedVersion() {
        // >>> from sacrebleu.metrics import BLEU
        // >>> bleu = BLEU(); bleu.corpus_score(["a"], [["a"]]); str(bleu.get_signature())
        #expect(BLEUScore.signature == "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0")
    }
}
