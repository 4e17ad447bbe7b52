// ToyTasks.swift — seeded generators of the toy corpora, written in the corpus format of SPEC §4
// (DIR/{train,dev,test}.tsv): reverse and copy, which Joey NMT's tutorial trains on, and the four experiments of
// Edwin Chen's "Exploring LSTMs" (count, count-distract, remember, copy3), small enough to find the unit that
// does the job with `seq2seq inspect --top`. Tokens are separated by spaces. Stage [1].

import Foundation

/// The seeded toy tasks `seq2seq corpus` makes.
public enum ToyTask: String, CaseIterable, Sendable {
    /// Target = the source numbers in reverse order: "3 14 7" → "7 14 3".
    case reverse
    /// Target = the source: "3 14 7" → "3 14 7".
    case copy
    /// N = 1–10 `a`, then `X`; target N `b`: "a a a X" → "b b b". The model must emit as many b as it read a.
    case count
    /// N = 1–10 `a` with 0–N distracting `X` among them, then `Y`; target N `b`: "a a X a X a a Y" → "b b b b b".
    case countDistract = "count-distract"
    /// `A` or `B`, then 1–10 `x`, then `Y`; target `a` or `b`: "B x x x x Y" → "b". The first token must be
    /// remembered across the x.
    case remember
    /// Three letters a–z, then `X`; target the three letters: "a b c X" → "a b c".
    case copy3

    /// The range `ToyTasks.pairs` draws each pair's size from in the training split: the sentence length (reverse,
    /// copy), the number of `a` (count, count-distract), of `x` (remember), of letters (copy3: always 3).
    public var trainLengths: ClosedRange<Int> {
        switch self {
        case .reverse, .copy: return ToyTasks.trainLengths
        case .count, .countDistract, .remember: return 1...10
        case .copy3: return 3...3
        }
    }

    /// The same for the dev and test splits: longer than training for reverse and copy, the same range otherwise.
    public var evaluationLengths: ClosedRange<Int> {
        switch self {
        case .reverse, .copy: return ToyTasks.evaluationLengths
        case .count, .countDistract, .remember, .copy3: return trainLengths
        }
    }
}

/// The generators of the toy tasks' pairs and corpus folders.
public enum ToyTasks {
    /// Source lengths of the training split, as in Joey NMT's `scripts/generate_reverse_task.py` (`maxlen=25`).
    public static let trainLengths = 1...25
    /// Source lengths of the dev and test splits (Joey NMT: `maxlen + 5`), longer than any training sentence.
    public static let evaluationLengths = 1...30

    /// The task as Joey NMT's tutorial makes it: integers 0..<vocabularySize (0–49) as words separated by spaces;
    /// each source length drawn uniformly from `lengths` (1–25 in train, 1–30 in dev and test), each number
    /// uniformly; target = reversed (or copied) source. For count, count-distract, remember and copy3, `lengths` is
    /// the range of each pair's size (see `ToyTask.trainLengths`) and `vocabularySize` is not used.
    /// Same `rng` state ⇒ same pairs.
    /// Needs `count ≥ 0`, `lengths.lowerBound ≥ 1` and `vocabularySize ≥ 1` (`write` checks these by throwing).
    public static func pairs(_ task: ToyTask, count: Int, lengths: ClosedRange<Int>, vocabularySize: Int = 50,
                             rng: inout SplitMix64) -> [SentencePair] {
        precondition(count >= 0 && lengths.lowerBound >= 1 && vocabularySize >= 1,
                     "ToyTasks.pairs needs count ≥ 0, lengths from 1 up and a positive vocabulary size")
        var pairs: [SentencePair] = []
        pairs.reserveCapacity(count)
        for _ in 0..<count {
            let length = rng.nextInt(in: lengths)
            switch task {
            case .reverse, .copy:
                var numbers: [Int] = []
                numbers.reserveCapacity(length)
                for _ in 0..<length { numbers.append(rng.nextInt(below: vocabularySize)) }
                let targetNumbers = task == .reverse ? numbers.reversed() : numbers
                pairs.append(SentencePair(source: sentence(numbers), target: sentence(targetNumbers)))
            case .count, .countDistract, .remember, .copy3:
                pairs.append(exploringLSTMsPair(task, size: length, rng: &rng))
            }
        }
        return pairs
    }

    /// One pair of the "Exploring LSTMs" tasks; `size` is the number of a (count, count-distract), of x (remember),
    /// of letters (copy3).
    static func exploringLSTMsPair(_ task: ToyTask, size n: Int, rng: inout SplitMix64) -> SentencePair {
        func line(_ tokens: [String]) -> String { tokens.joined(separator: " ") }
        let bs = Array(repeating: "b", count: n)
        switch task {
        case .count:
            return SentencePair(source: line(Array(repeating: "a", count: n) + ["X"]), target: line(bs))
        case .countDistract:
            var tokens = Array(repeating: "a", count: n) + Array(repeating: "X", count: rng.nextInt(in: 0...n))
            rng.shuffle(&tokens)
            return SentencePair(source: line(tokens + ["Y"]), target: line(bs))
        case .remember:
            let first = rng.nextInt(below: 2) == 0 ? "A" : "B"
            return SentencePair(source: line([first] + Array(repeating: "x", count: n) + ["Y"]), target: first.lowercased())
        case .copy3:
            let letters = (0..<n).map { _ in String(UnicodeScalar(UInt8(ascii: "a") + UInt8(rng.nextInt(below: 26)))) }
            return SentencePair(source: line(letters + ["X"]), target: line(letters))
        case .reverse, .copy:
            preconditionFailure("exploringLSTMsPair makes only count, count-distract, remember and copy3 pairs")
        }
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
            ("train.tsv", trainCount, task.trainLengths),
            ("dev.tsv", devCount, task.evaluationLengths),
            ("test.tsv", testCount, task.evaluationLengths),
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
