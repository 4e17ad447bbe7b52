// VocabularyTests.swift — ids 0..3 are the specials, build's order and limits, unknown tokens, and the JSON array
// of the checkpoint metadata (exact bytes, round trip, bad input). Stage [2], SPEC §1 "Tokens" and §2.

import Foundation
import Testing
@testable import Seq2SeqCore

private let sentences = [["b", "a", "c", "a"], ["c", "a", "<s>", "d", "</s>"], ["<unk>", "e", "d"]]
// counts: a 3, c 2, d 2, b 1, e 1 (the specials are not counted)

@Suite struct VocabularyTests {
    @Test func specialsComeFirst() {
        #expect(Vocabulary.specials == ["<pad>", "<unk>", "<s>", "</s>"])
        #expect([Vocabulary.pad, Vocabulary.unk, Vocabulary.bos, Vocabulary.eos] == [0, 1, 2, 3] as [Int])
        let empty = Vocabulary.build(from: [])
        #expect(empty.tokens == Vocabulary.specials)
        #expect(empty.count == 4)
    }

    @Test func buildOrdersByCountThenToken() {
        #expect(Vocabulary.build(from: sentences).tokens == Vocabulary.specials + ["a", "c", "d", "b", "e"])
    }

    @Test func buildIsIndependentOfSentenceOrder() {
        #expect(Vocabulary.build(from: sentences.reversed()) == Vocabulary.build(from: sentences))
    }

    @Test func buildKeepsTokensSeenAtLeastMinCount() {
        #expect(Vocabulary.build(from: sentences, minCount: 2).tokens == Vocabulary.specials + ["a", "c", "d"])
        #expect(Vocabulary.build(from: sentences, minCount: 4).tokens == Vocabulary.specials)
    }

    @Test(arguments: [(9, 9), (6, 6), (100, 9), (4, 4), (2, 4), (0, 4)])
    func maxSizeCountsTheSpecials(maxSize: Int, expectedCount: Int) {
        let vocabulary = Vocabulary.build(from: sentences, maxSize: maxSize)
        #expect(vocabulary.count == expectedCount)
        #expect(vocabulary.tokens == Array((Vocabulary.specials + ["a", "c", "d", "b", "e"]).prefix(expectedCount)))
    }

    @Test func encodeAndDecode() {
        let vocabulary = Vocabulary.build(from: sentences)
        #expect(vocabulary.encode(["a", "zzz", "e", "</s>"]) == [4, Vocabulary.unk, 8, Vocabulary.eos])
        #expect(vocabulary.decode([4, 1, 8, 3]) == ["a", "<unk>", "e", "</s>"])
        #expect(vocabulary.id(of: "<pad>") == Vocabulary.pad)
        #expect(vocabulary.token(at: 99) == "<unk>")
        #expect(vocabulary.token(at: -1) == "<unk>")
    }

    @Test func initChecksSpecialsAndDuplicates() throws {
        #expect(try Vocabulary(tokens: Vocabulary.specials + ["x"]).id(of: "x") == 4)
        for bad in [[], ["<pad>", "<unk>", "<s>"], ["<unk>", "<pad>", "<s>", "</s>"], ["x"] + Vocabulary.specials,
                    Vocabulary.specials + ["x", "y", "x"], Vocabulary.specials + ["<s>"]] {
            let error = #expect(throws: Seq2SeqError.self) { try Vocabulary(tokens: bad) }
            guard case .invalidConfiguration? = error else {
                Issue.record("expected .invalidConfiguration for \(bad), got \(String(describing: error))")
                continue
            }
        }
        let error = #expect(throws: Seq2SeqError.self) { try Vocabulary(tokens: Vocabulary.specials + ["x", "y", "x"]) }
        #expect(error?.description == #"invalid configuration: the vocabulary holds the token "x" twice (ids 4 and 6)"#)
    }

    @Test func jsonArrayIsCompactAndExact() throws {
        let vocabulary = try Vocabulary(tokens: Vocabulary.specials + ["a\"b", "c\\d", "\t", "\u{1}", "é", "￭.", "/"])
        #expect(vocabulary.jsonArray()
            == #"["<pad>","<unk>","<s>","</s>","a\"b","c\\d","\t","\u0001","é","￭.","/"]"#)
        // Foundation's parser reads it back the same.
        let parsed = try JSONSerialization.jsonObject(with: Data(vocabulary.jsonArray().utf8)) as? [String]
        #expect(parsed == vocabulary.tokens)
    }

    @Test func jsonRoundTrip() throws {
        let tokens = Tokenizer(tokenization: .word, lowercase: false)
            .tokenize("« Ça va\u{202F}? » — \"Oui\\non\", dit-il. 👍🏽")
        let vocabulary = Vocabulary.build(from: [tokens, ["\n", "\u{7F}", "\u{2028}"]])
        let decoded = try Vocabulary(jsonArray: vocabulary.jsonArray())
        #expect(decoded == vocabulary)
        #expect(decoded.tokens.map { Array($0.unicodeScalars) } == vocabulary.tokens.map { Array($0.unicodeScalars) })
    }

    @Test(arguments: ["", "[", "{}", "[1,2,3,4]", "null", #"["<pad>","<unk>","<s>"]"#,
                      #"["<pad>","<unk>","<s>","</s>","a","a"]"#, #"["<pad>","<unk>","<s>","</s>"] x"#])
    func badJSON(json: String) {
        let error = #expect(throws: Seq2SeqError.self) { try Vocabulary(jsonArray: json) }
        guard case .invalidConfiguration? = error else {
            Issue.record("expected .invalidConfiguration, got \(String(describing: error))")
            return
        }
    }
}
