// ShippedModelTests.swift — the English→French model in Checkpoints/ works the moment the package is built: it
// loads, fits the 16 MB budget, stores half-precision floats, translates real sentences with greedy and beam search,
// and knows the BPE merges it was trained with (nothing else is needed beside the file).

import Foundation
import Seq2SeqCore
import Testing

@Suite struct ShippedModelTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Checkpoints/eng-fra.safetensors").path

    @Test func fitsTheBudgetAndLoads() throws {
        let size = try FileManager.default.attributesOfItem(atPath: Self.path)[.size] as! Int
        #expect(size <= 16_000_000, "the shipped checkpoint is \(size) bytes")
        let checkpoint = try Checkpoint.load(path: Self.path)
        #expect(checkpoint.config.tokenization == .bpe)
        #expect(checkpoint.training != nil)
    }

    /// The model's own translations, compared line for line: an exact oracle, so neither English nor a copy of the
    /// input can pass (a substring check such as "contains ai" would take "We are not afraid." itself). Printed by
    /// `seq2seq translate` with this checkpoint (greedy, then `--beam 5`); the model is small and its French
    /// imperfect ("Les filles sont fatigués", a repeated "ici"), which is what it learned, kept as it is. The fourth
    /// differs between greedy and beam search; the last is typed in lower case without its question mark.
    static let input = ["I am cold.", "The girls are tired.", "We are not afraid.", "The women who live here are kind.", "where is the station"]
    static let greedyFrench = ["J'ai froid.", "Les filles sont fatigués.", "Nous ne sommes pas effrayés.", "Les femmes qui vivent ici, ici, ici.", "Où est la gare ?"]
    static let beamFrench = ["J'ai froid.", "Les filles sont fatigués.", "Nous ne sommes pas effrayés.", "Les femmes qui vivent, ici, ici, ici.", "Où est la gare ?"]

    @Test func translatesRealSentencesGreedyAndWithBeamSearch() throws {
        let input = Data(Self.input.map { $0 + "\n" }.joined().utf8)
        for (extra, expected) in [([String](), Self.greedyFrench), (["--beam", "5"], Self.beamFrench)] {
            let result = try runSeq2Seq(["translate", "--checkpoint", Self.path] + extra, stdin: input)
            expectSuccess(result)
            #expect(result.stdout == expected.map { $0 + "\n" }.joined(), "\(extra)")
        }
    }
}
