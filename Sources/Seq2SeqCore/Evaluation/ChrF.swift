// ChrF.swift — corpus chrF exactly as sacreBLEU 2.6.0's `CHRF()` computes it with its defaults ("chrF2"): character
// n-grams of orders 1...6 with whitespace removed, no word n-grams, β = 2, case-sensitive, effective-order averaging,
// one or several references per hypothesis. Stage: evaluation; SPEC §3 `eval`.
// Written (not copied) from sacreBLEU's metrics/chrf.py and metrics/helpers.py (Popović 2015).

/// A corpus chrF score and the statistics behind it.
public struct ChrFScore: Equatable, Sendable {
    /// 0...100, as sacreBLEU prints it.
    public let score: Double
    /// Character n-grams of the hypotheses, n = 1...6; a sentence adds its count of order n only when its reference
    /// has n-grams of that order (sacreBLEU's "don't count hits if no reference exists for that n-gram").
    public let hypothesisNGrams: [Int]
    /// Character n-grams of the references, n = 1...6.
    public let referenceNGrams: [Int]
    /// Clipped matches, n = 1...6: a hypothesis n-gram counts at most as often as the reference has it.
    public let matches: [Int]

    /// sacreBLEU's name for the score (β = 2, no word n-grams; chrF++ would add "++").
    public static let name = "chrF2"
    /// sacreBLEU's signature for the settings used here with one reference per hypothesis; `version` is the sacreBLEU
    /// this file was checked against.
    public static let signature = signature(referencesPerHypothesis: 1...1)

    /// The signature when every hypothesis has from `lowerBound` to `upperBound` references ("nrefs:var" when the
    /// numbers differ).
    public static func signature(referencesPerHypothesis range: ClosedRange<Int>) -> String {
        "nrefs:\(nrefs(range))|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0"
    }
}

/// sacreBLEU-compatible corpus chrF (character n-grams, β = 2).
public enum ChrF {
    /// The highest character n-gram order (sacreBLEU's `CHRF.CHAR_ORDER`).
    static let maxOrder = 6
    /// Recall weighs β times as much as precision (sacreBLEU's `CHRF.BETA`).
    static let beta = 2.0

    /// chrF's sufficient statistics, index n − 1. A corpus's are the sum of its sentences'.
    private struct Statistics {
        var hypothesis = [Int](repeating: 0, count: ChrF.maxOrder)
        var reference = [Int](repeating: 0, count: ChrF.maxOrder)
        var matches = [Int](repeating: 0, count: ChrF.maxOrder)
    }

    /// A character n-gram: a run of Unicode scalars. Scalars, not `String`: Python compares code points, whereas
    /// Swift's `String ==` treats "é" and "e" + U+0301 as equal.
    private typealias NGram = ArraySlice<Unicode.Scalar>

    /// `''.join(line.split())`: the line's code points with every (Python) whitespace character removed.
    private static func characters(_ line: String) -> [Unicode.Scalar] {
        line.unicodeScalars.filter { !BLEU.isPythonWhitespace($0) }
    }

    /// counts[n − 1][g] = how often the n-gram g occurs in `characters`, n = 1...maxOrder.
    private static func nGramCounts(_ characters: [Unicode.Scalar]) -> [[NGram: Int]] {
        (1...maxOrder).map { n in
            var counts: [NGram: Int] = [:]
            for start in 0..<max(0, characters.count - n + 1) { counts[characters[start..<start + n], default: 0] += 1 }
            return counts
        }
    }

    /// sacreBLEU's `_get_match_statistics` for every order: [hyp, ref, match], where hyp is 0 when the reference
    /// has no n-gram of that order (so a reference too short for 6-grams takes no 6-gram precision from the corpus).
    private static func statistics(hypothesis hypothesisCounts: [[NGram: Int]], reference referenceCounts: [[NGram: Int]]) -> Statistics {
        var statistics = Statistics()
        for order in 0..<maxOrder {
            var hypothesisTotal = 0, matches = 0
            for (gram, count) in hypothesisCounts[order] {
                hypothesisTotal += count
                matches += min(count, referenceCounts[order][gram] ?? 0)
            }
            statistics.hypothesis[order] = referenceCounts[order].isEmpty ? 0 : hypothesisTotal
            statistics.reference[order] = referenceCounts[order].values.reduce(0, +)
            statistics.matches[order] = matches
        }
        return statistics
    }

    /// sacreBLEU's `_compute_segment_statistics`: with several references, the statistics against the one whose
    /// sentence-level F-score is highest (of equal scores the first); unlike BLEU, nothing is merged across references.
    private static func add(hypothesis: String, references: [String], to statistics: inout Statistics) {
        precondition(!references.isEmpty, "chrF needs at least one reference per hypothesis")
        let hypothesisCounts = nGramCounts(characters(hypothesis))
        var best = Statistics(), bestScore = -1.0
        for reference in references {
            let candidate = self.statistics(hypothesis: hypothesisCounts, reference: nGramCounts(characters(reference)))
            let score = fScore(candidate)
            if score > bestScore { (best, bestScore) = (candidate, score) }
        }
        for order in 0..<maxOrder {
            statistics.hypothesis[order] += best.hypothesis[order]
            statistics.reference[order] += best.reference[order]
            statistics.matches[order] += best.matches[order]
        }
    }

    /// `CHRF().corpus_score(hypotheses, [references])`: the statistics of all sentences are summed first, then
    /// one F-score is computed from the sums (not the mean of sentence scores).
    /// An empty corpus scores 0 (sacreBLEU itself raises IndexError there; 0 is what its F-score gives for all-zero statistics).
    public static func corpusScore(hypotheses: [String], references: [String]) -> ChrFScore {
        precondition(hypotheses.count == references.count, "chrF needs one reference per hypothesis: "
                     + "\(hypotheses.count) hypotheses, \(references.count) references")
        return corpusScore(hypotheses: hypotheses, referenceSets: references.map { [$0] })
    }

    /// Corpus chrF with several references per hypothesis: `referenceSets[i]` are the references of `hypotheses[i]`
    /// (at least one; their number may vary), as `CHRF().corpus_score(hypotheses, streams)` takes them as streams.
    public static func corpusScore(hypotheses: [String], referenceSets: [[String]]) -> ChrFScore {
        precondition(hypotheses.count == referenceSets.count, "chrF needs references for every hypothesis: "
                     + "\(hypotheses.count) hypotheses, \(referenceSets.count) sets of references")
        var statistics = Statistics()
        for (hypothesis, references) in zip(hypotheses, referenceSets) {
            add(hypothesis: hypothesis, references: references, to: &statistics)
        }
        return ChrFScore(score: fScore(statistics), hypothesisNGrams: statistics.hypothesis,
                         referenceNGrams: statistics.reference, matches: statistics.matches)
    }

    /// sacreBLEU's `_compute_f_score` without epsilon smoothing ("eff:yes"): precision and recall are averaged over
    /// the effective orders, those where both the hypotheses and the references have n-grams; then
    /// F_β = (1 + β²) P R / (β² P + R). No effective order (e.g. empty hypotheses), or P + R = 0: score 0.
    private static func fScore(_ statistics: Statistics) -> Double {
        var precision = 0.0, recall = 0.0, effectiveOrders = 0
        for order in 0..<maxOrder {
            let hypothesis = statistics.hypothesis[order], reference = statistics.reference[order]
            guard hypothesis > 0 && reference > 0 else { continue }
            let matches = Double(statistics.matches[order])
            precision += matches / Double(hypothesis)
            recall += matches / Double(reference)
            effectiveOrders += 1
        }
        guard effectiveOrders > 0 else { return 0 }
        precision /= Double(effectiveOrders)
        recall /= Double(effectiveOrders)
        guard precision + recall > 0 else { return 0 }
        let factor = beta * beta
        // In sacreBLEU's order of operations, so the rounding is the same.
        let f = (1 + factor) * precision * recall / (factor * precision + recall)
        return 100 * f
    }
}
