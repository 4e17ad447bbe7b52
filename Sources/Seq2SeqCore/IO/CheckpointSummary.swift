// CheckpointSummary.swift — what `seq2seq info` shows about a checkpoint: the configuration and vocabularies, every
// tensor with its shape and parameter count, each module's total beside the formula that predicts it (an LSTM layer
// in one direction: 4·hidden·(input+hidden) + 8·hidden), the file's size and storage type, and the training summary
// stored in it. Stage [8], SPEC §2.

import Foundation

/// What `info` shows of a checkpoint: its tensors, parameter counts per module and the formulas behind them.
public struct CheckpointSummary {
    /// One tensor of the parameter table.
    public struct Tensor: Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        /// Floats in the tensor.
        public var parameters: Int
    }

    /// A group of tensors (an embedding, one LSTM layer and direction, the attention, …): its total counted from
    /// the table, and the formula in SPEC letters that predicts it, with the numbers put in.
    public struct Module: Equatable, Sendable {
        public var name: String
        /// Names of the module's tensors.
        public var tensors: [String]
        /// Floats in the module's tensors, counted from the table.
        public var parameters: Int
        /// The parameter count in SPEC letters.
        public var formula: String
        /// `formula` with the config's sizes put in.
        public var formulaWithNumbers: String
        /// What `formula` gives; equal to `parameters` when the table matches SPEC.
        public var predicted: Int
    }

    public let path: String
    /// Size of the checkpoint file.
    public let fileBytes: Int
    /// The storage types of the tensors in the file ("F32", or "F16" for a shipped checkpoint).
    public let storageTypes: [String]
    public let checkpoint: Checkpoint
    public let tensors: [Tensor]
    public let modules: [Module]

    /// Parameters of the whole model.
    public var total: Int { tensors.reduce(0) { $0 + $1.parameters } }

    /// Reads and checks the checkpoint (as `translate` does); its size and storage types come from the same read, so
    /// standard input and process substitution work too.
    public init(path: String) throws {
        let stored = try SafeTensors.readStored(path: path)
        checkpoint = try Checkpoint(file: stored.file, path: stored.name)
        self.path = stored.name
        fileBytes = stored.byteCount
        storageTypes = stored.dtypes.map(\.rawValue).sorted()
        let table = checkpoint.model.parameters.table
        tensors = table.entries.map { Tensor(name: $0.name, shape: $0.shape, parameters: $0.count) }
        modules = Self.modules(config: checkpoint.config.model, table: table)
    }

    /// The modules of SPEC §2's table in order, each with its formula.
    public static func modules(config c: ModelConfig, table: ParameterTable) -> [Module] {
        let (E, H, D, A, Vs, Vt) = (c.embeddingSize, c.encoderHiddenSize, c.decoderHiddenSize, c.attentionSize,
                                    c.sourceVocabularySize, c.targetVocabularySize)
        var modules: [Module] = []
        func add(_ name: String, _ tensors: [String], _ formula: String, _ numbers: String, _ predicted: Int) {
            let counted = tensors.compactMap(table.info(named:)).reduce(0) { $0 + $1.count }
            modules.append(Module(name: name, tensors: tensors, parameters: counted, formula: formula,
                                  formulaWithNumbers: numbers, predicted: predicted))
        }
        func lstmTensors(_ prefix: String, _ k: Int, _ suffix: String) -> [String] {
            ["weight_ih", "weight_hh", "bias_ih", "bias_hh"].map { "\(prefix).\($0)_l\(k)\(suffix)" }
        }
        add("source embedding", ["source_embedding.weight"], "Vs·E", "\(Vs)·\(E)", Vs * E)
        add("target embedding", ["target_embedding.weight"], "Vt·E", "\(Vt)·\(E)", Vt * E)
        for k in 0..<c.encoderLayers {
            let (input, inputName) = k == 0 ? (E, "E") : (2 * H, "2H")
            let numbers = k == 0 ? "\(E)" : "2·\(H)"
            for (direction, suffix) in [("forward", ""), ("backward", "_reverse")] {
                add("encoder layer \(k) \(direction)", lstmTensors("encoder", k, suffix), "4·H·(\(inputName)+H) + 8·H",
                    "4·\(H)·(\(numbers)+\(H)) + 8·\(H)", 4 * H * (input + H) + 8 * H)
            }
        }
        add("bridge", ["bridge.weight", "bridge.bias"], "D·2H + D", "\(D)·2·\(H) + \(D)", D * 2 * H + D)
        add("attention", ["attention.key.weight", "attention.key.bias", "attention.query.weight", "attention.energy.weight"],
            "A·2H + A + A·D + A", "\(A)·2·\(H) + \(A) + \(A)·\(D) + \(A)", A * 2 * H + A + A * D + A)
        for k in 0..<c.decoderLayers {
            let (input, inputName, numbers) = k == 0 ? (E + 2 * H, "E+2H", "\(E)+2·\(H)") : (D, "D", "\(D)")
            add("decoder layer \(k)", lstmTensors("decoder", k, ""), "4·D·(\(inputName)+D) + 8·D",
                "4·\(D)·(\(numbers)+\(D)) + 8·\(D)", 4 * D * (input + D) + 8 * D)
        }
        add("readout", ["readout.weight", "readout.bias"], "D·(D+2H) + D", "\(D)·(\(D)+2·\(H)) + \(D)", D * (D + 2 * H) + D)
        add("generator", ["generator.weight", "generator.bias"], "Vt·D + Vt", "\(Vt)·\(D) + \(Vt)", Vt * D + Vt)
        return modules
    }

    // MARK: - Text

    /// 1234567 → "1,234,567".
    public static func grouped(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (k, digit) in digits.enumerated() {
            if k > 0 && (digits.count - k) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MB", Double(bytes) / Double(1 << 20))
            : bytes >= 1 << 10 ? String(format: "%.1f KB", Double(bytes) / Double(1 << 10)) : "\(bytes) bytes"
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m"
            : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }

    /// The report `seq2seq info` prints.
    public func text() -> String {
        let config = checkpoint.config, m = config.model
        var lines: [String] = []
        func field(_ name: String, _ value: String) { lines.append(name.padding(toLength: 14, withPad: " ", startingAt: 0) + value) }
        field("checkpoint", path)
        field("file", "\(Self.grouped(fileBytes)) bytes (\(Self.size(fileBytes))), tensors stored as \(storageTypes.joined(separator: ", ")), format \(Checkpoint.format)")
        field("model", "E=\(m.embeddingSize) H=\(m.encoderHiddenSize) L=\(m.encoderLayers) D=\(m.decoderHiddenSize) M=\(m.decoderLayers) A=\(m.attentionSize) Vs=\(m.sourceVocabularySize) Vt=\(m.targetVocabularySize), dropout \(SVGWriter.number(Double(m.dropout)))\(m.tieEmbeddings ? ", target embedding and generator weights tied" : "")")
        let merges = config.bpe.map { ", \(Self.grouped($0.merges.count)) merges (one table for both sides)" } ?? ""
        field("tokenizer", "\(config.tokenization.rawValue)\(merges), \(config.lowercase ? "lowercased" : "case kept"); at most \(config.maxSourceLength) source and \(config.maxTargetLength) target tokens")
        field("vocabularies", "source \(checkpoint.sourceVocabulary.count) tokens, target \(checkpoint.targetVocabulary.count) tokens (each with the 4 specials \(Vocabulary.specials.joined(separator: " ")))")

        lines.append("")
        lines.append("TENSORS")
        let nameWidth = max(28, (tensors.map(\.name.count).max() ?? 0) + 2)
        let shapes = tensors.map { "[" + $0.shape.map(String.init).joined(separator: ", ") + "]" }
        let shapeWidth = max(8, (shapes.map(\.count).max() ?? 0) + 2)
        let countWidth = max(10, Self.grouped(total).count)
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        func right(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        lines.append("  " + pad("name", nameWidth) + pad("shape", shapeWidth) + right("parameters", countWidth))
        for (tensor, shape) in zip(tensors, shapes) {
            lines.append("  " + pad(tensor.name, nameWidth) + pad(shape, shapeWidth) + right(Self.grouped(tensor.parameters), countWidth))
        }
        lines.append("  " + pad("total", nameWidth + shapeWidth) + right(Self.grouped(total), countWidth))

        lines.append("")
        lines.append("MODULES (an LSTM layer in one direction has 4·hidden·(input+hidden) + 8·hidden parameters:")
        lines.append("         W_ih [4·hidden, input], W_hh [4·hidden, hidden], b_ih and b_hh [4·hidden])")
        let moduleWidth = max(26, (modules.map(\.name.count).max() ?? 0) + 2)
        lines.append("  " + pad("module", moduleWidth) + right("parameters", countWidth) + "  formula")
        for module in modules {
            let check = module.predicted == module.parameters ? "" : "  (the formula gives \(Self.grouped(module.predicted)))"
            lines.append("  " + pad(module.name, moduleWidth) + right(Self.grouped(module.parameters), countWidth)
                         + "  \(module.formula) = \(module.formulaWithNumbers)" + check)
        }
        let encoder = modules.filter { $0.name.hasPrefix("encoder") }.reduce(0) { $0 + $1.parameters }
        let decoder = modules.filter { $0.name.hasPrefix("decoder") }.reduce(0) { $0 + $1.parameters }
        lines.append("  " + pad("all encoder layers", moduleWidth) + right(Self.grouped(encoder), countWidth))
        lines.append("  " + pad("all decoder layers", moduleWidth) + right(Self.grouped(decoder), countWidth))
        lines.append("  " + pad("total", moduleWidth) + right(Self.grouped(total), countWidth))

        lines.append("")
        lines.append("TRAINING")
        if let training = checkpoint.training {
            let epochs = "\(training.epoch) epoch\(training.epoch == 1 ? "" : "s") complete"
            lines.append("  the best validation: step \(training.step) (\(epochs)), after \(Self.duration(training.trainingSeconds)) of training")
            lines.append(String(format: "  dev BLEU %.2f, exact match %.1f%%, loss %.4f", training.devBLEU, training.devExactMatch, training.devLoss))
            if let files = training.averageOf {
                lines.append("  then averaged with `seq2seq average`: the mean of \(files.count) checkpoints (\(files.joined(separator: ", "))); the numbers above are the first's")
            }
        } else {
            lines.append("  none stored (this checkpoint was not written by `seq2seq train`)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
