// CorpusCommandTests.swift — `seq2seq corpus`: the toy tasks have the requested sizes and the right targets, one
// seed gives identical bytes; `split` keeps every pair exactly once, never puts one source sentence in two
// splits, fills dev and test as asked (in pairs or in sources) and keeps the input order; the shipped English–French
// corpora are what their READMEs state. Run through the built binary.

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
            let splits = try Self.splitFiles.map { try readPairs(output.appendingPathComponent($0)) }
            let sourceCounts = splits.map { String(Set($0.map(\.0)).count) }.joined(separator: ", ")
            #expect(result.stderrLines == [
                "corpus split: wrote \(pairs.count - 55) train, 30 dev, 25 test pairs (\(sourceCounts) distinct sources) to \(output.path)"])

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

    /// `--sizes-in sources`: dev and test get exactly that many distinct sources, each with all its translations.
    @Test func splitCountingSourcesTakesWholeSentences() throws {
        try withTemporaryDirectory { folder in
            let pairs = Self.groupedPairs()
            let input = folder.appendingPathComponent("pairs.tsv")
            try Data(pairs.map { "\($0.0)\t\($0.1)\n" }.joined().utf8).write(to: input)
            let output = folder.appendingPathComponent("split")
            let result = try runSeq2Seq(["corpus", "split", "--input", input.path, "--output", output.path,
                                         "--seed", "3", "--dev-size", "10", "--test-size", "20", "--sizes-in", "sources"])
            expectSuccess(result)
            let splits = try Self.splitFiles.map { try readPairs(output.appendingPathComponent($0)) }
            let sources = splits.map { Set($0.map(\.0)) }
            #expect(sources.map(\.count) == [90, 10, 20])
            #expect(splits.map(\.count).reduce(0, +) == pairs.count)
            #expect(sources[0].isDisjoint(with: sources[1]) && sources[0].isDisjoint(with: sources[2])
                    && sources[1].isDisjoint(with: sources[2]))
            // Every source comes with all of its translations.
            let translations = Dictionary(grouping: pairs, by: \.0).mapValues(\.count)
            for split in splits {
                let here = Dictionary(grouping: split, by: \.0).mapValues(\.count)
                for (source, count) in here { #expect(count == translations[source], "\(source)") }
            }
            #expect(result.stderrLines == [
                "corpus split: wrote \(splits[0].count) train, \(splits[1].count) dev, \(splits[2].count) test pairs (90, 10, 20 distinct sources) to \(output.path)"])
        }
    }

    @Test func sizesInIsRefusedForToyTasksAndWrongValues() throws {
        try withTemporaryDirectory { folder in
            let toy = try runSeq2Seq(["corpus", "reverse", "--output", folder.appendingPathComponent("t").path, "--sizes-in", "sources"])
            #expect(toy.exitCode == 64)
            #expect(toy.stderrLines == ["Error: --sizes-in: applies only to 'seq2seq corpus split'"])
            let input = folder.appendingPathComponent("pairs.tsv")
            try Data("a\tb\nc\td\ne\tf\n".utf8).write(to: input)
            let wrong = try runSeq2Seq(["corpus", "split", "--input", input.path, "--output", folder.appendingPathComponent("s").path,
                                        "--sizes-in", "words"])
            #expect(wrong.exitCode == 64)
            #expect(wrong.stderrLines.count == 1 && wrong.stderrLines[0].hasPrefix("Error: --sizes-in: "), "\(wrong.stderr)")
        }
    }

    /// The pairs and distinct sources per split that a shipped corpus's README table states (`| \`train.tsv\` | 156,796 | 109,271 |`).
    func statedCounts(_ corpus: URL) throws -> [[Int]] {
        let readme = try String(contentsOf: corpus.appendingPathComponent("README.md"), encoding: .utf8)
        return Self.splitFiles.map { file in
            guard let row = readme.split(separator: "\n").first(where: { $0.hasPrefix("| `\(file)` |") }) else { return [] }
            return row.split(separator: "|").dropFirst().compactMap { Int($0.filter(\.isNumber)) }
        }
    }

    static let corpora = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Corpora")

    /// The shipped corpora are what their READMEs say (pairs and distinct English sentences per split), no English
    /// sentence is in two splits, and every file is at most 12 MB. eng-fra: 1,000 dev and 2,000 test sentences.
    @Test(arguments: ["eng-fra-tutorial", "eng-fra"])
    func shippedEnglishFrenchSplit(name: String) throws {
        let corpus = Self.corpora.appendingPathComponent(name)
        let splits = try Self.splitFiles.map { try readPairs(corpus.appendingPathComponent($0)) }
        let sources = splits.map { Set($0.map(\.0)) }
        #expect(sources[0].isDisjoint(with: sources[1]) && sources[0].isDisjoint(with: sources[2])
                && sources[1].isDisjoint(with: sources[2]))
        let counts = zip(splits, sources).map { [$0.count, $1.count] }
        #expect(counts == (try statedCounts(corpus)))
        switch name {
        case "eng-fra-tutorial": #expect(splits.map(\.count) == [10_421, 1_000, 1_000])
        default: #expect(sources.map(\.count).suffix(2) == [1_000, 2_000])
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: corpus.path) {
            let size = try FileManager.default.attributesOfItem(atPath: corpus.appendingPathComponent(file).path)[.size] as? Int
            #expect((size ?? .max) <= 12_000_000, "\(name)/\(file)")
        }
    }
}
