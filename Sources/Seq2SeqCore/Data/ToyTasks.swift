// ToyTasks.swift — seeded generators of the toy corpora (reverse, copy) that Joey NMT's tutorial trains on,
// written in the corpus format of SPEC §4 (DIR/{train,dev,test}.tsv). Stage [1].

import Foundation

public enum ToyTask: String, CaseIterable, Sendable {
    /// Target = the source numbers in reverse order: "3 14 7" → "7 14 3".
    case reverse
    /// Target = the source: "3 14 7" → "3 14 7".
    case copy
}

public enum ToyTasks {
    /// Source lengths of the training split, as in Joey NMT's `scripts/generate_reverse_task.py` (`maxlen=25`).
    public static let trainLengths = 1...25
    /// Source lengths of the dev and test splits (Joey NMT: `maxlen + 5`), longer than any training sentence.
    public static let evaluationLengths = 1...30

    /// The task as Joey NMT's tutorial makes it: integers 0..<vocabularySize (0–49) as words separated by spaces;
    /// each source length drawn uniformly from `lengths` (1–25 in train, 1–30 in dev and test), each number
    /// uniformly; target = reversed (or copied) source. Same `rng` state ⇒ same pairs.
    /// Needs `count ≥ 0`, `lengths.lowerBound ≥ 1` and `vocabularySize ≥ 1` (`write` checks these by throwing).
    public static func pairs(_ task: ToyTask, count: Int, lengths: ClosedRange<Int>, vocabularySize: Int = 50,
                             rng: inout SplitMix64) -> [SentencePair] {
        precondition(count >= 0 && lengths.lowerBound >= 1 && vocabularySize >= 1,
                     "ToyTasks.pairs needs count ≥ 0, lengths from 1 up and a positive vocabulary size")
        var pairs: [SentencePair] = []
        pairs.reserveCapacity(count)
        for _ in 0..<count {
            let length = rng.nextInt(in: lengths)
            var numbers: [Int] = []
            numbers.reserveCapacity(length)
            for _ in 0..<length { numbers.append(rng.nextInt(below: vocabularySize)) }
            let targetNumbers: [Int]
            switch task {
            case .reverse: targetNumbers = numbers.reversed()
            case .copy: targetNumbers = numbers
            }
            pairs.append(SentencePair(source: sentence(numbers), target: sentence(targetNumbers)))
        }
        return pairs
    }

    /// Writes DIR/train.tsv (50,000 pairs, lengths 1–25), dev.tsv (1,000) and test.tsv (1,000, lengths 1–30 both),
    /// creating DIR if needed. One seed fixes all three files; each split draws from its own generator seeded from
    /// it, so dev and test stay the same whatever `trainCount` is.
    public static func write(_ task: ToyTask, to directory: String, seed: UInt64, trainCount: Int = 50_000,
                             devCount: Int = 1_000, testCount: Int = 1_000) throws {
        for (name, count) in [("trainCount", trainCount), ("devCount", devCount), ("testCount", testCount)]
        where count < 1 {
            throw Seq2SeqError.invalidConfiguration(reason: "\(name) must be at least 1, not \(count)")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw Seq2SeqError.unwritableFile(path: directory, reason: "cannot create the folder")
        }
        var master = SplitMix64(seed: seed)
        let splits: [(file: String, count: Int, lengths: ClosedRange<Int>)] = [
            ("train.tsv", trainCount, trainLengths),
            ("dev.tsv", devCount, evaluationLengths),
            ("test.tsv", testCount, evaluationLengths),
        ]
        for split in splits {
            var rng = SplitMix64(seed: master.next())
            let path = URL(fileURLWithPath: directory).appendingPathComponent(split.file).path
            try Corpus.writePairs(pairs(task, count: split.count, lengths: split.lengths, rng: &rng), path: path)
        }
    }

    private static func sentence(_ numbers: [Int]) -> String {
        numbers.map(String.init).joined(separator: " ")
    }
}
