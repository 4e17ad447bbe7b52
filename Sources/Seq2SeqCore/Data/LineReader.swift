// LineReader.swift — text lines from a file or standard input in bounded memory (stage [1]), for `translate`: read
// in 1 MB blocks, UTF-8 checked line by line, byte-order mark and CRLF removed, blank lines kept. A line longer than
// the limit is reported as too long without ever being held whole, so no input can exhaust memory.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of input: its text, or only its length when it is longer than the reader keeps.
public enum InputLine: Equatable, Sendable {
    case text(NumberedLine)
    case tooLong(number: Int, bytes: Int)

    public var number: Int {
        switch self {
        case let .text(line): return line.number
        case let .tooLong(number, _): return number
        }
    }
}

public final class LineReader {
    public let path: String
    public let maxLineBytes: Int
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var block = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0, end = 0
    private var exhausted = false
    private var lineNumber = 0
    private var readAnything = false

    /// Reads standard input; `path` names it in messages ("<stdin>").
    public init(standardInputNamed path: String = "<stdin>", maxLineBytes: Int = 1 << 20) {
        self.path = path
        self.maxLineBytes = maxLineBytes
        descriptor = STDIN_FILENO
        ownsDescriptor = false
    }

    /// Reads the file at `path`; a missing or unreadable file → `.unreadableFile`.
    public init(path: String, maxLineBytes: Int = 1 << 20) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Seq2SeqError.unreadableFile(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw Seq2SeqError.unreadableFile(path: path, reason: "it is a folder, not a file") }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Seq2SeqError.unreadableFile(path: path, reason: String(cString: strerror(errno))) }
        self.path = path
        self.maxLineBytes = maxLineBytes
        self.descriptor = descriptor
        ownsDescriptor = true
    }

    deinit { if ownsDescriptor { close(descriptor) } }

    /// The next line, or nil after the last. Zero bytes in all → `.emptyFile`; invalid UTF-8 → `.malformedLine`.
    public func next() throws -> InputLine? {
        var line: [UInt8] = []
        var length = 0
        var sawAny = false
        while true {
            if start == end {
                if exhausted { break }
                try refill()
                if start == end { break }
            }
            sawAny = true
            let newline = block[start..<end].firstIndex(of: 0x0A)
            let stop = newline ?? end
            let count = stop - start
            if length + count <= maxLineBytes { line.append(contentsOf: block[start..<stop]) }
            length += count
            start = newline.map { $0 + 1 } ?? end
            if newline != nil { return try finish(line, length: length) }
        }
        if !sawAny {
            if !readAnything { throw Seq2SeqError.emptyFile(path: path) }
            return nil
        }
        return try finish(line, length: length)                // a last line without a line end
    }

    /// Up to `count` lines (fewer at the end; nil when there are none left).
    public func next(_ count: Int) throws -> [InputLine]? {
        var lines: [InputLine] = []
        while lines.count < count, let line = try next() { lines.append(line) }
        return lines.isEmpty ? nil : lines
    }

    private func finish(_ bytes: [UInt8], length: Int) throws -> InputLine {
        lineNumber += 1
        guard length <= maxLineBytes else { return .tooLong(number: lineNumber, bytes: length) }
        var text = bytes[...]
        if lineNumber == 1, text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
        if text.last == 0x0D { text = text.dropLast() }
        guard let decoded = String(validating: text, as: UTF8.self) else {
            throw Seq2SeqError.malformedLine(path: path, line: lineNumber, reason: "invalid UTF-8")
        }
        return .text(NumberedLine(number: lineNumber, text: decoded))
    }

    private func refill() throws {
        start = 0
        end = 0
        while true {
            let got = block.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw Seq2SeqError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
            }
            if got == 0 { exhausted = true } else { readAnything = true }
            end = got
            return
        }
    }
}
