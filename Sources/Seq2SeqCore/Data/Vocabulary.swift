// Vocabulary.swift — tokens ⇄ ids. Ids 0..3 are <pad> <unk> <s> </s> (SPEC §1 "Tokens"); the token list travels
// in the checkpoint metadata as a compact JSON array (SPEC §2). Stage [2].

import Foundation

/// Token ⇄ id map of one side; ids 0..3 are the specials, unknown tokens map to <unk>. Stage [2].
public struct Vocabulary: Equatable, Sendable {
    public static let pad = 0, unk = 1, bos = 2, eos = 3            // SPEC §1: <pad> <unk> <s> </s>
    /// The special tokens, in id order.
    public static let specials = ["<pad>", "<unk>", "<s>", "</s>"]

    /// Every token, in id order: `tokens[id]`.
    public let tokens: [String]
    /// The inverse of `tokens`.
    private let ids: [String: Int]

    /// A vocabulary from its token list, which must start with the four specials in order and hold no token twice.
    public init(tokens: [String]) throws {
        guard tokens.starts(with: Self.specials) else {
            throw Seq2SeqError.invalidConfiguration(
                reason: "a vocabulary must start with \(Self.jsonArray(of: Self.specials)), in that order")
        }
        var ids: [String: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() {
            if let first = ids[token] {
                throw Seq2SeqError.invalidConfiguration(
                    reason: "the vocabulary holds the token \(jsonQuoted(token)) twice (ids \(first) and \(id))")
            }
            ids[token] = id
        }
        self.tokens = tokens
        self.ids = ids
    }

    /// Counts the tokens of `sentences` (the specials are never counted), keeps those seen at least `minCount` times,
    /// orders them by count, highest first, then by token string ascending (so the result is deterministic), and
    /// keeps the first ones so that the vocabulary, the four specials included, has at most `maxSize` tokens
    /// (a `maxSize` below 4 keeps the specials only).
    public static func build(from sentences: [[String]], minCount: Int = 1, maxSize: Int? = nil) -> Vocabulary {
        let specialSet = Set(specials)
        var counts: [String: Int] = [:]
        for sentence in sentences {
            for token in sentence where !specialSet.contains(token) {
                counts[token, default: 0] += 1
            }
        }
        let ranked = counts
            .filter { $0.value >= minCount }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map(\.key)
        let room = maxSize.map { max($0 - specials.count, 0) } ?? ranked.count
        let tokens = specials + ranked.prefix(room)
        var ids: [String: Int] = [:]
        for (id, token) in tokens.enumerated() { ids[token] = id }
        return Vocabulary(validatedTokens: tokens, ids: ids)
    }

    private init(validatedTokens tokens: [String], ids: [String: Int]) {
        self.tokens = tokens
        self.ids = ids
    }

    /// Tokens including the four specials: Vs or Vt.
    public var count: Int { tokens.count }

    /// The id of `token`; a token outside the vocabulary gets `Vocabulary.unk`.
    public func id(of token: String) -> Int { ids[token] ?? Self.unk }

    /// The token of `id`; an id outside 0..<count gives "<unk>".
    public func token(at id: Int) -> String {
        tokens.indices.contains(id) ? tokens[id] : Self.specials[Self.unk]
    }

    /// Ids of `tokens`; a token not in the vocabulary becomes <unk>.
    public func encode(_ tokens: [String]) -> [Int] { tokens.map(id(of:)) }

    /// Tokens of `ids`.
    public func decode(_ ids: [Int]) -> [String] { ids.map(token(at:)) }

    /// Equal when the token lists are equal (the id dictionary is their inverse).
    public static func == (lhs: Vocabulary, rhs: Vocabulary) -> Bool { lhs.tokens == rhs.tokens }

    // MARK: - JSON, for the checkpoint metadata

    /// Compact JSON array of the token strings in id order, e.g. `["<pad>","<unk>","<s>","</s>","the"]`.
    /// Written by hand so the bytes are the same on every platform: only `"`, `\` and control characters are
    /// escaped; everything else is literal UTF-8.
    public func jsonArray() -> String { Self.jsonArray(of: tokens) }

    /// The inverse of `jsonArray()`; anything but a JSON array of strings forming a valid vocabulary →
    /// `Seq2SeqError.invalidConfiguration`.
    public init(jsonArray: String) throws {
        let tokens: [String]
        do {
            tokens = try JSONDecoder().decode([String].self, from: Data(jsonArray.utf8))
        } catch {
            throw Seq2SeqError.invalidConfiguration(reason: "the vocabulary is not a JSON array of strings")
        }
        try self.init(tokens: tokens)
    }

    private static func jsonArray(of strings: [String]) -> String {
        "[" + strings.map(jsonQuoted).joined(separator: ",") + "]"
    }
}
