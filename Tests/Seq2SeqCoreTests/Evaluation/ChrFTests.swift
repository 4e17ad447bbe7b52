// ChrFTests.swift — Evaluation/ChrF.swift against sacreBLEU 2.6.0's chrF with its defaults (chrF2), SPEC §3 `eval`.
// Provenance: every expected value is pasted verbatim from Python 3.11.7 with `pip install sacrebleu==2.6.0`, after
//   >>> from sacrebleu.metrics import CHRF
//   >>> from sacrebleu.utils import sum_of_lists
//   >>> def stats(h, r):
//   ...     m = CHRF(); s = m.corpus_score(h, [r]); st = sum_of_lists(m._extract_corpus_statistics(h, [r]))
//   ...     return (s.score, st[0::3], st[1::3], st[2::3])
// which gives the score and, per order 1...6, the summed hypothesis n-grams, reference n-grams and matches.
// The `>>>` line above each case is the call that printed it. Swift's "\u{301}" is Python's "\u0301".
// The inputs marked test_chrf.py are those of sacreBLEU's own test/test_chrf.py (which scores them with other
// settings, β = 3 or epsilon smoothing); the numbers here are chrF2's, from the call shown.

import Testing
import Seq2SeqCore

/// One corpus and sacreBLEU's numbers for it, in `stats(h, r)` order so the tuple Python prints pastes in unchanged.
struct ChrFCase: Sendable, CustomTestStringConvertible {
    let why: String
    let hypotheses: [String]
    let references: [String]
    let score: Double
    let hypothesisNGrams: [Int], referenceNGrams: [Int], matches: [Int]

    init(_ why: String, hypotheses: [String], references: [String], expected: (Double, [Int], [Int], [Int])) {
        self.why = why
        self.hypotheses = hypotheses
        self.references = references
        (score, hypothesisNGrams, referenceNGrams, matches) = expected
    }

    var testDescription: String { why }
}

/// Far tighter than the 0.01 that chrF is printed to; what is left is floating-point rounding.
private let tolerance = 1e-9

private let cases: [ChrFCase] = [
    // >>> stats(['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'],
    // ...       ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'])
    ChrFCase("sacreBLEU's README example (the dog sentences), its first reference stream",
             hypotheses: ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."],
             references: ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
             expected: (50.043063606582294, [58, 55, 52, 49, 46, 43], [53, 50, 47, 44, 41, 38], [42, 30, 24, 19, 16, 13])),
    // >>> stats(['Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.'],
    // ...       ['Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.'])
    ChrFCase("sacreBLEU's test_chrf.py, sentence level 1 (Czech)",
             hypotheses: ["Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře."],
             references: ["Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře."],
             expected: (39.14081690316369, [61, 60, 59, 58, 57, 56], [66, 65, 64, 63, 62, 61], [43, 28, 23, 20, 18, 16])),
    // >>> stats(['Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.'],
    // ...       ['A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.'])
    ChrFCase("sacreBLEU's test_chrf.py, sentence level 2 (Czech)",
             hypotheses: ["Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři."],
             references: ["A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři."],
             expected: (31.225641469352972, [56, 55, 54, 53, 52, 51], [64, 63, 62, 61, 60, 59], [44, 24, 16, 12, 10, 8])),
    // >>> stats(['Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.'],
    // ...       ['Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.'])
    ChrFCase("sacreBLEU's test_chrf.py, sentence level 3 (Czech)",
             hypotheses: ["Lapali po dechu, jejich životy skončily dřív, než skutečně začaly."],
             references: ["Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli."],
             expected: (57.157427512824064, [57, 56, 55, 54, 53, 52], [73, 72, 71, 70, 69, 68], [54, 45, 40, 35, 31, 27])),
    // >>> stats(['abcdefg'],
    // ...       ['hijklmnop'])
    ChrFCase("sacreBLEU's test_chrf.py: no character in common",
             hypotheses: ["abcdefg"],
             references: ["hijklmnop"],
             expected: (0.0, [7, 6, 5, 4, 3, 2], [9, 8, 7, 6, 5, 4], [0, 0, 0, 0, 0, 0])),
    // >>> stats(['a'],
    // ...       ['b'])
    ChrFCase("sacreBLEU's test_chrf.py: one wrong character; order 1 is effective, P = R = 0",
             hypotheses: ["a"],
             references: ["b"],
             expected: (0.0, [1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0])),
    // >>> stats([''],
    // ...       ['b'])
    ChrFCase("sacreBLEU's test_chrf.py: empty hypothesis, one-character reference",
             hypotheses: [""],
             references: ["b"],
             expected: (0.0, [0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0])),
    // >>> stats([''],
    // ...       ['reference'])
    ChrFCase("sacreBLEU's test_chrf.py: empty hypothesis, long reference",
             hypotheses: [""],
             references: ["reference"],
             expected: (0.0, [0, 0, 0, 0, 0, 0], [9, 8, 7, 6, 5, 4], [0, 0, 0, 0, 0, 0])),
    // >>> stats(['aa'],
    // ...       ['ab'])
    ChrFCase("sacreBLEU's test_chrf.py: only orders 1 and 2 are effective",
             hypotheses: ["aa"],
             references: ["ab"],
             expected: (25.0, [2, 1, 0, 0, 0, 0], [2, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0])),
    // >>> stats(['a', 'b'],
    // ...       ['a', 'c'])
    ChrFCase("sacreBLEU's test_chrf.py: two sentences, statistics summed before the F-score",
             hypotheses: ["a", "b"],
             references: ["a", "c"],
             expected: (50.0, [2, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0])),
    // >>> stats(['a'],
    // ...       ['a'])
    ChrFCase("sacreBLEU's test_chrf.py: one matching character is a perfect score (effective order 1)",
             hypotheses: ["a"],
             references: ["a"],
             expected: (100.0, [1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0])),
    // >>> stats(['a b c'],
    // ...       ['abc'])
    ChrFCase("sacreBLEU's test_chrf.py: whitespace is removed, so spacing does not matter",
             hypotheses: ["a b c"],
             references: ["abc"],
             expected: (100.0, [3, 2, 1, 0, 0, 0], [3, 2, 1, 0, 0, 0], [3, 2, 1, 0, 0, 0])),
    // >>> stats([' risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .'],
    // ...       ['risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .'])
    ChrFCase("sacreBLEU's test_chrf.py: tokenized English with punctuation",
             hypotheses: [" risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists ."],
             references: ["risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists ."],
             expected: (63.43165368117263, [92, 91, 90, 89, 88, 87], [93, 92, 91, 90, 89, 88], [81, 68, 57, 50, 46, 43])),
    // >>> stats([' Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. '],
    // ...       ['Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.'])
    ChrFCase("sacreBLEU's test_chrf.py: German, runs of spaces",
             hypotheses: [" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "],
             references: ["Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."],
             expected: (64.818123726097, [62, 61, 60, 59, 58, 57], [69, 68, 67, 66, 65, 64], [54, 46, 43, 40, 37, 34])),
    // >>> stats(['Niemand hat die Absicht, eine Mauer zu errichten'],
    // ...       ['Niemand hat die Absicht, eine Mauer zu errichten'])
    ChrFCase("sacreBLEU's test_chrf.py: identical sentences",
             hypotheses: ["Niemand hat die Absicht, eine Mauer zu errichten"],
             references: ["Niemand hat die Absicht, eine Mauer zu errichten"],
             expected: (100.0, [41, 40, 39, 38, 37, 36], [41, 40, 39, 38, 37, 36], [41, 40, 39, 38, 37, 36])),
    // >>> stats([''],
    // ...       [''])
    ChrFCase("empty hypothesis and empty reference: no n-grams at all",
             hypotheses: [""],
             references: [""],
             expected: (0.0, [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0])),
    // >>> stats(['', 'The cat sat on the mat.'],
    // ...       ['Hello there.', 'The cat sat on the mat.'])
    ChrFCase("an empty hypothesis in a corpus lowers recall only",
             hypotheses: ["", "The cat sat on the mat."],
             references: ["Hello there.", "The cat sat on the mat."],
             expected: (69.79024650438465, [18, 17, 16, 15, 14, 13], [29, 27, 25, 23, 21, 19], [18, 17, 16, 15, 14, 13])),
    // >>> stats(['un caf\xe9 au lait chaud'],
    // ...       ['un cafe\u0301 au lait chaud'])
    ChrFCase("precomposed é vs e + U+0301: different code points, so different n-grams",
             hypotheses: ["un caf\u{E9} au lait chaud"],
             references: ["un cafe\u{301} au lait chaud"],
             expected: (70.26458283745477, [17, 16, 15, 14, 13, 12], [18, 17, 16, 15, 14, 13], [16, 14, 12, 10, 8, 6])),
    // >>> stats(['私は猫が好きです。🐱', 'Ça va très bien, merci !'],
    // ...       ['私は犬が好きです。🐶', 'Ça va bien, merci.'])
    ChrFCase("Japanese, an emoji outside the BMP, French accents and a spaced !",
             hypotheses: ["私は猫が好きです。🐱", "Ça va très bien, merci !"],
             references: ["私は犬が好きです。🐶", "Ça va bien, merci."],
             expected: (60.607793818967984, [29, 27, 25, 23, 21, 19], [25, 23, 21, 19, 17, 15], [22, 18, 14, 11, 8, 6])),
    // >>> stats(['tab\there\xa0nbsp\u3000wide\x1cfs'],
    // ...       ['tabherenbspwidefs'])
    ChrFCase("tab, no-break space, ideographic space and U+001C are all Python whitespace",
             hypotheses: ["tab\there\u{A0}nbsp\u{3000}wide\u{1C}fs"],
             references: ["tabherenbspwidefs"],
             expected: (100.0, [17, 16, 15, 14, 13, 12], [17, 16, 15, 14, 13, 12], [17, 16, 15, 14, 13, 12])),
    // >>> stats(['Hello, world!!! (really?) -- yes; "quoted" & <tagged>.'],
    // ...       ["Hello world! Really? Yes: 'quoted' and tagged."])
    ChrFCase("punctuation counts as characters",
             hypotheses: ["Hello, world!!! (really?) -- yes; \"quoted\" & <tagged>."],
             references: ["Hello world! Really? Yes: 'quoted' and tagged."],
             expected: (43.152071522064674, [47, 46, 45, 44, 43, 42], [40, 39, 38, 37, 36, 35], [32, 25, 19, 14, 9, 4])),
    // >>> stats(['The cat', 'sat on the mat'],
    // ...       ['The cat sat', 'on the mat'])
    ChrFCase("a sentence boundary moved: the corpus score is not the mean of sentence scores",
             hypotheses: ["The cat", "sat on the mat"],
             references: ["The cat sat", "on the mat"],
             expected: (72.63546910605734, [17, 15, 13, 11, 9, 7], [17, 15, 13, 11, 9, 7], [14, 12, 10, 8, 6, 4])),
    // >>> stats(['abcd', 'abcdefgh'],
    // ...       ['abc', 'abcdefgh'])
    ChrFCase("a 3-character reference has no 4-gram: the hypothesis's 4-grams are not counted",
             hypotheses: ["abcd", "abcdefgh"],
             references: ["abc", "abcdefgh"],
             expected: (98.928157589803, [12, 10, 8, 5, 4, 3], [11, 9, 7, 5, 4, 3], [11, 9, 7, 5, 4, 3])),
]

struct ChrFTests {
    /// Statistics exactly, then the score to `tolerance`.
    @Test(arguments: cases)
    func corpusScoreMatchesSacreBLEU(_ expected: ChrFCase) {
        let actual = ChrF.corpusScore(hypotheses: expected.hypotheses, references: expected.references)
        #expect(actual.hypothesisNGrams == expected.hypothesisNGrams, "hypothesis n-grams")
        #expect(actual.referenceNGrams == expected.referenceNGrams, "reference n-grams")
        #expect(actual.matches == expected.matches, "matches")
        #expect(abs(actual.score - expected.score) <= tolerance, "score \(actual.score) vs \(expected.score)")
    }

    /// sacreBLEU sums the statistics of the sentences and computes one F-score; the mean of the sentence scores
    /// (55.77 and 89.56) would be 72.66, not the 72.64 of the corpus case above.
    @Test func corpusScoreIsNotTheMeanOfSentenceScores() {
        // >>> stats(['The cat'], ['The cat sat'])[0]
        let first = ChrF.corpusScore(hypotheses: ["The cat"], references: ["The cat sat"])
        #expect(abs(first.score - 55.77101053281037) <= tolerance, "\(first.score)")
        // >>> stats(['sat on the mat'], ['on the mat'])[0]
        let second = ChrF.corpusScore(hypotheses: ["sat on the mat"], references: ["on the mat"])
        #expect(abs(second.score - 89.55823087781029) <= tolerance, "\(second.score)")
        let corpus = ChrF.corpusScore(hypotheses: ["The cat", "sat on the mat"], references: ["The cat sat", "on the mat"])
        #expect(corpus.matches == zip(first.matches, second.matches).map(+))
        #expect(abs(corpus.score - (first.score + second.score) / 2) > 0.01)
    }

    /// An empty corpus. sacreBLEU raises IndexError for `CHRF().corpus_score([], [[]])`; we return 0, what its
    /// F-score gives for all-zero statistics:
    /// >>> CHRF()._compute_f_score([0] * 18)  →  0.0
    @Test func emptyCorpus() {
        let score = ChrF.corpusScore(hypotheses: [], references: [])
        #expect(score.score == 0)
        #expect(score.hypothesisNGrams == [0, 0, 0, 0, 0, 0] && score.referenceNGrams == [0, 0, 0, 0, 0, 0])
    }

    @Test func signatureNamesTheCheckedVersion() {
        // >>> chrf = CHRF(); chrf.corpus_score(["a"], [["a"]]); str(chrf.get_signature())
        #expect(ChrFScore.signature == "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0")
        // >>> chrf.corpus_score(["a"], [["a"]]).name
        #expect(ChrFScore.name == "chrF2")
    }
}
