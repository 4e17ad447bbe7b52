// TieEmbeddingsTests.swift — `train --tie-embeddings` through the built binary: refused with E ≠ D (naming the flag
// and both sizes, writing nothing); with E = D the kept checkpoint is tied, its two tensors equal, and it translates.

import Foundation
import Seq2SeqCore
import Testing

@Suite struct TieEmbeddingsTests {
    @Test func refusedWhenEmbeddingAndDecoderSizesDiffer() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            // TinyRun's model has E = 4 and D = 8.
            expectError(try runSeq2Seq(run.trainArguments(["--tie-embeddings"])), exitCode: 64,
                        mentions: ["--tie-embeddings: needs --embedding-size equal to --decoder-hidden-size, but they are 4 and 8"])
            #expect(!FileManager.default.fileExists(atPath: run.checkpoint), "nothing is written after a usage error")
        }
    }

    @Test func tiedRunKeepsEqualTensorsAndTranslates() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            let arguments = ["train", "--corpus", run.corpus, "--checkpoint", run.checkpoint, "--tie-embeddings",
                             "--embedding-size", "8", "--hidden-size", "8", "--decoder-hidden-size", "8", "--attention-size", "8"]
                + TinyRun.trainFlags
            expectSuccess(try runSeq2Seq(arguments))
            let checkpoint = try Checkpoint.load(path: run.checkpoint)
            #expect(checkpoint.config.model.tieEmbeddings)
            // Read straight from the file: the two SPEC tensors, same shape [Vt, 8], same floats.
            let file = try SafeTensors.read(path: run.checkpoint)
            let embedding = try #require(file.tensors.first { $0.name == "target_embedding.weight" })
            let generator = try #require(file.tensors.first { $0.name == "generator.weight" })
            #expect(embedding.shape == [checkpoint.targetVocabulary.count, 8] && generator.shape == embedding.shape)
            #expect(embedding.values.map(\.bitPattern) == generator.values.map(\.bitPattern))

            let translated = try runSeq2Seq(["translate", "--checkpoint", run.checkpoint], stdin: Data("1 2 3\n".utf8))
            expectSuccess(translated)
            #expect(lines(of: translated.stdout).count == 1)
        }
    }
}
