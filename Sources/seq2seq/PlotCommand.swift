// PlotCommand.swift — `seq2seq plot`: the learning curves of a training run (loss, dev BLEU, exact match and token
// accuracy against steps) from the validation log `train` writes beside its checkpoint, as SVG
// (LearningCurves does the work). Stage [8] → [10].

import Foundation
import Seq2SeqCore

enum PlotCommand {
    static let info = CommandInfo(
        name: "plot",
        abstract: "Draw a training run's learning curves (loss, dev BLEU, exact match) against steps as SVG.",
        usage: "seq2seq plot --log FILE.log.jsonl [--output FILE.svg]",
        options: [
            OptionInfo(name: "--log", valueName: "file", help: "The validation log `seq2seq train` writes beside the checkpoint: FILE.log.jsonl."),
            OptionInfo(name: "--output", valueName: "file", help: "Write the SVG to this file instead of standard output."),
        ],
        discussion: """
            The upper panel shows the training loss (mean over the steps since the previous validation) and the \
            dev loss; the lower one dev BLEU, exact match and token accuracy in percent. A dashed line marks the \
            step of the best checkpoint. `seq2seq train --plot` keeps the same picture up to date beside the \
            checkpoint, as FILE.curves.svg.
            """)

    static func run(_ arguments: Arguments) throws {
        let log = try arguments.requiredString("--log")
        let svg = LearningCurves.svg(try LearningCurves.read(path: log),
                                     title: "Learning curves: " + URL(fileURLWithPath: log).lastPathComponent)
        guard let output = arguments.string("--output") else { return Output.raw(svg) }
        try Output.writeFile(svg, to: output)
        Output.wrote("the learning curves", to: output, command: info.name)
    }
}
