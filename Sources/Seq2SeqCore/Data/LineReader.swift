// LineReader.swift — text lines of user input in bounded memory (stage [1]), for `translate`, `attention` and
// `inspect`: read in 1 MB blocks through `InputFile` (so "-", /dev/stdin and process substitution work and a FIFO is
// refused), byte-order mark and CRLF removed, blank lines kept. A line that is too long or not UTF-8 is reported as
// such, on its own: the lines after it are still read, and no input can exhaust memory. `nextReady` returns the
// lines at hand without waiting for more, so that a line typed into a terminal or a pipe is answered at once.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of input: its text, or why it cannot be used (the reader goes on with the next line).
public enum InputLine: Equatable, Sendable {
    case text(NumberedLine)
    /// Longer than the reader keeps; never held whole.
    case tooLong(number: Int, bytes: Int)
    /// Not valid UTF-8; `byte` is the first bad byte, counted from 1 within the line.
    case invalidUTF8(number: Int, byte: Int)

    /// The 1-based line number, whatever the line held.
    public var number: Int {
        switch self {
        case let .text(line): return line.number
        case let .tooLong(number, _): return number
        case let .invalidUTF8(number, _): return number
        }
    }
}

/// Reads `InputLine`s one at a time from an `InputFile` in bounded memory.
public final class LineReader {
    /// The file or stream being read.
    public let input: InputFile
    /// Longest line, in bytes, the reader returns; a longer one comes back as `.tooLong`.
    public let maxLineBytes: Int
    private var block = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0, end = 0
    private var exhausted = false
    /// The line being read, as far as it came in: its first `maxLineBytes` bytes, its length, whether it has begun.
    /// Kept across calls, so that `nextReady` can stop in the middle of a line and the next call finish it.
    private var partial: [UInt8] = []
    private var partialLength = 0
    private var partialBegun = false
    /// Lines read so far: the number of the last line `next()` returned.
    public private(set) var linesRead = 0

    /// The name messages give the input: its path, or "<stdin>".
    public var path: String { input.path }

    /// Reads `input`; a line of more than `maxLineBytes` bytes is reported as `.tooLong`, not held.
    public init(_ input: InputFile, maxLineBytes: Int = 1 << 20) {
        self.input = input
        self.maxLineBytes = maxLineBytes
    }

    /// Reads the file at `path` ("-" is standard input); a file that cannot be opened → `.unreadableFile`.
    public convenience init(path: String, maxLineBytes: Int = 1 << 20) throws {
        self.init(try InputFile(path: path), maxLineBytes: maxLineBytes)
    }

    /// The next line, or nil after the last (at once for an empty input). A read error → `.unreadableFile`.
    public func next() throws -> InputLine? {
        switch try step(waiting: true) {
        case let .line(line): return line
        case .end, .wouldWait: return nil        // waiting, the reader never stops for want of input
        }
    }

    /// Up to `count` lines (fewer at the end; nil when there are none left).
    public func next(_ count: Int) throws -> [InputLine]? {
        var lines: [InputLine] = []
        while lines.count < count, let line = try next() { lines.append(line) }
        return lines.isEmpty ? nil : lines
    }

    /// Up to `count` lines, fewer when the input has nothing more ready: waits for the first line, then reads on only
    /// while the input's bytes are at hand (in the buffer, or ready to be read without waiting), and returns the lines
    /// read so far as soon as it would have to wait (the rest of an unfinished line stays for the next call). A file
    /// is always ready, so it comes in full batches of `count`; a line typed or written into a pipe comes back at
    /// once. Nil when there are no lines left.
    public func nextReady(_ count: Int) throws -> [InputLine]? {
        var lines: [InputLine] = []
        while lines.count < count {
            switch try step(waiting: lines.isEmpty) {
            case let .line(line): lines.append(line)
            case .end, .wouldWait: return lines.isEmpty ? nil : lines
            }
        }
        return lines
    }

    /// What one step of reading gave.
    private enum Step {
        case line(InputLine)
        /// The input has ended and no line is left.
        case end
        /// The line is not complete and reading more would wait (only when not `waiting`).
        case wouldWait
    }

    /// Reads on to the end of the current line; a read that would block is made only when `waiting`.
    private func step(waiting: Bool) throws -> Step {
        while true {
            if start == end {
                if exhausted { break }
                if !waiting && !input.hasBytesReady() { return .wouldWait }
                try refill()
                if start == end { break }
            }
            partialBegun = true
            let newline = nextLineFeed()
            let stop = newline ?? end
            let count = stop - start
            if partialLength + count <= maxLineBytes { partial.append(contentsOf: block[start..<stop]) }
            partialLength += count
            start = newline.map { $0 + 1 } ?? end
            if newline != nil { return .line(finishPartial()) }
        }
        return partialBegun ? .line(finishPartial()) : .end          // a last line without a line end
    }

    /// The line read so far, finished; the reader starts a new one.
    private func finishPartial() -> InputLine {
        let line = finish(partial, length: partialLength)
        partial = []
        partialLength = 0
        partialBegun = false
        return line
    }

    private func finish(_ bytes: [UInt8], length: Int) -> InputLine {
        linesRead += 1
        guard length <= maxLineBytes else { return .tooLong(number: linesRead, bytes: length) }
        var text = bytes[...]
        if linesRead == 1, text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
        if text.last == 0x0D { text = text.dropLast() }
        switch Corpus.decodeUTF8(text) {
        case let .success(decoded): return .text(NumberedLine(number: linesRead, text: decoded))
        case let .failure(invalid): return .invalidUTF8(number: linesRead, byte: invalid.byte)
        }
    }

    /// The index of the first LF in `block[start..<end]` (memchr: a 100 MB line is scanned at memory speed).
    private func nextLineFeed() -> Int? {
        block.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress, let found = memchr(base + start, 0x0A, end - start) else { return nil }
            return base.distance(to: UnsafeRawPointer(found))
        }
    }

    private func refill() throws {
        start = 0
        end = try block.withUnsafeMutableBytes { try input.readSome(into: $0) }
        if end == 0 { exhausted = true }
    }
}
