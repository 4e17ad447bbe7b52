// Files.swift — what every reader and writer shares: replacing a file atomically, quoting a JSON string, the text of
// the last failed system call, and the FNV-1a fingerprint behind checksums. Stage [8].

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces `path` with `bytes` so that no reader, and no crash, ever sees half a file (see `AtomicFileWriter`).
/// Failure → `.unwritableFile`.
public func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
    let file = try AtomicFileWriter(path: path)
    try file.append(bytes)
    try file.commit()
}

/// A file written in pieces that appears at `path` only whole: a temporary file `.<name>.tmp-<pid>-<random>` in the
/// destination's folder → write → fsync → rename (`commit`). Pieces are kept in a buffer of at most `bufferSize`
/// bytes, so memory stays bounded however much is written. Released without `commit` (an error on the way), the
/// temporary file is removed and `path` is untouched. Every failure → `.unwritableFile` naming `path`.
public final class AtomicFileWriter {
    /// Where the file appears on `commit`.
    public let path: String
    private let temporary: String
    private var descriptor: Int32
    private var pending: [UInt8] = []
    private var committed = false
    private static let bufferSize = 1 << 16

    /// Creates the temporary file in `path`'s folder; `path` itself is untouched until `commit`.
    public init(path: String) throws {
        self.path = path
        let (folder, name) = splitPath(path)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw Seq2SeqError.unwritableFile(path: path, reason: "the path names a folder, not a file")
        }
        temporary = folder + "/." + name + ".tmp-\(getpid())-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw Seq2SeqError.unwritableFile(path: path, reason: "cannot create a temporary file in folder '\(folder)': \(systemErrorText())")
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        if !committed { unlink(temporary) }
    }

    /// Appends `bytes`: kept in the buffer while it has room, else written out (a large piece directly, uncopied).
    public func append(_ bytes: [UInt8]) throws {
        guard pending.count + bytes.count >= Self.bufferSize else {
            pending.append(contentsOf: bytes)
            return
        }
        try writePending()
        try writeAll(bytes)
    }

    /// Writes what is buffered, fsyncs and renames the temporary file to `path`; the rename is made durable on a best-effort basis.
    public func commit() throws {
        try writePending()
        guard fsync(descriptor) == 0 else { throw refuse("fsync failed: \(systemErrorText())") }
        close(descriptor)
        descriptor = -1
        guard rename(temporary, path) == 0 else { throw refuse(systemErrorText()) }
        committed = true
        // Make the rename itself durable; best effort (some file systems refuse fsync on a folder).
        let folderDescriptor = open(splitPath(path).folder, O_RDONLY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            _ = fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }

    private func writePending() throws {
        try writeAll(pending)
        pending.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return write(descriptor, base + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw refuse(systemErrorText())
            }
            written += result
        }
    }

    private func refuse(_ reason: String) -> Seq2SeqError { .unwritableFile(path: path, reason: reason) }
}

/// ("a/b", "c.safetensors") for "a/b/c.safetensors"; the folder is "." without a slash, "/" at the root.
func splitPath(_ path: String) -> (folder: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let folder = String(path[..<slash])
    return (folder.isEmpty ? "/" : folder, String(path[path.index(after: slash)...]))
}

/// A JSON string literal (RFC 8259 §7), escaped as serde_json (safetensors' reference writer) escapes it:
/// `"` and `\` with a backslash, control characters as \b \f \n \r \t or \u00XX, the rest as UTF-8.
public func jsonQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{00}"..."\u{1F}":
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// Refuses an output path that is one of the inputs (the same file, even under another name, through a symbolic
/// link or as a hard link): `average` and `convert` must never overwrite what they read.
public func checkOutput(_ output: String, isNotOneOf inputs: [String]) throws {
    guard let written = fileIdentity(output) else { return }       // does not exist yet: it cannot be an input
    if let input = inputs.first(where: { fileIdentity($0) == written }) {
        throw Seq2SeqError.outputIsInput(output: output, input: input)
    }
}

/// The reason of the last failed system call, e.g. "No such file or directory".
func systemErrorText() -> String { String(cString: strerror(errno)) }

/// FNV-1a, 64 bits: a fast fingerprint of bytes (not cryptographic: it catches damage and mix-ups, not forgery).
public struct FNV1a64 {
    /// The hash of every byte added so far.
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    /// The hash of no bytes (the FNV-1a offset basis).
    public init() {}

    /// Folds `bytes` into the hash, in order.
    public mutating func add<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    }

    /// A float's bit pattern, least significant byte first (so the same on every host).
    public mutating func add(_ float: Float) {
        var bits = float.bitPattern
        for _ in 0..<4 {
            value = (value ^ UInt64(bits & 0xFF)) &* 0x0000_0100_0000_01B3
            bits >>= 8
        }
    }

    /// "fnv1a64:<16 hex digits>".
    public var text: String {
        let hex = String(value, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
