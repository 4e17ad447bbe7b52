// CraftedStateTests.swift — training resume states crafted to hurt, through `train --resume`, one table row each: a
// flipped bit, a missing or foreign checksum, every progress and option field out of range (behind a recomputed
// checksum, so that the range check and not the checksum must catch it), Adam's step and moments inconsistent or not
// finite, another corpus, special files. Each row ends with its exit code and one "Error:" line naming the state file,
// nothing on stdout, in under 2 s and 200 MB (the limits of CraftedFileTests).

import Foundation
import Testing
@testable import Seq2SeqCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A resumable run in a fresh folder: a corpus of 8 train and 2 dev pairs (4 batches of 2 an epoch), and a valid state
/// at step 3, batch 3 of epoch 0, nothing validated yet, made by the library.
struct StateFixture {
    let folder: URL
    var corpus: String { folder.appendingPathComponent("corpus").path }
    var checkpoint: String { folder.appendingPathComponent("crafted.safetensors").path }
    var state: String { TrainingPaths(checkpoint: checkpoint).state }
    let stateFile: SafeTensorsFile

    /// `train --resume` of this run, finishing at step 4.
    var resumeArguments: [String] { ["train", "--corpus", corpus, "--checkpoint", checkpoint, "--resume", "--max-steps", "4"] }

    static func make(in folder: URL) throws -> StateFixture {
        let model = try CraftedFixture.make(in: folder)
        let checkpoint = try Checkpoint.load(path: model.checkpointPath)
        let corpus = folder.appendingPathComponent("corpus").path
        try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        let train = (1...8).map { n in SentencePair(source: "\(n % 5 + 1) \((n + 1) % 5 + 1)", target: "\((n + 1) % 5 + 1) \(n % 5 + 1)") }
        let dev = [SentencePair(source: "1 2 3", target: "3 2 1"), SentencePair(source: "4 5", target: "5 4")]
        try Corpus.writePairs(train, path: corpus + "/train.tsv")
        try Corpus.writePairs(dev, path: corpus + "/dev.tsv")
        var options = TrainOptions()
        options.batchSize = 2
        options.epochs = 2
        options.validateEvery = 100
        options.maxLength = 20
        let progress = TrainingProgress(step: 3, epoch: 0, batchInEpoch: 3, dropoutState: 7, best: nil, bestStep: 0, trainingSeconds: 1)
        var adam = Adam(parameterCount: checkpoint.model.parameters.table.count, options: AdamOptions(learningRate: options.learningRate))
        adam.restore(step: 3)
        let path = TrainingPaths(checkpoint: folder.appendingPathComponent("crafted.safetensors").path).state
        try TrainingState(checkpoint: checkpoint, options: options, progress: progress, adam: adam,
                          corpus: CorpusFingerprint(train: train, dev: dev)).save(to: path)
        try FileManager.default.removeItem(atPath: model.checkpointPath)
        return StateFixture(folder: folder, stateFile: try SafeTensors.read(path: path))
    }
}

struct CraftedStateRow: Sendable, CustomTestStringConvertible {
    let name: String
    let exitCode: Int32
    let fragment: String
    let craft: @Sendable (StateFixture) throws -> CraftedInput

    init(_ name: String, _ exitCode: Int32, _ fragment: String, _ craft: @escaping @Sendable (StateFixture) throws -> CraftedInput) {
        self.name = name
        self.exitCode = exitCode
        self.fragment = fragment
        self.craft = craft
    }

    var testDescription: String { name }

    typealias Craft = @Sendable (StateFixture) throws -> CraftedInput

    /// The valid state edited and written again with its checksum recomputed, so that only the edit is wrong.
    static func edited(_ edit: @escaping @Sendable (inout SafeTensorsFile) throws -> Void) -> Craft {
        { fixture in
            var file = fixture.stateFile
            try edit(&file)
            file.metadata[TrainingState.checksumKey] = TrainingState.checksum(file)
            return .bytes(try SafeTensors.encode(file))
        }
    }

    /// One field of the `options` or `progress` JSON set to `raw` JSON text.
    static func field(_ object: String, _ key: String, _ raw: String) -> Craft {
        edited { file in
            let text = file.metadata[object] ?? ""
            let pattern = try Regex("\"\(key)\":(-?[0-9.eE+]+|null|true|false|\"[^\"]*\"|\\[[^\\]]*\\]|\\{[^}]*\\})")
            guard let match = text.firstMatch(of: pattern) else { throw MeasuredRunError.systemCall("no field \(key) in \(object)", 0) }
            file.metadata[object] = text.replacingCharacters(in: match.range, with: "\"\(key)\":\(raw)")
        }
    }

    /// Every value of the tensor `name` set to `value`.
    static func tensor(_ name: String, _ value: Float) -> Craft {
        edited { file in
            if let index = file.tensors.firstIndex(where: { $0.name == name }) {
                file.tensors[index].values = [Float](repeating: value, count: file.tensors[index].values.count)
            }
        }
    }

    static let score = #"{"bleu":1000,"exact_match":0,"loss":1}"#

    static let all: [CraftedStateRow] = [
        CraftedStateRow("a flipped bit in a moment", 65, "does not match its checksum") { fixture in
            var bytes = [UInt8](try SafeTensors.encode(fixture.stateFile))
            bytes[bytes.count - 2] ^= 0x08
            return .bytes(bytes)
        },
        CraftedStateRow("no checksum", 65, "the training state has no checksum", { fixture in
            var file = fixture.stateFile
            file.metadata[TrainingState.checksumKey] = nil
            return .bytes(try SafeTensors.encode(file))
        }),
        CraftedStateRow("another format", 65, "not a training state", edited { $0.metadata["format"] = "seq2seq-training-state/9" }),
        CraftedStateRow("a checkpoint, not a state", 65, "not a training state", edited { $0.metadata["format"] = Checkpoint.format }),
        CraftedStateRow("batch size −3", 65, "batch_size is -3, it must be in 1…65536", field("options", "batch_size", "-3")),
        CraftedStateRow("batch size 2^40", 65, "batch_size is 1099511627776", field("options", "batch_size", "1099511627776")),
        CraftedStateRow("learning rate 1e30", 65, "learning_rate is 1e+30", field("options", "learning_rate", "1e30")),
        CraftedStateRow("validate every 0", 65, "validate_every is 0", field("options", "validate_every", "0")),
        CraftedStateRow("0 threads", 65, "threads is 0", field("options", "threads", "0")),
        CraftedStateRow("learning-rate decay 0", 65, "lr_decay is 0.0", field("options", "lr_decay", "0")),
        CraftedStateRow("max length 10^9", 65, "max_length is 1000000000", field("options", "max_length", "1000000000")),
        CraftedStateRow("negative step", 65, "step is -1, it must be in 0…", field("progress", "step", "-1")),
        CraftedStateRow("a step beyond Int", 65, "bad training state", field("progress", "step", "99999999999999999999")),
        CraftedStateRow("epoch 10^9", 65, "epoch is 1000000000", field("progress", "epoch", "1000000000")),
        CraftedStateRow("a place past the epoch's batches", 65, "batch_in_epoch is 99, but an epoch has 4 batches",
                        field("progress", "batch_in_epoch", "99")),
        CraftedStateRow("the best step after the step", 65, "best_step is 9, it must be in 0…3", field("progress", "best_step", "9")),
        CraftedStateRow("more steps skipped than taken", 65, "skipped_steps is 9", field("progress", "skipped_steps", "9")),
        CraftedStateRow("negative training seconds", 65, "training_seconds is -1.0", field("progress", "training_seconds", "-1")),
        CraftedStateRow("a best BLEU of 1000", 65, "a validation score (BLEU 1000.0", edited { file in
            file.metadata["progress"] = file.metadata["progress"]?.replacingOccurrences(of: "\"best_step\":", with: "\"best\":\(score),\"best_step\":")
        }),
        CraftedStateRow("a kept checkpoint after the step", 65, "a kept checkpoint's step is 99",
                        field("progress", "kept", #"[{"step":99,"score":{"bleu":1,"exact_match":0,"loss":1}}]"#)),
        CraftedStateRow("progress that is not JSON", 65, "bad training state: not JSON", edited { $0.metadata["progress"] = "{\"step\": " }),
        CraftedStateRow("Adam's step not the steps applied", 65, "adam_step is 7 but 3 steps with 0 skipped were taken",
                        edited { $0.metadata["adam_step"] = "7" }),
        CraftedStateRow("Adam's step not a number", 65, "adam_step \"x\" is not an integer", edited { $0.metadata["adam_step"] = "x" }),
        CraftedStateRow("Adam's rate above the run's", 65, "bad adam_learning_rate \"0.5\"", edited { $0.metadata["adam_learning_rate"] = "0.5" }),
        CraftedStateRow("Adam's rate NaN", 65, "bad adam_learning_rate \"nan\"", edited { $0.metadata["adam_learning_rate"] = "nan" }),
        CraftedStateRow("a NaN first moment", 65, "\"adam.first_moment.bridge.bias\" holds nan", tensor("adam.first_moment.bridge.bias", .nan)),
        CraftedStateRow("an infinite second moment", 65, "\"adam.second_moment.generator.weight\" holds inf",
                        tensor("adam.second_moment.generator.weight", .infinity)),
        CraftedStateRow("a negative second moment", 65, "a second moment is finite and not negative",
                        tensor("adam.second_moment.readout.bias", -1)),
        CraftedStateRow("a missing moment tensor", 65, "the training state has", edited { file in
            file.tensors.removeAll { $0.name == "adam.first_moment.readout.weight" }
        }),
        CraftedStateRow("an infinite weight", 65, "\"attention.key.bias\" holds a non-finite value", tensor("attention.key.bias", .infinity)),
        CraftedStateRow("hidden size 2^62 in its config", 65, "encoder_hidden_size is 4611686018427387904", edited { file in
            file.metadata["config"] = file.metadata["config"]?.replacingOccurrences(of: "\"encoder_hidden_size\":4", with: "\"encoder_hidden_size\":4611686018427387904")
        }),
        CraftedStateRow("another corpus's fingerprint", 65, "cannot resume: ", edited { file in
            file.metadata["corpus"] = file.metadata["corpus"]?.replacingOccurrences(of: "\"pairs\":8", with: "\"pairs\":9")
        }),
        CraftedStateRow("a FIFO", 66, "it is a FIFO", { _ in .fifo }),
        CraftedStateRow("a folder", 73, "it is a folder", { _ in .folder }),
    ]
}

@Suite struct CraftedStateTests {
    @Test func theTableHasEveryKindOfRow() {
        #expect(CraftedStateRow.all.count >= 30)
        #expect(Set(CraftedStateRow.all.map(\.name)).count == CraftedStateRow.all.count, "row names are unique")
    }

    @Test(arguments: CraftedStateRow.all)
    func craftedStateIsRefusedQuicklyAndCheaply(row: CraftedStateRow) throws {
        try withTemporaryDirectory { folder in
            let fixture = try StateFixture.make(in: folder)
            switch try row.craft(fixture) {
            case let .bytes(bytes): try Data(bytes).write(to: URL(fileURLWithPath: fixture.state))
            case .fifo:
                try FileManager.default.removeItem(atPath: fixture.state)
                #expect(mkfifo(fixture.state, 0o600) == 0)
            case .folder:
                try FileManager.default.removeItem(atPath: fixture.state)
                try FileManager.default.createDirectory(atPath: fixture.state, withIntermediateDirectories: false)
            case .socket, .missing, .path: Issue.record("not a kind of state row")
            }
            let before = try? Data(contentsOf: URL(fileURLWithPath: fixture.state))
            let measured = try runSeq2SeqMeasured(fixture.resumeArguments)
            expectError(measured.result, exitCode: row.exitCode, mentions: [fixture.state, row.fragment])
            #expect(measured.peakBytes < CraftedRow.memoryLimit, "peak \(measured.peakBytes >> 20) MB")
            #expect((try? Data(contentsOf: URL(fileURLWithPath: fixture.state))) == before, "a refused state is left as it was")
            #expect(!FileManager.default.fileExists(atPath: fixture.checkpoint), "nothing was trained")
        }
    }

    /// The valid fixture resumes and finishes, so each row's refusal is its edit's doing.
    @Test func theValidStateResumes() throws {
        try withTemporaryDirectory { folder in
            let fixture = try StateFixture.make(in: folder)
            let measured = try runSeq2SeqMeasured(fixture.resumeArguments)
            expectSuccess(measured.result)
            #expect(measured.result.stderr.contains("resuming at step 3"))
            #expect(try TrainingState.load(path: fixture.state).progress.step == 4)
        }
    }
}
