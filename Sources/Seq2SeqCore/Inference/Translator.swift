// Translator.swift — text in, text out: tokenize, map to ids, decode in batches of similar length, map back and
// detokenize; keeps each sentence's attention matrix with its tokens as labels. Stage [8] → [9] → [10].

/// One translated sentence with everything `attention` and `translate` print.
public struct TranslationResult: Equatable, Sendable {
    /// The source as the model saw it: its tokens, then "</s>" (the attention matrix's columns).
    public var sourceTokens: [String]
    /// What the model emitted, ending with "</s>" unless the length limit came first (the matrix's rows); with
    /// `replaceUnknown`, an emitted "<unk>" shows the source token put in its place.
    public var targetTokens: [String]
    /// The detokenized translation (without "</s>").
    public var text: String
    /// One row per target token, one column per source token; each row sums to 1.
    public var attention: [[Float]]
    /// Source tokens that are not in the vocabulary (read as <unk>).
    public var unknownSourceTokens: Int
    /// False when decoding met logits or attention weights it cannot trust (see `Translation.isFinite`).
    public var isFinite = true
}

/// Translates text with a checkpoint: tokenizes, decodes greedily or with `beam` in batches of sentences of similar
/// length, detokenizes, and keeps each sentence's attention.
public struct Translator {
    /// The model, its vocabularies and its tokenizer config.
    public let checkpoint: Checkpoint
    /// Sentences decoded together (they are grouped by length first, so little is spent on padding).
    public var batchSize: Int
    /// A sentence of n source tokens may emit at most ⌊ratio·n⌋ + 10 tokens (so decoding always ends).
    public var maxOutputRatio: Double
    /// Beam search instead of greedy decoding (nil: greedy). Width 1 gives greedy's output exactly.
    public var beam: BeamOptions? = nil
    /// N > 0: no n-gram of N tokens is emitted twice (fairseq's `no_repeat_ngram_size`); 0 leaves decoding as it is.
    public var noRepeatNgram: Int = 0
    /// `char` and `word` models: each emitted <unk> is replaced by the source token the model attended to most at
    /// that step (OpenNMT's `replace_unk`), in the text and in the target tokens. `bpe` models: the same at word level,
    /// and for the rare source words too (`carryingOverRareWords`).
    public var replaceUnknown: Bool = false

    /// A greedy translator; `batchSize` is at least 1.
    public init(checkpoint: Checkpoint, batchSize: Int = 64, maxOutputRatio: Double = 2) {
        self.checkpoint = checkpoint
        self.batchSize = max(1, batchSize)
        self.maxOutputRatio = maxOutputRatio
    }

    /// The checkpoint's tokenizer, for splitting input and joining output.
    public var tokenizer: Tokenizer { checkpoint.config.tokenizer }

    /// The token limit for a source of `length` tokens.
    public func maxOutputLength(sourceLength length: Int) -> Int { Int(maxOutputRatio * Double(length)) + 10 }

    /// About how many bytes decoding takes at its peak when up to `sentences` sources of up to `sourceLength` tokens
    /// are handed over at once: `batchSize` of them (K rows each under beam search of width K) on each of `threads`
    /// threads. An estimate by formula, for the worst case (every sentence of the longest length, every row decoding
    /// to its limit): the encoder's states of every layer, the attention keys and values of the batch and of every
    /// row, one step's gates, states and logits (and the beam's log-probabilities), and one attention row per emitted
    /// token for the live and the finished hypotheses; plus the weights, packed once more, and the token tables.
    public func decodingBytes(sentences: Int, sourceLength: Int, threads: Int) -> Double {
        let c = checkpoint.config.model
        let width = Double(beam?.width ?? 1)
        // Beam search keeps two of some things: finished hypotheses beside live ones, log-probabilities beside logits.
        let beamCopies: Double = beam == nil ? 1 : 2
        let B = Double(max(1, min(batchSize, sentences))), R = B * width
        let (S, T) = (Double(sourceLength + 1), Double(maxOutputLength(sourceLength: sourceLength)))
        let (E, H, L, D) = (Double(c.embeddingSize), Double(c.encoderHiddenSize), Double(c.encoderLayers), Double(c.decoderHiddenSize))
        let (M, A, Vs, Vt) = (Double(c.decoderLayers), Double(c.attentionSize), Double(c.sourceVocabularySize), Double(c.targetVocabularySize))
        let encoder = S * B * (4 * H * L + 4 * H)                    // each layer's input and states, one reversed input
        let keys = S * B * (A + 2 * H) + S * R * (A + 2 * H + 2)     // the batch's, every row's, and α with its scores
        let step = R * (E + 6 * H + A + 3 * D + M * 8 * D + beamCopies * Vt)
        let attentionRows = beamCopies * R * T * (S + 8)         // an array per row: its header is 32 bytes
        let perThread = 4 * (encoder + keys + step + attentionRows + Vs * 8 * H + Vt * 4 * D)
        return 4 * 2 * Double(checkpoint.model.parameters.storage.count) + Double(max(1, threads)) * perThread
    }

    /// Translations of id sequences (no specials), in input order: greedy, or the best hypothesis of beam search
    /// when `beam` is set. Sentences are sorted by length and decoded `batchSize` at a time, each to its own length
    /// limit; since a sentence's result does not depend on its batch, the order and grouping change nothing but speed.
    public func translate(ids sources: [[Int]]) -> [Translation] {
        if beam != nil { return nBest(ids: sources).map { $0.first?.translation ?? Translation(tokens: [], attention: []) } }
        return inLengthSortedBatches(sources) { batch, limits in
            checkpoint.model.greedy(Batch(sources: batch), maxSteps: limits, noRepeatNgram: noRepeatNgram)
        }
    }

    /// The `beam.nBest` best hypotheses of each source, best first, in input order (beam search over batches of
    /// `batchSize` sentences sorted by length; without `beam`, the greedy translation with its log-probability).
    public func nBest(ids sources: [[Int]]) -> [[ScoredTranslation]] {
        let options = beam ?? BeamOptions(width: 1)
        return inLengthSortedBatches(sources) { batch, limits in
            checkpoint.model.beamSearch(sources: batch, maxSteps: limits, options: options, noRepeatNgram: noRepeatNgram)
        }
    }

    /// `decode`'s results for every source, in input order: the sources sorted by length and handed over `batchSize`
    /// at a time with each one's length limit. With more than one thread, the batches are shared out among the
    /// threads, each decoding whole batches (as training shares out shards): a batch's result does not depend on
    /// which thread decoded it, so the output is the same for any number of threads. The weights cannot change
    /// meanwhile, so each thread packs them once for all its batches.
    private func inLengthSortedBatches<Result>(_ sources: [[Int]], _ decode: (_ batch: [[Int]], _ limits: [Int]) -> [Result]) -> [Result] {
        let groups = Batch.lengthSortedGroups(sources.map(\.count), size: batchSize)
        let decoded = mapShared(groups.count, packing: checkpoint.model.parameters.storage) { g in
            decode(groups[g].map { sources[$0] }, groups[g].map { maxOutputLength(sourceLength: sources[$0].count) })
        }
        var results: [(index: Int, result: Result)] = []
        for (g, group) in groups.enumerated() { results += zip(group, decoded[g]).map { ($0, $1) } }
        return results.sorted { $0.index < $1.index }.map(\.result)
    }

    /// n-best lists of sentences of text: for each input, (score, result) best first.
    public func nBest(_ texts: [String]) -> [[(score: Double, result: TranslationResult)]] {
        nBest(encoded: texts.map(encodeSource))
    }

    /// n-best lists of sources already through `encodeSource`.
    public func nBest(encoded: [(tokens: [String], ids: [Int])]) -> [[(score: Double, result: TranslationResult)]] {
        zip(encoded, nBest(ids: encoded.map(\.ids))).map { source, list in
            list.map { ($0.score, result(source: source, $0.translation)) }
        }
    }

    /// A source sentence's tokens (normalised first: `Tokenizer.tokenizeSource`) and their ids in the source
    /// vocabulary (unknown tokens get `<unk>`'s id).
    public func encodeSource(_ text: String) -> (tokens: [String], ids: [Int]) {
        let tokens = tokenizer.tokenizeSource(text)
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
        var targetTokens = checkpoint.targetVocabulary.decode(translation.tokens)
        if replaceUnknown {
            switch tokenizer.tokenization {
            case .char, .word:
                for (t, id) in translation.tokens.enumerated() where id == Vocabulary.unk {
                    if let column = Self.mostAttended(translation.attention[t], sourceTokens: source.tokens.count) {
                        targetTokens[t] = source.tokens[column]
                    }
                }
            case .bpe:
                targetTokens = carryingOverRareWords(targetTokens, translation, source: source)
            }
        }
        let words = translation.tokens.last == Vocabulary.eos ? Array(targetTokens.dropLast()) : targetTokens
        return TranslationResult(sourceTokens: source.tokens + [Vocabulary.specials[Vocabulary.eos]], targetTokens: targetTokens,
                                 text: tokenizer.detokenize(words), attention: translation.attention,
                                 unknownSourceTokens: source.ids.filter { $0 == Vocabulary.unk }.count,
                                 isFinite: translation.isFinite)
    }

    /// `replaceUnknown` for a `bpe` model, at word level. The source pieces are grouped into words
    /// (`Tokenizer.wordGroups`), and so are the emitted ones. A source word is *rare* when the model cannot read all
    /// of it (a piece is not in the source vocabulary) or when it holds a digit (a number: written the same in both
    /// languages, and copied piece by piece unreliably). Each emitted word is aligned to the source word holding the
    /// position most attended at any of its pieces (as `mostAttended` does for one token). An emitted word becomes
    /// that source word, whole and as written in the source ("Zoltán", "1987"), when it holds an <unk>, or when the
    /// source word is rare and the emitted word is a number or was itself cut into pieces (the model's attempt at a
    /// word it does not know); a known word of one piece ("en", "J'ai") is never replaced. The source word goes on
    /// the emitted word's first piece and its other pieces are emptied, so the target tokens still match the attention
    /// rows (detokenizing skips empty tokens). A source word is given once: the other emitted words replaced by it
    /// (more attempts at the same word) are emptied.
    func carryingOverRareWords(_ targetTokens: [String], _ translation: Translation,
                               source: (tokens: [String], ids: [Int])) -> [String] {
        let sourceWords = tokenizer.wordGroups(source.tokens)
        let sourceText = sourceWords.map { tokenizer.detokenize(Array(source.tokens[$0])) }
        var wordOfPosition: [Int] = []                     // source position → its word
        for (w, range) in sourceWords.enumerated() { wordOfPosition += Array(repeating: w, count: range.count) }
        let isRare = zip(sourceWords, sourceText).map { range, text in
            Self.isWord(text) && (range.contains { source.ids[$0] == Vocabulary.unk } || text.contains(where: \.isNumber))
        }
        let emitted = translation.tokens.last == Vocabulary.eos ? translation.tokens.count - 1 : translation.tokens.count
        var tokens = targetTokens
        var copied: Set<Int> = []                         // the source words already given
        for word in tokenizer.wordGroups(Array(targetTokens[..<emitted])) {
            let text = tokenizer.detokenize(Array(targetTokens[word]))
            let hasUnknown = word.contains { translation.tokens[$0] == Vocabulary.unk }
            var aligned: (word: Int, weight: Float)? = nil
            for t in word {
                let row = translation.attention[t]
                if let j = Self.mostAttended(row, sourceTokens: source.tokens.count), row[j] > aligned?.weight ?? -1 {
                    aligned = (wordOfPosition[j], row[j])
                }
            }
            let replaced: Bool
            if let aligned, Self.isWord(text) || hasUnknown {
                replaced = hasUnknown || (isRare[aligned.word] && (word.count > 1 || text.contains(where: \.isNumber)))
            } else {
                replaced = false
            }
            guard let aligned, replaced else { continue }
            tokens[word.lowerBound] = copied.contains(aligned.word) ? "" : sourceText[aligned.word]
            for t in word.dropFirst() { tokens[t] = "" }
            copied.insert(aligned.word)
        }
        return tokens
    }

    /// Text that holds a letter or a digit (a word, not a mark).
    private static func isWord(_ text: String) -> Bool { text.contains { $0.isLetter || $0.isNumber } }

    /// The source position (among the `sourceTokens` real tokens, not </s>: that is no word to copy) with the highest
    /// attention weight in `row`, the first one on a tie; nil for an empty source.
    static func mostAttended(_ row: [Float], sourceTokens: Int) -> Int? {
        let count = min(sourceTokens, row.count)
        guard count > 0 else { return nil }
        var best = 0
        for j in 1..<count where row[j] > row[best] { best = j }
        return best
    }
}
