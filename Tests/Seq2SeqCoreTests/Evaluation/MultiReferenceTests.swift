// MultiReferenceTests.swift — BLEU.swift and ChrF.swift with several references per hypothesis, against sacreBLEU
// 2.6.0 with several reference streams; ReferenceGroups.swift, which makes the references of each source.
// Provenance: sacreBLEU's documented multi-reference example is the README's "The dog bit the man." corpus (README.md,
// "Multiple References" and "Variable Number of References", also `_hyps` / `_refs` of test/test_bleu.py, whose
// test_corpus_bleu expects 48.530827 and the README 48.53, chrF2 59.73, and 29.44 with a reference missing). Every
// number here is pasted from Python 3.11 with `pip install sacrebleu==2.6.0`, after
//   >>> from sacrebleu.metrics import BLEU, CHRF
//   >>> from sacrebleu.utils import sum_of_lists
//   >>> def stats(s): return (s.score, s.counts, s.totals, s.precisions, s.bp, s.sys_len, s.ref_len)
//   >>> def chrf(h, streams):
//   ...     m = CHRF(); s = m.corpus_score(h, streams); st = sum_of_lists(m._extract_corpus_statistics(h, streams))
//   ...     return (s.score, st[0::3], st[1::3], st[2::3])
//   >>> refs = [['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
//   ...         ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.']]
//   >>> sys = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.']
// sacreBLEU takes references as streams (one list per reference number, None where a sentence has fewer); here each
// hypothesis has its own list of references, so stream k's sentence i is `referenceSets[i][k]`.

import Testing
@testable import Seq2SeqCore

@Suite struct MultiReferenceTests {
    /// Far tighter than the 0.01 the scores are printed to; what is left is libm rounding.
    static let tolerance = 1e-9

    static let hypotheses = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."]
    static let referenceSets = [["The dog bit the man.", "The dog had bit the man."],
                                ["It was not unexpected.", "No one was surprised."],
                                ["The man bit him first.", "The man had bitten the dog."]]
    /// The README's variable example: the first sentence's first reference is None.
    static let variableSets = [["The dog had bit the man."]] + referenceSets.dropFirst()

    @Test func bleuOfSacreBLEUsDocumentedExample() {
        // >>> stats(BLEU().corpus_score(sys, refs))
        // (48.530827009929865, [14, 7, 5, 3], [17, 14, 11, 8], [82.3529411764706, 50.0, 45.45454545454545, 37.5],
        //  0.9428731438548749, 17, 18)
        let score = BLEU.corpusScore(hypotheses: Self.hypotheses, referenceSets: Self.referenceSets)
        #expect(abs(score.score - 48.530827009929865) <= Self.tolerance, "\(score.score)")
        #expect(score.counts == [14, 7, 5, 3] && score.totals == [17, 14, 11, 8])
        #expect(score.hypothesisLength == 17 && score.referenceLength == 18)
        #expect(abs(score.brevityPenalty - 0.9428731438548749) <= Self.tolerance)
        for (precision, expected) in zip(score.precisions, [82.3529411764706, 50.0, 45.45454545454545, 37.5]) {
            #expect(abs(precision - expected) <= Self.tolerance)
        }
        // >>> b = BLEU(); b.corpus_score(sys, refs); str(b.get_signature())
        #expect(BLEUScore.signature(referencesPerHypothesis: 2...2) == "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0")
    }

    @Test func bleuWithAVariableNumberOfReferences() {
        // >>> stats(BLEU().corpus_score(sys, [[None, refs[0][1], refs[0][2]], refs[1]]))
        // (29.443657650964873, [14, 6, 3, 1], [17, 14, 11, 8], [82.3529411764706, 42.857142857142854,
        //  27.272727272727273, 12.5], 0.8890097654027757, 17, 19)
        let score = BLEU.corpusScore(hypotheses: Self.hypotheses, referenceSets: Self.variableSets)
        #expect(abs(score.score - 29.443657650964873) <= Self.tolerance, "\(score.score)")
        #expect(score.counts == [14, 6, 3, 1] && score.totals == [17, 14, 11, 8])
        #expect(score.hypothesisLength == 17 && score.referenceLength == 19)
        #expect(abs(score.brevityPenalty - 0.8890097654027757) <= Self.tolerance)
        // >>> b = BLEU(); b.corpus_score(sys, [[None, refs[0][1], refs[0][2]], refs[1]]); str(b.get_signature())
        #expect(BLEUScore.signature(referencesPerHypothesis: 1...2) == "nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0")
    }

    /// An n-gram counts at most as often as the reference that has it most often: "the" is in the first reference twice
    /// and in the second once, so 2 of the 7 are matched (3 if the references' counts were added).
    @Test func bleuClipsByTheMaximumOverReferences() {
        // >>> stats(BLEU().corpus_score(["the the the the the the the"],
        // ...       [["the cat is on the mat"], ["there is a cat on the mat"]]))
        // (7.809849842300637, [2, 0, 0, 0], [7, 6, 5, 4], [28.571428571428573, 8.333333333333334, 5.0, 3.125], 1.0, 7, 7)
        let score = BLEU.corpusScore(hypotheses: ["the the the the the the the"],
                                     referenceSets: [["the cat is on the mat", "there is a cat on the mat"]])
        #expect(score.counts == [2, 0, 0, 0] && score.totals == [7, 6, 5, 4])
        #expect(score.referenceLength == 7)
        #expect(abs(score.score - 7.809849842300637) <= Self.tolerance, "\(score.score)")
    }

    /// The reference length is the closest to the hypothesis's; of two as close, the shorter, whatever their order.
    @Test func bleuTakesTheClosestReferenceLengthTiesToTheShorter() {
        // >>> stats(BLEU().corpus_score(["a b c d e f"], [["a b c d e"], ["a b c d e f g"]]))
        // (100.00000000000004, [6, 5, 4, 3], [6, 5, 4, 3], [100.0, 100.0, 100.0, 100.0], 1.0, 6, 5)
        // >>> stats(BLEU().corpus_score(["a b c d e f"], [["a b c d e f g"], ["a b c d e"]]))   (the same)
        for references in [["a b c d e", "a b c d e f g"], ["a b c d e f g", "a b c d e"]] {
            let score = BLEU.corpusScore(hypotheses: ["a b c d e f"], referenceSets: [references])
            #expect(score.referenceLength == 5 && score.hypothesisLength == 6)
            #expect(score.counts == [6, 5, 4, 3])
        }
        #expect(BLEU.closestLength(to: 6, among: [7, 5]) == 5)
        #expect(BLEU.closestLength(to: 6, among: [9, 2, 7]) == 7)
    }

    @Test func chrFOfSacreBLEUsDocumentedExample() {
        // >>> chrf(sys, refs)
        // (59.72751782684763, [58, 55, 52, 49, 46, 43], [56, 53, 50, 47, 44, 41], [46, 36, 31, 26, 22, 18])
        let score = ChrF.corpusScore(hypotheses: Self.hypotheses, referenceSets: Self.referenceSets)
        #expect(abs(score.score - 59.72751782684763) <= Self.tolerance, "\(score.score)")
        #expect(score.hypothesisNGrams == [58, 55, 52, 49, 46, 43])
        #expect(score.referenceNGrams == [56, 53, 50, 47, 44, 41])
        #expect(score.matches == [46, 36, 31, 26, 22, 18])
        // >>> c = CHRF(); c.corpus_score(sys, refs); str(c.get_signature())
        #expect(ChrFScore.signature(referencesPerHypothesis: 2...2) == "nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0")
    }

    @Test func chrFWithAVariableNumberOfReferences() {
        // >>> chrf(sys, [[None, refs[0][1], refs[0][2]], refs[1]])
        // (51.70106133373036, [58, 55, 52, 49, 46, 43], [59, 56, 53, 50, 47, 44], [46, 35, 29, 23, 18, 13])
        let score = ChrF.corpusScore(hypotheses: Self.hypotheses, referenceSets: Self.variableSets)
        #expect(abs(score.score - 51.70106133373036) <= Self.tolerance, "\(score.score)")
        #expect(score.referenceNGrams == [59, 56, 53, 50, 47, 44])
        #expect(score.matches == [46, 35, 29, 23, 18, 13])
        #expect(ChrFScore.signature(referencesPerHypothesis: 1...2) == "nrefs:var|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0")
    }

    /// chrF takes each sentence's statistics against its best reference by sentence F-score, in either order; and with
    /// one reference a sentence has no other.
    @Test func chrFTakesTheBestReferenceOfEachSentence() {
        // >>> chrf(["abcdef"], [["abcxyz"], ["abcdef"]])
        // (100.0, [6, 5, 4, 3, 2, 1], [6, 5, 4, 3, 2, 1], [6, 5, 4, 3, 2, 1])
        for references in [["abcxyz", "abcdef"], ["abcdef", "abcxyz"]] {
            let score = ChrF.corpusScore(hypotheses: ["abcdef"], referenceSets: [references])
            #expect(score.score == 100 && score.matches == [6, 5, 4, 3, 2, 1])
        }
        // >>> chrf(["abc", "hello world"], [["abd", "hello word"], ["xbc", None]])
        // (78.49413888686732, [13, 11, 9, 7, 6, 5], [12, 10, 8, 6, 5, 4], [11, 8, 6, 5, 4, 3])
        let mixed = ChrF.corpusScore(hypotheses: ["abc", "hello world"], referenceSets: [["abd", "xbc"], ["hello word"]])
        #expect(abs(mixed.score - 78.49413888686732) <= Self.tolerance, "\(mixed.score)")
        #expect(mixed.hypothesisNGrams == [13, 11, 9, 7, 6, 5] && mixed.matches == [11, 8, 6, 5, 4, 3])
    }

    /// One reference per hypothesis is the single-reference score exactly (the same statistics, the same bits).
    @Test func oneReferenceEachIsTheSingleReferenceScore() {
        let references = Self.referenceSets.map { $0[1] }
        #expect(BLEU.corpusScore(hypotheses: Self.hypotheses, referenceSets: references.map { [$0] })
                == BLEU.corpusScore(hypotheses: Self.hypotheses, references: references))
        #expect(ChrF.corpusScore(hypotheses: Self.hypotheses, referenceSets: references.map { [$0] })
                == ChrF.corpusScore(hypotheses: Self.hypotheses, references: references))
    }

    @Test func groupsPairsBySourceInOrderOfFirstAppearance() {
        let pairs = [("b", "1"), ("a", "2"), ("b", "3"), ("c", "4"), ("b", "5"), ("e\u{301}", "6"), ("é", "7")]
            .map { SentencePair(source: $0.0, target: $0.1) }
        let groups = ReferenceGroups(pairs)
        // "é" precomposed and "e" + U+0301 are different code points: two sources, as sacreBLEU and the tokenizer see them.
        #expect(groups.sources == ["b", "a", "c", "e\u{301}", "é"])
        #expect(groups.references == [["1", "3", "5"], ["2"], ["4"], ["6"], ["7"]])
        #expect(groups.sourceOfPair == [0, 1, 0, 2, 0, 3, 4])
        #expect(groups.referenceCount == 7 && groups.referencesPerSource == 1...3)
        #expect(ReferenceGroups([]).referencesPerSource == 0...0)
    }
}
