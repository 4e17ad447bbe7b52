// Files.swift — what every writer shares: replacing a file atomically, quoting a JSON string, and the text of
// the last failed system call. Stage [8].

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces `path` with `bytes` so that no reader, and no crash, ever sees half a file: a temporary file
/// `.<name>.tmp-<pid>-<random>` in the destination's folder → write → fsync → rename. The temporary file is
/// removed on every failure; `path` is replaced only by a complete file. Failure → `.unwritableFile`.
public func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
    func refuse(_ reason: String) -> Seq2SeqError { .unwritableFile(path: path, reason: reason) }
    let (folder, name) = splitPath(path)
    guard !name.isEmpty, name != ".", name != ".." else { throw refuse("the path names a folder, not a file") }
    let temporary = folder + "/." + name + ".tmp-\(getpid())-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)

    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
        throw refuse("cannot create a temporary file in folder '\(folder)': \(systemErrorText())")
    }
    var renamed = false
    defer { if !renamed { unlink(temporary) } }
    do {
        defer { close(descriptor) }
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
        guard fsync(descriptor) == 0 else { throw refuse("fsync failed: \(systemErrorText())") }
    }
    guard rename(temporary, path) == 0 else { throw refuse(systemErrorText()) }
    renamed = true
    // Make the rename itself durable; best effort (some file systems refuse fsync on a folder).
    let folderDescriptor = open(folder, O_RDONLY | O_CLOEXEC)
    if folderDescriptor >= 0 {
        _ = fsync(folderDescriptor)
        close(folderDescriptor)
    }
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
        throw Seq2SeqError.invalidOption(flag: "--output", reason: "is the input \(input); refusing to overwrite it")
    }
}

/// The reason of the last failed system call, e.g. "No such file or directory".
func systemErrorText() -> String { String(cString: strerror(errno)) }
