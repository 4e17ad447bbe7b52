// Parameters.swift — the one parameter table: every tensor's SPEC §2 name, PyTorch shape and initialiser, laid
// out in one flat float block. The same table drives allocation, gradients, Adam moments, the checkpoint and the
// gradient checks. Stages [4][7][8].

/// How a tensor is initialised, as PyTorch does by default.
public enum ParameterInit: Equatable, Sendable {
    /// N(0, 1): `nn.Embedding`.
    case normal
    /// U(−bound, bound): `nn.LSTM` (bound 1/√hidden) and `nn.Linear` (bound 1/√fan_in, weight and bias).
    case uniform(bound: Float)
}

/// One named tensor of the table.
public struct ParameterInfo: Equatable, Sendable {
    /// The SPEC / PyTorch name, e.g. `encoder.weight_ih_l0`.
    public let name: String
    /// PyTorch shape, row-major.
    public let shape: [Int]
    /// Where the tensor starts in the flat block.
    public let offset: Int
    /// How a new model fills the tensor.
    public let initializer: ParameterInit
    /// Floats in the tensor.
    public var count: Int { shape.reduce(1, *) }
}

/// All tensors of a model in SPEC §2 order (PyTorch's `state_dict` order inside each LSTM).
public struct ParameterTable: Equatable, Sendable {
    /// Every tensor, in SPEC §2 order, back to back in the block.
    public let entries: [ParameterInfo]
    /// Floats in the whole block.
    public let count: Int

    /// The table of every tensor of a model of size `c`, with its offset in the flat block.
    public init(config c: ModelConfig) {
        var entries: [ParameterInfo] = []
        var offset = 0
        func add(_ name: String, _ shape: [Int], _ initializer: ParameterInit) {
            entries.append(ParameterInfo(name: name, shape: shape, offset: offset, initializer: initializer))
            offset += shape.reduce(1, *)
        }
        func lstm(_ prefix: String, layer k: Int, suffix: String, input: Int, hidden: Int) {
            let bound = 1 / Float(hidden).squareRoot()
            add("\(prefix).weight_ih_l\(k)\(suffix)", [4 * hidden, input], .uniform(bound: bound))
            add("\(prefix).weight_hh_l\(k)\(suffix)", [4 * hidden, hidden], .uniform(bound: bound))
            add("\(prefix).bias_ih_l\(k)\(suffix)", [4 * hidden], .uniform(bound: bound))
            add("\(prefix).bias_hh_l\(k)\(suffix)", [4 * hidden], .uniform(bound: bound))
        }
        func linear(_ prefix: String, out: Int, in fanIn: Int, bias: Bool) {
            let bound = 1 / Float(fanIn).squareRoot()
            add("\(prefix).weight", [out, fanIn], .uniform(bound: bound))
            if bias { add("\(prefix).bias", [out], .uniform(bound: bound)) }
        }
        let (E, H, D, A) = (c.embeddingSize, c.encoderHiddenSize, c.decoderHiddenSize, c.attentionSize)
        add("source_embedding.weight", [c.sourceVocabularySize, E], .normal)
        add("target_embedding.weight", [c.targetVocabularySize, E], .normal)
        for k in 0..<c.encoderLayers {
            let input = k == 0 ? E : 2 * H
            lstm("encoder", layer: k, suffix: "", input: input, hidden: H)
            lstm("encoder", layer: k, suffix: "_reverse", input: input, hidden: H)
        }
        linear("bridge", out: D, in: 2 * H, bias: true)
        linear("attention.key", out: A, in: 2 * H, bias: true)
        linear("attention.query", out: A, in: D, bias: false)
        linear("attention.energy", out: 1, in: A, bias: false)
        for k in 0..<c.decoderLayers {
            lstm("decoder", layer: k, suffix: "", input: k == 0 ? E + 2 * H : D, hidden: D)
        }
        linear("readout", out: D, in: D + 2 * H, bias: true)
        linear("generator", out: c.targetVocabularySize, in: D, bias: true)
        self.entries = entries
        self.count = offset
    }

    /// The entry of the tensor called `name`, or nil.
    public func info(named name: String) -> ParameterInfo? { entries.first { $0.name == name } }

    /// The tensor as a matrix view of `storage`: `[rows, cols]` for 2-D shapes, `[1, n]` for biases.
    public func matrix(_ info: ParameterInfo, in storage: FloatStorage) -> Matrix {
        let rows = info.shape.count == 2 ? info.shape[0] : 1
        return Matrix(storage: storage, offset: info.offset, rows: rows, cols: info.shape.last ?? 1)
    }
}

/// The weights of one LSTM layer in one direction, `torch.nn.LSTM` layout: gate rows i, f, g, o.
public struct LSTMParameters {
    public var weightIH: Matrix   // [4h, in]
    public var weightHH: Matrix   // [4h, h]
    public var biasIH: Matrix     // [1, 4h]
    public var biasHH: Matrix     // [1, 4h]
    /// h, the layer's hidden size.
    public var hiddenSize: Int { weightHH.cols }
    /// The width of the layer's input x.
    public var inputSize: Int { weightIH.cols }
}

/// Named views of every tensor of one flat block: the model's weights, or (same layout) their gradients.
public struct ModelParameters {
    /// The layout the views follow.
    public let table: ParameterTable
    /// The flat block of `table.count` floats the views point into.
    public let storage: FloatStorage
    public let sourceEmbedding: Matrix          // [Vs, E]
    public let targetEmbedding: Matrix          // [Vt, E]
    public let encoderForward: [LSTMParameters]  // L layers, left-to-right direction
    public let encoderBackward: [LSTMParameters] // L layers, right-to-left direction (`_reverse`)
    public let bridge: LinearParameters          // [D, 2H], [D]
    public let attention: AttentionParameters    // key [A, 2H] + [A], query [A, D], energy [1, A]
    public let decoder: [LSTMParameters]         // M layers
    public let readout: LinearParameters         // [D, D+2H], [D]
    public let generator: LinearParameters       // [Vt, D], [Vt]

    /// Views of `storage` (which must hold `table.count` floats) named by `table`.
    public init(table: ParameterTable, storage: FloatStorage) {
        precondition(storage.count == table.count, "parameter storage must hold exactly the table's floats")
        var byName: [String: Matrix] = [:]
        for info in table.entries { byName[info.name] = table.matrix(info, in: storage) }
        // Every name below is generated by ParameterTable.init from the same config, so a miss is a bug here.
        func tensor(_ name: String) -> Matrix {
            guard let m = byName[name] else { preconditionFailure("parameter table has no tensor \(name)") }
            return m
        }
        func lstm(_ prefix: String, _ k: Int, _ suffix: String) -> LSTMParameters {
            LSTMParameters(weightIH: tensor("\(prefix).weight_ih_l\(k)\(suffix)"), weightHH: tensor("\(prefix).weight_hh_l\(k)\(suffix)"),
                           biasIH: tensor("\(prefix).bias_ih_l\(k)\(suffix)"), biasHH: tensor("\(prefix).bias_hh_l\(k)\(suffix)"))
        }
        func linear(_ prefix: String, bias: Bool) -> LinearParameters {
            LinearParameters(weight: tensor("\(prefix).weight"), bias: bias ? tensor("\(prefix).bias") : nil)
        }
        let encoderLayers = table.entries.filter { $0.name.hasPrefix("encoder.weight_ih_l") && !$0.name.hasSuffix("_reverse") }.count
        let decoderLayers = table.entries.filter { $0.name.hasPrefix("decoder.weight_ih_l") }.count
        self.table = table
        self.storage = storage
        sourceEmbedding = tensor("source_embedding.weight")
        targetEmbedding = tensor("target_embedding.weight")
        encoderForward = (0..<encoderLayers).map { lstm("encoder", $0, "") }
        encoderBackward = (0..<encoderLayers).map { lstm("encoder", $0, "_reverse") }
        bridge = linear("bridge", bias: true)
        attention = AttentionParameters(key: linear("attention.key", bias: true), query: linear("attention.query", bias: false),
                                        energy: linear("attention.energy", bias: false))
        decoder = (0..<decoderLayers).map { lstm("decoder", $0, "") }
        readout = linear("readout", bias: true)
        generator = linear("generator", bias: true)
    }

    /// A zero block of the table's layout (gradients, Adam moments).
    public static func zeros(_ table: ParameterTable) -> ModelParameters {
        ModelParameters(table: table, storage: FloatStorage(count: table.count))
    }

    /// Fresh weights drawn as PyTorch initialises them, in table order from `rng`.
    public static func initialized(_ table: ParameterTable, rng: inout SplitMix64) -> ModelParameters {
        let parameters = zeros(table)
        for info in table.entries {
            let values = parameters.storage.base + info.offset
            for j in 0..<info.count {
                switch info.initializer {
                case .normal: values[j] = rng.nextNormal()
                case let .uniform(bound): values[j] = rng.nextUniform(bound: bound)
                }
            }
        }
        return parameters
    }

    /// The flat view of one named tensor (nil if the table has no such name).
    public func tensor(named name: String) -> UnsafeMutableBufferPointer<Float>? {
        guard let info = table.info(named: name) else { return nil }
        return UnsafeMutableBufferPointer(start: storage.base + info.offset, count: info.count)
    }

    /// Sets every float of the block to zero (between training steps), the threads each taking a share.
    public func zero() {
        let base = storage.base
        forEachShare(of: storage.count) { range in (base + range.lowerBound).update(repeating: 0, count: range.count) }
    }

    /// self += other, element by element (the shards' gradients of one step), the threads each taking a share.
    public func add(_ other: ModelParameters) {
        precondition(other.table == table, "add(_:) needs blocks of the same table")
        let x = other.storage.base, y = storage.base
        forEachShare(of: table.count) { range in
            for j in range { y[j] += x[j] }
        }
    }
}
