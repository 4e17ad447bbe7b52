// BLEU.swift — corpus BLEU exactly as sacreBLEU 2.6.0's `corpus_bleu` computes it with its defaults: mteval-v13a
// tokenization, "exp" smoothing, case-sensitive, one or several references per hypothesis. Stage: evaluation;
// SPEC §3 `eval`.
// Written (not copied) from sacreBLEU's metrics/bleu.py, tokenizers/tokenizer_13a.py and tokenizers/tokenizer_re.py.

import Foundation

/// A corpus BLEU score and the statistics behind it, with the same fields as sacreBLEU's `BLEUScore`.
public struct BLEUScore: Equatable, Sendable {
    /// 0...100, as sacreBLEU prints it.
    public let score: Double
    /// Clipped n-gram matches, n = 1...4: a hypothesis n-gram counts at most as often as the reference has it.
    public let counts: [Int]
    /// Hypothesis n-grams, n = 1...4.
    public let totals: [Int]
    /// Percent, after smoothing; sacreBLEU's `.precisions`.
    public let precisions: [Double]
    /// min(1, exp(1 − reference length / hypothesis length)); sacreBLEU's `.bp`.
    public let brevityPenalty: Double
    /// Tokens in all hypotheses (sacreBLEU's `sys_len`).
    public let hypothesisLength: Int
    /// Tokens in all references (sacreBLEU's `ref_len`).
    public let referenceLength: Int

    /// sacreBLEU's signature for the settings used here with one reference per hypothesis; `version` is the sacreBLEU
    /// this file was checked against.
    public static let signature = signature(referencesPerHypothesis: 1...1)

    /// The signature when every hypothesis has from `lowerBound` to `upperBound` references: "nrefs:2" when each has
    /// two, "nrefs:var" when the numbers differ, as sacreBLEU writes it.
    public static func signature(referencesPerHypothesis range: ClosedRange<Int>) -> String {
        "nrefs:\(nrefs(range))|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"
    }
}

/// sacreBLEU's `nrefs`: the number of references of every hypothesis, or "var" when it varies.
func nrefs(_ range: ClosedRange<Int>) -> String {
    range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "var"
}

/// sacreBLEU-compatible corpus BLEU with the 13a tokenizer.
public enum BLEU {
    /// BLEU's highest n-gram order.
    static let maxOrder = 4

    // MARK: - Tokenization (mteval-v13a)

    /// sacreBLEU's default tokenizer, `Tokenizer13a`: the mteval-v13a rules, applied one pass at a time.
    /// Works on Unicode scalars, as Python works on code points, so no grapheme cluster ever hides a rule's character.
    public static func tokenize13a(_ line: String) -> [String] {
        tokenize13a(scalars: Array(line.unicodeScalars))
    }

    private static func tokenize13a(scalars line: [Unicode.Scalar]) -> [String] {
        // Language-independent part.
        var text = replacing("<skipped>", with: "", in: line)
        text = replacing("-\n", with: "", in: text)  // a word hyphenated across a line break is joined
        text = replacing("\n", with: " ", in: text)
        // Unescape in this order, so "&amp;lt;" ends as "<".
        for (entity, character) in [("&quot;", "\""), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">")] {
            text = replacing(entity, with: character, in: text)
        }

        // Language-dependent part (Western languages). The padding spaces give the first and last
        // characters a non-digit neighbour, so ".5" splits to ". 5" and a final "5." to "5 .".
        text = [" "] + text + [" "]
        // Every ASCII punctuation mark except ' , - . stands alone.
        text = text.flatMap { isSeparatedPunctuation($0) ? [" ", $0, " "] : [$0] }
        // Period and comma split off unless preceded by a digit: ([^0-9])([.,]) → "\1 \2 ".
        text = substitutingPairs(in: text, where: { !isDigit($0) && isPeriodOrComma($1) }) { [$0, " ", $1, " "] }
        // ... and unless followed by a digit: ([.,])([^0-9]) → " \1 \2". Together: "1,000.5" stays whole.
        text = substitutingPairs(in: text, where: { isPeriodOrComma($0) && !isDigit($1) }) { [" ", $0, " ", $1] }
        // A dash after a digit splits off: ([0-9])(-) → "\1 \2 ". So "3-4" → "3 - 4", but "well-known" stays.
        text = substitutingPairs(in: text, where: { isDigit($0) && $1 == "-" }) { [$0, " ", $1, " "] }

        return text.split(whereSeparator: isPythonWhitespace).map { String(String.UnicodeScalarView($0)) }
    }

    /// The regex class `[\{-\~\[-\` -\&\(-\+\:-\@\/]`: every printable ASCII character that is not a letter,
    /// a digit, or one of ' , - . (Space is in the class too; padding it with spaces changes nothing.)
    private static func isSeparatedPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x7B...0x7E,  // { | } ~
             0x5B...0x60,  // [ \ ] ^ _ `
             0x20...0x26,  // space ! " # $ % &
             0x28...0x2B,  // ( ) * +
             0x3A...0x40,  // : ; < = > ? @
             0x2F:  // /
            return true
        default:
            return false
        }
    }

    /// `[0-9]`: ASCII digits only, as in sacreBLEU's patterns (not Unicode `\d`).
    private static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

    private static func isPeriodOrComma(_ c: Unicode.Scalar) -> Bool { c == "." || c == "," }

    /// Python's `str.isspace()`, which `str.split()` and `str.rstrip()` use. It differs from Swift's
    /// `Character.isWhitespace`: it includes the separators U+001C...U+001F and excludes U+180E. (chrF uses it too.)
    static func isPythonWhitespace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Python's `str.replace`: every non-overlapping occurrence, left to right, compared scalar by scalar.
    private static func replacing(
        _ target: String, with replacement: String, in text: [Unicode.Scalar]
    ) -> [Unicode.Scalar] {
        let target = Array(target.unicodeScalars)
        let replacement = Array(replacement.unicodeScalars)
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if text[index...].starts(with: target) {
                result += replacement
                index += target.count
            } else {
                result.append(text[index])
                index += 1
            }
        }
        return result
    }

    /// Python's `re.sub` for a two-character pattern `(A)(B)`: scans left to right and, after a match,
    /// resumes behind both characters, so matches never overlap: in "a.,5" the comma, already consumed
    /// by the match "a.", is not split off, and the token ",5" survives, as in sacreBLEU.
    private static func substitutingPairs(
        in text: [Unicode.Scalar],
        where matches: (Unicode.Scalar, Unicode.Scalar) -> Bool,
        with rewrite: (Unicode.Scalar, Unicode.Scalar) -> [Unicode.Scalar]
    ) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count + text.count / 2)
        var index = 0
        while index < text.count {
            if index + 1 < text.count, matches(text[index], text[index + 1]) {
                result += rewrite(text[index], text[index + 1])
                index += 2
            } else {
                result.append(text[index])
                index += 1
            }
        }
        return result
    }

    // MARK: - N-gram statistics

    /// An n-gram, as the UTF-8 bytes of its tokens joined by spaces (tokens never contain a space).
    /// Bytes rather than `String`: Swift's `String ==` treats canonically equivalent spellings
    /// ("é" and "e" + U+0301) as equal, whereas sacreBLEU, in Python, compares code points.
    private typealias NGram = [UInt8]

    /// BLEU's sufficient statistics. A corpus's are the sum of its sentences'.
    private struct Statistics {
        var hypothesisLength = 0
        var referenceLength = 0
        var matches = [Int](repeating: 0, count: BLEU.maxOrder)  // clipped matches, index n − 1
        var totals = [Int](repeating: 0, count: BLEU.maxOrder)  // hypothesis n-grams, index n − 1
    }

    /// sacreBLEU's `_preprocess_segment`: strip trailing whitespace, then tokenize. The strip comes first,
    /// so a line ending in "-\n" keeps its dash.
    private static func preprocess(_ segment: String) -> [NGram] {
        var scalars = Array(segment.unicodeScalars)
        while let last = scalars.last, isPythonWhitespace(last) { scalars.removeLast() }
        return tokenize13a(scalars: scalars).map { Array($0.utf8) }
    }

    /// counts[n − 1][g] = how often the n-gram g occurs in `tokens`, n = 1...maxOrder.
    private static func nGramCounts(_ tokens: [NGram]) -> [[NGram: Int]] {
        (1...maxOrder).map { n in
            var counts: [NGram: Int] = [:]
            for start in 0..<max(0, tokens.count - n + 1) {
                counts[Array(tokens[start..<start + n].joined(separator: [0x20])), default: 0] += 1
            }
            return counts
        }
    }

    /// One hypothesis against its references, as sacreBLEU's `_extract_reference_info` and
    /// `_compute_segment_statistics` count it: a hypothesis n-gram matches at most as often as the reference that has
    /// it most often (the maximum over references, not their sum), and the reference length is that of the reference
    /// closest in length to the hypothesis (of two as close, the shorter). With one reference, plain clipping.
    private static func statistics(hypothesis: [NGram], references: [[NGram]]) -> Statistics {
        precondition(!references.isEmpty, "BLEU needs at least one reference per hypothesis")
        var statistics = Statistics()
        statistics.hypothesisLength = hypothesis.count
        statistics.referenceLength = closestLength(to: hypothesis.count, among: references.map(\.count))
        var referenceCounts = nGramCounts(references[0])
        for reference in references.dropFirst() {
            for (order, counts) in nGramCounts(reference).enumerated() {
                referenceCounts[order].merge(counts, uniquingKeysWith: max)
            }
        }
        let hypothesisCounts = nGramCounts(hypothesis)
        for order in 0..<maxOrder {
            for (gram, count) in hypothesisCounts[order] {
                statistics.totals[order] += count
                statistics.matches[order] += min(count, referenceCounts[order][gram] ?? 0)
            }
        }
        return statistics
    }

    /// sacreBLEU's `_get_closest_ref_len`: the reference length nearest `length`; of two as near, the shorter.
    static func closestLength(to length: Int, among lengths: [Int]) -> Int {
        var closest = lengths[0]
        for candidate in lengths.dropFirst() {
            let (distance, best) = (abs(length - candidate), abs(length - closest))
            if distance < best || (distance == best && candidate < closest) { closest = candidate }
        }
        return closest
    }

    private static func add(_ sentence: Statistics, to statistics: inout Statistics) {
        statistics.hypothesisLength += sentence.hypothesisLength
        statistics.referenceLength += sentence.referenceLength
        for order in 0..<maxOrder {
            statistics.matches[order] += sentence.matches[order]
            statistics.totals[order] += sentence.totals[order]
        }
    }

    // MARK: - Corpus score

    /// `sacrebleu.corpus_bleu(hypotheses, [references])` with its defaults: one reference per hypothesis.
    /// An empty corpus scores 0 with brevity penalty 1 (sacreBLEU itself raises IndexError there;
    /// these are the numbers its `BLEU.compute_bleu` gives for all-zero statistics).
    public static func corpusScore(hypotheses: [String], references: [String]) -> BLEUScore {
        precondition(hypotheses.count == references.count, "BLEU needs one reference per hypothesis: "
                     + "\(hypotheses.count) hypotheses, \(references.count) references")
        return corpusScore(hypotheses: hypotheses, referenceSets: references.map { [$0] })
    }

    /// Corpus BLEU with several references per hypothesis: `referenceSets[i]` are the references of `hypotheses[i]`
    /// (at least one, and their number may vary). sacreBLEU takes references as streams, one list per reference
    /// number, `None` where a hypothesis has fewer; this is `sacrebleu.corpus_bleu(hypotheses, streams)` with them.
    public static func corpusScore(hypotheses: [String], referenceSets: [[String]]) -> BLEUScore {
        precondition(hypotheses.count == referenceSets.count, "BLEU needs references for every hypothesis: "
                     + "\(hypotheses.count) hypotheses, \(referenceSets.count) sets of references")
        return score(summed(sentenceStatistics(hypotheses, referenceSets)))
    }

    /// The corpus BLEU of `corpusScore(hypotheses:referenceSets:)` and, from the same counts, each hypothesis's BLEU
    /// alone against its references with the corpus settings (no effective order, unlike sacreBLEU's `sentence_bleu`:
    /// a hypothesis of fewer than 4 tokens has no 4-gram and so scores 0).
    public static func corpusAndSentenceScores(hypotheses: [String], referenceSets: [[String]]) -> (corpus: BLEUScore, sentences: [Double]) {
        precondition(hypotheses.count == referenceSets.count, "BLEU needs references for every hypothesis: "
                     + "\(hypotheses.count) hypotheses, \(referenceSets.count) sets of references")
        let sentences = sentenceStatistics(hypotheses, referenceSets)
        return (score(summed(sentences)), sentences.map { score($0).score })
    }

    /// Each hypothesis's matches and lengths against its references.
    private static func sentenceStatistics(_ hypotheses: [String], _ referenceSets: [[String]]) -> [Statistics] {
        zip(hypotheses, referenceSets).map { hypothesis, references in
            statistics(hypothesis: preprocess(hypothesis), references: references.map(preprocess))
        }
    }

    /// The corpus's counts: the sentences' summed.
    private static func summed(_ sentences: [Statistics]) -> Statistics {
        var total = Statistics()
        for sentence in sentences { add(sentence, to: &total) }
        return total
    }

    /// sacreBLEU's `BLEU.compute_bleu` with smooth_method "exp" and effective_order off.
    private static func score(_ statistics: Statistics) -> BLEUScore {
        // Brevity penalty: exp(1 − r/c) when the c hypothesis tokens are fewer than the r reference tokens.
        let c = statistics.hypothesisLength
        let r = statistics.referenceLength
        let brevityPenalty = c >= r ? 1.0 : (c > 0 ? exp(1 - Double(r) / Double(c)) : 0)

        func result(_ score: Double, _ precisions: [Double]) -> BLEUScore {
            BLEUScore(score: score, counts: statistics.matches, totals: statistics.totals, precisions: precisions,
                      brevityPenalty: brevityPenalty, hypothesisLength: c, referenceLength: r)
        }
        var precisions = [Double](repeating: 0, count: maxOrder)
        // No match at any order: score 0 and all precisions 0, before any smoothing (sacreBLEU issue #141).
        guard statistics.matches.contains(where: { $0 > 0 }) else { return result(0, precisions) }

        // "exp" smoothing (NIST's, as in mteval-v13a; Chen & Cherry 2014, method 3): the k-th order without
        // a match, counting up from 1-grams, gets precision 100 / (2^k · total) instead of 0.
        var smoothing = 1.0
        for order in 0..<maxOrder {
            let total = statistics.totals[order]
            guard total > 0 else { break }  // no hypothesis n-gram of this order (or higher): precision stays 0
            let matches = statistics.matches[order]
            if matches == 0 {
                smoothing *= 2
                precisions[order] = 100 / (smoothing * Double(total))
            } else {
                precisions[order] = 100 * Double(matches) / Double(total)
            }
        }

        // BLEU = BP · exp((1/4) Σₙ log pₙ), the geometric mean of the four precisions. A precision left at 0
        // has log 0 = −∞; sacreBLEU floors that log at −9 999 999 999, which gives the same score, exactly 0.
        if precisions.contains(0) { return result(0, precisions) }
        let meanLog = precisions.map { log($0) }.reduce(0, +) / Double(maxOrder)
        return result(brevityPenalty * exp(meanLog), precisions)
    }
}
