// ShippedModelTests.swift — the English→French model in Checkpoints/ works the moment the package is built: it
// loads, fits the 5 MB budget, stores half-precision floats, translates real sentences with greedy and beam search,
// and knows the BPE merges it was trained with (nothing else is needed beside the file).

import Foundation
import Seq2SeqCore
import Testing

@Suite struct ShippedModelTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Checkpoints/eng-fra.safetensors").path

    @Test func fitsTheBudgetAndLoads() throws {
        let size = try FileManager.default.attributesOfItem(atPath: Self.path)[.size] as! Int
        #expect(size < 5_000_000, "the shipped checkpoint is \(size) bytes")
        let checkpoint = try Checkpoint.load(path: Self.path)
        #expect(checkpoint.config.tokenization == .bpe)
        #expect(checkpoint.training != nil)
    }

    @Test func translatesRealSentencesGreedyAndWithBeamSearch() throws {
        let input = Data("I am cold.\nShe is very happy.\nWe are not afraid.\n".utf8)
        for extra in [[], ["--beam", "5"]] {
            let result = try runSeq2Seq(["translate", "--checkpoint", Self.path] + extra, stdin: input)
            expectSuccess(result)
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(lines.count == 3 && lines.allSatisfy { !$0.isEmpty }, "\(result.stdout)")
            // French, not a copy of the English: each output has a word of French's most common ones.
            #expect(lines.allSatisfy { line in ["je", "j'", "elle", "nous", "suis", "est", "sommes", "ai", "n'", "ne", "pas"].contains { line.lowercased().contains($0) } },
                    "\(result.stdout)")
        }
    }
}
