// SafeTensors.swift — the safetensors file format: named float tensors + string metadata ⇄ bytes ⇄ file.
// Stage [8] checkpoint, SPEC §2: 8-byte little-endian header length, JSON header, little-endian data;
// F32 written as is, F16/BF16 rounded to nearest even; files written to a temporary file, then renamed.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

// MARK: - The values this layer maps

/// How the numbers are stored in the file. Reading converts every one of them to `Float`.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"

    /// Bytes per element in the data buffer.
    var byteCount: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        }
    }
}

/// One named tensor, row-major.
public struct SafeTensor: Equatable, Sendable {
    public var name: String
    /// Row-major dimensions; `[]` is a scalar holding one value.
    public var shape: [Int]
    /// `product(shape)` values (1 for a scalar, 0 when a dimension is 0).
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// The whole content of a safetensors file.
public struct SafeTensorsFile: Equatable, Sendable {
    /// In file order; the writer keeps the caller's order, the reader returns data-buffer order.
    public var tensors: [SafeTensor]
    /// The header's `"__metadata__"` object (string values only).
    public var metadata: [String: String]

    public init(tensors: [SafeTensor], metadata: [String: String]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public func tensor(named name: String) -> SafeTensor? {
        tensors.first { $0.name == name }
    }
}

// MARK: - Encode, decode, write, read

public enum SafeTensors {
    /// The reference implementation refuses headers longer than this (`MAX_HEADER_SIZE`); so do we.
    static let maximumHeaderByteCount = 100_000_000
    /// The key of the header that holds the string metadata instead of a tensor.
    static let metadataKey = "__metadata__"

    /// The file's bytes. Tensors keep the caller's order in the header and in the data buffer; metadata
    /// keys are sorted by their UTF-8 bytes (as the Python package does); same input ⇒ same bytes.
    /// A tensor whose value count does not match its shape, a repeated or reserved name, or a header
    /// the reader would refuse throws `Seq2SeqError.unwritableFile` with the path `(in memory)`.
    public static func encode(_ file: SafeTensorsFile, dtype: SafeTensorsDType = .f32) throws -> [UInt8] {
        try encode(file, dtype: dtype, reportingAs: "(in memory)")
    }

    /// The tensors and metadata of a safetensors file, every dtype converted to `Float`.
    /// Anything malformed throws `Seq2SeqError.invalidCheckpoint(path:reason:)` naming the problem.
    public static func decode(_ bytes: [UInt8], path: String) throws -> SafeTensorsFile {
        try decodeStored(bytes, path: path).file
    }

    /// Writes atomically: a temporary file in the same folder, flushed (`fsync`), then renamed over
    /// `path`. On any failure the temporary file is removed and a previous file at `path` is untouched.
    public static func write(_ file: SafeTensorsFile, to path: String, dtype: SafeTensorsDType = .f32) throws {
        let bytes = try encode(file, dtype: dtype, reportingAs: path)
        try writeFileAtomically(bytes, to: path)
    }

    /// Reads and decodes the file at `path`, which may also be standard input ("-", /dev/stdin) or process
    /// substitution (/dev/fd/N); a FIFO, device, socket or folder is refused at once (`InputFile`).
    public static func read(path: String) throws -> SafeTensorsFile {
        try readStored(path: path).file
    }

    /// Decoding holds the file's bytes and their values as Float (twice the bytes for F16 and BF16), and a loaded
    /// model then holds the values and its own copy of them: up to four times the file at once.
    static let memoryPerFileByte = 4.0

    /// The file at `path` read as `read(path:)` reads it, with how it was stored (what `info` reports).
    /// A file larger than a quarter of `MemoryBudget.bytes` is refused before it is read.
    public static func readStored(path: String) throws -> StoredSafeTensors {
        let input = try InputFile(path: path)
        let bytes = try input.readAll(limit: Int(MemoryBudget.bytes / memoryPerFileByte), what: "a checkpoint")
        if bytes.isEmpty { throw Seq2SeqError.emptyFile(path: input.path) }
        let (file, dtypes) = try decodeStored(bytes, path: input.path)
        return StoredSafeTensors(name: input.path, byteCount: bytes.count, dtypes: dtypes, file: file)
    }
}

/// A safetensors file as it was read: its content, and its size and storage types.
public struct StoredSafeTensors: Sendable {
    /// The name messages give the input: its path, or "<stdin>" for "-".
    public let name: String
    public let byteCount: Int
    /// The distinct dtypes its tensors are stored as, in `SafeTensorsDType.allCases` order.
    public let dtypes: [SafeTensorsDType]
    public let file: SafeTensorsFile
}

// MARK: - Encoding

extension SafeTensors {
    static func encode(_ file: SafeTensorsFile, dtype: SafeTensorsDType, reportingAs path: String) throws -> [UInt8] {
        func refuse(_ reason: String) -> Seq2SeqError { .unwritableFile(path: path, reason: reason) }

        // The header: {"__metadata__":{...},"name":{"dtype":"F32","shape":[..],"data_offsets":[b,e]},...}
        var seen = Set<String>()
        var members: [String] = []
        if !file.metadata.isEmpty {
            let keys = file.metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let pairs = keys.map { jsonQuoted($0) + ":" + jsonQuoted(file.metadata[$0] ?? "") }
            members.append(jsonQuoted(metadataKey) + ":{" + pairs.joined(separator: ",") + "}")
        }
        var dataByteCount = 0
        for tensor in file.tensors {
            guard tensor.name != metadataKey else {
                throw refuse("'\(metadataKey)' is reserved for the metadata and cannot name a tensor")
            }
            guard seen.insert(tensor.name).inserted else {
                throw refuse("two tensors are named '\(tensor.name)'")
            }
            guard let count = elementCount(tensor.shape) else {
                throw refuse("tensor '\(tensor.name)' has an invalid shape \(tensor.shape)")
            }
            guard count == tensor.values.count else {
                throw refuse("tensor '\(tensor.name)' has \(tensor.values.count) values but shape \(tensor.shape) needs \(count)")
            }
            let begin = dataByteCount
            dataByteCount += count * dtype.byteCount  // bounded by the memory already holding the values
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            members.append(jsonQuoted(tensor.name) + ":{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(begin),\(dataByteCount)]}")
        }
        var header = Array(("{" + members.joined(separator: ",") + "}").utf8)
        // Pad with spaces so the data buffer starts 8-byte aligned, as the reference writer does.
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
        guard header.count <= maximumHeaderByteCount else {
            throw refuse("the header would take \(header.count) bytes, more than the \(maximumHeaderByteCount)-byte limit")
        }

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + dataByteCount)
        appendLittleEndian(UInt64(header.count), byteCount: 8, to: &bytes)
        bytes.append(contentsOf: header)
        for tensor in file.tensors {
            switch dtype {
            case .f32: for value in tensor.values { appendLittleEndian(UInt64(value.bitPattern), byteCount: 4, to: &bytes) }
            case .f16: for value in tensor.values { appendLittleEndian(UInt64(float16Bits(value)), byteCount: 2, to: &bytes) }
            case .bf16: for value in tensor.values { appendLittleEndian(UInt64(bfloat16Bits(value)), byteCount: 2, to: &bytes) }
            }
        }
        return bytes
    }

    /// Appends the low `byteCount` bytes of `bits`, least significant first. Shifts, not memory
    /// layout, define the order, so the bytes are little-endian on any host.
    static func appendLittleEndian(_ bits: UInt64, byteCount: Int, to bytes: inout [UInt8]) {
        for k in 0..<byteCount { bytes.append(UInt8(truncatingIfNeeded: bits >> (8 * k))) }
    }

    /// `product(shape)`, or nil for a negative dimension or an overflowing product. `[]` ⇒ 1.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

}

// MARK: - Decoding

extension SafeTensors {
    /// One header entry, checked against its dtype and shape, not yet against the other entries.
    private struct Entry {
        var name: String
        var dtype: SafeTensorsDType
        var shape: [Int]
        var elementCount: Int
        var begin: Int  // byte offsets relative to the start of the data buffer
        var end: Int
        var headerIndex: Int
    }

    /// The file and the distinct dtypes of its tensors (in `allCases` order).
    static func decodeStored(_ bytes: [UInt8], path: String) throws -> (file: SafeTensorsFile, dtypes: [SafeTensorsDType]) {
        func refuse(_ reason: String) -> Seq2SeqError { .invalidCheckpoint(path: path, reason: reason) }

        // 8-byte little-endian header length N, then N bytes of header.
        guard bytes.count >= 8 else {
            throw refuse("the file has \(bytes.count) bytes, fewer than the 8 of the header length (truncated?)")
        }
        var declared: UInt64 = 0
        for k in 0..<8 { declared |= UInt64(bytes[k]) << (8 * k) }
        guard declared <= UInt64(maximumHeaderByteCount) else {
            throw refuse("the header length \(declared) is larger than the \(maximumHeaderByteCount)-byte limit")
        }
        let headerByteCount = Int(declared)
        guard headerByteCount <= bytes.count - 8 else {
            throw refuse("the header length \(headerByteCount) runs past the end of the file (\(bytes.count) bytes; truncated?)")
        }
        let header = Array(bytes[8..<(8 + headerByteCount)])
        guard header.first == UInt8(ascii: "{") else {
            throw refuse("the header is not a JSON object: it does not start with '{'")
        }
        guard Array(String(decoding: header, as: UTF8.self).utf8) == header else {
            throw refuse("the header is not valid UTF-8")
        }
        let json: HeaderJSON
        do {
            var parser = HeaderJSONParser(bytes: header)
            json = try parser.parseDocument()
        } catch let error as HeaderJSONError {
            throw refuse("the header is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case let .object(members) = json else {
            throw refuse("the header is not a JSON object")
        }

        // The members: "__metadata__" and one entry per tensor.
        let dataByteCount = bytes.count - 8 - headerByteCount
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (key, value) in members {
            if key == metadataKey {
                guard case let .object(pairs) = value else {
                    throw refuse("'\(metadataKey)' is not an object of strings")
                }
                for (metaKey, metaValue) in pairs {
                    guard case let .string(text) = metaValue else {
                        throw refuse("'\(metadataKey)' value of '\(metaKey)' is not a string")
                    }
                    metadata[metaKey] = text
                }
            } else {
                let entry = try parseEntry(name: key, value, headerIndex: entries.count, refuse)
                guard entry.end <= dataByteCount else {
                    throw refuse("tensor '\(key)': data_offsets [\(entry.begin), \(entry.end)] are out of range: "
                        + "the data buffer has \(dataByteCount) bytes (truncated?)")
                }
                entries.append(entry)
            }
        }

        // The byte ranges, in data order, must tile the buffer: no gap, no overlap, nothing left over.
        entries.sort { ($0.begin, $0.end, $0.headerIndex) < ($1.begin, $1.end, $1.headerIndex) }
        var covered = 0
        for entry in entries {
            guard entry.begin <= covered else {
                throw refuse("tensor '\(entry.name)': a gap of \(entry.begin - covered) bytes before its data_offsets "
                    + "[\(entry.begin), \(entry.end)]")
            }
            guard entry.begin == covered else {
                throw refuse("tensor '\(entry.name)': data_offsets [\(entry.begin), \(entry.end)] overlap another tensor")
            }
            covered = entry.end
        }
        guard covered == dataByteCount else {
            throw refuse("the data buffer has \(dataByteCount) bytes but the tensors cover only \(covered)")
        }

        let dataStart = 8 + headerByteCount
        let tensors = entries.map { entry in
            SafeTensor(name: entry.name, shape: entry.shape,
                       values: decodeValues(bytes, from: dataStart + entry.begin, count: entry.elementCount, entry.dtype))
        }
        let dtypes = SafeTensorsDType.allCases.filter { dtype in entries.contains { $0.dtype == dtype } }
        return (SafeTensorsFile(tensors: tensors, metadata: metadata), dtypes)
    }

    /// `"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}`; other fields are ignored,
    /// as the reference reader ignores them.
    private static func parseEntry(name: String, _ value: HeaderJSON, headerIndex: Int,
                                   _ refuse: (String) -> Seq2SeqError) throws -> Entry {
        func refuseField(_ reason: String) -> Seq2SeqError { refuse("tensor '\(name)': \(reason)") }
        guard case let .object(fields) = value else { throw refuseField("the entry is not an object") }
        func field(_ key: String) throws -> HeaderJSON {
            guard let found = fields.first(where: { $0.key == key }) else { throw refuseField("missing \"\(key)\"") }
            return found.value
        }
        /// A non-negative JSON integer literal that fits in Int (2.5, 1e3, true, "3", -1 are refused).
        func nonNegativeInteger(_ item: HeaderJSON, _ what: String) throws -> Int {
            guard case let .number(literal) = item else { throw refuseField("\(what) \(item) is not an integer") }
            switch integerValue(literal) {
            case let .integer(n) where n >= 0: return n
            case .integer: throw refuseField("\(what) \(literal) is negative")
            case .notInteger: throw refuseField("\(what) \(literal) is not an integer")
            case .outOfRange: throw refuseField("\(what) \(literal) is too large (overflow)")
            }
        }

        guard case let .string(dtypeName) = try field("dtype") else { throw refuseField("\"dtype\" is not a string") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            throw refuseField("unsupported dtype '\(dtypeName)' (this reader knows \(known))")
        }
        guard case let .array(shapeItems) = try field("shape") else { throw refuseField("\"shape\" is not an array") }
        let shape = try shapeItems.map { try nonNegativeInteger($0, "shape entry") }
        guard let elementCount = elementCount(shape) else {
            throw refuseField("shape \(shape) has too many elements (overflow)")
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: dtype.byteCount)
        guard !overflow else { throw refuseField("shape \(shape) of \(dtype.rawValue) is too large (overflow)") }
        guard case let .array(offsetItems) = try field("data_offsets"), offsetItems.count == 2 else {
            throw refuseField("\"data_offsets\" is not an array of two integers")
        }
        let begin = try nonNegativeInteger(offsetItems[0], "data_offsets entry")
        let end = try nonNegativeInteger(offsetItems[1], "data_offsets entry")
        guard begin <= end else { throw refuseField("data_offsets [\(begin), \(end)] end before they begin") }
        guard end - begin == byteCount else {
            throw refuseField("data_offsets [\(begin), \(end)] hold \(end - begin) bytes, but shape \(shape) "
                + "of \(dtype.rawValue) needs \(byteCount)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, elementCount: elementCount,
                     begin: begin, end: end, headerIndex: headerIndex)
    }

    private enum IntegerReading { case integer(Int), notInteger, outOfRange }

    /// Reads a JSON number literal as an integer only when written as one (no fraction, no exponent).
    private static func integerValue(_ literal: String) -> IntegerReading {
        guard !literal.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else { return .notInteger }
        guard let value = Int(literal) else { return .outOfRange }  // the parser admitted only -?digits
        return .integer(value)
    }

    /// `count` elements of `dtype` starting at `start` (already checked to lie inside `bytes`), as Float.
    private static func decodeValues(_ bytes: [UInt8], from start: Int, count: Int,
                                     _ dtype: SafeTensorsDType) -> [Float] {
        var values: [Float] = []
        values.reserveCapacity(count)
        switch dtype {
        case .f32:
            for i in 0..<count {
                let o = start + 4 * i
                let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16
                    | UInt32(bytes[o + 3]) << 24
                values.append(Float(bitPattern: bits))
            }
        case .f16:
            for i in 0..<count {
                let o = start + 2 * i
                values.append(floatFromFloat16Bits(UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8))
            }
        case .bf16:
            for i in 0..<count {
                let o = start + 2 * i
                values.append(floatFromBFloat16Bits(UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8))
            }
        }
        return values
    }
}

// MARK: - Half-precision conversions (by hand: Float16 is missing on x86-64 macOS)

/// IEEE binary16 bits of `value`, rounded to nearest, ties to even. Overflow gives ±inf (from 65520 on),
/// tiny values become subnormals or ±0, NaN stays NaN (quiet, top payload bits kept, like F16C/ARM).
func float16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    let sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
    let exponent = Int((bits >> 23) & 0xFF)  // biased by 127
    let mantissa = bits & 0x7F_FFFF           // 23 bits

    if exponent == 0xFF {  // inf or NaN
        return mantissa == 0 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
    }
    let halfExponent = exponent - 127 + 15
    if halfExponent >= 0x1F { return sign | 0x7C00 }  // ≥ 2^16: beyond every rounding to 65504
    if halfExponent >= 1 {
        // Normal: keep 10 of the 23 mantissa bits; a carry out of the mantissa bumps the exponent
        // (and from 0x7BFF reaches 0x7C00 = inf), which is the right answer.
        var half = UInt16(halfExponent << 10) | UInt16(truncatingIfNeeded: mantissa >> 13)
        let rest = mantissa & 0x1FFF, halfway: UInt32 = 0x1000
        if rest > halfway || (rest == halfway && half & 1 == 1) { half += 1 }
        return sign | half
    }
    // Subnormal result: value = m · 2^(exponent − 150) with the implicit bit; in units of 2^−24
    // that is m >> (126 − exponent). Float subnormals (exponent 0) are far below 2^−25: ±0.
    guard exponent > 0 else { return sign }
    let shift = 126 - exponent                 // ≥ 14 here
    guard shift <= 24 else { return sign }     // < 2^−25 rounds to zero
    let m = mantissa | 0x80_0000
    var half = UInt16(truncatingIfNeeded: m >> UInt32(shift))
    let rest = m & ((1 << UInt32(shift)) - 1), halfway = UInt32(1) << UInt32(shift - 1)
    if rest > halfway || (rest == halfway && half & 1 == 1) { half += 1 }  // 0x3FF + 1 = smallest normal
    return sign | half
}

/// The Float equal to IEEE binary16 `bits` (exact: every half is a float).
func floatFromFloat16Bits(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0:  // zero or subnormal: mantissa · 2^−24
        let magnitude = Float(mantissa) * 0x1p-24
        return Float(bitPattern: sign | magnitude.bitPattern)
    case 0x1F:  // inf or NaN, payload kept
        return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    default:
        return Float(bitPattern: sign | (exponent + 127 - 15) << 23 | mantissa << 13)
    }
}

/// bfloat16 bits of `value`: the upper 16 bits of the float, rounded to nearest, ties to even.
/// NaN stays NaN (quiet bit set, so a payload only in the dropped bits cannot turn into inf).
func bfloat16Bits(_ value: Float) -> UInt16 {
    let bits = value.bitPattern
    if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
    let roundingBias: UInt32 = 0x7FFF + ((bits >> 16) & 1)
    return UInt16(truncatingIfNeeded: (bits + roundingBias) >> 16)  // cannot overflow: bits ≤ 0xFF80_0000
}

/// The Float equal to bfloat16 `bits` (exact).
func floatFromBFloat16Bits(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}

// MARK: - The header's JSON (a strict parser of our own)

// Why not JSONSerialization: it keeps the last of two equal keys (the format forbids duplicates and we
// must say so), loses the members' order, and turns 2.0 and true into NSNumbers that look like integers.

fileprivate indirect enum HeaderJSON: CustomStringConvertible {
    case object([(key: String, value: HeaderJSON)])  // members in file order
    case array([HeaderJSON])
    case string(String)
    case number(String)  // the literal as written, e.g. "12", "-1", "2.5", "1e3"
    case bool(Bool)
    case null

    var description: String {
        switch self {
        case .object: return "{…}"
        case .array: return "[…]"
        case let .string(text): return jsonQuoted(text)
        case let .number(literal): return literal
        case let .bool(flag): return flag ? "true" : "false"
        case .null: return "null"
        }
    }
}

fileprivate struct HeaderJSONError: Error {
    var message: String
    var offset: Int  // byte offset inside the header
}

/// RFC 8259 JSON over the header's bytes (already checked to be UTF-8), with duplicate keys refused,
/// nesting bounded (a real header nests 3 deep) so no input can exhaust the stack, and the number of
/// values bounded so that memory stays a small multiple of the header's size.
fileprivate struct HeaderJSONParser {
    let bytes: [UInt8]
    var index = 0
    var depth = 0
    var valueCount = 0
    static let maximumDepth = 32
    /// A tensor's entry holds about eight values, so a checkpoint's header a few thousand. Each parsed value
    /// takes tens of bytes, against the one or two a header of "0,0,0,…" spends on it: unbounded, such a
    /// header of 100 MB would take gigabytes.
    static let maximumValueCount = 100_000

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func parseDocument() throws -> HeaderJSON {
        let value = try parseValue()
        skipWhitespace()  // the header may be padded with trailing whitespace
        guard index == bytes.count else { throw fail("unexpected content after the JSON value") }
        return value
    }

    private func fail(_ message: String) -> HeaderJSONError { HeaderJSONError(message: message, offset: index) }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func expect(_ character: Unicode.Scalar) throws {
        guard current == UInt8(ascii: character) else {
            throw fail(current == nil ? "unexpected end, expected '\(character)'" : "expected '\(character)'")
        }
        index += 1
    }

    private mutating func parseValue() throws -> HeaderJSON {
        skipWhitespace()
        guard let byte = current else { throw fail("unexpected end, expected a value") }
        valueCount += 1
        guard valueCount <= Self.maximumValueCount else { throw fail("more than \(Self.maximumValueCount) values") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"): try parseWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseWord("null"); return .null
        default: throw fail("unexpected character")
        }
    }

    private mutating func enterNesting() throws {
        depth += 1
        guard depth <= Self.maximumDepth else { throw fail("nested more than \(Self.maximumDepth) deep") }
    }

    private mutating func parseObject() throws -> HeaderJSON {
        try enterNesting()
        defer { depth -= 1 }
        try expect("{")
        var members: [(key: String, value: HeaderJSON)] = []
        var keys = Set<String>()
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyOffset = index
            let key = try parseString()
            guard keys.insert(key).inserted else {
                throw HeaderJSONError(message: "duplicate key \(jsonQuoted(key))", offset: keyOffset)
            }
            skipWhitespace()
            try expect(":")
            members.append((key, try parseValue()))
            skipWhitespace()
            if current == UInt8(ascii: ",") { index += 1; continue }
            try expect("}")
            return .object(members)
        }
    }

    private mutating func parseArray() throws -> HeaderJSON {
        try enterNesting()
        defer { depth -= 1 }
        try expect("[")
        var items: [HeaderJSON] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            items.append(try parseValue())
            skipWhitespace()
            if current == UInt8(ascii: ",") { index += 1; continue }
            try expect("]")
            return .array(items)
        }
    }

    private mutating func parseWord(_ word: String) throws {
        for byte in word.utf8 {
            guard current == byte else { throw fail("unexpected character") }
            index += 1
        }
    }

    /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, returned as written.
    private mutating func parseNumber() throws -> String {
        let start = index
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else {
            guard isDigit(current) else { throw fail("invalid number") }
            while isDigit(current) { index += 1 }
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard isDigit(current) else { throw fail("invalid number") }
            while isDigit(current) { index += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard isDigit(current) else { throw fail("invalid number") }
            while isDigit(current) { index += 1 }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func parseString() throws -> String {
        try expect("\"")
        var utf8: [UInt8] = []
        while true {
            guard let byte = current else { throw fail("unterminated string") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = current else { throw fail("unterminated string") }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if (0xD800...0xDBFF).contains(code) {  // a high surrogate needs its low half next
                        guard current == UInt8(ascii: "\\") else { throw fail("unpaired surrogate in \\u escape") }
                        index += 1
                        try expect("u")
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate in \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw fail("unpaired surrogate in \\u escape")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape") }
                    utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw fail("invalid escape")
                }
            case 0x00..<0x20:
                throw fail("control character in a string")
            default:
                utf8.append(byte)
            }
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw fail("unterminated \\u escape") }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            code = code << 4 | digit
            index += 1
        }
        return code
    }
}

// MARK: - System errors

/// The reason of the last failed system call, e.g. "No such file or directory".
func systemErrorText() -> String { String(cString: strerror(errno)) }
