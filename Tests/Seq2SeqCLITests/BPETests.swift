// BPETests.swift — `train --tokenization bpe` through the built binary: a tiny model trained for a few steps on
// real English–French pairs translates with nothing but its checkpoint (the merges are inside), `info` shows
// them, `--resume` keeps them, and `--bpe-merges` is refused where it means nothing.

import Foundation
import Seq2SeqCore
import Testing

@Suite struct BPECommandTests {
    /// 40 pairs of Corpora/eng-fra-tutorial's train split and 4 of its dev split, in `folder/corpus`.
    static func corpus(in folder: URL) throws -> String {
        let engFra = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Corpora/eng-fra-tutorial").path
        let corpus = folder.appendingPathComponent("corpus").path
        try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        try Corpus.writePairs(Array(try Corpus.readPairs(path: engFra + "/train.tsv").prefix(40)), path: corpus + "/train.tsv")
        try Corpus.writePairs(Array(try Corpus.readPairs(path: engFra + "/dev.tsv").prefix(4)), path: corpus + "/dev.tsv")
        return corpus
    }

    @Test func trainsTranslatesAndResumesWithItsMerges() throws {
        try withTemporaryDirectory { folder in
            let corpus = try Self.corpus(in: folder)
            let checkpoint = folder.appendingPathComponent("bpe.safetensors").path
            let train = ["train", "--corpus", corpus, "--checkpoint", checkpoint, "--tokenization", "bpe", "--bpe-merges", "25",
                         "--embedding-size", "4", "--hidden-size", "6", "--decoder-hidden-size", "6", "--attention-size", "5",
                         "--batch-size", "8", "--max-steps", "3", "--validate-every", "3"]
            expectSuccess(try runSeq2Seq(train))
            let loaded = try Checkpoint.load(path: checkpoint)
            let merges = try #require(loaded.config.bpe)
            #expect(loaded.config.tokenization == .bpe && merges.merges.count == 25)

            // translate needs only the checkpoint, and gives what the library gives: detokenized text.
            let input = "I'm fine.\nGo away!\n"
            let translated = try runSeq2Seq(["translate", "--checkpoint", checkpoint], stdin: Data(input.utf8))
            expectSuccess(translated)
            let expected = Translator(checkpoint: loaded).translate(["I'm fine.", "Go away!"]).map(\.text)
            #expect(lines(of: translated.stdout).map(String.init) == expected)
            #expect(!translated.stdout.contains(Tokenizer.joiner))

            let info = try runSeq2Seq(["info", "--checkpoint", checkpoint])
            expectSuccess(info)
            #expect(info.stdout.contains("tokenizer     bpe, 25 merges (one table for both sides), case kept"))

            // --resume reads the merges from the state file; a new --bpe-merges is refused, not applied.
            expectError(try runSeq2Seq(["train", "--corpus", corpus, "--checkpoint", checkpoint, "--resume", "--bpe-merges", "9"]),
                        exitCode: 64, mentions: ["Error: --bpe-merges: cannot be changed with --resume"])
            expectSuccess(try runSeq2Seq(["train", "--corpus", corpus, "--checkpoint", checkpoint, "--resume", "--max-steps", "4"]))
            #expect(try TrainingState.load(path: TrainingPaths(checkpoint: checkpoint).state).progress.step == 4)
            #expect(try Checkpoint.load(path: checkpoint).config.bpe == merges)
        }
    }

    @Test func bpeMergesWithoutBPEIsAUsageError() throws {
        try withTemporaryDirectory { folder in
            let corpus = try Self.corpus(in: folder)
            let checkpoint = folder.appendingPathComponent("run/model.safetensors").path
            expectError(try runSeq2Seq(["train", "--corpus", corpus, "--checkpoint", checkpoint, "--bpe-merges", "100"]),
                        exitCode: 64, mentions: ["Error: --bpe-merges: applies only with --tokenization bpe"])
            expectError(try runSeq2Seq(["train", "--corpus", corpus, "--checkpoint", checkpoint, "--tokenization", "bpe",
                                        "--bpe-merges", "-1"]),
                        exitCode: 64, mentions: ["Error: --bpe-merges: ", "got '-1'"])
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run").path))
        }
    }
}
