// LearningCurves.swift — the validation log that training writes beside the checkpoint (FILE.log.jsonl, one
// ValidationRecord a line) read back and drawn: training and dev loss, dev BLEU and exact match against steps, the
// best checkpoint marked. Stage [8] → [10].

import Foundation

/// Reads a training's validation log and draws its loss and score curves.
public enum LearningCurves {
    /// Every record of a log; blank lines are skipped, anything else that is not a record is an error naming its line.
    public static func read(path: String) throws -> [ValidationRecord] {
        let decoder = JSONDecoder()
        var records: [ValidationRecord] = []
        for line in try Corpus.readLines(path: path) where !line.text.allSatisfy(\.isWhitespace) {
            do {
                records.append(try decoder.decode(ValidationRecord.self, from: Data(line.text.utf8)))
            } catch {
                throw Seq2SeqError.malformedLine(path: path, line: line.number,
                                                 reason: "not a validation record: \(Checkpoint.describe(error))")
            }
        }
        guard !records.isEmpty else { throw Seq2SeqError.emptyFile(path: path) }
        return records
    }

    /// Where `train --plot` keeps the picture: beside the log, FILE.curves.svg for FILE.log.jsonl.
    public static func picturePath(forLog log: String) -> String {
        (log.hasSuffix(".log.jsonl") ? String(log.dropLast(".log.jsonl".count)) : log) + ".curves.svg"
    }

    /// Two panels sharing the step axis: loss (training loss since the previous validation, dev loss), and dev BLEU,
    /// exact match and token accuracy in percent. A dashed line marks the step of the best checkpoint.
    public static func svg(_ records: [ValidationRecord], title: String) -> String {
        let records = records.sorted { $0.step < $1.step }
        let best = records.last { $0.isBest }
        let marker = best.map { (x: Double($0.step), label: "best checkpoint, step \($0.step)") }
        let palette = LineSeries.palette
        func series(_ name: String, _ colour: Int, dashed: Bool = false, _ value: (ValidationRecord) -> Double) -> LineSeries {
            LineSeries(name: name, points: records.map { (x: Double($0.step), y: value($0)) }, colour: palette[colour], dashed: dashed)
        }
        let loss = LineChartPanel(title: "Loss (nats per target token)", xLabel: "step", yLabel: "loss",
                                  series: [series("training loss", 0, \.trainLoss), series("dev loss", 1, \.dev.loss)],
                                  marker: marker)
        let scores = LineChartPanel(title: "Dev BLEU, exact match and token accuracy", xLabel: "step", yLabel: "percent",
                                    series: [series("dev BLEU", 2, \.dev.bleu), series("exact match %", 3, \.dev.exactMatch),
                                             series("token accuracy %", 4, dashed: true, \.dev.tokenAccuracy)],
                                    yRange: 0...100, marker: marker)
        var steps = "no validations"
        if let first = records.first, let last = records.last {
            steps = "\(records.count) validation\(records.count == 1 ? "" : "s"), steps \(first.step)–\(last.step)"
        }
        let bestText = best.map { String(format: "; best dev BLEU %.2f (exact match %.1f%%) at step %d", $0.dev.bleu, $0.dev.exactMatch, $0.step) } ?? ""
        return SVGSheet(title: title, subtitle: steps + bestText,
                        sections: [SVGSheet.Section(panels: [loss]), SVGSheet.Section(panels: [scores])]).render()
    }
}
