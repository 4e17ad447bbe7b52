// SafeTensorsTests.swift — the safetensors layer against files written by the Python `safetensors`
// package, half-precision rounding edges, every refusal of a malformed file, atomic writes.
// Stage [8] checkpoint, SPEC §2.

import Foundation
import Testing
@testable import Seq2SeqCore

// MARK: - Files written by Python

/// Golden files, byte for byte, from safetensors 0.8.0 + numpy 2.4.6 + ml_dtypes 0.6.0:
///
///     import numpy as np, ml_dtypes
///     from safetensors.numpy import save
///     from safetensors import serialize, TensorSpec
///     pythonF32 = save({
///         "weight": np.array([[1, 2, 3], [4, -0.0, 6]], dtype=np.float32),
///         "bias": np.array([0.5, -1.25], dtype=np.float32),
///         "scale": np.array(3.5, dtype=np.float32),
///         "empty": np.zeros((0, 3), dtype=np.float32),
///     }, metadata={"format": "seq2seq-attention/1"})   # Python sorts: bias, empty, scale, weight
///     h = np.array([1.0, -2.0, 65504.0, 2.0**-24, np.inf, -np.inf, 1/3, np.nan], np.float32)
///     pythonF16 = save({"h": h.astype(np.float16)})
///     b = np.array([1.0, -2.0, 3.0e38, 1/3, np.inf, -np.inf, 1e-40, np.nan], np.float32)
///     raw = b.astype(ml_dtypes.bfloat16).view(np.uint16)   # numpy has no bfloat16 of its own
///     pythonBF16 = bytes(serialize({"b": TensorSpec(dtype="bfloat16", shape=[8],
///                        data_ptr=raw.ctypes.data, data_len=raw.nbytes)}, metadata=None))
///
/// Each is written below as its 8 length bytes, its header text, its padding and its data bytes.
enum PythonSafeTensorsFiles {
    static func littleEndianLength(_ n: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * $0)) } }
    static func spaces(_ n: Int) -> [UInt8] { [UInt8](repeating: 0x20, count: n) }

    static let pythonF32: [UInt8] = littleEndianLength(288)
        + Array(#"{"__metadata__":{"format":"seq2seq-attention/1"},"bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"empty":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]},"scale":{"dtype":"F32","shape":[],"data_offsets":[8,12]},"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[12,36]}}"#.utf8) + spaces(5)
        + [0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0xA0, 0xBF, 0x00, 0x00, 0x60, 0x40, 0x00, 0x00, 0x80, 0x3F,
           0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x80, 0x40, 0x00, 0x00, 0x00, 0x80,
           0x00, 0x00, 0xC0, 0x40]

    static let pythonF16: [UInt8] = littleEndianLength(56)
        + Array(#"{"h":{"dtype":"F16","shape":[8],"data_offsets":[0,16]}}"#.utf8) + spaces(1)
        + [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0x7C, 0x00, 0xFC, 0x55, 0x35, 0x00, 0x7E]

    static let pythonBF16: [UInt8] = littleEndianLength(56)
        + Array(#"{"b":{"dtype":"BF16","shape":[8],"data_offsets":[0,16]}}"#.utf8) + spaces(0)
        + [0x80, 0x3F, 0x00, 0xC0, 0x62, 0x7F, 0xAB, 0x3E, 0x80, 0x7F, 0x80, 0xFF, 0x01, 0x00, 0xC0, 0x7F]

    /// The content of `pythonF32`, in the order Python wrote it.
    static let f32Content = SafeTensorsFile(
        tensors: [
            SafeTensor(name: "bias", shape: [2], values: [0.5, -1.25]),
            SafeTensor(name: "empty", shape: [0, 3], values: []),
            SafeTensor(name: "scale", shape: [], values: [3.5]),
            SafeTensor(name: "weight", shape: [2, 3], values: [1, 2, 3, 4, -0.0, 6]),
        ],
        metadata: ["format": "seq2seq-attention/1"])
}

/// Bit patterns of every value, so -0.0 ≠ 0.0 and NaN == NaN with the same payload.
private func bits(_ file: SafeTensorsFile) -> [[UInt32]] { file.tensors.map { $0.values.map(\.bitPattern) } }

@Test func encodesTheSameBytesAsPythonWhenTheOrdersCoincide() throws {
    #expect(try SafeTensors.encode(PythonSafeTensorsFiles.f32Content) == PythonSafeTensorsFiles.pythonF32)
}

@Test func decodesAFileWrittenByPython() throws {
    let file = try SafeTensors.decode(PythonSafeTensorsFiles.pythonF32, path: "python.safetensors")
    #expect(file.metadata == ["format": "seq2seq-attention/1"])
    #expect(file.tensors.map(\.name) == ["bias", "empty", "scale", "weight"])
    #expect(file.tensors.map(\.shape) == [[2], [0, 3], [], [2, 3]])
    #expect(bits(file) == bits(PythonSafeTensorsFiles.f32Content))
    #expect(file.tensor(named: "weight")?.values[4].sign == .minus)  // -0.0 survives
    #expect(file.tensor(named: "missing") == nil)
}

@Test func keepsTheCallersOrderWherePythonSortsByName() throws {
    var reordered = PythonSafeTensorsFiles.f32Content
    reordered.tensors.reverse()  // weight, scale, empty, bias
    let bytes = try SafeTensors.encode(reordered)
    #expect(bytes != PythonSafeTensorsFiles.pythonF32)
    let decoded = try SafeTensors.decode(bytes, path: "mine.safetensors")
    #expect(decoded.tensors.map(\.name) == ["weight", "scale", "empty", "bias"])
    let python = try SafeTensors.decode(PythonSafeTensorsFiles.pythonF32, path: "python.safetensors")
    for tensor in python.tensors {
        #expect(decoded.tensor(named: tensor.name)?.shape == tensor.shape)
        #expect(decoded.tensor(named: tensor.name)?.values.map(\.bitPattern) == tensor.values.map(\.bitPattern))
    }
}

@Test func readsF16WrittenByPython() throws {
    let file = try SafeTensors.decode(PythonSafeTensorsFiles.pythonF16, path: "f16.safetensors")
    // np.float16 values back in float32: h.astype(np.float16).astype(np.float32).view(np.uint32)
    #expect(bits(file) == [[0x3F80_0000, 0xC000_0000, 0x477F_E000, 0x3380_0000,
                            0x7F80_0000, 0xFF80_0000, 0x3EAA_A000, 0x7FC0_0000]])
    #expect(file.tensors.first?.shape == [8])
    // Our F16 writer rounds those float32 values to the very same bytes.
    let source = SafeTensorsFile(
        tensors: [SafeTensor(name: "h", shape: [8], values: [1, -2, 65504, 0x1p-24, .infinity, -.infinity, 1.0 / 3.0, .nan])],
        metadata: [:])
    #expect(try SafeTensors.encode(source, dtype: .f16) == PythonSafeTensorsFiles.pythonF16)
}

@Test func readsBF16WrittenByPython() throws {
    let file = try SafeTensors.decode(PythonSafeTensorsFiles.pythonBF16, path: "bf16.safetensors")
    // b.astype(ml_dtypes.bfloat16).astype(np.float32).view(np.uint32)
    #expect(bits(file) == [[0x3F80_0000, 0xC000_0000, 0x7F62_0000, 0x3EAB_0000,
                            0x7F80_0000, 0xFF80_0000, 0x0001_0000, 0x7FC0_0000]])
    let source = SafeTensorsFile(
        tensors: [SafeTensor(name: "b", shape: [8], values: [1, -2, 3.0e38, 1.0 / 3.0, .infinity, -.infinity,
                                                            Float(bitPattern: 0x0001_16C2) /* np.float32(1e-40) */, .nan])],
        metadata: [:])
    #expect(try SafeTensors.encode(source, dtype: .bf16) == PythonSafeTensorsFiles.pythonBF16)
}

@Test func encodesMetadataEscapesAsPythonDoes() throws {
    // save({}, metadata={"note": "q\"\\\n\t\x01\x1f\x7fé/€😀"}) and save({}) with safetensors 0.8.0
    let withNote = PythonSafeTensorsFiles.littleEndianLength(64)
        + Array(#"{"__metadata__":{"note":"q\"\\\n\t\u0001\u001f"#.utf8)
        + [0x7F] + Array("é/€😀\"}}".utf8) + PythonSafeTensorsFiles.spaces(4)
    let note = SafeTensorsFile(tensors: [], metadata: ["note": "q\"\\\n\t\u{01}\u{1F}\u{7F}é/€😀"])
    #expect(try SafeTensors.encode(note) == withNote)
    #expect(try SafeTensors.decode(withNote, path: "note.safetensors") == note)
    let empty = PythonSafeTensorsFiles.littleEndianLength(8) + Array("{}".utf8) + PythonSafeTensorsFiles.spaces(6)
    #expect(try SafeTensors.encode(SafeTensorsFile(tensors: [], metadata: [:])) == empty)
}

// MARK: - Round trips

@Test func roundTripsF32BitForBit() throws {
    let odd: [Float] = [0, -0.0, 1, -1.5, .pi, .infinity, -.infinity, .nan, Float(bitPattern: 0x7FA0_0001),
                        .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, Float(bitPattern: 0x2CA)]
    var generator = SplitMix64(seed: 8)
    let random = (0..<60).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: generator.next())) }
    let file = SafeTensorsFile(
        tensors: [
            SafeTensor(name: "odd", shape: [odd.count], values: odd),
            SafeTensor(name: "scalar", shape: [], values: [42]),
            SafeTensor(name: "empty", shape: [0], values: []),
            SafeTensor(name: "empty.2x0x3", shape: [2, 0, 3], values: []),
            SafeTensor(name: "random [3, 4, 5]", shape: [3, 4, 5], values: random),
            SafeTensor(name: "ünï\"cødé\\\n\u{01}", shape: [1, 1], values: [7]),
            SafeTensor(name: "", shape: [2], values: [1, 2]),
        ],
        metadata: ["format": "seq2seq-attention/1", "config": #"{"hidden": 4, "quote": "\""}"#, "": "", "é": "\u{0}"])
    let bytes = try SafeTensors.encode(file)
    #expect((bytes.count - 8 - 4 * (odd.count + 1 + 60 + 1 + 2)) % 8 == 0)  // header padded to 8 bytes
    let decoded = try SafeTensors.decode(bytes, path: "round.safetensors")
    #expect(decoded.tensors.map(\.name) == file.tensors.map(\.name))
    #expect(decoded.tensors.map(\.shape) == file.tensors.map(\.shape))
    #expect(bits(decoded) == bits(file))
    #expect(decoded.metadata == file.metadata)
}

@Test func encodingIsDeterministic() throws {
    var metadata: [String: String] = [:]
    for key in ["zeta", "alpha", "mid", "Zeta", "é", "e"] { metadata[key] = key.uppercased() }
    var shuffled: [String: String] = [:]
    for key in metadata.keys.reversed() { shuffled[key] = metadata[key] }
    let tensors = [SafeTensor(name: "a", shape: [2], values: [1, 2])]
    let first = try SafeTensors.encode(SafeTensorsFile(tensors: tensors, metadata: metadata))
    let second = try SafeTensors.encode(SafeTensorsFile(tensors: tensors, metadata: shuffled))
    #expect(first == second)
    // Keys sorted by UTF-8 bytes, as safetensors' BTreeMap sorts them.
    let header = String(decoding: first[8...], as: UTF8.self)
    let order = ["\"Zeta\"", "\"alpha\"", "\"e\"", "\"mid\"", "\"zeta\"", "\"é\""].compactMap { header.range(of: $0)?.lowerBound }
    #expect(order.count == 6 && order == order.sorted())
}

@Test(arguments: SafeTensorsDType.allCases)
func roundTripsEveryDTypeThroughItsOwnRounding(dtype: SafeTensorsDType) throws {
    let values: [Float] = [1, -0.0, 0.1, 65504, 1e-5, -3.75, .infinity, .nan]
    let file = SafeTensorsFile(tensors: [SafeTensor(name: "w", shape: [2, 4], values: values)], metadata: ["k": "v"])
    let decoded = try SafeTensors.decode(try SafeTensors.encode(file, dtype: dtype), path: "d.safetensors")
    let expected: [Float]
    switch dtype {
    case .f32: expected = values
    case .f16: expected = values.map { floatFromFloat16Bits(float16Bits($0)) }
    case .bf16: expected = values.map { floatFromBFloat16Bits(bfloat16Bits($0)) }
    }
    #expect(decoded.tensors.first?.values.map(\.bitPattern) == expected.map(\.bitPattern))
    #expect(decoded.metadata == ["k": "v"])
}

// MARK: - Half-precision rounding

/// (float32 bits, F16 bits, BF16 bits). F16 from numpy `x.astype(np.float16)`, BF16 from
/// `x.astype(ml_dtypes.bfloat16)`, x = np.array(bits, np.uint32).view(np.float32) (numpy 2.4.6, ml_dtypes 0.6.0).
private let roundingCases: [(UInt32, UInt16, UInt16)] = [
    (0x3F80_0000, 0x3C00, 0x3F80),  // 1
    (0x3F80_1000, 0x3C00, 0x3F80),  // 1 + 2^-11: F16 tie → even (down)
    (0x3F80_3000, 0x3C02, 0x3F80),  // 1 + 3·2^-11: F16 tie → even (up)
    (0x3F80_1001, 0x3C01, 0x3F80),  // just above a tie → up
    (0x477F_E000, 0x7BFF, 0x4780),  // 65504, F16 max
    (0x477F_EFFF, 0x7BFF, 0x4780),  // just below 65520 → 65504
    (0x477F_F000, 0x7C00, 0x4780),  // 65520 → F16 inf
    (0x7F7F_FFFF, 0x7C00, 0x7F80),  // Float max → inf in both
    (0x3880_0000, 0x0400, 0x3880),  // 2^-14, smallest F16 normal
    (0x387F_C000, 0x03FF, 0x3880),  // largest F16 subnormal
    (0x387F_E000, 0x0400, 0x3880),  // tie between 0x3FF and 0x400 → even 0x400
    (0x3380_0000, 0x0001, 0x3380),  // 2^-24, smallest F16 subnormal
    (0x3300_0000, 0x0000, 0x3300),  // 2^-25: tie between 0 and 2^-24 → 0
    (0x3300_0001, 0x0001, 0x3300),  // just above → 2^-24
    (0x33C0_0000, 0x0002, 0x33C0),  // 1.5·2^-24: tie 1|2 → 2
    (0x3420_0000, 0x0002, 0x3420),  // 2.5·2^-24: tie 2|3 → 2
    (0x0000_0001, 0x0000, 0x0000),  // smallest float subnormal
    (0x8000_0001, 0x8000, 0x8000),  // → -0
    (0x8000_0000, 0x8000, 0x8000),  // -0
    (0x7F80_0000, 0x7C00, 0x7F80),  // inf
    (0xFF80_0000, 0xFC00, 0xFF80),  // -inf
    (0x7FC0_0000, 0x7E00, 0x7FC0),  // NaN
    (0xFFC0_0000, 0xFE00, 0xFFC0),  // -NaN
    (0xC2F6_E979, 0xD7B7, 0xC2F7),  // -123.456
    (0x3F80_8000, 0x3C04, 0x3F80),  // 1 + 2^-8: BF16 tie → even (down)
    (0x3F81_8000, 0x3C0C, 0x3F82),  // 1 + 3·2^-8: BF16 tie → even (up)
    (0x3F80_8001, 0x3C04, 0x3F81),  // just above a BF16 tie → up
    (0x7F7F_8000, 0x7C00, 0x7F80),  // BF16 tie at the top → even = inf
    (0x7F7F_7FFF, 0x7C00, 0x7F7F),  // just below → BF16 max
    (0x0000_8000, 0x0000, 0x0000),  // BF16 tie at zero → 0
    (0x0001_8000, 0x0000, 0x0002),  // BF16 tie 1|2 → 2
]

@Test func roundsToHalfPrecisionLikeNumpyAndMLDtypes() {
    for (input, f16, bf16) in roundingCases {
        let value = Float(bitPattern: input)
        #expect(float16Bits(value) == f16, "F16 of 0x\(String(input, radix: 16))")
        #expect(bfloat16Bits(value) == bf16, "BF16 of 0x\(String(input, radix: 16))")
    }
}

@Test func nanStaysNaNEvenWithAPayloadOnlyInTheDroppedBits() {
    for payload: UInt32 in [0x7F80_0001, 0xFF80_0001, 0x7F80_1FFF, 0x7FBF_FFFF] {
        let nan = Float(bitPattern: payload)
        #expect(floatFromFloat16Bits(float16Bits(nan)).isNaN)
        #expect(floatFromBFloat16Bits(bfloat16Bits(nan)).isNaN)
    }
}

@Test func everyHalfPrecisionValueRoundTripsExactly() {
    for raw in 0...UInt16.max {
        let f16 = floatFromFloat16Bits(raw)
        if f16.isNaN { #expect(float16Bits(f16) & 0x7C00 == 0x7C00 && float16Bits(f16) & 0x3FF != 0) } else {
            #expect(float16Bits(f16) == raw, "F16 0x\(String(raw, radix: 16))")
        }
        let bf16 = floatFromBFloat16Bits(raw)
        if bf16.isNaN { #expect(bfloat16Bits(bf16) & 0x7F80 == 0x7F80 && bfloat16Bits(bf16) & 0x7F != 0) } else {
            #expect(bfloat16Bits(bf16) == raw, "BF16 0x\(String(raw, radix: 16))")
        }
    }
}

@Test func everyF16TieRoundsToEven() {
    // Halfway between consecutive finite halves h and h+1 (exact in float32), ±1 float ulp.
    for raw in UInt16(0)..<0x7BFF {
        for sign: UInt16 in [0, 0x8000] {
            let low = floatFromFloat16Bits(raw | sign), high = floatFromFloat16Bits((raw + 1) | sign)
            let middle = (low + high) / 2  // exact: 12 significant bits at most
            let towardZero = sign == 0 ? middle.nextDown : middle.nextUp
            let awayFromZero = sign == 0 ? middle.nextUp : middle.nextDown
            #expect(float16Bits(middle) == (raw & 1 == 0 ? raw : raw + 1) | sign, "tie above 0x\(String(raw, radix: 16))")
            #expect(float16Bits(towardZero) == raw | sign)
            #expect(float16Bits(awayFromZero) == (raw + 1) | sign)
        }
    }
}

#if os(Linux)
/// Where the standard library has Float16 (not on x86-64 macOS), it must agree with our conversion.
@Test func agreesWithTheStandardLibrarysFloat16() {
    for input in stride(from: UInt64(0), through: UInt64(UInt32.max), by: 4099) {
        let value = Float(bitPattern: UInt32(input))
        guard !value.isNaN else { continue }
        #expect(float16Bits(value) == Float16(value).bitPattern, "0x\(String(input, radix: 16))")
    }
}
#endif

// MARK: - Refusals

/// A file with the given header text, declared length (the text's own by default) and data bytes.
private func fileBytes(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    let text = Array(header.utf8)
    return PythonSafeTensorsFiles.littleEndianLength(declaredLength ?? UInt64(text.count)) + text + data
}

private func f32Header(_ entries: String) -> String { "{" + entries + "}" }

/// `decode` must throw `invalidCheckpoint` for this path, and its reason must contain `words`.
private func expectRefusal(_ bytes: [UInt8], _ words: String..., sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let file = try SafeTensors.decode(bytes, path: "bad.safetensors")
        Issue.record("decoded instead of refusing: \(file)", sourceLocation: sourceLocation)
    } catch let Seq2SeqError.invalidCheckpoint(path, reason) {
        #expect(path == "bad.safetensors", sourceLocation: sourceLocation)
        for word in words {
            #expect(reason.contains(word), "reason: \(reason)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("wrong error: \(error)", sourceLocation: sourceLocation)
    }
}

@Test func refusesAFileTooShortForTheHeaderLength() {
    expectRefusal([], "fewer than the 8")
    expectRefusal([8, 0, 0], "3 bytes")
}

@Test func refusesAHeaderLengthPastTheEndOrAbsurd() {
    expectRefusal(fileBytes("{}", declaredLength: 3), "runs past the end")
    expectRefusal(fileBytes("{}", declaredLength: 100_000_001), "limit")
    expectRefusal(fileBytes("{}", declaredLength: UInt64.max), "limit")
}

@Test func refusesAHeaderThatIsNotUTF8JSONObject() {
    expectRefusal(PythonSafeTensorsFiles.littleEndianLength(4) + [0x7B, 0x22, 0xFF, 0x7D], "UTF-8")
    expectRefusal(fileBytes(""), "does not start with '{'")
    expectRefusal(fileBytes("[1, 2]"), "not a JSON object")
    expectRefusal(fileBytes(" {}"), "does not start with '{'")
    expectRefusal(fileBytes("{\"a\":"), "not valid JSON", "end")
    expectRefusal(fileBytes("{} x"), "not valid JSON", "after")
    expectRefusal(fileBytes("{\"a\":1,}"), "not valid JSON")
    expectRefusal(fileBytes("{\"a\":01}"), "not valid JSON")
    expectRefusal(fileBytes("{'a':1}"), "not valid JSON")
    expectRefusal(fileBytes("{\"\\ud800\":1}"), "not valid JSON", "surrogate")
    expectRefusal(fileBytes("{\"a\nb\":1}"), "not valid JSON", "control character")
    expectRefusal(fileBytes("{\"a\":" + String(repeating: "[", count: 100_000) + "}"), "not valid JSON", "nested")
    // Trailing JSON whitespace is allowed padding.
    #expect((try? SafeTensors.decode(fileBytes("{} \t\r\n"), path: "ok.safetensors")) == SafeTensorsFile(tensors: [], metadata: [:]))
}

@Test func refusesMetadataThatIsNotStringToString() {
    expectRefusal(fileBytes(#"{"__metadata__":{"a":1}}"#), "__metadata__", "'a'", "not a string")
    expectRefusal(fileBytes(#"{"__metadata__":{"a":null}}"#), "not a string")
    expectRefusal(fileBytes(#"{"__metadata__":["a"]}"#), "__metadata__", "not an object")
    expectRefusal(fileBytes(#"{"__metadata__":"a"}"#), "__metadata__", "not an object")
}

@Test func refusesATensorEntryWithMissingOrWrongFields() {
    let data = [UInt8](repeating: 0, count: 8)
    expectRefusal(fileBytes(#"{"w":[1]}"#), "tensor 'w'", "not an object")
    expectRefusal(fileBytes(#"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, data: data), "tensor 'w'", "missing \"dtype\"")
    expectRefusal(fileBytes(#"{"w":{"dtype":"F32","data_offsets":[0,8]}}"#, data: data), "missing \"shape\"")
    expectRefusal(fileBytes(#"{"w":{"dtype":"F32","shape":[2]}}"#, data: data), "missing \"data_offsets\"")
    expectRefusal(fileBytes(#"{"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: data), "unsupported dtype 'I64'")
    expectRefusal(fileBytes(#"{"w":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}}"#, data: data), "unsupported dtype 'f32'")
    expectRefusal(fileBytes(#"{"w":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}"#, data: data), "\"dtype\" is not a string")
    expectRefusal(fileBytes(#"{"w":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}"#, data: data), "\"shape\" is not an array")
    expectRefusal(fileBytes(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, data: data), "two integers")
    expectRefusal(fileBytes(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":{"a":0}}}"#, data: data), "two integers")
}

@Test func refusesShapeEntriesThatAreNotNonNegativeIntegers() {
    let data = [UInt8](repeating: 0, count: 8)
    for (entry, problem) in [("-2", "negative"), ("2.5", "not an integer"), ("2.0", "not an integer"),
                             ("2e0", "not an integer"), ("true", "not an integer"), ("\"2\"", "not an integer"),
                             ("null", "not an integer"), ("99999999999999999999", "too large")] {
        expectRefusal(fileBytes(#"{"w":{"dtype":"F32","shape":["# + entry + #"],"data_offsets":[0,8]}}"#, data: data),
                      "tensor 'w'", "shape entry", problem)
    }
    expectRefusal(fileBytes(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}}"#, data: data), "data_offsets", "not an integer")
    expectRefusal(fileBytes(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}"#, data: data), "data_offsets", "negative")
}

@Test func refusesAShapeWhoseProductOverflows() {
    expectRefusal(fileBytes(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#), "overflow")
    expectRefusal(fileBytes(#"{"w":{"dtype":"F32","shape":[2305843009213693952,2],"data_offsets":[0,0]}}"#), "overflow")
    expectRefusal(fileBytes(#"{"w":{"dtype":"F32","shape":[2305843009213693952],"data_offsets":[0,0]}}"#), "overflow")
}

@Test func refusesOffsetsThatDoNotMatchTheShape() {
    let data = [UInt8](repeating: 0, count: 8)
    expectRefusal(fileBytes(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: data), "hold 4 bytes", "needs 8")
    expectRefusal(fileBytes(#"{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}"#, data: data), "F16 needs 4")
    expectRefusal(fileBytes(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: data), "end before")
}

@Test func refusesOffsetsOutOfRange() {
    expectRefusal(fileBytes(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]),
                  "tensor 'w'", "out of range", "4 bytes")
    expectRefusal(fileBytes(#"{"w":{"dtype":"F32","shape":[0],"data_offsets":[9,9]}}"#, data: [0, 0, 0, 0]), "out of range")
}

@Test func refusesOverlapsGapsAndUncoveredBytes() {
    let twelve = [UInt8](repeating: 0, count: 12)
    expectRefusal(fileBytes(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                            data: twelve), "tensor 'b'", "overlap")
    expectRefusal(fileBytes(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}"#,
                            data: [UInt8](repeating: 0, count: 8)), "overlap")
    expectRefusal(fileBytes(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
                            data: twelve), "tensor 'b'", "gap of 4 bytes")
    expectRefusal(fileBytes(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: twelve), "tensor 'a'", "gap of 4 bytes")
    expectRefusal(fileBytes(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: twelve), "has 12 bytes", "cover only 4")
    expectRefusal(fileBytes("{}", data: [0]), "has 1 bytes", "cover only 0")
    // Offsets need not follow header order: the ranges tile the buffer, so this one is fine.
    let swapped = fileBytes(#"{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
                            data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40])
    let file = try? SafeTensors.decode(swapped, path: "swapped.safetensors")
    #expect(file?.tensors.map(\.name) == ["a", "b"])
    #expect(file?.tensor(named: "b")?.values == [2])
}

@Test func refusesDuplicateNames() {
    let data = [UInt8](repeating: 0, count: 8)
    expectRefusal(fileBytes(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                            data: data), "duplicate key \"a\"")
    expectRefusal(fileBytes(#"{"__metadata__":{"k":"1","k":"2"}}"#), "duplicate key \"k\"")
    expectRefusal(fileBytes(#"{"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), "duplicate key")
}

@Test func refusesEveryTruncationOfAValidFile() throws {
    let full = PythonSafeTensorsFiles.pythonF32
    for length in 0..<full.count {
        #expect(throws: Seq2SeqError.self, "prefix of \(length) bytes") {
            try SafeTensors.decode(Array(full[0..<length]), path: "cut.safetensors")
        }
    }
    #expect(try SafeTensors.decode(full, path: "full.safetensors") == PythonSafeTensorsFiles.f32Content)
}

@Test func neverCrashesOnCorruptedBytes() {
    // Every byte of a valid file replaced by a few troublesome values: refused or decoded, never a trap.
    let full = PythonSafeTensorsFiles.pythonF32
    var refused = 0
    for index in full.indices {
        for replacement: UInt8 in [0x00, 0x20, 0x22, 0x2C, 0x2D, 0x30, 0x39, 0x5B, 0x5D, 0x7B, 0x7D, 0x80, 0xFF] {
            var corrupt = full
            corrupt[index] = replacement
            do { _ = try SafeTensors.decode(corrupt, path: "corrupt.safetensors") } catch { refused += 1 }
        }
    }
    #expect(refused > 0)
}

// MARK: - Encoding refusals

/// The `Seq2SeqError` that `body` throws; nil if it throws nothing or another error.
private func seq2seqError(_ body: () throws -> Void) -> Seq2SeqError? {
    do {
        try body()
        return nil
    } catch let error as Seq2SeqError {
        return error
    } catch {
        return nil
    }
}

@Test func refusesToEncodeInconsistentTensors() {
    let cases: [(SafeTensorsFile, String)] = [
        (SafeTensorsFile(tensors: [SafeTensor(name: "w", shape: [2, 3], values: [1, 2])], metadata: [:]), "has 2 values but shape [2, 3] needs 6"),
        (SafeTensorsFile(tensors: [SafeTensor(name: "w", shape: [-1], values: [])], metadata: [:]), "invalid shape"),
        (SafeTensorsFile(tensors: [SafeTensor(name: "w", shape: [], values: [])], metadata: [:]), "needs 1"),
        (SafeTensorsFile(tensors: [SafeTensor(name: "w", shape: [1], values: [1]), SafeTensor(name: "w", shape: [1], values: [2])],
                         metadata: [:]), "two tensors are named 'w'"),
        (SafeTensorsFile(tensors: [SafeTensor(name: "__metadata__", shape: [1], values: [1])], metadata: [:]), "reserved"),
    ]
    for (file, words) in cases {
        let error = seq2seqError { _ = try SafeTensors.encode(file) }
        guard case let .unwritableFile(path, reason)? = error else {
            Issue.record("expected unwritableFile, got \(String(describing: error))")
            continue
        }
        #expect(path == "(in memory)")
        #expect(reason.contains(words), "reason: \(reason)")
    }
}

// MARK: - Files: read, atomic write

/// A fresh folder under the system's temporary folder, removed after `body`.
private func withTemporaryFolder(_ body: (String) throws -> Void) throws {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("SafeTensorsTests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try body(folder)
}

private func contents(of folder: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
}

@Test func writesThenReadsAFile() throws {
    try withTemporaryFolder { folder in
        let path = folder + "/model.safetensors"
        try SafeTensors.write(PythonSafeTensorsFiles.f32Content, to: path)
        #expect(contents(of: folder) == ["model.safetensors"])
        #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == PythonSafeTensorsFiles.pythonF32)
        #expect(try SafeTensors.read(path: path) == PythonSafeTensorsFiles.f32Content)
        // Overwriting replaces the file whole.
        let small = SafeTensorsFile(tensors: [SafeTensor(name: "x", shape: [1], values: [9])], metadata: [:])
        try SafeTensors.write(small, to: path, dtype: .bf16)
        #expect(try SafeTensors.read(path: path) == small)
        #expect(contents(of: folder) == ["model.safetensors"])
    }
}

@Test func aFailedWriteLeavesThePreviousFileAndNoTemporaryFile() throws {
    try withTemporaryFolder { folder in
        let path = folder + "/model.safetensors"
        try SafeTensors.write(PythonSafeTensorsFiles.f32Content, to: path)
        let inconsistent = SafeTensorsFile(tensors: [SafeTensor(name: "w", shape: [3], values: [1])], metadata: [:])
        let error = seq2seqError { try SafeTensors.write(inconsistent, to: path) }
        guard case let .unwritableFile(errorPath, reason)? = error else {
            Issue.record("expected unwritableFile, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(reason.contains("needs 3"), "reason: \(reason)")
        #expect(try SafeTensors.read(path: path) == PythonSafeTensorsFiles.f32Content)
        #expect(contents(of: folder) == ["model.safetensors"])

        // The rename fails (the destination is a non-empty folder): the temporary file is removed.
        let blocked = folder + "/blocked"
        try FileManager.default.createDirectory(atPath: blocked + "/inside", withIntermediateDirectories: true)
        #expect(throws: Seq2SeqError.self) { try SafeTensors.write(PythonSafeTensorsFiles.f32Content, to: blocked) }
        #expect(contents(of: folder) == ["blocked", "model.safetensors"])
        #expect(contents(of: blocked) == ["inside"])
    }
}

@Test func writingIntoAMissingFolderFails() throws {
    try withTemporaryFolder { folder in
        let path = folder + "/no/such/folder/model.safetensors"
        let error = seq2seqError { try SafeTensors.write(PythonSafeTensorsFiles.f32Content, to: path) }
        guard case let .unwritableFile(errorPath, reason)? = error else {
            Issue.record("expected unwritableFile, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(reason.contains("No such file or directory"), "reason: \(reason)")
        #expect(contents(of: folder).isEmpty)
        #expect(throws: Seq2SeqError.self) { try SafeTensors.write(PythonSafeTensorsFiles.f32Content, to: folder + "/") }
    }
}

@Test func readingMapsFileProblemsToTheirErrors() throws {
    try withTemporaryFolder { folder in
        let missing = folder + "/missing.safetensors"
        let missingError = seq2seqError { _ = try SafeTensors.read(path: missing) }
        #expect(missingError == .unreadableFile(path: missing, reason: "no such file"))
        let folderError = seq2seqError { _ = try SafeTensors.read(path: folder) }
        #expect(folderError == .unreadableFile(path: folder, reason: "it is a folder, not a file"))
        // /dev/null is read as a stream a user names on purpose (InputFile): an empty one.
        #expect(throws: Seq2SeqError.emptyFile(path: "/dev/null")) { _ = try SafeTensors.read(path: "/dev/null") }
        let deviceError = seq2seqError { _ = try SafeTensors.read(path: "/dev/zero") }
        #expect(deviceError == .unreadableFile(path: "/dev/zero", reason: "it is a device, not a regular file"))
        let empty = folder + "/empty.safetensors"
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        #expect(throws: Seq2SeqError.emptyFile(path: empty)) { _ = try SafeTensors.read(path: empty) }
        let broken = folder + "/broken.safetensors"
        #expect(FileManager.default.createFile(atPath: broken, contents: Data(PythonSafeTensorsFiles.pythonF32.dropLast())))
        let brokenError = seq2seqError { _ = try SafeTensors.read(path: broken) }
        guard case let .invalidCheckpoint(path, reason)? = brokenError else {
            Issue.record("expected invalidCheckpoint, got \(String(describing: brokenError))")
            return
        }
        #expect(path == broken)
        #expect(reason.contains("out of range"), "reason: \(reason)")
    }
}
