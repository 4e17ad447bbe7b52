// ConfigTests.swift — the bounds a config must keep (those of `train`'s flags) and its parameter count, computed
// from the sizes alone with checked arithmetic, against the parameter table that lays the same tensors out.

import Testing
@testable import Seq2SeqCore

@Suite struct ConfigTests {
    static func config(E: Int = 3, H: Int = 4, L: Int = 2, D: Int = 5, M: Int = 2, A: Int = 6, Vs: Int = 7, Vt: Int = 9,
                       tied: Bool = false) -> ModelConfig {
        ModelConfig(embeddingSize: E, encoderHiddenSize: H, encoderLayers: L, decoderHiddenSize: D, decoderLayers: M,
                    attentionSize: A, sourceVocabularySize: Vs, targetVocabularySize: Vt, tieEmbeddings: tied)
    }

    /// Sizes that all differ, one and several layers each side, tied embeddings, the shipped model's sizes.
    static let validConfigs = [
        config(), config(L: 1, M: 1), config(L: 3, M: 1), config(L: 1, M: 4), config(E: 5, D: 5, tied: true),
        config(E: 1, H: 1, L: 1, D: 1, M: 1, A: 1, Vs: 5, Vt: 5),
        config(E: 128, H: 192, L: 1, D: 192, M: 1, A: 192, Vs: 1347, Vt: 1476),
    ]

    @Test(arguments: validConfigs)
    func parameterCountIsTheTables(config: ModelConfig) throws {
        try config.validate()
        #expect(config.parameterCount == ParameterTable(config: config).count)
    }

    /// The largest config `train` accepts passes, and its count is exact (computed here term by term, in Double,
    /// which is exact below 2^53).
    @Test func theLargestConfigIsValidAndCounted() throws {
        let (s, l, v) = (ModelConfig.maximumSize, ModelConfig.maximumLayers, ModelConfig.maximumVocabularySize)
        let largest = Self.config(E: s, H: s, L: l, D: s, M: l, A: s, Vs: v, Vt: v)
        try largest.validate()
        let (E, H, D, A, V) = (Double(s), Double(s), Double(s), Double(s), Double(v))
        let lstm = { (input: Double, hidden: Double) in 4 * hidden * (input + hidden) + 8 * hidden }
        let expected = 2 * V * E + 2 * (lstm(E, H) + Double(l - 1) * lstm(2 * H, H)) + D * 2 * H + D + A * 2 * H + 2 * A
            + A * D + lstm(E + 2 * H, D) + Double(l - 1) * lstm(D, D) + D * (D + 2 * H) + D + V * D + V
        #expect(largest.parameterCount.map(Double.init) == expected)
    }

    @Test func anOverflowingOrNegativeCountIsNil() {
        #expect(Self.config(H: 1 << 62).parameterCount == nil)
        #expect(Self.config(Vs: Int.max).parameterCount == nil)
        #expect(Self.config(L: Int.max).parameterCount == nil)
        #expect(Self.config(E: 1 << 31, Vs: 1 << 32).parameterCount == nil)  // 2^63: one past Int.max
        #expect(Self.config(E: -3).parameterCount == nil)
        #expect(Self.config(M: Int.min).parameterCount == nil)
    }

    /// Each field out of its range is refused, the message naming the field and the range.
    @Test(arguments: [
        ("embedding_size", config(E: 0), "from 1 to 4096"), ("embedding_size", config(E: 4097), "from 1 to 4096"),
        ("encoder_hidden_size", config(H: 1 << 62), "from 1 to 4096"), ("encoder_layers", config(L: 17), "from 1 to 16"),
        ("encoder_layers", config(L: -1), "from 1 to 16"), ("decoder_hidden_size", config(D: Int.max), "from 1 to 4096"),
        ("decoder_layers", config(M: 1_000_000_000), "from 1 to 16"), ("attention_size", config(A: Int.min), "from 1 to 4096"),
        ("source_vocabulary_size", config(Vs: 4), "from 5 to 10000000"),
        ("target_vocabulary_size", config(Vt: 10_000_001), "from 5 to 10000000"),
    ])
    func outOfRangeFieldsAreRefused(field: String, config: ModelConfig, range: String) {
        #expect {
            try config.validate()
        } throws: { error in
            guard case let Seq2SeqError.invalidConfiguration(reason) = error else { return false }
            return reason.contains(field) && reason.contains(range)
        }
    }

    @Test(arguments: [0, -1, 100_001, Int.max])
    func outOfRangeLengthsAreRefused(length: Int) {
        for (source, target, field) in [(length, 20, "max_source_length"), (20, length, "max_target_length")] {
            let config = TranslatorConfig(model: Self.config(), tokenization: .word, lowercase: false,
                                          maxSourceLength: source, maxTargetLength: target)
            #expect(throws: Seq2SeqError.invalidConfiguration(reason: "\(field) is \(length), it must be from 1 to 100000")) {
                try config.validate()
            }
        }
        let longest = TranslatorConfig(model: Self.config(), tokenization: .word, lowercase: false,
                                       maxSourceLength: 100_000, maxTargetLength: 1)
        #expect(throws: Never.self) { try longest.validate() }
    }

    /// A file built in memory (not decoded) whose tensor holds more values than its shape: refused, never copied
    /// past the tensor's place in the parameter block.
    @Test func aTensorWithMoreValuesThanItsShapeIsRefused() throws {
        var file = try TinyCheckpoint.make().safeTensorsFile()
        let last = file.tensors.count - 1
        file.tensors[last].values += [0, 0]
        file.metadata["checksum"] = nil
        #expect {
            _ = try Checkpoint(file: file, path: "m.safetensors")
        } throws: { error in
            guard case let Seq2SeqError.invalidCheckpoint(_, reason) = error else { return false }
            return reason.contains("\"\(file.tensors[last].name)\" holds \(file.tensors[last].values.count) values")
        }
    }
}
