// CorpusTests.swift — the corpus reader accepts LF, CRLF, a byte-order mark and blank lines, and turns every
// malformed input into the right error naming the file and line; the writer round-trips atomically. Stage [1], SPEC §4.

import Foundation
import Testing
@testable import Seq2SeqCore

/// Unique paths under the temporary directory; each test removes what it made (`defer { ScratchFiles.remove(p) }`).
enum ScratchFiles {
    static func path(_ suffix: String = ".tsv") -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("seq2seq-test-\(UUID().uuidString)\(suffix)").path
    }

    static func write(_ bytes: [UInt8]) throws -> String {
        let path = path()
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func write(_ text: String) throws -> String { try write(Array(text.utf8)) }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }
}

/// The path, line and reason of a `.malformedLine` error, or nil for any other error.
private func malformedLine(_ error: Seq2SeqError?) -> (path: String, line: Int, reason: String)? {
    guard case let .malformedLine(path, line, reason)? = error else { return nil }
    return (path, line, reason)
}

/// Reads `bytes` from a fresh file and returns the path and the error thrown (the test fails if none is).
private func readError(
    _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) throws -> (path: String, error: Seq2SeqError?) {
    let path = try ScratchFiles.write(bytes)
    defer { ScratchFiles.remove(path) }
    let error = #expect(throws: Seq2SeqError.self, sourceLocation: sourceLocation) { try Corpus.readPairs(path: path) }
    return (path, error)
}

@Suite struct CorpusReadingTests {
    @Test func readsPairsKeepingTextAsWritten() throws {
        let path = try ScratchFiles.write("Hi.\tSalut.\nI'm OK.\tÇa va\u{202F}!\n")
        defer { ScratchFiles.remove(path) }
        #expect(try Corpus.readPairs(path: path) == [
            SentencePair(source: "Hi.", target: "Salut."),
            SentencePair(source: "I'm OK.", target: "Ça va\u{202F}!"),
        ])
    }

    @Test func acceptsCRLFAndByteOrderMarkAndMissingFinalNewline() throws {
        let path = try ScratchFiles.write([0xEF, 0xBB, 0xBF] + Array("a b\tc d\r\ne\tf".utf8))
        defer { ScratchFiles.remove(path) }
        #expect(try Corpus.readPairs(path: path) == [
            SentencePair(source: "a b", target: "c d"),
            SentencePair(source: "e", target: "f"),
        ])
    }

    @Test func skipsBlankLinesButCountsThem() throws {
        let good = try ScratchFiles.write("\n  \r\na\tb\n\n")
        defer { ScratchFiles.remove(good) }
        #expect(try Corpus.readPairs(path: good) == [SentencePair(source: "a", target: "b")])

        let (path, error) = try readError(Array("\n\r\na\tb\n   \nno tab here\n".utf8))
        let found = malformedLine(error)
        #expect(found?.path == path)
        #expect(found?.line == 5)
    }

    @Test func lineWithoutTab() throws {
        let (path, error) = try readError(Array("a\tb\nno tab\n".utf8))
        #expect(malformedLine(error)?.path == path)
        #expect(malformedLine(error)?.line == 2)
        #expect(malformedLine(error)?.reason.contains("no tab") == true)
        #expect(error?.description.hasPrefix("\(path):2: ") == true)
    }

    @Test func lineWithTwoTabs() throws {
        let (path, error) = try readError(Array("a\tb\nc\td\te\n".utf8))
        #expect(malformedLine(error)?.path == path)
        #expect(malformedLine(error)?.line == 2)
        #expect(malformedLine(error)?.reason.contains("2 tabs") == true)
    }

    @Test(arguments: [
        ("\tSalut.\n", "source"), (" \u{A0}\tSalut.\n", "source"), ("Hi.\t\n", "target"),
        ("Hi.\t   \n", "target"), ("\t\n", "source"), ("Hi.\t\r\n", "target"),
    ])
    func emptySide(line: String, side: String) throws {
        let (path, error) = try readError(Array("a\tb\n".utf8) + Array(line.utf8))
        #expect(malformedLine(error)?.path == path)
        #expect(malformedLine(error)?.line == 2)
        #expect(malformedLine(error)?.reason == "the \(side) side is empty")
    }

    /// Invalid bytes on line 3: a stray continuation byte, 0xFF, an overlong "/", a UTF-16 surrogate, a cut-off "é".
    @Test(arguments: [[0x80], [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xC3]] as [[UInt8]])
    func invalidUTF8OnLine3(bad: [UInt8]) throws {
        let bytes = Array("a\tb\nc\td\nef".utf8) + bad + Array("\tg\nh\ti\n".utf8)
        let (path, error) = try readError(bytes)
        #expect(malformedLine(error)?.path == path)
        #expect(malformedLine(error)?.line == 3)
        #expect(malformedLine(error)?.reason == "invalid UTF-8 at byte 3 of the line")
    }

    @Test func missingFile() throws {
        let path = ScratchFiles.path()
        let error = #expect(throws: Seq2SeqError.self) { try Corpus.readPairs(path: path) }
        #expect(error == .unreadableFile(path: path, reason: "no such file"))
    }

    @Test func folderIsNotAFile() throws {
        let path = ScratchFiles.path("")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        defer { ScratchFiles.remove(path) }
        let error = #expect(throws: Seq2SeqError.self) { try Corpus.readPairs(path: path) }
        guard case let .unreadableFile(errorPath, _)? = error else {
            Issue.record("expected .unreadableFile, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
    }

    @Test(arguments: [[], Array("\n\n  \n\r\n".utf8), [0xEF, 0xBB, 0xBF], [0xEF, 0xBB, 0xBF, 0x0A]] as [[UInt8]])
    func emptyFile(bytes: [UInt8]) throws {
        let (path, error) = try readError(bytes)
        #expect(error == .emptyFile(path: path))
    }

    @Test func byteOrderMarkOnlyAtTheStart() throws {
        // A BOM after the first byte is the character U+FEFF, not a mark: it stays in the text.
        let path = try ScratchFiles.write("a\tb\n\u{FEFF}c\td\n")
        defer { ScratchFiles.remove(path) }
        #expect(try Corpus.readPairs(path: path)[1].source == "\u{FEFF}c")
    }
}

@Suite struct CorpusWritingTests {
    @Test func writeThenReadRoundTrips() throws {
        let folder = ScratchFiles.path("")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        defer { ScratchFiles.remove(folder) }
        let path = folder + "/pairs.tsv"
        let pairs = [
            SentencePair(source: "I'm OK.", target: "Ça va\u{202F}!"),
            SentencePair(source: "3 1 4", target: "4 1 3"),
        ]
        try Corpus.writePairs(pairs, path: path)
        #expect(try Corpus.readPairs(path: path) == pairs)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "I'm OK.\tÇa va\u{202F}!\n3 1 4\t4 1 3\n")

        // Overwriting replaces the file and leaves no temporary file behind.
        try Corpus.writePairs([pairs[1]], path: path)
        #expect(try Corpus.readPairs(path: path) == [pairs[1]])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["pairs.tsv"])
    }

    @Test(arguments: [
        SentencePair(source: "a\tb", target: "c"), SentencePair(source: "a", target: "b\nc"),
        SentencePair(source: "a", target: "b\r\n"), SentencePair(source: " ", target: "c"),
        SentencePair(source: "a", target: ""),
    ])
    func refusesPairsThatCouldNotBeReadBack(pair: SentencePair) throws {
        let path = ScratchFiles.path()
        defer { ScratchFiles.remove(path) }
        let error = #expect(throws: Seq2SeqError.self) {
            try Corpus.writePairs([SentencePair(source: "ok", target: "ok"), pair], path: path)
        }
        guard case let .unwritableFile(errorPath, reason)? = error else {
            Issue.record("expected .unwritableFile, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
        #expect(reason.hasPrefix("pair 2: "))
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func missingFolder() throws {
        let path = ScratchFiles.path("") + "/no/such/folder/pairs.tsv"
        let error = #expect(throws: Seq2SeqError.self) {
            try Corpus.writePairs([SentencePair(source: "a", target: "b")], path: path)
        }
        guard case let .unwritableFile(errorPath, _)? = error else {
            Issue.record("expected .unwritableFile, got \(String(describing: error))")
            return
        }
        #expect(errorPath == path)
    }
}
