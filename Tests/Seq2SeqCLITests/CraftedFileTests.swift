// CraftedFileTests.swift — checkpoints crafted to hurt, through the real binary, one table row each: configs claiming
// huge, negative or overflowing sizes, vocabularies and tensors that do not fit the config, non-finite values behind
// a valid checksum, broken safetensors headers, and special files (a FIFO, a device, a folder, a socket). Every row
// must end with its documented exit code and one "Error:" line naming the file and the problem, nothing on stdout,
// in under 2 s and 200 MB. Checkpoints on standard input and through process substitution must load.
//
// Adding rows: append `CraftedRow(name, command, exitCode, fragment, craft)` to `CraftedRow.all` (or a list of your own
// passed to `@Test(arguments:)` and `runCraftedRow`). `craft` turns the valid files of a `CraftedFixture` into the
// input; the helpers below edit the config, the metadata, the tensors, the header or the raw bytes. A command that
// reads another file (a training state for `train --resume`) is a new `CraftedCommand` case naming the file it reads
// and its arguments.

import Foundation
import Testing
@testable import Seq2SeqCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - The row type and how one row runs

/// The valid files a row starts from, in a fresh folder: a small untrained checkpoint (sizes that all differ, two
/// layers each side, so that every kind of tensor is there; word tokens "1"…"5" → "1"…"6") and a pairs file for score
/// and eval.
struct CraftedFixture {
    let folder: URL
    let checkpointPath: String
    /// The checkpoint as written, and decoded.
    let checkpointBytes: [UInt8]
    let checkpoint: SafeTensorsFile
    let pairsPath: String
    /// Where a command may write (convert, average); never read by a row.
    var outputPath: String { folder.appendingPathComponent("output.safetensors").path }

    static func make(in folder: URL) throws -> CraftedFixture {
        let source = try Vocabulary(tokens: Vocabulary.specials + (1...5).map(String.init))
        let target = try Vocabulary(tokens: Vocabulary.specials + (1...6).map(String.init))
        let model = ModelConfig(embeddingSize: 3, encoderHiddenSize: 4, encoderLayers: 2, decoderHiddenSize: 5,
                                decoderLayers: 2, attentionSize: 6, sourceVocabularySize: source.count,
                                targetVocabularySize: target.count)
        let config = TranslatorConfig(model: model, tokenization: .word, lowercase: false, maxSourceLength: 20,
                                      maxTargetLength: 20)
        let checkpointPath = folder.appendingPathComponent("valid.safetensors").path
        try Checkpoint(config: config, sourceVocabulary: source, targetVocabulary: target,
                       model: Seq2SeqModel(config: model, seed: 5)).save(to: checkpointPath)
        let pairsPath = folder.appendingPathComponent("pairs.tsv").path
        try Data("1 2\t2 1\n3 4 5\t5 4 3\n".utf8).write(to: URL(fileURLWithPath: pairsPath))
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: checkpointPath)))
        return CraftedFixture(folder: folder, checkpointPath: checkpointPath, checkpointBytes: bytes,
                              checkpoint: try SafeTensors.decode(bytes, path: checkpointPath), pairsPath: pairsPath)
    }
}

/// What a row gives the command where a checkpoint is expected.
enum CraftedInput: Sendable {
    /// A regular file holding these bytes, at the command's file path.
    case bytes([UInt8])
    /// Made at the command's file path.
    case fifo, folder, socket
    /// Nothing at the command's file path.
    case missing
    /// A path that exists already (/dev/zero), given as it is.
    case path(String)
}

/// A command that reads the crafted file, with valid other arguments.
enum CraftedCommand: String, Sendable {
    case info, translate, attention, inspect, score, eval, convert
    /// `average` with the crafted file first, then the valid one; and the other way round.
    case averageFirst, averageSecond

    /// Where the crafted file goes in the fixture's folder.
    var fileName: String { "crafted.safetensors" }

    func arguments(file: String, fixture: CraftedFixture) -> [String] {
        switch self {
        case .info: ["info", "--checkpoint", file]
        case .translate: ["translate", "--checkpoint", file]
        case .attention: ["attention", "--checkpoint", file, "--format", "json"]
        case .inspect: ["inspect", "--checkpoint", file]
        case .score: ["score", "--checkpoint", file, "--corpus", fixture.pairsPath, "--json"]
        case .eval: ["eval", "--checkpoint", file, "--corpus", fixture.pairsPath]
        case .convert: ["convert", "--checkpoint", file, "--output", fixture.outputPath]
        case .averageFirst: ["average", "--output", fixture.outputPath, file, fixture.checkpointPath]
        case .averageSecond: ["average", "--output", fixture.outputPath, fixture.checkpointPath, file]
        }
    }

    /// Sentences for the commands that read standard input (a refusal must come before they are read).
    var standardInput: Data? {
        switch self {
        case .translate, .attention, .inspect: Data("1 2 3\n4 5\n".utf8)
        case .info, .score, .eval, .convert, .averageFirst, .averageSecond: nil
        }
    }
}

/// One crafted input, the command given it, and the answer the command must give.
struct CraftedRow: Sendable, CustomTestStringConvertible {
    let name: String
    let command: CraftedCommand
    let exitCode: Int32
    /// Text the one stderr line must contain, specific to this row.
    let fragment: String
    let craft: @Sendable (CraftedFixture) throws -> CraftedInput

    init(_ name: String, _ command: CraftedCommand, _ exitCode: Int32, _ fragment: String,
         _ craft: @escaping @Sendable (CraftedFixture) throws -> CraftedInput) {
        self.name = name
        self.command = command
        self.exitCode = exitCode
        self.fragment = fragment
        self.craft = craft
    }

    var testDescription: String { "\(name) (\(command.rawValue))" }

    static let memoryLimit = 200 << 20
}

/// Runs one row in a fresh folder and checks its answer: the exit code, nothing on stdout, one "Error: …" line on
/// stderr naming the file and containing the row's fragment, under 200 MB of peak memory. No wall time is asserted
/// (a slow machine must not fail a test); the runner's default time bound only ends a run that hangs.
@discardableResult
func runCraftedRow(_ row: CraftedRow, sourceLocation: SourceLocation = #_sourceLocation) throws -> MeasuredRun {
    try withTemporaryDirectory { folder in
        let fixture = try CraftedFixture.make(in: folder)
        var file = folder.appendingPathComponent(row.command.fileName).path
        switch try row.craft(fixture) {
        case let .bytes(bytes): try Data(bytes).write(to: URL(fileURLWithPath: file))
        case .fifo: #expect(mkfifo(file, 0o600) == 0, "mkfifo \(file)", sourceLocation: sourceLocation)
        case .folder: try FileManager.default.createDirectory(atPath: file, withIntermediateDirectories: false)
        case .socket: try makeUnixSocket(at: file)
        case .missing: break
        case let .path(path): file = path
        }
        let measured = try runSeq2SeqMeasured(row.command.arguments(file: file, fixture: fixture),
                                              stdin: row.command.standardInput)
        expectError(measured.result, exitCode: row.exitCode, mentions: [file, row.fragment], sourceLocation: sourceLocation)
        #expect(measured.peakBytes < CraftedRow.memoryLimit, "peak \(measured.peakBytes >> 20) MB", sourceLocation: sourceLocation)
        return measured
    }
}

/// A Unix-domain socket bound at `path` (the file stays after the socket is closed).
private func makeUnixSocket(at path: String) throws {
    #if canImport(Glibc)
    let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else { throw MeasuredRunError.systemCall("socket", errno) }
    defer { close(descriptor) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let name = Array(path.utf8)
    guard name.count < MemoryLayout.size(ofValue: address.sun_path) else { throw MeasuredRunError.systemCall("bind (path too long)", ENAMETOOLONG) }
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
        buffer.copyBytes(from: name)
        buffer[name.count] = 0
    }
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0 else { throw MeasuredRunError.systemCall("bind", errno) }
}

// MARK: - Ways to craft a file from the valid one

extension CraftedRow {
    typealias Craft = @Sendable (CraftedFixture) throws -> CraftedInput

    /// The valid checkpoint's content edited, encoded again (as `dtype`) with its checksum recomputed over the values
    /// as they read back, so that the checksum passes and only the edit is wrong.
    static func edited(dtype: SafeTensorsDType = .f32, _ edit: @escaping @Sendable (inout SafeTensorsFile) throws -> Void) -> Craft {
        { fixture in
            var file = fixture.checkpoint
            try edit(&file)
            file.metadata["checksum"] = Checkpoint.checksum(file.tensors.map { $0.values.map { Checkpoint.stored($0, as: dtype) } })
            return .bytes(try SafeTensors.encode(file, dtype: dtype))
        }
    }

    /// The config's JSON with each (dotted key path, raw JSON text) set; nil text removes the key.
    static func config(_ fields: [(String, String?)]) -> Craft { edited { try $0.editConfig(fields) } }

    static func config(_ path: String, _ raw: String?) -> Craft { config([(path, raw)]) }

    /// One model size set to `raw` JSON.
    static func model(_ key: String, _ raw: String) -> Craft { config("model." + key, raw) }

    /// A vocabulary (its metadata key) as these tokens.
    static func vocabulary(_ key: String, _ tokens: @escaping @Sendable ([String]) -> [String]) -> Craft {
        edited { try $0.editVocabulary(key, tokens) }
    }

    /// The tensor named `name` edited in place.
    static func tensor(_ name: String, _ edit: @escaping @Sendable (inout SafeTensor) -> Void) -> Craft {
        edited { file in
            if let index = file.tensors.firstIndex(where: { $0.name == name }) { edit(&file.tensors[index]) }
        }
    }

    /// The valid file's header text edited; the header length is written again, the data left as it was.
    static func header(_ edit: @escaping @Sendable (String) -> String) -> Craft {
        { fixture in
            let bytes = fixture.checkpointBytes
            let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            let header = Array(edit(String(decoding: bytes[8..<(8 + length)], as: UTF8.self)).utf8)
            return .bytes(littleEndian(UInt64(header.count)) + header + bytes[(8 + length)...])
        }
    }

    /// The valid file's bytes edited (no checksum recomputed).
    static func bytes(_ edit: @escaping @Sendable (inout [UInt8]) -> Void) -> Craft {
        { fixture in
            var bytes = fixture.checkpointBytes
            edit(&bytes)
            return .bytes(bytes)
        }
    }

    static func littleEndian(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    /// The valid header's text of the tensor `name`, e.g. `"bridge.bias":{"dtype":"F32","shape":[5],…}`, for edits.
    static func shapeText(of name: String, in header: String) -> String? {
        guard let start = header.range(of: "\"\(name)\":{\"dtype\":\"F32\",\"shape\":["),
              let end = header[start.upperBound...].firstIndex(of: "]") else { return nil }
        return String(header[start.upperBound..<end])
    }
}

// MARK: - The rows

extension CraftedRow {
    static let all: [CraftedRow] = configRows + fitRows + tensorRows + headerRows + specialFileRows

    /// Sizes out of range, overflowing, negative, of the wrong JSON type; length limits; inconsistent settings.
    static let configRows: [CraftedRow] = [
        CraftedRow("hidden size 2^62", .info, 65, "encoder_hidden_size is 4611686018427387904, it must be from 1 to 4096",
                   model("encoder_hidden_size", "4611686018427387904")),
        CraftedRow("10^9 encoder layers", .translate, 65, "encoder_layers is 1000000000, it must be from 1 to 16",
                   model("encoder_layers", "1000000000")),
        CraftedRow("10^9 decoder layers", .eval, 65, "decoder_layers is 1000000000, it must be from 1 to 16",
                   model("decoder_layers", "1000000000")),
        CraftedRow("E·Vs = 2^31·2^32 overflows Int", .averageSecond, 65, "embedding_size is 2147483648, it must be from 1 to 4096",
                   config([("model.embedding_size", "2147483648"), ("model.source_vocabulary_size", "4294967296")])),
        CraftedRow("decoder hidden size Int.max", .score, 65, "decoder_hidden_size is 9223372036854775807",
                   model("decoder_hidden_size", "9223372036854775807")),
        CraftedRow("negative attention size", .attention, 65, "attention_size is -1, it must be from 1 to 4096",
                   model("attention_size", "-1")),
        CraftedRow("zero hidden size", .inspect, 65, "encoder_hidden_size is 0, it must be from 1 to 4096",
                   model("encoder_hidden_size", "0")),
        CraftedRow("embedding size one past the bound", .convert, 65, "embedding_size is 4097, it must be from 1 to 4096",
                   model("embedding_size", "4097")),
        CraftedRow("Int.min encoder layers", .info, 65, "encoder_layers is -9223372036854775808",
                   model("encoder_layers", "-9223372036854775808")),
        CraftedRow("source vocabulary of 10^12", .translate, 65, "source_vocabulary_size is 1000000000000, it must be from 5 to 10000000",
                   model("source_vocabulary_size", "1000000000000")),
        CraftedRow("target vocabulary below the specials", .eval, 65, "target_vocabulary_size is 4, it must be from 5 to 10000000",
                   model("target_vocabulary_size", "4")),
        CraftedRow("hidden size 2^64 (no Int)", .info, 65, "encoder_hidden_size is 1.8446744073709552e+19, it must be a whole number from 1 to 4096",
                   model("encoder_hidden_size", "18446744073709551616")),
        CraftedRow("embedding size 1e30", .score, 65, "embedding_size is 1e+30, it must be a whole number from 1 to 4096",
                   model("embedding_size", "1e30")),
        CraftedRow("embedding size as a string", .attention, 65, "wrong type at \"model.embedding_size\"",
                   model("embedding_size", "\"64\"")),
        CraftedRow("2.5 decoder layers", .averageFirst, 65, "decoder_layers is 2.5, it must be a whole number from 1 to 16",
                   model("decoder_layers", "2.5")),
        CraftedRow("no encoder_layers", .info, 65, "missing key \"encoder_layers\"", config("model.encoder_layers", nil)),
        CraftedRow("max source length 0", .translate, 65, "max_source_length is 0, it must be from 1 to 100000",
                   config("max_source_length", "0")),
        CraftedRow("max target length 10^9", .eval, 65, "max_target_length is 1000000000, it must be from 1 to 100000",
                   config("max_target_length", "1000000000")),
        CraftedRow("max source length 1e30", .attention, 65, "max_source_length is 1e+30, it must be a whole number from 1 to 100000",
                   config("max_source_length", "1e30")),
        CraftedRow("dropout 1.5", .info, 65, "dropout is 1.5, it must be in [0, 1)", model("dropout", "1.5")),
        CraftedRow("dropout 1e300 (no Float)", .convert, 65, "dropout is 1e+300, it must be in [0, 1)", model("dropout", "1e300")),
        CraftedRow("tied embeddings with E ≠ D", .translate, 65, "tie_embeddings needs embedding_size (E = 3) equal to decoder_hidden_size (D = 5)",
                   model("tie_embeddings", "true")),
        CraftedRow("bpe without merges", .info, 65, "the tokenization is bpe but there is no \"bpe_merges\"",
                   config("tokenization", "\"bpe\"")),
        CraftedRow("merges with word tokens", .eval, 65, "\"bpe_merges\" is given but the tokenization is word",
                   config("bpe_merges", "[\"1 2\"]")),
        CraftedRow("a merge without its space", .info, 65, "bpe_merges[1] is \"12\", expected two symbols",
                   config([("tokenization", "\"bpe\""), ("bpe_merges", "[\"1 2\", \"12\"]")])),
        CraftedRow("an unknown tokenization", .translate, 65, "bad value at \"tokenization\"",
                   config("tokenization", "\"sentencepiece\"")),
        CraftedRow("a config that is not JSON", .score, 65, "the config is not valid: not JSON",
                   edited { $0.metadata["config"] = "{\"model\": " }),
    ]

    /// Configs within the bounds that the vocabularies or the tensors do not back: refused before any storage is made
    /// (the first describes a model of about 2.9·10^9 parameters, 11 GB of floats).
    static let fitRows: [CraftedRow] = [
        CraftedRow("the largest sizes over tiny tensors", .info, 65, "tensor \"source_embedding.weight\" has shape [9, 3], expected [9, 4096]",
                   config(["embedding_size", "encoder_hidden_size", "decoder_hidden_size", "attention_size"].map { ("model." + $0, "4096") }
                          + [("model.encoder_layers", "16"), ("model.decoder_layers", "16")])),
        CraftedRow("16 encoder layers over 2", .averageSecond, 65, "missing tensor \"encoder.weight_ih_l2\"",
                   model("encoder_layers", "16")),
        CraftedRow("vocabularies of 10^7 in the config only", .translate, 65,
                   "tensor \"source_embedding.weight\" has shape [9, 3], expected [10000000, 3]",
                   config([("model.source_vocabulary_size", "10000000"), ("model.target_vocabulary_size", "10000000")])),
        CraftedRow("a source vocabulary one token short", .attention, 65, "source_vocabulary has 8 tokens but the config says 9",
                   vocabulary("source_vocabulary") { Array($0.dropLast()) }),
        CraftedRow("a target vocabulary without the specials first", .eval, 65, "a vocabulary must start with",
                   vocabulary("target_vocabulary") { Array($0.dropFirst()) + ["7"] }),
        CraftedRow("a vocabulary with a token twice", .info, 65, "the vocabulary holds the token \"1\" twice",
                   vocabulary("source_vocabulary") { Array($0.dropLast()) + ["1"] }),
        CraftedRow("a vocabulary that is not JSON", .score, 65, "source_vocabulary: invalid configuration: the vocabulary is not a JSON array",
                   edited { $0.metadata["source_vocabulary"] = "not a list" }),
        CraftedRow("config and vocabulary larger than the embedding", .inspect, 65,
                   "tensor \"source_embedding.weight\" has shape [9, 3], expected [10, 3]",
                   edited { file in
                       try file.editConfig([("model.source_vocabulary_size", "10")])
                       try file.editVocabulary("source_vocabulary") { $0 + ["6"] }
                   }),
    ]

    /// Tensors missing, extra, misshapen or non-finite (with the checksum recomputed, so the finiteness check must catch
    /// them); a checksum that no longer matches.
    static let tensorRows: [CraftedRow] = [
        CraftedRow("a missing tensor", .translate, 65, "missing tensor \"generator.bias\"",
                   edited { $0.tensors.removeAll { $0.name == "generator.bias" } }),
        CraftedRow("an extra tensor", .eval, 65, "unexpected tensor \"decoder.weight_ih_l7\"",
                   edited { $0.tensors.append(SafeTensor(name: "decoder.weight_ih_l7", shape: [1], values: [0])) }),
        CraftedRow("a transposed weight", .info, 65, "tensor \"bridge.weight\" has shape [8, 5], expected [5, 8]",
                   tensor("bridge.weight") { $0.shape = [8, 5] }),
        CraftedRow("a bias made a matrix", .averageFirst, 65, "tensor \"bridge.bias\" has shape [1, 5], expected [5]",
                   tensor("bridge.bias") { $0.shape = [1, 5] }),
        CraftedRow("NaN behind a valid checksum", .translate, 65, "tensor \"readout.weight\" holds a non-finite value",
                   tensor("readout.weight") { $0.values[3] = .nan }),
        CraftedRow("+inf behind a valid checksum", .score, 65, "tensor \"source_embedding.weight\" holds a non-finite value",
                   tensor("source_embedding.weight") { $0.values[0] = .infinity }),
        CraftedRow("F16 that overflows to -inf", .eval, 65, "tensor \"attention.energy.weight\" holds a non-finite value",
                   edited(dtype: .f16) { file in
                       if let index = file.tensors.firstIndex(where: { $0.name == "attention.energy.weight" }) {
                           file.tensors[index].values[0] = -1e6
                       }
                   }),
        CraftedRow("NaN with the old checksum", .attention, 65, "does not match its checksum", { fixture in
            var file = fixture.checkpoint
            file.tensors[2].values[0] = .nan
            return .bytes(try SafeTensors.encode(file))
        }),
        CraftedRow("a flipped bit in the data", .info, 65, "does not match its checksum", bytes { $0[$0.count - 7] ^= 0x10 }),
        CraftedRow("another format", .convert, 65, "format is \"seq2seq-attention/99\"",
                   edited { $0.metadata["format"] = "seq2seq-attention/99" }),
        CraftedRow("no metadata", .translate, 65, "no \"format\" in the metadata", edited { $0.metadata = [:] }),
    ]

    /// The safetensors layer: header length, JSON, dtypes, shapes and offsets.
    static let headerRows: [CraftedRow] = [
        CraftedRow("header length 2^64 − 1", .info, 65, "the header length 18446744073709551615 is larger than the 100000000-byte limit",
                   bytes { $0.replaceSubrange(0..<8, with: littleEndian(.max)) }),
        CraftedRow("header length past the end", .translate, 65, "runs past the end of the file",
                   bytes { $0.replaceSubrange(0..<8, with: littleEndian(100_000_000)) }),
        CraftedRow("truncated data", .eval, 65, "truncated?", bytes { $0.removeLast(10) }),
        CraftedRow("fewer than 8 bytes", .score, 65, "fewer than the 8 of the header length", bytes { $0.removeLast($0.count - 5) }),
        CraftedRow("dtype F64", .info, 65, "unsupported dtype 'F64'",
                   header { $0.replacingOccurrences(of: "\"F32\"", with: "\"F64\"") }),
        CraftedRow("dtype F16 over F32 data", .attention, 65, "but shape",
                   header { $0.replacingOccurrences(of: "\"F32\"", with: "\"F16\"") }),
        CraftedRow("a shape of 2^62 × 9", .info, 65, "has too many elements (overflow)", header { text in
            guard let shape = shapeText(of: "source_embedding.weight", in: text) else { return text }
            return text.replacingOccurrences(of: "\"shape\":[\(shape)]", with: "\"shape\":[4611686018427387904,\(shape)]")
        }),
        CraftedRow("a negative dimension", .translate, 65, "shape entry -5 is negative", header { text in
            guard let shape = shapeText(of: "bridge.bias", in: text) else { return text }
            return text.replacingOccurrences(of: "\"bridge.bias\":{\"dtype\":\"F32\",\"shape\":[\(shape)]",
                                             with: "\"bridge.bias\":{\"dtype\":\"F32\",\"shape\":[-\(shape)]")
        }),
        CraftedRow("data offsets past 2^64", .eval, 65, "data_offsets entry 18446744073709551616 is too large (overflow)", header { text in
            text.replacingOccurrences(of: "\"data_offsets\":[0,", with: "\"data_offsets\":[18446744073709551616,")
        }),
        CraftedRow("a key twice", .info, 65, "duplicate key \"__metadata__\"",
                   header { $0.replacingOccurrences(of: "{\"__metadata__\":", with: "{\"__metadata__\":{},\"__metadata__\":") }),
        CraftedRow("a header that is not UTF-8", .score, 65, "the header is not valid UTF-8", bytes { $0[9] = 0xFF }),
        CraftedRow("a shape of 200,000 dimensions", .translate, 65, "the header is not valid JSON: more than 100000 values", header { text in
            guard let shape = text.range(of: "\"shape\":[") else { return text }
            return text.replacingCharacters(in: shape, with: "\"shape\":[" + String(repeating: "1,", count: 200_000))
        }),
        CraftedRow("JSON nested 40 deep", .info, 65, "nested more than 32 deep", header { text in
            text.replacingOccurrences(of: "{\"__metadata__\":", with: "{\"deep\":" + String(repeating: "[", count: 40)
                                      + String(repeating: "]", count: 40) + ",\"__metadata__\":")
        }),
    ]

    /// Files that are not regular files, or hold nothing.
    static let specialFileRows: [CraftedRow] = [
        CraftedRow("a FIFO", .translate, 66, "it is a FIFO (named pipe), not a regular file", { _ in .fifo }),
        CraftedRow("/dev/zero", .eval, 66, "it is a device, not a regular file", { _ in .path("/dev/zero") }),
        CraftedRow("a folder", .info, 66, "it is a folder, not a file", { _ in .folder }),
        CraftedRow("a Unix socket", .averageSecond, 66, "it is a socket, not a regular file", { _ in .socket }),
        CraftedRow("no file", .convert, 66, "no such file", { _ in .missing }),
        CraftedRow("/dev/null", .score, 65, "the file is empty", { _ in .path("/dev/null") }),
        CraftedRow("an empty file", .inspect, 65, "the file is empty", { _ in .bytes([]) }),
    ]
}

extension SafeTensorsFile {
    /// The config's JSON with each (dotted key path, raw JSON text) set; nil text removes the key. The raw text goes
    /// in as written, so that it can be what JSONSerialization would not write (2^64, 1e300, a wrong type).
    mutating func editConfig(_ fields: [(String, String?)]) throws {
        guard var object = try JSONSerialization.jsonObject(with: Data((metadata["config"] ?? "{}").utf8)) as? [String: Any] else {
            return
        }
        func set(_ object: inout [String: Any], _ path: ArraySlice<Substring>, _ value: String?) {
            guard let key = path.first.map(String.init) else { return }
            if path.count == 1 {
                object[key] = value
            } else {
                var child = object[key] as? [String: Any] ?? [:]
                set(&child, path.dropFirst(), value)
                object[key] = child
            }
        }
        for (index, (path, raw)) in fields.enumerated() {
            set(&object, path.split(separator: ".")[...], raw == nil ? nil : "@@field\(index)@@")
        }
        var json = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        for (index, (_, raw)) in fields.enumerated() {
            if let raw { json = json.replacingOccurrences(of: "\"@@field\(index)@@\"", with: raw) }
        }
        metadata["config"] = json
    }

    /// A vocabulary (its metadata key) as `tokens` of the present one.
    mutating func editVocabulary(_ key: String, _ tokens: ([String]) -> [String]) throws {
        let current = try JSONDecoder().decode([String].self, from: Data((metadata[key] ?? "[]").utf8))
        metadata[key] = String(decoding: try JSONEncoder().encode(tokens(current)), as: UTF8.self)
    }
}

// MARK: - Tests

@Suite(.serialized) struct CraftedFileTests {
    @Test func theTableHasEveryKindOfRow() {
        #expect(CraftedRow.all.count >= 40)
        #expect(Set(CraftedRow.all.map(\.name)).count == CraftedRow.all.count, "row names are unique")
    }

    @Test(arguments: CraftedRow.all)
    func craftedCheckpointIsRefusedQuicklyAndCheaply(row: CraftedRow) throws {
        try runCraftedRow(row)
    }

    /// The valid fixture itself loads in every command the rows use, so each row's refusal is its edit's doing.
    @Test func theValidFixtureLoads() throws {
        try withTemporaryDirectory { folder in
            let fixture = try CraftedFixture.make(in: folder)
            for command in [CraftedCommand.info, .translate, .attention, .inspect, .score, .eval, .convert, .averageFirst] {
                let measured = try runSeq2SeqMeasured(command.arguments(file: fixture.checkpointPath, fixture: fixture),
                                                      stdin: command.standardInput)
                expectSuccess(measured.result)
                #expect(measured.peakBytes < CraftedRow.memoryLimit)
            }
        }
    }

    /// `--checkpoint /dev/stdin` and `--checkpoint -` read the checkpoint piped in: the same attention, bit for bit,
    /// as from the file.
    @Test func checkpointOnStandardInputLoads() throws {
        try withTemporaryDirectory { folder in
            let fixture = try CraftedFixture.make(in: folder)
            let sentences = folder.appendingPathComponent("sentences.txt").path
            try Data("1 2 3\n4 5\n".utf8).write(to: URL(fileURLWithPath: sentences))
            let fromFile = try runSeq2SeqMeasured(["attention", "--checkpoint", fixture.checkpointPath, "--format", "json",
                                                   "--input", sentences])
            expectSuccess(fromFile.result)
            #expect(lines(of: fromFile.result.stdout).count == 2)
            for name in ["/dev/stdin", "-"] {
                let piped = try runSeq2SeqMeasured(["attention", "--checkpoint", name, "--format", "json", "--input", sentences],
                                                   stdin: Data(fixture.checkpointBytes))
                expectSuccess(piped.result)
                #expect(piped.result.stdout == fromFile.result.stdout, "\(name)")
            }
            let info = try runSeq2SeqMeasured(["info", "--checkpoint", "/dev/stdin"], stdin: Data(fixture.checkpointBytes))
            expectSuccess(info.result)
            #expect(info.result.stdout.contains("\(CheckpointSummary.grouped(fixture.checkpointBytes.count)) bytes"))
        }
    }

    /// `--checkpoint <(cat FILE)` (bash's process substitution, a /dev/fd/N pipe) loads: the same translations and
    /// the same `info` as from the file, apart from the name.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/bash")))
    func checkpointThroughProcessSubstitutionLoads() throws {
        try withTemporaryDirectory { folder in
            let fixture = try CraftedFixture.make(in: folder)
            let sentences = folder.appendingPathComponent("sentences.txt").path
            try Data("1 2 3\n4 5\n".utf8).write(to: URL(fileURLWithPath: sentences))
            for arguments in [["translate", "--input", sentences], ["info"], ["attention", "--format", "json", "--input", sentences]] {
                let fromFile = try runSeq2SeqMeasured(arguments + ["--checkpoint", fixture.checkpointPath])
                expectSuccess(fromFile.result)
                // exec: bash becomes seq2seq, so the measurement is seq2seq's; "$0" is the binary, "$1" the file.
                let script = "exec \"$0\" \(arguments.joined(separator: " ")) --checkpoint <(cat \"$1\")"
                let substituted = try runMeasured("/bin/bash", ["-c", script, seq2seqBinary.path, fixture.checkpointPath])
                expectSuccess(substituted.result)
                #expect(lines(of: substituted.result.stdout).dropFirst() == lines(of: fromFile.result.stdout).dropFirst(),
                        "\(arguments[0])")
                #expect(substituted.result.stdout.isEmpty == false)
                if arguments[0] == "info" {
                    #expect(lines(of: substituted.result.stdout).first?.contains("/dev/fd/") == true)
                } else {
                    #expect(substituted.result.stdout == fromFile.result.stdout)
                }
            }
        }
    }
}
