// ExploringLSTMsTasksTests.swift — the four experiments of Edwin Chen's "Exploring LSTMs" as corpora: each pair
// follows its task's rule, every size from 1 to 10 occurs, and the corpus files use the task's own ranges. Stage [1].

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct ExploringLSTMsTasksTests {
    static let tasks: [ToyTask] = [.count, .countDistract, .remember, .copy3]

    @Test(arguments: tasks)
    func everyPairFollowsItsRule(task: ToyTask) {
        var rng = SplitMix64(seed: 3)
        let pairs = ToyTasks.pairs(task, count: 400, lengths: task.trainLengths, rng: &rng)
        var sizes = Set<Int>()
        for pair in pairs {
            let source = pair.source.split(separator: " ").map(String.init), target = pair.target.split(separator: " ").map(String.init)
            switch task {
            case .count:
                let n = source.count - 1
                #expect(source == Array(repeating: "a", count: n) + ["X"] && target == Array(repeating: "b", count: n), "\(pair)")
                sizes.insert(n)
            case .countDistract:
                let n = source.filter { $0 == "a" }.count
                #expect(source.last == "Y" && source.dropLast().allSatisfy { $0 == "a" || $0 == "X" }, "\(pair)")
                #expect(source.filter { $0 == "X" }.count <= n && target == Array(repeating: "b", count: n), "\(pair)")
                sizes.insert(n)
            case .remember:
                #expect(["A", "B"].contains(source.first) && source.last == "Y", "\(pair)")
                #expect(source.dropFirst().dropLast().allSatisfy { $0 == "x" } && target == [source[0].lowercased()], "\(pair)")
                sizes.insert(source.count - 2)
            case .copy3:
                #expect(source.count == 4 && source.last == "X" && target == Array(source.dropLast()), "\(pair)")
                #expect(target.allSatisfy { $0.count == 1 && ("a"..."z").contains($0) }, "\(pair)")
                sizes.insert(target.count)
            case .reverse, .copy:
                Issue.record("not an Exploring LSTMs task: \(task)")
            }
        }
        #expect(sizes == Set(task.trainLengths))
        #expect(task.trainLengths == (task == .copy3 ? 3...3 : 1...10))
    }

    @Test func bothLettersAreRemembered() {
        var rng = SplitMix64(seed: 5)
        let targets = Set(ToyTasks.pairs(.remember, count: 100, lengths: 1...10, rng: &rng).map(\.target))
        #expect(targets == ["a", "b"])
    }

    @Test func corpusFilesUseTheTasksRanges() throws {
        let folder = ScratchFiles.path("")
        defer { ScratchFiles.remove(folder) }
        try ToyTasks.write(.count, to: folder, seed: 1, trainCount: 200, devCount: 50, testCount: 50)
        for file in ["train.tsv", "dev.tsv", "test.tsv"] {
            let lengths = Set(try Corpus.readPairs(path: folder + "/" + file).map { $0.target.split(separator: " ").count })
            #expect(lengths.isSubset(of: Set(1...10)) && lengths.count >= 8, "\(file): \(lengths)")
        }
    }
}
