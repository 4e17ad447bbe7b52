// ToyTasksTests.swift — the reverse and copy tasks: target is the reversal or copy of the source, lengths and
// numbers stay in range, one seed gives the same files every time. Stage [1], SPEC §4.

import Foundation
import Testing
@testable import Seq2SeqCore

private func numbers(_ sentence: String) -> [Int] {
    sentence.split(separator: " ").compactMap { Int($0) }
}

@Suite struct ToyTasksTests {
    @Test(arguments: [ToyTask.reverse, .copy])
    func targetIsTheReversalOrCopy(task: ToyTask) {
        var rng = SplitMix64(seed: 7)
        let pairs = ToyTasks.pairs(task, count: 500, lengths: 1...25, rng: &rng)
        #expect(pairs.count == 500)
        for pair in pairs {
            let source = numbers(pair.source)
            #expect(source.count == pair.source.split(separator: " ", omittingEmptySubsequences: false).count)
            #expect((1...25).contains(source.count))
            #expect(source.allSatisfy { (0..<50).contains($0) })
            switch task {
            case .reverse: #expect(numbers(pair.target) == source.reversed())
            case .copy: #expect(pair.target == pair.source)
            case .count, .countDistract, .remember, .copy3: Issue.record("\(task) is not a number task")
            }
        }
    }

    @Test func drawsTheWholeRanges() {
        var rng = SplitMix64(seed: 11)
        let pairs = ToyTasks.pairs(.reverse, count: 2_000, lengths: 1...30, vocabularySize: 5, rng: &rng)
        let lengths = Set(pairs.map { numbers($0.source).count })
        let values = Set(pairs.flatMap { numbers($0.source) })
        #expect(lengths == Set(1...30))
        #expect(values == Set(0..<5))
    }

    @Test func sameSeedSamePairs() {
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42), c = SplitMix64(seed: 43)
        let first = ToyTasks.pairs(.reverse, count: 100, lengths: 1...25, rng: &a)
        #expect(ToyTasks.pairs(.reverse, count: 100, lengths: 1...25, rng: &b) == first)
        #expect(ToyTasks.pairs(.reverse, count: 100, lengths: 1...25, rng: &c) != first)
    }

    @Test func writeMakesTheDefaultSplits() throws {
        let parent = ScratchFiles.path("")
        let folder = parent + "/reverse"   // neither folder exists yet
        defer { ScratchFiles.remove(parent) }
        try ToyTasks.write(.reverse, to: folder, seed: 1)
        let train = try Corpus.readPairs(path: folder + "/train.tsv")
        let dev = try Corpus.readPairs(path: folder + "/dev.tsv")
        let test = try Corpus.readPairs(path: folder + "/test.tsv")
        #expect([train.count, dev.count, test.count] == [50_000, 1_000, 1_000] as [Int])
        let sample = train.prefix(2_000)   // enough to meet every length
        #expect(Set(sample.map { numbers($0.source).count }) == Set(1...25))
        #expect(Set((dev + test).map { numbers($0.source).count }) == Set(1...30))
        let wrong = (sample + dev + test).filter { numbers($0.target) != numbers($0.source).reversed() }
        #expect(wrong.isEmpty)
    }

    @Test func sameSeedSameFiles() throws {
        let first = ScratchFiles.path(""), second = ScratchFiles.path(""), other = ScratchFiles.path("")
        defer { [first, second, other].forEach(ScratchFiles.remove) }
        try ToyTasks.write(.copy, to: first, seed: 5, trainCount: 300, devCount: 40, testCount: 30)
        try ToyTasks.write(.copy, to: second, seed: 5, trainCount: 300, devCount: 40, testCount: 30)
        try ToyTasks.write(.copy, to: other, seed: 5, trainCount: 200, devCount: 40, testCount: 30)
        for file in ["train.tsv", "dev.tsv", "test.tsv"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: first + "/" + file))
            #expect(try Data(contentsOf: URL(fileURLWithPath: second + "/" + file)) == bytes)
            // dev and test do not depend on the size of train.
            let otherBytes = try Data(contentsOf: URL(fileURLWithPath: other + "/" + file))
            #expect((otherBytes == bytes) == (file != "train.tsv"))
        }
        let counts = try ["train.tsv", "dev.tsv", "test.tsv"].map { try Corpus.readPairs(path: first + "/" + $0).count }
        #expect(counts == [300, 40, 30])
    }

    @Test(arguments: [(0, 1, 1), (1, 0, 1), (1, 1, -3)])
    func refusesEmptySplits(train: Int, dev: Int, test: Int) {
        let folder = ScratchFiles.path("")
        defer { ScratchFiles.remove(folder) }
        let error = #expect(throws: Seq2SeqError.self) {
            try ToyTasks.write(.reverse, to: folder, seed: 1, trainCount: train, devCount: dev, testCount: test)
        }
        guard case .invalidConfiguration? = error else {
            Issue.record("expected .invalidConfiguration, got \(String(describing: error))")
            return
        }
        #expect(!FileManager.default.fileExists(atPath: folder))
    }
}
