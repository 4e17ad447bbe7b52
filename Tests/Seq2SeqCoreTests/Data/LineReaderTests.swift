// LineReaderTests.swift — the streaming line reader of `translate`, `attention` and `inspect`: BOM and CRLF removed,
// blank lines kept, a last line without a line end read, lines across block boundaries whole, an over-long line and a
// line that is not UTF-8 reported (not kept) with the reading going on after them, empty input read as no lines,
// /dev/null read and a FIFO refused.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct LineReaderTests {
    static func lines(of bytes: [UInt8], maxLineBytes: Int = 1 << 20) throws -> [InputLine] {
        let path = TinyCheckpoint.temporaryPath("lines.txt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reader = try LineReader(path: path, maxLineBytes: maxLineBytes)
        var lines: [InputLine] = []
        while let line = try reader.next() { lines.append(line) }
        return lines
    }

    @Test func linesComeBackAsWritten() throws {
        let lines = try Self.lines(of: [0xEF, 0xBB, 0xBF] + Array("één\r\n\nzwei\nlast".utf8))
        #expect(lines == [.text(NumberedLine(number: 1, text: "één")), .text(NumberedLine(number: 2, text: "")),
                          .text(NumberedLine(number: 3, text: "zwei")), .text(NumberedLine(number: 4, text: "last"))])
    }

    @Test func longInputAcrossBlocks() throws {
        // 300,000 lines (> one 1 MB block) come back complete and in order.
        let text = (1...300_000).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let lines = try Self.lines(of: Array(text.utf8))
        #expect(lines.count == 300_000)
        #expect(lines[123_456] == .text(NumberedLine(number: 123_457, text: "line 123457")))
    }

    @Test func overLongLineIsReportedAndReadingGoesOn() throws {
        let lines = try Self.lines(of: Array("short\n0123456789abcdef\nafter\n".utf8), maxLineBytes: 10)
        #expect(lines == [.text(NumberedLine(number: 1, text: "short")), .tooLong(number: 2, bytes: 16),
                          .text(NumberedLine(number: 3, text: "after"))])
    }

    @Test func invalidUTF8IsReportedAndReadingGoesOn() throws {
        let lines = try Self.lines(of: Array("ok\n".utf8) + [0x61, 0xC3, 0x28] + Array("\nafter\n".utf8))
        #expect(lines == [.text(NumberedLine(number: 1, text: "ok")), .invalidUTF8(number: 2, byte: 2),
                          .text(NumberedLine(number: 3, text: "after"))])
    }

    @Test func emptyInputHasNoLines() throws {
        #expect(try Self.lines(of: []).isEmpty)
    }

    @Test func specialFilesAreStreamsOrRefused() throws {
        // /dev/null is an empty stream; a FIFO is refused at once, never waited on.
        #expect(try LineReader(path: "/dev/null").next() == nil)
        let fifo = TinyCheckpoint.temporaryPath("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: fifo) }
        #expect {
            _ = try LineReader(path: fifo)
        } throws: { error in
            guard case let Seq2SeqError.unreadableFile(path, reason) = error else { return false }
            return path == fifo && reason.contains("FIFO")
        }
    }
}
