// ReferenceGroups.swift — the pairs of a test or dev set grouped by source: several pairs with the same source are one
// sentence to translate with several references, as sacreBLEU scores several reference streams. Stage: evaluation;
// SPEC §3 `eval` ("all pairs sharing a source are its references").

/// The pairs of an evaluation set grouped by source: every distinct source once, in the order of its first pair, with
/// the targets of all its pairs, in pair order, as its references.
public struct ReferenceGroups: Equatable, Sendable {
    /// The distinct sources, in the order of their first pair.
    public let sources: [String]
    /// `references[s]`: the targets of every pair whose source is `sources[s]`, in pair order (at least one).
    public let references: [[String]]
    /// `sourceOfPair[p]`: the index in `sources` of pair p's source.
    public let sourceOfPair: [Int]

    /// Groups `pairs` by source. Sources are the same when their text is the same code point for code point (as in
    /// Python), not merely canonically equivalent: "é" and "e" + U+0301 are two sources, as the tokenizer sees them.
    public init(_ pairs: [SentencePair]) {
        var index: [[UInt8]: Int] = [:]
        var sources: [String] = [], references: [[String]] = [], sourceOfPair: [Int] = []
        sourceOfPair.reserveCapacity(pairs.count)
        for pair in pairs {
            let key = Array(pair.source.utf8)
            if let s = index[key] {
                references[s].append(pair.target)
                sourceOfPair.append(s)
            } else {
                index[key] = sources.count
                sourceOfPair.append(sources.count)
                sources.append(pair.source)
                references.append([pair.target])
            }
        }
        self.sources = sources
        self.references = references
        self.sourceOfPair = sourceOfPair
    }

    /// References in all: one per pair.
    public var referenceCount: Int { sourceOfPair.count }

    /// The fewest and the most references a source has (0...0 for no pairs): sacreBLEU's `nrefs` is the number when
    /// they are equal, "var" otherwise.
    public var referencesPerSource: ClosedRange<Int> {
        let counts = references.map(\.count)
        return (counts.min() ?? 0)...(counts.max() ?? 0)
    }
}
