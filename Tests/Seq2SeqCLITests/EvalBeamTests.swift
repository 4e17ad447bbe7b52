// EvalBeamTests.swift — `eval --beam K` scores what `translate --beam K` writes: beam 1 is greedy's report exactly,
// and a wider beam's JSON report equals the library's evaluation with the same beam.

import Foundation
import Seq2SeqCore
import Testing

@Suite struct EvalBeamTests {
    @Test func evalWithBeamScoresTheBeamTranslations() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let pairs = [("a c e b d", "x y z"), ("b", "y"), ("d d a", "u v w x"), ("e c", "z z")]
            let corpus = folder.appendingPathComponent("pairs.tsv").path
            try Corpus.writePairs(pairs.map { SentencePair(source: $0.0, target: $0.1) }, path: corpus)

            let greedy = try runSeq2Seq(["eval", "--checkpoint", checkpoint, "--corpus", corpus, "--json"])
            let beamOne = try runSeq2Seq(["eval", "--checkpoint", checkpoint, "--corpus", corpus, "--json", "--beam", "1"])
            expectSuccess(greedy)
            #expect(beamOne.stdout == greedy.stdout)

            let beam = try runSeq2Seq(["eval", "--checkpoint", checkpoint, "--corpus", corpus, "--json", "--beam", "4", "--length-penalty", "0.6"])
            expectSuccess(beam)
            var translator = Translator(checkpoint: try Checkpoint.load(path: checkpoint))
            translator.beam = BeamOptions(width: 4, lengthPenalty: 0.6, nBest: 1)
            let expected = Evaluation.evaluate(translator, on: try Corpus.readPairs(path: corpus))
            let report = try #require(jsonObject(beam.stdout))
            #expect(abs((report["bleu"] as? Double ?? -1) - expected.bleu) < 1e-9)
            #expect(abs((report["exact_match"] as? Double ?? -1) - expected.exactMatch) < 1e-9)
        }
    }
}
