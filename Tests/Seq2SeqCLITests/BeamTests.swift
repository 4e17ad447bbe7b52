// BeamTests.swift — beam search through the binary: `attention --format json --beam 5` gives the attention of the
// hypothesis it returns (checked by rescoring that hypothesis with teacher forcing in-process), `--beam 1` prints
// greedy's output, and `--n-best` lists are sorted, one `score<TAB>translation` a line.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct BeamTests {
    static let inputs = ["1 2 3", "4", "5 6 7 8 9 0"]

    @Test func beamAttentionIsThatOfTheReturnedHypothesis() throws {
        try withTrainedTinyModel { run in
            let result = try runSeq2Seq(["attention", "--checkpoint", run.checkpoint, "--format", "json", "--beam", "5"],
                                        stdin: Data(Self.inputs.joined(separator: "\n").utf8))
            expectSuccess(result)
            let checkpoint = try Checkpoint.load(path: run.checkpoint)
            let objects = lines(of: result.stdout).compactMap(jsonObject)
            #expect(objects.count == Self.inputs.count)
            for (line, object) in zip(Self.inputs, objects) {
                let targetTokens = try #require(object["target_tokens"] as? [String])
                let attention = try #require(object["attention"] as? [[Double]])
                let source = checkpoint.sourceVocabulary.encode(line.split(separator: " ").map(String.init))
                let words = targetTokens.last == "</s>" ? Array(targetTokens.dropLast()) : targetTokens
                var dropout = Dropout.off
                let pass = checkpoint.model.forward(Batch(sources: [source], targets: [checkpoint.targetVocabulary.encode(words)]),
                                                    dropout: &dropout)
                #expect(attention.count == targetTokens.count)
                for (t, row) in attention.enumerated() {
                    let rescored = pass.decoder.steps[t].attention.weights.rowArray(0).prefix(source.count + 1).map(Double.init)
                    #expect(row.count == rescored.count)
                    #expect(zip(row, rescored).allSatisfy { abs($0 - $1) <= 1e-5 }, "line '\(line)', row \(t)")
                }
            }
        }
    }

    @Test func beamOneIsGreedyAndNBestIsSorted() throws {
        try withTrainedTinyModel { run in
            let input = Data((Self.inputs.joined(separator: "\n") + "\n").utf8)
            let greedy = try runSeq2Seq(["translate", "--checkpoint", run.checkpoint], stdin: input)
            let beamOne = try runSeq2Seq(["translate", "--checkpoint", run.checkpoint, "--beam", "1"], stdin: input)
            expectSuccess(greedy)
            #expect(beamOne.stdout == greedy.stdout)
            let nBest = try runSeq2Seq(["translate", "--checkpoint", run.checkpoint, "--beam", "4", "--n-best", "3"], stdin: input)
            expectSuccess(nBest)
            let output = lines(of: nBest.stdout)
            #expect(output.count == 3 * Self.inputs.count)
            for group in stride(from: 0, to: output.count, by: 3) {
                let scores = output[group ..< group + 3].compactMap { Double($0.split(separator: "\t", omittingEmptySubsequences: false).first ?? "") }
                #expect(scores.count == 3)
                #expect(zip(scores, scores.dropFirst()).allSatisfy { $0 >= $1 })
                #expect(Set(output[group ..< group + 3]).count == 3)
            }
            let tooMany = try runSeq2Seq(["translate", "--checkpoint", run.checkpoint, "--beam", "2", "--n-best", "3"], stdin: input)
            #expect(tooMany.exitCode == 64)
        }
    }
}
