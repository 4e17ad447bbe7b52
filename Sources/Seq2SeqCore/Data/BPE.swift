// BPE.swift — byte-pair encoding (Sennrich, Haddow & Birch 2016, "Neural Machine Translation of Rare Words with
// Subword Units"): learn merges from word counts, cut a word into subword pieces with them. Stage [1]; the merges
// live in the checkpoint config (SPEC §2) as "left right" strings in merge order, like subword-nmt's codes file.

import Synchronization

/// A table of merges learned by byte-pair encoding, and the cutting of words into pieces with it.
///
/// A word starts as its characters (`Character`s, so "é" or "👍🏽" is never cut), the last one marked as the end of
/// the word: "low" is `l o w</w>`. A merge joins two adjacent symbols into one: `l o` gives `lo w</w>`. The end
/// mark keeps a piece that ends a word ("er</w>" in "lower") apart from the same letters inside one ("er" in
/// "very"), as in the paper.
///
/// **Learning** counts every adjacent pair of symbols over all words (each weighted by how often the word occurs),
/// merges the most frequent pair everywhere (left to right, so `a a a` with `a a` gives `aa a`), and repeats. A tie
/// goes to the pair whose left symbol, then right symbol, comes first in byte order (UTF-8, end marks included):
/// a rule that does not depend on the order of the corpus or of a hash table. Learning stops after `count` merges,
/// or earlier when no pair occurs twice (a pair seen once would only memorise one word). Only the words holding the
/// merged pair are recounted, and a priority queue finds the next best pair: no full recount per merge.
///
/// **Cutting** a word applies the merges in the order they were learned: of the adjacent pairs present, the one
/// learned first is merged everywhere, then again, until no pair of the word is in the table. A training word
/// therefore gets exactly the pieces learning gave it; an unseen word falls back to smaller pieces, at worst its
/// characters. Pieces are substrings of the word, in order: joined, they give the word back exactly.
public struct BytePairEncoding: Equatable, Sendable {
    /// One merge: two adjacent symbols become one. A symbol ending the word carries `endOfWord`.
    public struct Merge: Hashable, Sendable {
        /// The first piece of the pair.
        public var left: String
        /// The piece that follows `left`.
        public var right: String

        /// The pair `left right`, to be merged into `left + right`.
        public init(_ left: String, _ right: String) {
            self.left = left
            self.right = right
        }

        /// "left right", the form stored in the checkpoint.
        public var text: String { left + " " + right }
    }

    /// Merges learned when `train --bpe-merges` is not given: on Corpora/eng-fra-tutorial's 10,421 training pairs, 2,000
    /// merges leave 71 English and 78 French tokens seen only once (words: 1,037 and 2,139) for sentences 1.2–1.3
    /// times as long as in words; `seq2seq train --help` gives the numbers for other counts.
    public static let defaultMergeCount = 2000

    /// The end-of-word mark on a word's last symbol, as in the paper and subword-nmt.
    public static let endOfWord = "</w>"
    /// The word cache holds at most this many words; then it starts afresh (so streaming any amount of text
    /// through `translate` keeps memory bounded).
    static let cacheLimit = 1 << 16

    /// The merges in the order they were learned (and are applied).
    public let merges: [Merge]
    /// merge → its position in `merges`; the first position wins if a table repeats a merge.
    private let ranks: [Merge: Int]
    /// word → its pieces, for the words already cut (a translator sees the same words again and again).
    private let cache = PieceCache()

    /// A tokenizer's cutter from a learned merge table, applied in table order.
    public init(merges: [Merge]) {
        self.merges = merges
        var ranks: [Merge: Int] = [:]
        for (rank, merge) in merges.enumerated() where ranks[merge] == nil { ranks[merge] = rank }
        self.ranks = ranks
    }

    /// The merges as the checkpoint stores them: "left right" strings, each two non-empty symbols separated by one
    /// space (U+0020, which no token holds: it is always a gap between tokens).
    public init(mergeTexts: [String]) throws(BPEMergeError) {
        var merges: [Merge] = []
        merges.reserveCapacity(mergeTexts.count)
        for (index, text) in mergeTexts.enumerated() {
            // Split on the scalar, not on Characters: a combining mark after the space would hide it in a grapheme.
            let halves = text.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false)
            guard halves.count == 2, !halves[0].isEmpty, !halves[1].isEmpty else {
                throw BPEMergeError(index: index, text: text)
            }
            merges.append(Merge(String(String.UnicodeScalarView(halves[0])), String(String.UnicodeScalarView(halves[1]))))
        }
        self.init(merges: merges)
    }

    /// The merges as "left right" strings, in merge order (the JSON form).
    public var mergeTexts: [String] { merges.map(\.text) }

    /// Equal when the merge tables are equal; the piece cache is not compared.
    public static func == (a: BytePairEncoding, b: BytePairEncoding) -> Bool { a.merges == b.merges }

    // MARK: - Cutting a word

    /// The pieces of `word`, in order: substrings that concatenate to `word` (none for an empty word).
    public func pieces(_ word: String) -> [String] {
        if let known = cache.pieces(of: word) { return known }
        let pieces = Self.split(word, ranks: ranks)
        cache.store(pieces, for: word)
        return pieces
    }

    /// Symbols of `word` after every applicable merge, without the end mark: substrings of `word`, in order.
    static func split(_ word: String, ranks: [Merge: Int]) -> [String] {
        var symbols = word.map { String($0) }
        guard !symbols.isEmpty else { return [] }
        symbols[symbols.count - 1] += endOfWord
        while symbols.count > 1 {
            var best: (rank: Int, merge: Merge)? = nil
            for k in 0 ..< symbols.count - 1 {
                let merge = Merge(symbols[k], symbols[k + 1])
                if let rank = ranks[merge], rank < best?.rank ?? Int.max { best = (rank, merge) }
            }
            guard let merge = best?.merge else { break }
            var merged: [String] = []
            merged.reserveCapacity(symbols.count)
            var k = 0
            while k < symbols.count {
                if k + 1 < symbols.count && symbols[k] == merge.left && symbols[k + 1] == merge.right {
                    merged.append(symbols[k] + symbols[k + 1])
                    k += 2
                } else {
                    merged.append(symbols[k])
                    k += 1
                }
            }
            symbols = merged
        }
        // The end mark was appended by us, so dropping its UTF-8 bytes gives back the word's own last characters
        // (hasSuffix/dropLast on Characters could see the mark fused with the character before it).
        let last = symbols[symbols.count - 1].utf8
        symbols[symbols.count - 1] = String(decoding: last.prefix(last.count - endOfWord.utf8.count), as: UTF8.self)
        return symbols
    }

    // MARK: - Learning

    /// Learns at most `count` merges from `words` (word → how often it occurs); see the type's description.
    public static func learn(words: [String: Int], count: Int) -> BytePairEncoding {
        var learner = Learner(words: words)
        var merges: [Merge] = []
        while merges.count < count, let merge = learner.mergeBestPair() { merges.append(merge) }
        return BytePairEncoding(merges: merges)
    }
}

/// In JSON, the table is an array of "left right" strings in merge order.
extension BytePairEncoding: Codable {
    /// Decodes the array of "left right" strings; a malformed entry throws `BPEMergeError` naming the JSON field.
    public init(from decoder: any Decoder) throws {
        let texts = try decoder.singleValueContainer().decode([String].self)
        do { try self.init(mergeTexts: texts) } catch {
            var error = error
            error.field = decoder.codingPath.map(\.stringValue).joined(separator: ".")
            throw error
        }
    }

    /// Encodes the table as the array of "left right" strings.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(mergeTexts)
    }
}

/// A merge table entry that is not "left right".
public struct BPEMergeError: Error, CustomStringConvertible {
    /// Position in the table, from 0.
    public var index: Int
    /// The entry as it was read.
    public var text: String
    /// Where the table was read from (the JSON key), for the message.
    public var field = "merges"

    /// The error as one line naming the entry and what was expected.
    public var description: String {
        "\(field)[\(index)] is \(text.debugDescription), expected two symbols separated by one space"
    }
}

/// The memo of `BytePairEncoding.pieces`: shared by every copy of a table, safe from any thread.
private final class PieceCache: Sendable {
    private let words = Mutex<[String: [String]]>([:])

    func pieces(of word: String) -> [String]? { words.withLock { $0[word] } }

    func store(_ pieces: [String], for word: String) {
        words.withLock { words in
            if words.count >= BytePairEncoding.cacheLimit { words.removeAll(keepingCapacity: true) }
            words[word] = pieces
        }
    }
}

/// The learning state: every word type as symbol ids, the count of every adjacent pair, which words hold each
/// pair, and a priority queue of (count, pair) entries. A queue entry whose count is no longer the pair's count
/// is stale and skipped when it comes out; every count change pushes a fresh entry.
private struct Learner {
    typealias Symbol = Int32
    /// Symbol id → its text (with the end mark on word-final symbols); ids are handed out as symbols appear.
    var symbols: [String] = []
    var ids: [String: Symbol] = [:]
    /// Each word type as symbol ids, and how often it occurs.
    var words: [[Symbol]] = []
    var frequencies: [Int] = []
    /// Adjacent pair (left << 32 | right) → summed frequency; pairs that no longer occur are removed.
    var pairCounts: [UInt64: Int] = [:]
    /// Pair → the words that held it when it appeared (some may have lost it since: checked when used).
    var pairWords: [UInt64: [Int32]] = [:]
    var queue: [(count: Int, pair: UInt64)] = []
    /// visitedAt[w] = the merge that last rewrote word w (a word may be listed twice for one pair).
    var visitedAt: [Int] = []
    var mergesDone = 0

    init(words counts: [String: Int]) {
        // Sorted, so that symbol ids (and hence everything) do not depend on the dictionary's order.
        for (word, frequency) in counts.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
        where frequency > 0 && !word.isEmpty {
            var characters = word.map { String($0) }
            characters[characters.count - 1] += BytePairEncoding.endOfWord
            var symbolIds: [Symbol] = []
            for character in characters { symbolIds.append(intern(character)) }
            words.append(symbolIds)
            frequencies.append(frequency)
        }
        visitedAt = Array(repeating: -1, count: words.count)
        for w in words.indices {
            for k in 0 ..< words[w].count - 1 {
                let pair = Self.pair(words[w][k], words[w][k + 1])
                pairCounts[pair, default: 0] += frequencies[w]
                pairWords[pair, default: []].append(Int32(w))
            }
        }
        for (pair, count) in pairCounts { push(count, pair) }
    }

    static func pair(_ left: Symbol, _ right: Symbol) -> UInt64 { UInt64(UInt32(left)) << 32 | UInt64(UInt32(right)) }
    static func left(_ pair: UInt64) -> Symbol { Symbol(truncatingIfNeeded: pair >> 32) }
    static func right(_ pair: UInt64) -> Symbol { Symbol(truncatingIfNeeded: pair & 0xFFFF_FFFF) }

    mutating func intern(_ text: String) -> Symbol {
        if let id = ids[text] { return id }
        let id = Symbol(symbols.count)
        symbols.append(text)
        ids[text] = id
        return id
    }

    /// Merges the best pair occurring at least twice in every word holding it, and returns it (nil: none left).
    mutating func mergeBestPair() -> BytePairEncoding.Merge? {
        guard let (count, pair) = popBest(), count >= 2 else { return nil }
        let (a, b) = (Self.left(pair), Self.right(pair))
        let merged = intern(symbols[Int(a)] + symbols[Int(b)])
        var touched: Set<UInt64> = []
        for w in pairWords[pair] ?? [] where visitedAt[Int(w)] != mergesDone {
            let w = Int(w)
            visitedAt[w] = mergesDone
            let old = words[w], f = frequencies[w]
            var new: [Symbol] = []
            new.reserveCapacity(old.count)
            var k = 0
            while k < old.count {
                if k + 1 < old.count && old[k] == a && old[k + 1] == b {
                    new.append(merged)
                    k += 2
                } else {
                    new.append(old[k])
                    k += 1
                }
            }
            guard new.count < old.count else { continue }   // listed, but the pair has gone from this word since
            // Take the word's old pairs out of the counts and put its new ones in; only pairs with the new symbol
            // are new to this word, so only they are indexed again.
            for k in 0 ..< old.count - 1 {
                let p = Self.pair(old[k], old[k + 1])
                pairCounts[p, default: 0] -= f
                if pairCounts[p] == 0 { pairCounts[p] = nil }
                touched.insert(p)
            }
            for k in 0 ..< new.count - 1 {
                let p = Self.pair(new[k], new[k + 1])
                pairCounts[p, default: 0] += f
                touched.insert(p)
                if new[k] == merged || new[k + 1] == merged { pairWords[p, default: []].append(Int32(w)) }
            }
            words[w] = new
        }
        pairWords[pair] = nil
        for p in touched { if let c = pairCounts[p] { push(c, p) } }
        mergesDone += 1
        return BytePairEncoding.Merge(symbols[Int(a)], symbols[Int(b)])
    }

    // MARK: Priority queue (a binary heap; the root is the best entry)

    /// Higher count first; a tie goes to the pair whose left, then right, symbol comes first in byte order.
    func isBetter(_ x: (count: Int, pair: UInt64), _ y: (count: Int, pair: UInt64)) -> Bool {
        if x.count != y.count { return x.count > y.count }
        if x.pair == y.pair { return false }
        let (xl, yl) = (symbols[Int(Self.left(x.pair))], symbols[Int(Self.left(y.pair))])
        if xl != yl { return xl.utf8.lexicographicallyPrecedes(yl.utf8) }
        return symbols[Int(Self.right(x.pair))].utf8.lexicographicallyPrecedes(symbols[Int(Self.right(y.pair))].utf8)
    }

    mutating func push(_ count: Int, _ pair: UInt64) {
        queue.append((count, pair))
        var child = queue.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard isBetter(queue[child], queue[parent]) else { break }
            queue.swapAt(child, parent)
            child = parent
        }
    }

    /// The best pair still occurring with the count of its entry (stale entries are dropped on the way).
    mutating func popBest() -> (count: Int, pair: UInt64)? {
        while let top = queue.first {
            let last = queue.removeLast()
            if !queue.isEmpty {
                queue[0] = last
                var parent = 0
                while true {
                    let (l, r) = (2 * parent + 1, 2 * parent + 2)
                    var best = parent
                    if l < queue.count && isBetter(queue[l], queue[best]) { best = l }
                    if r < queue.count && isBetter(queue[r], queue[best]) { best = r }
                    if best == parent { break }
                    queue.swapAt(parent, best)
                    parent = best
                }
            }
            if pairCounts[top.pair] == top.count { return top }
        }
        return nil
    }
}
