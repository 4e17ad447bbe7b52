// Corpus.swift — the corpus file format: UTF-8, one `source<TAB>target` pair a line (SPEC §4).
// Stage [1]. Reading is strict: every malformed line is an error naming the file and the 1-based line;
// writing is atomic (a temporary file in the same folder, then rename).

import Foundation

/// One training example: a source sentence and its translation, as written in the corpus.
public struct SentencePair: Equatable, Sendable {
    public var source: String
    public var target: String

    /// A pair of raw (untokenized) source and target sentences.
    public init(source: String, target: String) {
        self.source = source
        self.target = target
    }
}

/// One line of a text file, decoded, with its line ending removed; `number` counts from 1.
public struct NumberedLine: Equatable, Sendable {
    /// Line number in its file, from 1.
    public var number: Int
    public var text: String

    /// A line's text and its 1-based line number.
    public init(number: Int, text: String) {
        self.number = number
        self.text = text
    }
}

/// Reading and writing corpora: TSV files of `source<TAB>target` pairs, one a line.
public enum Corpus {
    /// Reads `source<TAB>target` lines. Strict: invalid UTF-8, a line without a tab or with more than one, an empty
    /// (whitespace-only) side → `Seq2SeqError.malformedLine(path:line:reason:)` with the 1-based line number;
    /// a missing file → `.unreadableFile`; zero bytes or no pair at all → `.emptyFile`. Accepts LF or CRLF line ends
    /// and a UTF-8 byte-order mark; blank lines are skipped (but still counted for line numbers).
    /// The text of each side is kept exactly as written (no trimming, no normalisation).
    /// The file is opened through `InputFile` ("-", /dev/stdin and process substitution are read; a FIFO is refused)
    /// and refused unread when it is larger than `readLimit`.
    public static func readPairs(path: String) throws -> [SentencePair] {
        try readNumberedPairs(path: path).map(\.pair)
    }

    /// `readPairs` with the line each pair was read from, for messages about a pair.
    public static func readNumberedPairs(path: String) throws -> [(line: Int, pair: SentencePair)] {
        let input = try InputFile(path: path)
        return try parseNumberedPairs(bytes: input.readAll(limit: readLimit, what: "a corpus"), path: input.path)
    }

    /// The parsing half of `readPairs`, for bytes already in memory; `path` only names the source in errors.
    public static func parsePairs(bytes: [UInt8], path: String) throws -> [SentencePair] {
        try parseNumberedPairs(bytes: bytes, path: path).map(\.pair)
    }

    static func parseNumberedPairs(bytes: [UInt8], path: String) throws -> [(line: Int, pair: SentencePair)] {
        var pairs: [(line: Int, pair: SentencePair)] = []
        for line in try decodeLines(bytes: bytes, path: path) {
            let text = line.text
            let tabCount = text.utf8.reduce(0) { $0 + ($1 == tab ? 1 : 0) }
            if tabCount == 0 && isBlank(text) { continue }                  // a blank line, not a pair
            guard tabCount == 1, let tabIndex = text.utf8.firstIndex(of: tab) else {
                let reason = tabCount == 0
                    ? "no tab: expected `source<TAB>target`"
                    : "\(tabCount) tabs: expected exactly one, between source and target"
                throw Seq2SeqError.malformedLine(path: path, line: line.number, reason: reason)
            }
            let source = String(text[..<tabIndex]), target = String(text[text.utf8.index(after: tabIndex)...])
            if isBlank(source) {
                throw Seq2SeqError.malformedLine(path: path, line: line.number, reason: "the source side is empty")
            }
            if isBlank(target) {
                throw Seq2SeqError.malformedLine(path: path, line: line.number, reason: "the target side is empty")
            }
            pairs.append((line.number, SentencePair(source: source, target: target)))
        }
        guard !pairs.isEmpty else { throw Seq2SeqError.emptyFile(path: path) }
        return pairs
    }

    /// The lines of a text file (a training log): UTF-8 checked, BOM and CRLF removed, blank lines kept; opened and
    /// bounded as `readPairs` opens and bounds a corpus.
    public static func readLines(path: String) throws -> [NumberedLine] {
        let input = try InputFile(path: path)
        return try decodeLines(bytes: input.readAll(limit: readLimit, what: "a text file"), path: input.path)
    }

    /// Splits UTF-8 bytes into lines: LF or CRLF ends, an optional byte-order mark at the start, every line
    /// checked to be valid UTF-8 (→ `.malformedLine` naming the byte) and at most `maxLineBytes` long (→
    /// `.lineTooLong`). Blank lines are kept; a final line end does not start another line. Zero bytes → `.emptyFile`.
    public static func decodeLines(bytes: [UInt8], path: String) throws -> [NumberedLine] {
        guard !bytes.isEmpty else { throw Seq2SeqError.emptyFile(path: path) }
        let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
        var start = bytes.starts(with: byteOrderMark) ? byteOrderMark.count : 0
        var lines: [NumberedLine] = []
        while start < bytes.count {
            let newline = bytes.withUnsafeBytes { all -> Int? in     // memchr: a 100 MB line is scanned at memory speed
                guard let base = all.baseAddress, let found = memchr(base + start, Int32(lineFeed), all.count - start) else { return nil }
                return base.distance(to: UnsafeRawPointer(found))
            } ?? bytes.count
            var end = newline
            if end > start && bytes[end - 1] == carriageReturn { end -= 1 }     // CRLF
            let number = lines.count + 1
            guard end - start <= maxLineBytes else {
                throw Seq2SeqError.lineTooLong(path: path, line: number, bytes: end - start, limit: maxLineBytes)
            }
            switch decodeUTF8(bytes[start..<end]) {
            case let .success(text): lines.append(NumberedLine(number: number, text: text))
            case let .failure(invalid):
                throw Seq2SeqError.malformedLine(path: path, line: number, reason: "invalid UTF-8 at byte \(invalid.byte) of the line")
            }
            start = newline + 1
        }
        return lines
    }

    /// The longest line a corpus may have, in bytes (as `LineReader` keeps lines of input): far beyond any sentence,
    /// and small enough that tokenizing one line cannot take a noticeable part of memory.
    public static let maxLineBytes = 1 << 20

    /// How much memory a corpus takes, per byte of its file, once read and tokenized: the bytes read, its lines and
    /// pairs (about one copy each), and each token as a string (16 bytes) and an id (8 bytes), for tokens as short as
    /// one byte (char tokenization).
    public static let memoryPerByte = 27

    /// The largest corpus file that is read: what the process may use (`MemoryBudget`) over `memoryPerByte`.
    public static var readLimit: Int { Int(MemoryBudget.bytes / Double(memoryPerByte)) }

    /// Writes pairs as TSV (`source<TAB>target`, LF line ends), atomically: a temporary file in the same folder,
    /// then rename, so readers never see half a file. A side holding a tab, LF or CR, or an empty side, could not
    /// be read back and gives `.unwritableFile` naming the pair.
    public static func writePairs(_ pairs: [SentencePair], path: String) throws {
        var bytes: [UInt8] = []
        for (index, pair) in pairs.enumerated() {
            for (side, value) in [("source", pair.source), ("target", pair.target)] {
                if isBlank(value) {
                    throw Seq2SeqError.unwritableFile(path: path, reason: "pair \(index + 1): the \(side) side is empty")
                }
                if value.utf8.contains(where: { $0 == tab || $0 == lineFeed || $0 == carriageReturn }) {
                    throw Seq2SeqError.unwritableFile(
                        path: path, reason: "pair \(index + 1): the \(side) side holds a tab or a line break")
                }
            }
            bytes.append(contentsOf: pair.source.utf8)
            bytes.append(tab)
            bytes.append(contentsOf: pair.target.utf8)
            bytes.append(lineFeed)
        }
        try writeFileAtomically(bytes, to: path)
    }

    /// What the sizes of a split count: pairs, or distinct source sentences (each with all of its translations).
    public enum SizeUnit: String, CaseIterable, Sendable {
        case pairs, sources
    }

    /// Divides `pairs` into test, dev and train by whole groups of identical source sentences: the groups are
    /// shuffled with SplitMix64(seed); each in turn goes to test if it fits in what test still lacks, else to dev
    /// if it fits there, else to train. Sizes count pairs (`.pairs`: with many one-pair groups, test and dev get
    /// exactly the sizes asked for) or groups (`.sources`: test and dev get exactly that many source sentences, with
    /// all their translations). Each split keeps the input order. Throws when a split would be empty.
    public static func split(_ pairs: [SentencePair], seed: UInt64, devSize: Int, testSize: Int, sizesIn unit: SizeUnit = .pairs,
                      input: String) throws -> (train: [SentencePair], dev: [SentencePair], test: [SentencePair]) {
        var groupOfSource: [String: Int] = [:]
        var groups: [[Int]] = []                           // pair indices, one group per distinct source
        for (index, pair) in pairs.enumerated() {
            if let group = groupOfSource[pair.source] {
                groups[group].append(index)
            } else {
                groupOfSource[pair.source] = groups.count
                groups.append([index])
            }
        }
        var order = Array(groups.indices)
        var rng = SplitMix64(seed: seed)
        rng.shuffle(&order)

        var train: [Int] = [], dev: [Int] = [], test: [Int] = []
        var testFill = 0, devFill = 0                       // in `unit`s
        for group in order.map({ groups[$0] }) {
            let size = switch unit {
            case .pairs: group.count
            case .sources: 1
            }
            if testFill + size <= testSize {
                test += group
                testFill += size
            } else if devFill + size <= devSize {
                dev += group
                devFill += size
            } else {
                train += group
            }
        }
        func impossible(_ problem: SplitProblem) -> Seq2SeqError {
            .impossibleSplit(path: input, pairs: pairs.count, sources: groups.count, problem: problem)
        }
        guard !test.isEmpty else { throw impossible(.testTooSmall) }
        guard !dev.isEmpty else { throw impossible(.devTooSmall) }
        guard !train.isEmpty else { throw impossible(.nothingLeftForTrain(testSize: testSize)) }
        func inInputOrder(_ indices: [Int]) -> [SentencePair] { indices.sorted().map { pairs[$0] } }
        return (inInputOrder(train), inInputOrder(dev), inInputOrder(test))
    }

    // MARK: - Helpers

    private static let tab: UInt8 = 0x09, lineFeed: UInt8 = 0x0A, carriageReturn: UInt8 = 0x0D

    /// Blank = nothing but whitespace (also true of "").
    static func isBlank(_ text: some StringProtocol) -> Bool {
        text.unicodeScalars.allSatisfy(\.properties.isWhitespace)
    }

    /// Where a line stops being UTF-8: the first bad byte, counted from 1 within the line.
    struct InvalidUTF8: Error {
        let byte: Int
    }

    /// Decodes one line, or names the first byte that is not valid UTF-8.
    static func decodeUTF8(_ bytes: ArraySlice<UInt8>) -> Result<String, InvalidUTF8> {
        let text = String(decoding: bytes, as: UTF8.self)
        // Decoding replaces each invalid sequence by U+FFFD, so the bytes come back unchanged exactly when valid.
        if text.utf8.elementsEqual(bytes) { return .success(text) }
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while case .valid(let scalar) = parser.parseScalar(from: &iterator) { offset += scalar.count }
        return .failure(InvalidUTF8(byte: offset + 1))
    }
}
