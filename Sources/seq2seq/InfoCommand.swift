// InfoCommand.swift — `seq2seq info`: a checkpoint's configuration, vocabulary sizes, every tensor with its shape and
// parameter count, per-module totals beside their formulas, file size and the training summary stored in it
// (CheckpointSummary does the work). Stage [8].

import Seq2SeqCore

enum InfoCommand {
    static let info = CommandInfo(
        name: "info",
        abstract: "Describe a checkpoint: configuration, vocabularies, every tensor and its parameters, training summary.",
        usage: "seq2seq info --checkpoint FILE",
        options: CheckpointInput.options,
        discussion: """
            Each module's parameters are counted from the tensors in the file and shown beside the formula in the \
            letters of the model (E embedding, H encoder hidden size per direction, D decoder hidden size, A \
            attention size, Vs/Vt vocabulary sizes). An LSTM layer in one direction has 4·hidden·(input+hidden) + \
            8·hidden parameters: W_ih [4·hidden, input], W_hh [4·hidden, hidden] and the two biases [4·hidden].
            """)

    static func run(_ arguments: Arguments) throws {
        Output.raw(try CheckpointSummary(path: try CheckpointInput(arguments).path).text())
    }
}
