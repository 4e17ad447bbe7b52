// TranslationSamples.swift — what a validation shows besides its scores, as Joey NMT's does: a few dev translations
// beside their source and references, and whether the dev targets are too short for BLEU to say much. Stage:
// evaluation, during training [8].

/// One translated source with its references, as a validation shows it.
public struct TranslationSample: Equatable, Sendable {
    /// The source's index among the distinct sources (`ReferenceGroups.sources`), from 0.
    public var index: Int
    /// The source sentence as written.
    public var source: String
    /// Its references, in pair order.
    public var references: [String]
    /// The model's translation.
    public var hypothesis: String
}

/// How many sources of a set BLEU scores 0 one by one, and why: BLEU needs a matching 4-gram, which a sentence of fewer
/// than 4 tokens cannot have. When nearly all do, the corpus BLEU rests on the few longer sentences and says little.
public struct ShortTargets: Equatable, Sendable {
    /// Distinct sources.
    public var sources: Int
    /// Sources whose translation scores sentence-level BLEU 0 against its references (the corpus settings, without
    /// sacreBLEU's effective order: a translation of fewer than 4 tokens scores 0).
    public var zeroSentenceBLEU: Int
    /// Sources translated exactly (as one of their references).
    public var exact: Int
    /// Sources whose references all have fewer than 4 tokens (13a tokens, as BLEU counts them): even an exact
    /// translation of one of them scores sentence-level BLEU 0.
    public var shortReferences: Int

    /// Most sources have only references under 4 tokens; or at least 90% of the sources score sentence-level BLEU 0
    /// although some are translated exactly. (A model that has not learnt yet scores 0 on nearly every sentence, and
    /// translates none exactly: that says nothing about the targets.)
    public var makeBLEUUninformative: Bool {
        sources > 0 && (2 * shortReferences > sources || (10 * zeroSentenceBLEU >= 9 * sources && exact > 0))
    }
}

extension EvaluatedSet {
    /// `count` sources at fixed positions spread evenly over the set (index ⌊i·S / count⌋ for i = 0..<count of the S
    /// sources, so the first is always shown), with their references and translations; every source when count ≥ S.
    /// The positions depend only on S and `count`: every validation of a run shows the same sentences.
    public func samples(count: Int) -> [TranslationSample] {
        let total = groups.sources.count
        let indices = count >= total ? Array(0..<total) : (0..<max(count, 0)).map { $0 * total / count }
        return indices.map { s in
            TranslationSample(index: s, source: groups.sources[s], references: groups.references[s], hypothesis: hypotheses[s])
        }
    }

    /// How many sources score sentence-level BLEU 0, and how many have only references under 4 tokens.
    public var shortTargets: ShortTargets {
        let short = groups.references.filter { references in references.allSatisfy { BLEU.tokenize13a($0).count < BLEU.maxOrder } }
        return ShortTargets(sources: groups.sources.count, zeroSentenceBLEU: sentenceBLEU.filter { $0 == 0 }.count,
                            exact: isExact.filter { $0 }.count, shortReferences: short.count)
    }
}
