// Metrics.swift — what `eval` and validation report: corpus BLEU and chrF of the translations, exact match, and the
// teacher-forced token accuracy, loss and perplexity; plus the per-token log-probabilities of `score`. Pairs that share
// a source are one sentence translated once and scored against all their references (ReferenceGroups.swift).

import Foundation

/// The scores of one evaluation of a checkpoint on a test or dev set, as `eval` prints them.
public struct EvaluationReport: Codable, Equatable, Sendable {
    /// Sentence pairs scored: one reference each, and teacher-forced each.
    public var sentences: Int
    /// Distinct sources translated and scored (pairs that share a source are one); nil in records of logs written
    /// before sources were grouped.
    public var sources: Int?
    /// References the sources were scored against: one per pair; nil in records of logs written before sources were
    /// grouped.
    public var references: Int?
    /// sacreBLEU-compatible corpus BLEU (0–100) of the detokenized translations of the sources against all their
    /// references.
    public var bleu: Double
    /// sacreBLEU-compatible corpus chrF2 (0–100) of the same translations; nil in records of logs written before
    /// chrF was reported.
    public var chrF: Double?
    /// Percentage of sources whose translation has exactly the tokens of one of their references.
    public var exactMatch: Double
    /// Percentage of target tokens (</s> included) of every pair that are the model's top choice under teacher forcing.
    public var tokenAccuracy: Double
    /// Mean teacher-forced cross-entropy per target token (nats), and exp of it.
    public var loss: Double
    /// exp(`loss`).
    public var perplexity: Double

    enum CodingKeys: String, CodingKey {
        case sentences, sources, references, bleu, loss, perplexity
        case chrF = "chrf"
        case exactMatch = "exact_match"
        case tokenAccuracy = "token_accuracy"
        case nonFinite = "non_finite"
    }

    /// The report from already computed scores.
    public init(sentences: Int, sources: Int? = nil, references: Int? = nil, bleu: Double, chrF: Double? = nil,
                exactMatch: Double, tokenAccuracy: Double, loss: Double, perplexity: Double) {
        self.sentences = sentences
        self.sources = sources
        self.references = references
        self.bleu = bleu
        self.chrF = chrF
        self.exactMatch = exactMatch
        self.tokenAccuracy = tokenAccuracy
        self.loss = loss
        self.perplexity = perplexity
    }

    /// Whether every number is finite (a model with non-finite outputs gives an infinite or NaN loss).
    public var isFinite: Bool { nonFiniteNumbers.isEmpty }
}

extension EvaluationReport {
    /// JSON has no inf or NaN: a non-finite number is written as null, its key listed in `non_finite`
    /// (`"loss": null, "non_finite": ["loss", "perplexity"]`), and read back as NaN.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func number(_ key: CodingKeys) throws -> Double { try c.decodeIfPresent(Double.self, forKey: key) ?? .nan }
        self.init(sentences: try c.decode(Int.self, forKey: .sentences), sources: try c.decodeIfPresent(Int.self, forKey: .sources),
                  references: try c.decodeIfPresent(Int.self, forKey: .references), bleu: try number(.bleu),
                  chrF: try c.decodeIfPresent(Double.self, forKey: .chrF), exactMatch: try number(.exactMatch),
                  tokenAccuracy: try number(.tokenAccuracy), loss: try number(.loss), perplexity: try number(.perplexity))
    }

    /// Encodes every score, a non-finite one as null with its key listed in `non_finite` (see `init(from:)`).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sentences, forKey: .sentences)
        try c.encodeIfPresent(sources, forKey: .sources)
        try c.encodeIfPresent(references, forKey: .references)
        let numbers: [(CodingKeys, Double?)] = [(.bleu, bleu), (.chrF, chrF), (.exactMatch, exactMatch),
                                                (.tokenAccuracy, tokenAccuracy), (.loss, loss), (.perplexity, perplexity)]
        var nonFinite: [String] = []
        for (key, value) in numbers {
            guard let value else { continue }
            if !value.isFinite { nonFinite.append(key.stringValue) }
            try c.encodeFinite(value, forKey: key)
        }
        if !nonFinite.isEmpty { try c.encode(nonFinite, forKey: .nonFinite) }
    }
}

extension KeyedEncodingContainer {
    /// `value`, or null when it is not finite (JSON cannot hold inf or NaN; the caller names the key in a flag).
    mutating func encodeFinite(_ value: Double, forKey key: Key) throws {
        if value.isFinite { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}

extension EvaluationReport {
    /// The names of the numbers that are not finite ("loss", "perplexity"), empty when every one is. A model whose
    /// weights are too large for Float32 arithmetic gives an infinite loss; `eval` refuses to print such a report.
    public var nonFiniteNumbers: [String] {
        let numbers: [(String, Double?)] = [("BLEU", bleu), ("chrF", chrF), ("exact match", exactMatch),
                                            ("token accuracy", tokenAccuracy), ("loss", loss), ("perplexity", perplexity)]
        return numbers.filter { $0.1.map { !$0.isFinite } ?? false }.map(\.0)
    }
}

/// Teacher-forced statistics of one batch.
public struct TeacherForcedStatistics: Sendable {
    /// Cross-entropy summed over the batch's non-padding target tokens.
    public var lossSum: Double
    /// Non-padding target tokens (</s> included).
    public var tokens: Int
    /// Target tokens that are the argmax of the model's distribution.
    public var correct: Int
}

extension Seq2SeqModel {
    /// Loss summed over target tokens and how many of them the model ranks first (no dropout, no smoothing).
    public func teacherForcedStatistics(_ batch: Batch) -> TeacherForcedStatistics {
        var dropout = Dropout.off
        let pass = forward(batch, dropout: &dropout)
        var correct = 0
        let logProbabilities = pass.crossEntropy.logProbabilities
        for (n, target) in batch.targetIds.enumerated() where target != Vocabulary.pad {
            let row = logProbabilities.row(n)
            var best = 0
            for k in 1..<logProbabilities.cols where row[k] > row[best] { best = k }
            if best == target { correct += 1 }
        }
        return TeacherForcedStatistics(lossSum: pass.loss.sum, tokens: pass.loss.tokenCount, correct: correct)
    }
}

/// A test or dev set translated and scored: the report, and what it was computed from.
public struct EvaluatedSet: Sendable {
    /// The scores.
    public var report: EvaluationReport
    /// The pairs grouped by source.
    public var groups: ReferenceGroups
    /// `hypotheses[s]`: the detokenized translation of `groups.sources[s]`.
    public var hypotheses: [String]
    /// `isExact[s]`: whether `hypotheses[s]` has exactly the tokens of one of the source's references.
    public var isExact: [Bool]
    /// `sentenceBLEU[s]`: the BLEU of `hypotheses[s]` alone against the source's references (counted once, with the
    /// corpus BLEU: `BLEU.corpusAndSentenceScores`).
    public var sentenceBLEU: [Double]
}

/// Translates a test set and scores it: BLEU, chrF, exact match, token accuracy, loss, perplexity.
public enum Evaluation {
    /// Sentences `evaluate` translates together (sorted by length into batches within each chunk).
    public static let translationChunk = 4096

    /// Evaluates `translator` on `pairs` (translations greedy, batched by length).
    public static func evaluate(_ translator: Translator, on pairs: [SentencePair]) -> EvaluationReport {
        translateAndScore(translator, on: pairs).report
    }

    /// Translates each distinct source of `pairs` once and scores the translations against all of its references:
    /// BLEU and chrF as sacreBLEU does with several reference streams, exact match as "equal to one of them". Token
    /// accuracy, loss and perplexity are teacher-forced on every pair. With one pair per source this is the
    /// single-reference evaluation.
    public static func translateAndScore(_ translator: Translator, on pairs: [SentencePair]) -> EvaluatedSet {
        let tokenizer = translator.tokenizer
        let checkpoint = translator.checkpoint
        let groups = ReferenceGroups(pairs)
        let referenceTokens = pairs.map { tokenizer.tokenize($0.target) }
        var tokensOfReferences = [[[String]]](repeating: [], count: groups.sources.count)
        for (pair, source) in groups.sourceOfPair.enumerated() { tokensOfReferences[source].append(referenceTokens[pair]) }
        // Translated a chunk at a time, keeping only the text: a whole corpus's attention matrices would take far more
        // memory than its text. A sentence's translation does not depend on the others decoded with it.
        var hypotheses: [String] = [], isExact: [Bool] = []
        for start in stride(from: 0, to: groups.sources.count, by: translationChunk) {
            let chunk = start ..< min(start + translationChunk, groups.sources.count)
            let results = translator.translate(Array(groups.sources[chunk]))
            hypotheses += results.map(\.text)
            isExact += zip(results, tokensOfReferences[chunk]).map { result, references in
                result.targetTokens.last == Vocabulary.specials[Vocabulary.eos] && references.contains(Array(result.targetTokens.dropLast()))
            }
        }
        let (bleu, sentenceBLEU) = BLEU.corpusAndSentenceScores(hypotheses: hypotheses, referenceSets: groups.references)
        let chrF = ChrF.corpusScore(hypotheses: hypotheses, referenceSets: groups.references)
        // Teacher forcing, in length-sorted batches shared out among the threads as translation shares them; the
        // batches' sums are added in batch order afterwards, so the loss is the same bits for any number of threads.
        let sources = pairs.map { checkpoint.sourceVocabulary.encode(tokenizer.tokenizeSource($0.source)) }
        let targets = referenceTokens.map { checkpoint.targetVocabulary.encode($0) }
        let chunks = Batch.lengthSortedGroups(sources.map(\.count), size: translator.batchSize)
        let parts = mapShared(chunks.count, packing: checkpoint.model.parameters.storage) { c in
            checkpoint.model.teacherForcedStatistics(Batch(sources: chunks[c].map { sources[$0] }, targets: chunks[c].map { targets[$0] }))
        }
        var statistics = TeacherForcedStatistics(lossSum: 0, tokens: 0, correct: 0)
        for part in parts {
            statistics.lossSum += part.lossSum
            statistics.tokens += part.tokens
            statistics.correct += part.correct
        }
        let tokens = max(statistics.tokens, 1)
        let loss = statistics.lossSum / Double(tokens)
        let report = EvaluationReport(sentences: pairs.count, sources: groups.sources.count, references: groups.referenceCount,
                                      bleu: bleu.score, chrF: chrF.score,
                                      exactMatch: 100 * Double(isExact.filter { $0 }.count) / Double(max(groups.sources.count, 1)),
                                      tokenAccuracy: 100 * Double(statistics.correct) / Double(tokens), loss: loss, perplexity: exp(loss))
        return EvaluatedSet(report: report, groups: groups, hypotheses: hypotheses, isExact: isExact, sentenceBLEU: sentenceBLEU)
    }
}

/// One pair's teacher-forced scores (`seq2seq score`).
public struct ScoredPair: Codable, Equatable, Sendable {
    /// Source ids as the encoder reads them, ending with </s>.
    public var sourceIds: [Int]
    /// Target ids the decoder must predict, ending with </s>.
    public var targetIds: [Int]
    /// log p(target_ids[t] | source, target_ids[..<t]) in nats.
    public var logProbs: [Float]
    /// Whether every step's logits were usable (`Seq2SeqModel.logitsAreUsable`); when false the log-probabilities
    /// mean nothing (not written to JSON).
    public var isFinite = true

    enum CodingKeys: String, CodingKey {
        case sourceIds = "source_ids", targetIds = "target_ids", logProbs = "log_probs"
    }
}

extension Evaluation {
    /// Teacher-forced log-probabilities of every target token of every pair, in input order (length-sorted batches).
    public static func score(_ checkpoint: Checkpoint, pairs: [SentencePair], batchSize: Int = 64) -> [ScoredPair] {
        let tokenizer = checkpoint.config.tokenizer
        let sources = pairs.map { checkpoint.sourceVocabulary.encode(tokenizer.tokenizeSource($0.source)) }
        let targets = pairs.map { checkpoint.targetVocabulary.encode(tokenizer.tokenize($0.target)) }
        var results = [ScoredPair?](repeating: nil, count: pairs.count)
        for chunk in Batch.lengthSortedGroups(sources.map(\.count), size: batchSize) {
            let batch = Batch(sources: chunk.map { sources[$0] }, targets: chunk.map { targets[$0] })
            var dropout = Dropout.off
            let pass = checkpoint.model.forward(batch, dropout: &dropout)
            let logits = pass.decoder.readout.logits, logProbabilities = pass.crossEntropy.logProbabilities   // [Ty·B, Vt]
            for (b, index) in chunk.enumerated() {
                let rows = (0..<batch.targetLengths[b]).map { t in t * batch.size + b }
                results[index] = ScoredPair(sourceIds: sources[index] + [Vocabulary.eos], targetIds: targets[index] + [Vocabulary.eos],
                                            logProbs: rows.map { logProbabilities[$0, batch.targetIds[$0]] },
                                            isFinite: rows.allSatisfy { Seq2SeqModel.logitsAreUsable(logits.row($0), count: logits.cols) })
            }
        }
        return results.compactMap { $0 }
    }

    /// The batch of teacher forcing (`score`; `eval`'s token accuracy and perplexity) and of `eval`'s decoding that
    /// needs the most memory, as `score` and `evaluate` cut `pairs` into batches of `batchSize`: `pair` is the index of
    /// its longest pair. A teacher-forced forward keeps less than a training step (no gradients, no optimizer), so
    /// `Trainer.stepBytes` bounds it; `decoding`, when given, adds that batch's decoding at its real source length.
    public static func heaviestBatch(_ checkpoint: Checkpoint, pairs: [SentencePair], batchSize: Int,
                                     decoding: Translator? = nil, threads: Int = 1) -> BatchEstimate? {
        let tokenizer = checkpoint.config.tokenizer
        let sourceLengths = pairs.map { tokenizer.tokenizeSource($0.source).count }
        let targetLengths = pairs.map { tokenizer.tokenize($0.target).count }
        var heaviest: BatchEstimate? = nil
        for group in Batch.lengthSortedGroups(sourceLengths, size: batchSize) {
            guard let longest = group.max(by: { sourceLengths[$0] + targetLengths[$0] < sourceLengths[$1] + targetLengths[$1] }) else { continue }
            let source = group.map { sourceLengths[$0] }.max() ?? 0, target = group.map { targetLengths[$0] }.max() ?? 0
            var bytes = Trainer.stepBytes(checkpoint.config.model, batchSize: group.count, sourceLength: source, targetLength: target)
            if let decoding { bytes = max(bytes, decoding.decodingBytes(sentences: group.count, sourceLength: source, threads: threads)) }
            if bytes > heaviest?.bytes ?? -1 {
                heaviest = BatchEstimate(pair: longest, pairs: group.count, sourceTokens: sourceLengths[longest],
                                         targetTokens: targetLengths[longest], bytes: bytes)
            }
        }
        return heaviest
    }
}

/// How much memory one batch of pairs needs, and the longest pair in it (which makes it that large).
public struct BatchEstimate: Equatable, Sendable {
    /// The index of the batch's longest pair (source and target tokens together).
    public var pair: Int
    /// Pairs in the batch.
    public var pairs: Int
    /// Source tokens of the longest pair.
    public var sourceTokens: Int
    /// Target tokens of the longest pair.
    public var targetTokens: Int
    /// Estimated bytes the batch needs, compared against `MemoryBudget.bytes`.
    public var bytes: Double
}
