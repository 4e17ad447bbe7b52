// SafeTensorsJSON.swift — a strict JSON parser for the safetensors header. Stage [8] checkpoint, SPEC §2.
// Why not JSONSerialization: it keeps the last of two equal keys (the format forbids duplicates and we
// must say so), loses the members' order, and turns 2.0 and true into NSNumbers that look like integers.

indirect enum HeaderJSON: CustomStringConvertible {
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

struct HeaderJSONError: Error {
    var message: String
    var offset: Int  // byte offset inside the header
}

/// RFC 8259 JSON over the header's bytes (already checked to be UTF-8), with duplicate keys refused,
/// nesting bounded (a real header nests 3 deep) so no input can exhaust the stack, and the number of
/// values bounded so that memory stays a small multiple of the header's size.
struct HeaderJSONParser {
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
