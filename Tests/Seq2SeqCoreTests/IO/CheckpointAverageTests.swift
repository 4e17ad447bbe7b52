// CheckpointAverageTests.swift — IO/CheckpointAverage.swift: the average of checkpoints is the element-wise mean of
// every tensor, keeps the first file's metadata with a note of the files averaged, stays tied when its inputs are,
// and refuses inputs of another config or vocabulary, naming the file and the first difference, and an output that
// is one of its inputs.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct CheckpointAverageTests {
    /// TinyCheckpoint's model from `seed`, with a training summary, saved to a new temporary file.
    static func saved(seed: UInt64, name: String, change: (inout Checkpoint) throws -> Void = { _ in }) throws -> String {
        var checkpoint = try TinyCheckpoint.make(seed: seed)
        checkpoint.training = TrainingSummary(step: Int(seed) * 100, epoch: 1, devBLEU: Double(seed), devExactMatch: 0, devLoss: 1,
                                              trainingSeconds: 2)
        try change(&checkpoint)
        let path = TinyCheckpoint.temporaryPath(name)
        try checkpoint.save(to: path)
        return path
    }

    @Test func averageOfTwoIsTheMeanOfEveryTensor() throws {
        let a = try Self.saved(seed: 1, name: "a.safetensors"), b = try Self.saved(seed: 2, name: "b.safetensors")
        defer { for path in [a, b] { try? FileManager.default.removeItem(atPath: path) } }
        let first = try Checkpoint.load(path: a), second = try Checkpoint.load(path: b)

        let average = try CheckpointAverage.average(paths: [a, b])
        for info in average.model.parameters.table.entries {
            let x = Array(try #require(first.model.parameters.tensor(named: info.name)))
            let y = Array(try #require(second.model.parameters.tensor(named: info.name)))
            let mean = Array(try #require(average.model.parameters.tensor(named: info.name)))
            // By hand: (x + y) / 2, each element, in Double then rounded once to Float.
            #expect(mean == zip(x, y).map { Float((Double($0) + Double($1)) / 2) }, "\(info.name)")
            #expect(x != y, "\(info.name): the two inputs must differ for the check to mean anything")
        }
        // The first file's metadata, with the note.
        #expect(average.config == first.config)
        #expect(average.sourceVocabulary == first.sourceVocabulary && average.targetVocabulary == first.targetVocabulary)
        var expectedTraining = try #require(first.training)
        expectedTraining.averageOf = [a, b]
        #expect(average.training == expectedTraining)

        // Saved and read back: the note survives, and `info` shows it.
        let output = TinyCheckpoint.temporaryPath("average.safetensors")
        defer { try? FileManager.default.removeItem(atPath: output) }
        try average.save(to: output)
        #expect(try Checkpoint.load(path: output).training?.averageOf == [a, b])
        #expect(try CheckpointSummary(path: output).text().contains("the mean of 2 checkpoints"))
    }

    /// Three files: the sum is divided by 3 (not 2), and the result lies within the inputs' range.
    @Test func averageOfThreeDividesByThree() throws {
        let paths = try [1, 2, 3].map { try Self.saved(seed: UInt64($0), name: "\($0).safetensors") }
        defer { for path in paths { try? FileManager.default.removeItem(atPath: path) } }
        // `values(at:count:)` copies while the storage is alive (a buffer pointer would outlive its checkpoint).
        func values(_ checkpoint: Checkpoint) -> [Float] {
            checkpoint.model.parameters.storage.values(at: 0, count: checkpoint.model.parameters.storage.count)
        }
        let inputs = try paths.map { values(try Checkpoint.load(path: $0)) }
        let average = values(try CheckpointAverage.average(paths: paths))
        #expect(average.count == inputs[0].count)
        for n in average.indices {
            let expected = Float((Double(inputs[0][n]) + Double(inputs[1][n]) + Double(inputs[2][n])) / 3)
            #expect(average[n] == expected, "element \(n)")
            if average[n] != expected { break }
        }
    }

    @Test func mismatchedConfigOrVocabularyIsRefused() throws {
        let a = try Self.saved(seed: 1, name: "a.safetensors")
        let lowercased = try Self.saved(seed: 2, name: "lower.safetensors") { $0.config.lowercase = true }
        let otherVocabulary = try Self.saved(seed: 3, name: "vocabulary.safetensors") {
            var tokens = $0.targetVocabulary.tokens
            tokens[5] = "q"
            $0.targetVocabulary = try Vocabulary(tokens: tokens)
        }
        let wider = TinyCheckpoint.temporaryPath("wider.safetensors")
        defer { for path in [a, lowercased, otherVocabulary, wider] { try? FileManager.default.removeItem(atPath: path) } }
        var model = try TinyCheckpoint.make().config.model
        model.embeddingSize = 4
        let base = try TinyCheckpoint.make()
        try Checkpoint(config: TranslatorConfig(model: model, tokenization: .word, lowercase: false, maxSourceLength: 20, maxTargetLength: 20),
                       sourceVocabulary: base.sourceVocabulary, targetVocabulary: base.targetVocabulary,
                       model: Seq2SeqModel(config: model, seed: 4)).save(to: wider)

        #expect(throws: Seq2SeqError.incompatibleCheckpoints(path: wider, first: a, reason: "config model.embedding_size is 4, not 3")) {
            try CheckpointAverage.average(paths: [a, wider])
        }
        #expect(throws: Seq2SeqError.incompatibleCheckpoints(path: lowercased, first: a, reason: "config lowercase is true, not false")) {
            try CheckpointAverage.average(paths: [a, lowercased])
        }
        // The first that differs is named, even when a later one differs too.
        #expect(throws: Seq2SeqError.incompatibleCheckpoints(path: otherVocabulary, first: a, reason: "target vocabulary id 5 is \"q\", not \"y\"")) {
            try CheckpointAverage.average(paths: [a, a, otherVocabulary, wider])
        }
        #expect(throws: Seq2SeqError.tooFewCheckpoints(count: 1)) {
            try CheckpointAverage.average(paths: [a])
        }
    }

    /// Tied inputs give a tied average: the same arithmetic on equal values, so the two tensors stay equal and load.
    @Test func averageOfTiedCheckpointsIsTied() throws {
        let tied: (inout Checkpoint) throws -> Void = { checkpoint in
            var model = checkpoint.config.model
            model.embeddingSize = model.decoderHiddenSize
            model.tieEmbeddings = true
            checkpoint.config.model = model
            checkpoint.model = Seq2SeqModel(config: model, seed: UInt64(checkpoint.training?.step ?? 0))
            checkpoint.model.parameters.tieTargetEmbeddingToGenerator()
        }
        let a = try Self.saved(seed: 1, name: "a.safetensors", change: tied), b = try Self.saved(seed: 2, name: "b.safetensors", change: tied)
        defer { for path in [a, b] { try? FileManager.default.removeItem(atPath: path) } }
        let average = try CheckpointAverage.average(paths: [a, b])
        #expect(average.config.model.tieEmbeddings)
        #expect(average.model.parameters.firstUntiedElement() == nil)
    }

    @Test func outputThatIsAnInputIsRefused() throws {
        let a = try Self.saved(seed: 1, name: "a.safetensors")
        let link = a + ".link"
        defer { for path in [a, link] { try? FileManager.default.removeItem(atPath: path) } }
        try FileManager.default.linkItem(atPath: a, toPath: link)
        for output in [a, link, (a as NSString).deletingLastPathComponent + "/./" + (a as NSString).lastPathComponent] {
            #expect(throws: Seq2SeqError.outputIsInput(output: output, input: a)) {
                try checkOutput(output, isNotOneOf: ["other.safetensors", a])
            }
        }
        #expect(throws: Never.self) { try checkOutput(a + ".new", isNotOneOf: [a]) }
    }
}
