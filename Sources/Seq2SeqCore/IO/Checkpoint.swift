// Checkpoint.swift — a trained translator ⇄ one safetensors file (SPEC §2): every tensor of the parameter table
// under its SPEC name and PyTorch shape, and `__metadata__` holding the format, the config (model sizes and the
// tokenizer), both vocabularies and a training summary. Stages [8][9].

import Foundation

/// Everything needed to rebuild the model and its tokenizer: the checkpoint's `config` metadata.
public struct TranslatorConfig: Codable, Equatable, Sendable {
    /// The model's sizes.
    public var model: ModelConfig
    /// The tokenization scheme both sides were split with.
    public var tokenization: Tokenization
    /// Whether text was lowercased before tokenizing.
    public var lowercase: Bool
    /// The merges of `bpe` tokenization, as "left right" strings in merge order (`bpe_merges`; absent otherwise,
    /// and in checkpoints older than bpe). Decoded once here, so that every `tokenizer` shares one word cache.
    public var bpe: BytePairEncoding?
    /// Longest source / target in tokens (without </s>) the model was trained for; longer input is refused.
    public var maxSourceLength: Int
    public var maxTargetLength: Int

    enum CodingKeys: String, CodingKey {
        case model, tokenization, lowercase
        case bpe = "bpe_merges"
        case maxSourceLength = "max_source_length"
        case maxTargetLength = "max_target_length"
    }

    /// Decodes the config, range-checking both length limits; no `bpe_merges` key means no merges.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(ModelConfig.self, forKey: .model)
        tokenization = try container.decode(Tokenization.self, forKey: .tokenization)
        lowercase = try container.decode(Bool.self, forKey: .lowercase)
        bpe = try container.decodeIfPresent(BytePairEncoding.self, forKey: .bpe)
        maxSourceLength = try container.decodeInteger(forKey: .maxSourceLength, in: Self.lengthRange)
        maxTargetLength = try container.decodeInteger(forKey: .maxTargetLength, in: Self.lengthRange)
    }

    /// The config from its parts.
    public init(model: ModelConfig, tokenization: Tokenization, lowercase: Bool, bpe: BytePairEncoding? = nil,
                maxSourceLength: Int, maxTargetLength: Int) {
        self.model = model
        self.tokenization = tokenization
        self.lowercase = lowercase
        self.bpe = bpe
        self.maxSourceLength = maxSourceLength
        self.maxTargetLength = maxTargetLength
    }

    /// The tokenizer this config describes, sharing `bpe`'s word cache.
    public var tokenizer: Tokenizer { Tokenizer(tokenization: tokenization, lowercase: lowercase, bpe: bpe) }

    /// The length limits and the most merges a config may give: what `train --max-length` and `--bpe-merges` accept.
    public static let lengthRange = 1...100_000
    public static let maximumMerges = 1_000_000

    /// Throws `invalidConfiguration` unless the model's sizes, the length limits and the tokenizer make sense.
    public func validate() throws(Seq2SeqError) {
        try model.validate()
        for (key, value) in [(CodingKeys.maxSourceLength, maxSourceLength), (.maxTargetLength, maxTargetLength)]
        where !Self.lengthRange.contains(value) {
            throw Seq2SeqError.invalidConfiguration(
                reason: "\(key.stringValue) is \(value), it must be from \(Self.lengthRange.lowerBound) to \(Self.lengthRange.upperBound)")
        }
        if let bpe, bpe.merges.count > Self.maximumMerges {
            throw Seq2SeqError.invalidConfiguration(
                reason: "\"bpe_merges\" holds \(bpe.merges.count) merges, more than the limit of \(Self.maximumMerges)")
        }
        try validateTokenizer()
    }

    /// Throws unless the merges and the tokenization agree: `bpe` needs them, `char` and `word` have none.
    func validateTokenizer() throws(Seq2SeqError) {
        switch (tokenization, bpe) {
        case (.bpe, nil):
            throw Seq2SeqError.invalidConfiguration(reason: "the tokenization is bpe but there is no \"bpe_merges\"")
        case (.char, .some), (.word, .some):
            throw Seq2SeqError.invalidConfiguration(reason: "\"bpe_merges\" is given but the tokenization is \(tokenization.rawValue)")
        case (.bpe, .some), (.char, nil), (.word, nil):
            return
        }
    }
}

/// What training stores about itself in the checkpoint (`training` metadata), shown by `info`.
public struct TrainingSummary: Codable, Equatable, Sendable {
    /// Training steps taken.
    public var step: Int
    /// The epoch training was in, counted from 0.
    public var epoch: Int
    /// Dev-set BLEU of these weights.
    public var devBLEU: Double
    /// Dev-set exact match of these weights.
    public var devExactMatch: Double
    /// Dev-set loss per target token of these weights.
    public var devLoss: Double
    /// Wall-clock seconds spent training, over every resumed part of the run.
    public var trainingSeconds: Double
    /// Set by `seq2seq average`: the files whose parameters were averaged into this checkpoint, in order (the numbers
    /// above are the first file's). Nil for a checkpoint written by training.
    public var averageOf: [String]?

    enum CodingKeys: String, CodingKey {
        case step, epoch
        case devBLEU = "dev_bleu"
        case devExactMatch = "dev_exact_match"
        case devLoss = "dev_loss"
        case trainingSeconds = "training_seconds"
        case averageOf = "average_of"
    }

    /// A summary of a finished or interrupted run.
    public init(step: Int, epoch: Int, devBLEU: Double, devExactMatch: Double, devLoss: Double, trainingSeconds: Double,
                averageOf: [String]? = nil) {
        self.step = step
        self.epoch = epoch
        self.devBLEU = devBLEU
        self.devExactMatch = devExactMatch
        self.devLoss = devLoss
        self.trainingSeconds = trainingSeconds
        self.averageOf = averageOf
    }
}

/// A trained model with everything needed to use it: its config (sizes, tokenizer, length limits), both
/// vocabularies and the training summary. Stored as one safetensors file in PyTorch's tensor names and shapes.
public struct Checkpoint {
    /// The `format` metadata value a checkpoint must carry.
    public static let format = "seq2seq-attention/1"

    public var config: TranslatorConfig
    public var sourceVocabulary: Vocabulary
    public var targetVocabulary: Vocabulary
    public var model: Seq2SeqModel
    /// How the weights were trained; nil when the file has no `training` metadata.
    public var training: TrainingSummary?

    /// A checkpoint from a model and what is needed to use it.
    public init(config: TranslatorConfig, sourceVocabulary: Vocabulary, targetVocabulary: Vocabulary, model: Seq2SeqModel,
                training: TrainingSummary? = nil) {
        self.config = config
        self.sourceVocabulary = sourceVocabulary
        self.targetVocabulary = targetVocabulary
        self.model = model
        self.training = training
    }

    /// The file's content: one tensor per table entry, in table order, and the metadata.
    public func safeTensorsFile() throws -> SafeTensorsFile {
        let parameters = model.parameters
        let tensors = parameters.table.entries.map { info in
            SafeTensor(name: info.name, shape: info.shape, values: parameters.storage.values(at: info.offset, count: info.count))
        }
        var metadata = [
            "format": Self.format,
            "config": try Self.json(config),
            "source_vocabulary": sourceVocabulary.jsonArray(),
            "target_vocabulary": targetVocabulary.jsonArray(),
        ]
        if let training { metadata["training"] = try Self.json(training) }
        return SafeTensorsFile(tensors: tensors, metadata: metadata)
    }

    /// Writes the checkpoint atomically (temporary file in the same folder, flushed, then renamed), with a checksum
    /// of the tensor values as they will read back (after F16/BF16 rounding) in the metadata.
    public func save(to path: String, dtype: SafeTensorsDType = .f32) throws {
        for value in model.parameters.storage.buffer where !value.isFinite {
            throw Seq2SeqError.unwritableFile(path: path, reason: "the model holds a non-finite value; refusing to write it")
        }
        var file = try safeTensorsFile()
        file.metadata["checksum"] = Self.checksum(file.tensors.map { $0.values.map { Self.stored($0, as: dtype) } })
        try SafeTensors.write(file, to: path, dtype: dtype)
    }

    /// A value as a file of `dtype` gives it back.
    public static func stored(_ value: Float, as dtype: SafeTensorsDType) -> Float {
        switch dtype {
        case .f32: return value
        case .f16: return floatFromFloat16Bits(float16Bits(value))
        case .bf16: return floatFromBFloat16Bits(bfloat16Bits(value))
        }
    }

    /// "fnv1a64:<16 hex digits>" of every tensor's float32 bit patterns, tensor by tensor in file order.
    static func checksum(_ tensors: [[Float]]) -> String {
        var hash = FNV1a64()
        for values in tensors {
            for value in values { hash.add(value) }
        }
        return hash.text
    }

    /// Reads and checks a checkpoint: format, config, vocabularies, and every tensor's name and shape.
    public static func load(path: String) throws -> Checkpoint {
        let stored = try SafeTensors.readStored(path: path)
        return try Checkpoint(file: stored.file, path: stored.name)
    }

    /// Builds a checkpoint from an already read file; `path` names it in errors.
    public init(file: SafeTensorsFile, path: String) throws {
        func invalid(_ reason: String) -> Seq2SeqError { .invalidCheckpoint(path: path, reason: reason) }
        guard let format = file.metadata["format"] else { throw invalid("no \"format\" in the metadata (not a seq2seq checkpoint)") }
        // A checksum (written by `save`) must match the tensor values: a flipped bit is refused, not loaded.
        if let expected = file.metadata["checksum"], expected != Self.checksum(file.tensors.map(\.values)) {
            throw invalid("the tensor data does not match its checksum (\(expected)): the file is corrupt")
        }
        guard format == Self.format else { throw invalid("format is \"\(format)\", expected \"\(Self.format)\"") }
        guard let configText = file.metadata["config"] else { throw invalid("no \"config\" in the metadata") }
        let config: TranslatorConfig
        do { config = try JSONDecoder().decode(TranslatorConfig.self, from: Data(configText.utf8)) } catch {
            throw invalid("the config is not valid: \(Self.describe(error))")
        }
        do { try config.validate() } catch { throw invalid("\(error)") }
        // Before any storage is made, the file must hold every tensor the config describes, each with its shape and
        // values: then the storage holds the config's parameterCount floats, no more than the file's values, and a
        // config claiming a huge model is refused at the cost of its table of names and shapes (validate() bounded
        // every size, so the table's products cannot overflow). The vocabularies are read after this, so a claim
        // of millions of tokens is refused before any of them is.
        let table = ParameterTable(config: config.model)
        var expected = Set(table.entries.map(\.name))
        for tensor in file.tensors {
            guard let info = table.info(named: tensor.name) else { throw invalid("unexpected tensor \"\(tensor.name)\"") }
            guard tensor.shape == info.shape else { throw invalid("tensor \"\(tensor.name)\" has shape \(tensor.shape), expected \(info.shape)") }
            guard tensor.values.count == info.count else {
                throw invalid("tensor \"\(tensor.name)\" holds \(tensor.values.count) values, its shape \(info.shape) needs \(info.count)")
            }
            expected.remove(tensor.name)
        }
        if let missing = table.entries.first(where: { expected.contains($0.name) }) { throw invalid("missing tensor \"\(missing.name)\"") }
        func vocabulary(_ key: String, size: Int) throws -> Vocabulary {
            guard let text = file.metadata[key] else { throw invalid("no \"\(key)\" in the metadata") }
            let vocabulary: Vocabulary
            do { vocabulary = try Vocabulary(jsonArray: text) } catch { throw invalid("\(key): \(error)") }
            guard vocabulary.count == size else { throw invalid("\(key) has \(vocabulary.count) tokens but the config says \(size)") }
            return vocabulary
        }
        let source = try vocabulary("source_vocabulary", size: config.model.sourceVocabularySize)
        let target = try vocabulary("target_vocabulary", size: config.model.targetVocabularySize)
        let parameters = ModelParameters.zeros(table)
        for tensor in file.tensors {
            guard tensor.values.allSatisfy(\.isFinite) else { throw invalid("tensor \"\(tensor.name)\" holds a non-finite value") }
            if let info = table.info(named: tensor.name) { parameters.storage.setValues(tensor.values, at: info.offset) }
        }
        if config.model.tieEmbeddings, let element = parameters.firstUntiedElement() {
            throw invalid("tie_embeddings is set but target_embedding.weight and generator.weight differ (first at element \(element))")
        }
        var training: TrainingSummary? = nil
        if let text = file.metadata["training"] { training = try? JSONDecoder().decode(TrainingSummary.self, from: Data(text.utf8)) }
        self.init(config: config, sourceVocabulary: source, targetVocabulary: target,
                  model: Seq2SeqModel(config: config.model, parameters: parameters), training: training)
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A one-line account of a decoding error (JSONDecoder's descriptions run over several lines).
    static func describe(_ error: Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, _): return "missing key \"\(key.stringValue)\""
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            return "wrong type at \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\""
        case let DecodingError.dataCorrupted(context):
            return context.codingPath.isEmpty ? "not JSON" : "bad value at \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\""
        default: return "\(error)"
        }
    }
}
