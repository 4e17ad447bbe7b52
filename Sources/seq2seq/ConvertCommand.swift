// ConvertCommand.swift — `seq2seq convert`: rewrite a checkpoint with its tensors stored as F32, F16 or BF16
// (SPEC §2: a checkpoint meant for shipping may store half-precision floats; readers convert back to float32).
// Stage [8].

import Seq2SeqCore

/// The storage types a converted checkpoint may use, as the flag spells them.
enum StoredFloat: String, CaseIterable {
    case f16, bf16, f32

    var dtype: SafeTensorsDType {
        switch self {
        case .f16: .f16
        case .bf16: .bf16
        case .f32: .f32
        }
    }
}

enum ConvertCommand {
    static let checkpoint = Option<String?>.text("--checkpoint", "file", help: "The checkpoint to read.")
    static let output = Option<String?>.text(
        "--output", "file", help: "Where to write the converted checkpoint (never the input itself).")
    static let dtype = Option<StoredFloat>.choice("--dtype", help: "How each float is stored.", default: .f16)

    static let info = CommandInfo(
        name: "convert",
        abstract: "Rewrite a checkpoint with its tensors stored as F32, F16 or BF16 (half the size, for shipping).",
        usage: "seq2seq convert --checkpoint FILE --output FILE [--dtype f16|bf16|f32]",
        options: [checkpoint.info, output.info, dtype.info],
        discussion: """
            The metadata (configuration, vocabularies, training summary) is kept; the checksum is recomputed for the \
            values as they read back. F16 keeps 11 significant bits over a range of ±65504, BF16 8 bits over \
            float32's range; the reader turns both back into float32, so every command and PyTorch's \
            `safetensors` load the result as before. The file is written atomically.
            """)

    static func run(_ arguments: Arguments) throws {
        let input = try arguments.required(Self.checkpoint), output = try arguments.required(Self.output)
        let stored = try arguments.value(Self.dtype)
        try refuseOverwriting(inputs: [input], with: output, flag: Self.output.name)
        try Checkpoint.load(path: input).save(to: output, dtype: stored.dtype)
        Output.wrote("the checkpoint with \(stored.rawValue) tensors", to: output, command: info.name)
    }
}
