// LearningCurvesTests.swift — the validation log reads back record for record (a bad line is named), and its
// picture is well-formed SVG with a point per validation for each curve and the best step marked.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct LearningCurvesTests {
    static func record(step: Int, loss: Double, bleu: Double, best: Bool) -> ValidationRecord {
        ValidationRecord(step: step, epoch: step / 100, trainLoss: loss + 0.1,
                         dev: EvaluationReport(sentences: 10, bleu: bleu, exactMatch: bleu / 2, tokenAccuracy: 50 + bleu / 2,
                                               loss: loss, perplexity: exp(loss)),
                         isBest: best, elapsedSeconds: Double(step))
    }

    static let records = [record(step: 100, loss: 2.5, bleu: 10, best: true), record(step: 200, loss: 1.5, bleu: 40, best: true),
                          record(step: 300, loss: 1.6, bleu: 35, best: false)]

    @Test func readsTheLogTrainingWrites() throws {
        let path = TinyCheckpoint.temporaryPath("run.log.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try (Self.records.map { try Checkpoint.json($0) }.joined(separator: "\n") + "\n\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try LearningCurves.read(path: path) == Self.records)

        try ("\(try Checkpoint.json(Self.records[0]))\n{\"step\": 3}\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: Seq2SeqError.self) { try LearningCurves.read(path: path) }
        do { _ = try LearningCurves.read(path: path) } catch let error as Seq2SeqError {
            guard case let .malformedLine(errorPath, line, _) = error else { Issue.record("\(error)"); return }
            #expect(errorPath == path && line == 2)
        }
        #expect(LearningCurves.picturePath(forLog: "runs/a.log.jsonl") == "runs/a.curves.svg")
    }

    /// A record as training wrote it before `eval` and validation reported chrF: it still reads, with chrF unknown.
    @Test func readsALogWrittenBeforeChrF() throws {
        let path = TinyCheckpoint.temporaryPath("old.log.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let line = #"{"best":true,"dev":{"bleu":12.5,"exact_match":10,"loss":1.25,"perplexity":3.4903429574618414,"sentences":10,"token_accuracy":60},"elapsed_seconds":2,"epoch":1,"step":100,"train_loss":1.5}"#
        try (line + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let records = try LearningCurves.read(path: path)
        #expect(records.count == 1)
        #expect(records.first?.dev.bleu == 12.5)
        #expect(records.first?.dev.chrF == nil)
    }

    @Test func pictureHasAPointPerValidationAndMarksTheBest() throws {
        let svg = LearningCurves.svg(Self.records, title: "Learning curves: run")
        let elements = try #require(parseXML(svg), "not well-formed XML")
        // Two loss curves and three score curves, three validations each.
        #expect(elements.filter { $0.attributes["class"] == "point" }.count == 5 * 3)
        #expect(elements.filter { $0.attributes["class"] == "line" }.count == 5)
        #expect(elements.filter { $0.attributes["class"] == "marker" }.count == 2)
        let texts = elements.filter { $0.name == "text" }.map(\.text)
        for label in ["Learning curves: run", "training loss", "dev loss", "dev BLEU", "exact match %", "dashed line: best checkpoint, step 200"] {
            #expect(texts.contains(label), "\(label)")
        }
        #expect(texts.contains { $0.contains("best dev BLEU 40.00") })
    }
}
