// Translator.swift — text in, text out: tokenize, map to ids, decode in batches of similar length, map back and
// detokenize; keeps each sentence's attention matrix with its tokens as labels. Stage [8] → [9] → [10].

/// One translated sentence with everything `attention` and `translate` print.
public struct TranslationResult: Equatable, Sendable {
    /// The source as the model saw it: its tokens, then "</s>" (the attention matrix's columns).
    public var sourceTokens: [String]
    /// What the model emitted, ending with "</s>" unless the length limit came first (the matrix's rows).
    public var targetTokens: [String]
    /// The detokenized translation (without "</s>").
    public var text: String
    /// One row per target token, one column per source token; each row sums to 1.
    public var attention: [[Float]]
    /// Source tokens that are not in the vocabulary (read as <unk>).
    public var unknownSourceTokens: Int
}

public struct Translator {
    public let checkpoint: Checkpoint
    /// Sentences decoded together (they are grouped by length first, so little is spent on padding).
    public var batchSize: Int
    /// A sentence of n source tokens may emit at most ⌊ratio·n⌋ + 10 tokens (so decoding always ends).
    public var maxOutputRatio: Double
    /// Beam search instead of greedy decoding (nil: greedy). Width 1 gives greedy's output exactly.
    public var beam: BeamOptions? = nil

    public init(checkpoint: Checkpoint, batchSize: Int = 64, maxOutputRatio: Double = 2) {
        self.checkpoint = checkpoint
        self.batchSize = max(1, batchSize)
        self.maxOutputRatio = maxOutputRatio
    }

    public var tokenizer: Tokenizer { checkpoint.config.tokenizer }

    /// The token limit for a source of `length` tokens.
    public func maxOutputLength(sourceLength length: Int) -> Int { Int(maxOutputRatio * Double(length)) + 10 }

    /// Translations of id sequences (no specials), in input order: greedy, or the best hypothesis of beam search
    /// when `beam` is set. Greedy sentences are sorted by length and
    /// decoded `batchSize` at a time; since a sentence's result does not depend on its batch, the order and
    /// grouping change nothing but speed.
    public func translate(ids sources: [[Int]]) -> [Translation] {
        // The weights cannot change while translating: pack them once for all the batches.
        withPackedWeights(checkpoint.model.parameters.storage) { translateBatches(sources) }
    }

    private func translateBatches(_ sources: [[Int]]) -> [Translation] {
        if beam != nil { return nBest(ids: sources).map { $0.first?.translation ?? Translation(tokens: [], attention: []) } }
        var results = [Translation?](repeating: nil, count: sources.count)
        for chunk in Batch.lengthSortedGroups(sources.map(\.count), size: batchSize) {
            let longest = chunk.map { sources[$0].count }.max() ?? 0
            let translations = checkpoint.model.greedy(Batch(sources: chunk.map { sources[$0] }),
                                                       maxSteps: maxOutputLength(sourceLength: longest))
            for (index, translation) in zip(chunk, translations) {
                // Each sentence keeps to its own limit, whatever the longest sentence of its chunk allowed.
                let limit = maxOutputLength(sourceLength: sources[index].count)
                results[index] = Translation(tokens: Array(translation.tokens.prefix(limit)),
                                             attention: Array(translation.attention.prefix(limit)))
            }
        }
        return results.map { $0 ?? Translation(tokens: [], attention: []) }
    }

    /// The `beam.nBest` best hypotheses of each source, best first (beam search, one sentence at a time; without
    /// `beam`, the greedy translation with its log-probability).
    public func nBest(ids sources: [[Int]]) -> [[ScoredTranslation]] {
        let options = beam ?? BeamOptions(width: 1)
        return withPackedWeights(checkpoint.model.parameters.storage) {
            sources.map { checkpoint.model.beamSearch(source: $0, maxSteps: maxOutputLength(sourceLength: $0.count), options: options) }
        }
    }

    /// n-best lists of sentences of text: for each input, (score, result) best first.
    public func nBest(_ texts: [String]) -> [[(score: Double, result: TranslationResult)]] {
        let encoded = texts.map(encodeSource)
        return zip(encoded, nBest(ids: encoded.map(\.ids))).map { source, list in
            list.map { ($0.score, result(source: source, $0.translation)) }
        }
    }

    /// Source text → its tokens and their ids.
    public func encodeSource(_ text: String) -> (tokens: [String], ids: [Int]) {
        let tokens = tokenizer.tokenize(text)
        return (tokens, checkpoint.sourceVocabulary.encode(tokens))
    }

    /// Translates sentences of text, in input order.
    public func translate(_ texts: [String]) -> [TranslationResult] {
        translate(encoded: texts.map(encodeSource))
    }

    /// Translates sources already through `encodeSource` (a caller that had to tokenize them, e.g. to check their
    /// length, need not do it twice).
    public func translate(encoded: [(tokens: [String], ids: [Int])]) -> [TranslationResult] {
        let translations = translate(ids: encoded.map(\.ids))
        return zip(encoded, translations).map { source, translation in result(source: source, translation) }
    }

    /// A decoded sentence with its tokens as text: what `translate` returns for it.
    func result(source: (tokens: [String], ids: [Int]), _ translation: Translation) -> TranslationResult {
        let targetTokens = checkpoint.targetVocabulary.decode(translation.tokens)
        let words = translation.tokens.last == Vocabulary.eos ? Array(targetTokens.dropLast()) : targetTokens
        return TranslationResult(sourceTokens: source.tokens + [Vocabulary.specials[Vocabulary.eos]], targetTokens: targetTokens,
                                 text: tokenizer.detokenize(words), attention: translation.attention,
                                 unknownSourceTokens: source.ids.filter { $0 == Vocabulary.unk }.count)
    }
}
