// SafeTensors.swift — the safetensors file format: named float tensors + string metadata ⇄ bytes ⇄ file.
// Stage [8] checkpoint, SPEC §2: 8-byte little-endian header length, JSON header, little-endian data;
// F32 written as is, F16/BF16 rounded to nearest even; files written to a temporary file, then renamed.

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

    /// A tensor of `shape` with its values in row-major order.
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

    /// A file's content: tensors in the order to write, and string metadata.
    public init(tensors: [SafeTensor], metadata: [String: String]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor called `name`, or nil.
    public func tensor(named name: String) -> SafeTensor? {
        tensors.first { $0.name == name }
    }
}

// MARK: - Encode, decode, write, read

/// Reads and writes safetensors files: 8-byte header length, JSON header, little-endian F32 data. Stage [8].
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
    /// Size of the whole file in bytes.
    public let byteCount: Int
    /// The distinct dtypes its tensors are stored as, in `SafeTensorsDType.allCases` order.
    public let dtypes: [SafeTensorsDType]
    /// The tensors and metadata, values decoded to Float whatever their stored dtype.
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
