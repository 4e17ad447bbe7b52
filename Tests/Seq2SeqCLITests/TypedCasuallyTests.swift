// TypedCasuallyTests.swift — through the built binary: `eval --typed-casually` scores the sources as people often
// type them (lower case, no final stop) against the references as written: the same numbers as `eval` on a file
// whose sources were typed so.

import Foundation
import Seq2SeqCore
import Testing

@Suite struct TypedCasuallyTests {
    @Test func evalTypedCasuallyEqualsEvalOnTheTypedFile() throws {
        try withTrainedTinyModel { run in
            let shipped = packageRoot.appendingPathComponent("Checkpoints/eng-fra.safetensors").path
            let pairs = Array(try Corpus.readPairs(path: packageRoot.appendingPathComponent("Corpora/eng-fra-tutorial/test.tsv").path).prefix(40))
            let written = run.folder.appendingPathComponent("written.tsv").path
            let typed = run.folder.appendingPathComponent("typed.tsv").path
            try Corpus.writePairs(pairs, path: written)
            let casual = pairs.map { SentencePair(source: TypedInput.casual($0.source) ?? $0.source, target: $0.target) }
            #expect(casual.allSatisfy { $0.source == $0.source.lowercased() && !".!?".contains($0.source.last ?? " ") })
            try Corpus.writePairs(casual, path: typed)
            let asTyped = try runSeq2Seq(["eval", "--checkpoint", shipped, "--corpus", written, "--typed-casually", "--json"])
            let onTypedFile = try runSeq2Seq(["eval", "--checkpoint", shipped, "--corpus", typed, "--json"])
            let asWritten = try runSeq2Seq(["eval", "--checkpoint", shipped, "--corpus", written, "--json"])
            expectSuccess(asTyped)
            expectSuccess(onTypedFile)
            expectSuccess(asWritten)
            let a = try #require(jsonObject(asTyped.stdout)), b = try #require(jsonObject(onTypedFile.stdout))
            let c = try #require(jsonObject(asWritten.stdout))
            #expect(a["bleu"] as? Double == b["bleu"] as? Double && a["chrf"] as? Double == b["chrf"] as? Double)
            #expect(a["sources"] as? Int == b["sources"] as? Int)
            // Typing changes the input the model reads: the teacher-forced loss (which every source token shapes)
            // differs from the written sentences', even where the translations, and so BLEU, come out the same.
            #expect(a["loss"] as? Double == b["loss"] as? Double)
            #expect(a["loss"] as? Double != c["loss"] as? Double)
        }
    }
}
