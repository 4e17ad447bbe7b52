// CorpusCommandTests.swift — `seq2seq corpus`: the toy tasks have the requested sizes and the right targets, one
// seed gives identical bytes; `split` keeps every pair exactly once, never puts one source sentence in two
// splits, fills dev and test as asked and keeps the input order. Run through the built binary.

import Foundation
import Testing

@Suite struct CorpusCommandTests {
    static let splitFiles = ["train.tsv", "dev.tsv", "test.tsv"]

    /// The pairs of one file, as (source, target), checking the format on the way.
    func readPairs(_ url: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> [(String, String)] {
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasSuffix("\n"), sourceLocation: sourceLocation)
        return text.split(separator: "\n").map { line in
            let sides = line.split(separator: "\t", omittingEmptySubsequences: false)
            #expect(sides.count == 2, "\(url.lastPathComponent): \(line)", sourceLocation: sourceLocation)
            return (String(sides[0]), String(sides.last!))
        }
    }

    @Test(arguments: ["reverse", "copy"])
    func toyTaskHasTheRequestedSizesAndTargets(task: String) throws {
        try withTemporaryDirectory { folder in
            let output = folder.appendingPathComponent("toy")
            let result = try runSeq2Seq(["corpus", task, "--output", output.path, "--seed", "7",
                                         "--train-size", "40", "--dev-size", "9", "--test-size", "11"])
            expectSuccess(result)
            #expect(result.stdout.isEmpty)
            #expect(result.stderrLines == ["corpus \(task): wrote 40 train, 9 dev, 11 test pairs to \(output.path)"])
            for (file, count, maxLength) in [("train.tsv", 40, 25), ("dev.tsv", 9, 30), ("test.tsv", 11, 30)] {
                let pairs = try readPairs(output.appendingPathComponent(file))
                #expect(pairs.count == count, "\(file)")
                for (source, target) in pairs {
                    let words = source.split(separator: " ")
                    #expect((1...maxLength).contains(words.count))
                    #expect(words.allSatisfy { Int($0).map { (0..<50).contains($0) } ?? false })
                    let expected = task == "reverse" ? words.reversed().joined(separator: " ") : source
                    #expect(target == expected, "\(file): \(source) → \(target)")
                }
            }
        }
    }

    @Test func sameSeedGivesIdenticalBytes() throws {
        try withTemporaryDirectory { folder in
            func make(_ name: String, seed: String) throws -> [Data] {
                let output = folder.appendingPathComponent(name)
                expectSuccess(try runSeq2Seq(["corpus", "reverse", "--output", output.path, "--seed", seed,
                                              "--train-size", "200", "--dev-size", "20", "--test-size", "20"]))
                return try Self.splitFiles.map { try Data(contentsOf: output.appendingPathComponent($0)) }
            }
            let first = try make("a", seed: "42"), second = try make("b", seed: "42"), other = try make("c", seed: "43")
            #expect(first == second)
            #expect(first[0] != other[0])
        }
    }

    /// 120 source sentences: every third has three translations, every fifth two, the rest one (so 176 pairs).
    static func groupedPairs() -> [(String, String)] {
        (1...120).flatMap { number -> [(String, String)] in
            let translations = number % 3 == 0 ? 3 : number % 5 == 0 ? 2 : 1
            return (1...translations).map { ("source \(number)", "target \(number) variant \($0)") }
        }
    }

    @Test func splitKeepsEveryPairOnceAndEachSourceInOneSplit() throws {
        try withTemporaryDirectory { folder in
            let pairs = Self.groupedPairs()
            let input = folder.appendingPathComponent("pairs.tsv")
            try Data(pairs.map { "\($0.0)\t\($0.1)\n" }.joined().utf8).write(to: input)
            let output = folder.appendingPathComponent("split")
            let result = try runSeq2Seq(["corpus", "split", "--input", input.path, "--output", output.path,
                                         "--seed", "3", "--dev-size", "30", "--test-size", "25"])
            expectSuccess(result)
            #expect(result.stdout.isEmpty)
            #expect(result.stderrLines == ["corpus split: wrote \(pairs.count - 55) train, 30 dev, 25 test pairs to \(output.path)"])

            let splits = try Self.splitFiles.map { try readPairs(output.appendingPathComponent($0)) }
            #expect(splits.map(\.count) == [pairs.count - 55, 30, 25])
            // Every pair exactly once (the targets are all different, so they identify the pairs).
            let all = splits.flatMap { $0 }
            #expect(all.map(\.1).sorted() == pairs.map(\.1).sorted())
            #expect(Set(all.map { "\($0.0)\t\($0.1)" }) == Set(pairs.map { "\($0.0)\t\($0.1)" }))
            // No source sentence in two splits.
            let sources = splits.map { Set($0.map(\.0)) }
            #expect(sources[0].isDisjoint(with: sources[1]))
            #expect(sources[0].isDisjoint(with: sources[2]))
            #expect(sources[1].isDisjoint(with: sources[2]))
            // Each split keeps the order of the input file.
            let position = Dictionary(uniqueKeysWithValues: pairs.enumerated().map { ($0.element.1, $0.offset) })
            for split in splits {
                let positions = split.map { position[$0.1]! }
                #expect(positions == positions.sorted())
            }
        }
    }

    @Test func splitWithTheSameSeedGivesIdenticalBytes() throws {
        try withTemporaryDirectory { folder in
            let input = folder.appendingPathComponent("pairs.tsv")
            try Data(Self.groupedPairs().map { "\($0.0)\t\($0.1)\n" }.joined().utf8).write(to: input)
            func make(_ name: String, seed: String) throws -> [Data] {
                let output = folder.appendingPathComponent(name)
                expectSuccess(try runSeq2Seq(["corpus", "split", "--input", input.path, "--output", output.path,
                                              "--seed", seed, "--dev-size", "20", "--test-size", "20"]))
                return try Self.splitFiles.map { try Data(contentsOf: output.appendingPathComponent($0)) }
            }
            let first = try make("a", seed: "9"), second = try make("b", seed: "9"), other = try make("c", seed: "10")
            #expect(first == second)
            #expect(first[2] != other[2])
        }
    }

    /// The shipped Corpora/eng-fra is what its README says: 10,421 / 1,000 / 1,000 pairs, no English sentence in
    /// two splits.
    @Test func shippedEnglishFrenchSplit() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Corpora/eng-fra")
        let splits = try Self.splitFiles.map { try readPairs(corpus.appendingPathComponent($0)) }
        #expect(splits.map(\.count) == [10_421, 1_000, 1_000])
        let sources = splits.map { Set($0.map(\.0)) }
        #expect(sources[0].isDisjoint(with: sources[1]) && sources[0].isDisjoint(with: sources[2])
                && sources[1].isDisjoint(with: sources[2]))
    }
}
