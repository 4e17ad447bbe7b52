// TrainingData.swift — a corpus made ready for training (stages [1] → [3]): the train/dev split, the pairs within the
// length limit as tokens and then as ids of the run's vocabularies, and the batches of each epoch.

import Foundation

/// The dev pairs that validation uses: those within the length limit, how many were left out, and the longest kept
/// source and target in tokens (for the memory check).
struct DevSet {
    var pairs: [SentencePair]
    var skipped: Int
    var longestSource: Int
    var longestTarget: Int
}

/// What the training loop reads, fixed for the whole run.
struct TrainingData {
    /// The training pairs within the length limit, as ids of the vocabularies (no specials).
    let sources: [[Int]], targets: [[Int]]
    let sourceVocabulary: Vocabulary, targetVocabulary: Vocabulary
    /// Training pairs left out for being longer than the length limit.
    let skippedPairs: Int
    /// Dev pairs longer than the length limit: validation leaves them out (decoding them could take any memory).
    let dev: DevSet
    /// Pairs of train.tsv held out for validation because the corpus has no dev.tsv (nil when it has one).
    let heldOutForValidation: Int?

    /// The tokenized pairs encoded with the run's vocabularies.
    init(tokens: (sources: [[String]], targets: [[String]], skipped: Int), dev: DevSet, heldOutForValidation: Int?,
         sourceVocabulary: Vocabulary, targetVocabulary: Vocabulary) {
        sources = tokens.sources.map(sourceVocabulary.encode)
        targets = tokens.targets.map(targetVocabulary.encode)
        (self.sourceVocabulary, self.targetVocabulary) = (sourceVocabulary, targetVocabulary)
        skippedPairs = tokens.skipped
        self.dev = dev
        self.heldOutForValidation = heldOutForValidation
    }

    func batchesPerEpoch(batchSize: Int) -> Int { (sources.count + batchSize - 1) / batchSize }

    /// The batches of one epoch as lists of pair indices: shuffled, then sorted by length within pools of 50
    /// batches (so a batch holds sentences of similar length), then the batches shuffled. Depends only on
    /// (seed, epoch), so a resumed run sees the same order.
    func epochBatches(_ epoch: Int, batchSize: Int, seed: UInt64) -> [[Int]] {
        var rng = SplitMix64(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9)
        var indices = Array(sources.indices)
        rng.shuffle(&indices)
        var batches = Trainer.lengthBucketedBatches(indices, size: batchSize) { (sources[$0].count, targets[$0].count) }
        rng.shuffle(&batches)
        return batches
    }

    /// The pairs `indices` as one batch.
    func batch(_ indices: [Int]) -> Batch {
        Batch(sources: indices.map { sources[$0] }, targets: indices.map { targets[$0] })
    }

    /// train.tsv and dev.tsv; when the corpus has no dev.tsv, 5% of train (at least 1, at most 1,000 pairs,
    /// chosen by the seed, so a resumed run holds out the same ones) is held out for validation instead.
    static func trainAndDev(corpus: String, seed: UInt64) throws -> (train: [SentencePair], dev: [SentencePair], heldOut: Int?) {
        let train = try Corpus.readPairs(path: corpus + "/train.tsv")
        let devPath = corpus + "/dev.tsv"
        if FileManager.default.fileExists(atPath: devPath) { return (train, try Corpus.readPairs(path: devPath), nil) }
        guard train.count >= 2 else {
            throw Seq2SeqError.unreadableFile(path: devPath, reason: "no such file, and train.tsv has too few pairs to hold some out")
        }
        var order = Array(train.indices)
        var rng = SplitMix64(seed: seed ^ 0xDE5E_7000)
        rng.shuffle(&order)
        let held = Set(order.prefix(min(1000, max(1, train.count / 20))))
        return (train.indices.filter { !held.contains($0) }.map { train[$0] }, held.sorted().map { train[$0] }, held.count)
    }

    /// `train` and, after it, a copy of the share `fraction` of its pairs (chosen by `seed`, in corpus order) whose
    /// source is `TypedInput.casual`: lower case, no final stop. Pairs the change leaves alike are not copied.
    static func withTypedCopies(_ train: [SentencePair], fraction: Float, seed: UInt64) -> [SentencePair] {
        guard fraction > 0 else { return train }
        var order = Array(train.indices)
        var rng = SplitMix64(seed: seed ^ 0x7E7_C0D1E)
        rng.shuffle(&order)
        let chosen = order.prefix(Int((Float(train.count) * fraction).rounded())).sorted()
        return train + chosen.compactMap { index in
            TypedInput.casual(train[index].source).map { SentencePair(source: $0, target: train[index].target) }
        }
    }

    /// The training pairs as tokens, without those longer than `maxLength` on either side (counted in `skipped`).
    static func tokenizedWithinLength(_ pairs: [SentencePair], _ tokenizer: Tokenizer, maxLength: Int)
        -> (sources: [[String]], targets: [[String]], skipped: Int) {
        var sources: [[String]] = [], targets: [[String]] = []
        for pair in pairs {
            let source = tokenizer.tokenizeSource(pair.source), target = tokenizer.tokenize(pair.target)
            guard source.count <= maxLength && target.count <= maxLength else { continue }
            sources.append(source)
            targets.append(target)
        }
        return (sources, targets, pairs.count - sources.count)
    }

    /// The dev pairs within `maxLength` tokens on both sides; none left → an error.
    static func devWithinLength(_ dev: [SentencePair], _ tokenizer: Tokenizer, maxLength: Int, corpus: String) throws -> DevSet {
        var kept: [SentencePair] = [], longestSource = 0, longestTarget = 0
        for pair in dev {
            let source = tokenizer.tokenizeSource(pair.source).count, target = tokenizer.tokenize(pair.target).count
            guard source <= maxLength && target <= maxLength else { continue }
            kept.append(pair)
            (longestSource, longestTarget) = (max(longestSource, source), max(longestTarget, target))
        }
        guard !kept.isEmpty else {
            throw Seq2SeqError.invalidConfiguration(reason: "no pair of \(corpus)'s dev set is within \(maxLength) tokens, so nothing can be validated")
        }
        return DevSet(pairs: kept, skipped: dev.count - kept.count, longestSource: longestSource, longestTarget: longestTarget)
    }
}
