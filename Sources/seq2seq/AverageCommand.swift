// AverageCommand.swift — `seq2seq average`: the element-wise mean of several checkpoints' parameters written as one
// checkpoint (CheckpointAverage does the work). Stage [8].

import Seq2SeqCore

enum AverageCommand {
    static let checkpoints = ArgumentInfo(name: "checkpoints", help: "Two or more checkpoints with the same config and vocabularies.", repeats: true)
    static let output = Option<String?>.text(
        "--output", "file", help: "Where the averaged checkpoint is written (safetensors); never one of the inputs.")

    static let info = CommandInfo(
        name: "average",
        abstract: "Average the parameters of several checkpoints of one model into one checkpoint.",
        usage: "seq2seq average --output FILE CHECKPOINT CHECKPOINT [CHECKPOINT ...]",
        arguments: [checkpoints],
        options: [output.info],
        discussion: """
            Each parameter of the result is the mean of that parameter in the inputs, as Marian, OpenNMT and fairseq \
            average checkpoints; the last few checkpoints of one run often translate a little better averaged than \
            alone. The result keeps the first file's config, vocabularies and training summary, which notes the \
            files averaged. It is written atomically (a temporary file, then renamed).
            """)

    static func run(_ arguments: Arguments) throws {
        let output = try arguments.required(Self.output)
        let inputs = arguments.repeated(Self.checkpoints)
        guard inputs.count >= 2 else {
            throw Seq2SeqError.invalidOption(flag: checkpoints.label, reason: "needs at least two checkpoints to average, got \(inputs.count)")
        }
        try refuseOverwriting(inputs: inputs, with: output, flag: Self.output.name)
        let averaged = try CheckpointAverage.average(paths: inputs)
        try Output.createParentFolder(of: output)
        try averaged.save(to: output)
        Output.wrote("the mean of \(inputs.count) checkpoints", to: output, command: info.name)
    }
}
