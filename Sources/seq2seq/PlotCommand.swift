// PlotCommand.swift — `seq2seq plot`: the learning curves of a training run (loss, dev BLEU, exact match and token
// accuracy against steps) from the validation log `train` writes beside its checkpoint, as SVG
// (LearningCurves does the work). Stage [8] → [10].

import Foundation
import Seq2SeqCore

enum PlotCommand {
    static let log = Option<String?>.text(
        "--log", "file", help: "The validation log `seq2seq train` writes beside the checkpoint: FILE.log.jsonl.")
    static let output = Option<String?>.text("--output", "file", help: "Write the SVG to this file instead of standard output.")

    static let info = CommandInfo(
        name: "plot",
        abstract: "Draw a training run's learning curves (loss, dev BLEU, exact match) against steps as SVG.",
        usage: "seq2seq plot --log FILE.log.jsonl [--output FILE.svg]",
        options: [log.info, output.info],
        discussion: """
            The upper panel shows the training loss (mean over the steps since the previous validation) and the \
            dev loss; the lower one dev BLEU, exact match and token accuracy in percent. A dashed line marks the \
            step of the best checkpoint. `seq2seq train --plot` keeps the same picture up to date beside the \
            checkpoint, as FILE.curves.svg.
            """)

    static func run(_ arguments: Arguments) throws {
        let log = try arguments.required(Self.log)
        let svg = LearningCurves.svg(try LearningCurves.read(path: log),
                                     title: "Learning curves: " + URL(fileURLWithPath: log).lastPathComponent)
        guard let output = try arguments.value(Self.output) else { return Output.raw(svg) }
        try Output.writeFile(svg, to: output)
        Output.wrote("the learning curves", to: output, command: info.name)
    }
}
