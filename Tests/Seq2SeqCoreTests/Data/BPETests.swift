// BPETests.swift — byte-pair encoding: merges learned by hand on a tiny corpus, applied in order, deterministic;
// `bpe` tokens detokenize to every line of Corpora/eng-fra-tutorial/train.tsv; unseen words fall back to smaller pieces;
// the merges survive the checkpoint and a resumed run. Stage [1], [8].

import Foundation
import Testing
@testable import Seq2SeqCore

/// Same Unicode scalars (String's `==` would also accept a canonically equivalent text).
private func sameScalars(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.elementsEqual(b.unicodeScalars)
}

private let engFra = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Corpora/eng-fra-tutorial").path

/// The paper's example vocabulary (Sennrich et al. 2016, §3.2), plus a word seen once.
private let paperWords = ["low": 5, "lower": 2, "newest": 6, "widest": 3, "xyz": 1]

/// The merges of `paperWords`, derived by hand. Symbols start as characters, the last marked `</w>`:
///   l o w</w> ×5 · l o w e r</w> ×2 · n e w e s t</w> ×6 · w i d e s t</w> ×3 · x y z</w> ×1
/// Pair counts: e s 9, s t</w> 9, w e 8, l o 7, n e 6, e w 6, o w</w> 5, w i 3, i d 3, d e 3, o w 2, e r</w> 2,
/// x y 1, y z</w> 1. At each step the most frequent pair is merged; a tie goes to the smaller left symbol, then
/// right symbol, in byte order:
///  1. e s (9, ties with s t</w>; "e" < "s")     → n e w es t</w>, w i d es t</w>; now es t</w> 9, w e 2
///  2. es t</w> (9)                                → n e w est</w>, w i d est</w>; w est</w> 6, d est</w> 3
///  3. l o (7)                                     → lo w</w>, lo w e r</w>
///  4. e w (6, ties with n e and w est</w>)        → n ew est</w>; now n ew 6, ew est</w> 6, w est</w> gone
///  5. ew est</w> (6, ties with n ew; "ew" < "n") → n ewest</w>
///  6. n ewest</w> (6)                             → newest</w>
///  7. lo w</w> (5)                                → low</w>
///  8. d est</w> (3, ties with i d and w i)        → w i dest</w>
///  9. i dest</w> (3, ties with w i)               → w idest</w>
/// 10. w idest</w> (3)                             → widest</w>
/// 11. e r</w> (2, ties with lo w and w e)         → lo w e r</w> → lo w er</w>
/// 12. lo w (2, ties with w er</w>; "lo" < "w")    → low er</w>
/// 13. low er</w> (2)                              → lower</w>
/// Then only x y and y z</w> remain, seen once: learning stops, whatever count was asked for.
private let paperMerges = ["e s", "es t</w>", "l o", "e w", "ew est</w>", "n ewest</w>", "lo w</w>", "d est</w>",
                           "i dest</w>", "w idest</w>", "e r</w>", "lo w", "low er</w>"]

@Suite struct BytePairEncodingTests {
    @Test func learnsTheMergesDerivedByHand() {
        #expect(BytePairEncoding.learn(words: paperWords, count: 100).mergeTexts == paperMerges)
        #expect(BytePairEncoding.learn(words: paperWords, count: 5).mergeTexts == Array(paperMerges.prefix(5)))
        #expect(BytePairEncoding.learn(words: paperWords, count: 0).merges.isEmpty)
    }

    @Test func trainingWordsGetTheirLearnedPieces() throws {
        let all = try BytePairEncoding(mergeTexts: paperMerges)
        for word in ["low", "lower", "newest", "widest"] { #expect(all.pieces(word) == [word]) }
        #expect(all.pieces("xyz") == ["x", "y", "z"])
        let five = try BytePairEncoding(mergeTexts: Array(paperMerges.prefix(5)))
        #expect(five.pieces("newest") == ["n", "ewest"])
        #expect(five.pieces("lower") == ["lo", "w", "e", "r"])
    }

    @Test func unseenWordsFallBackToSmallerPieces() throws {
        let all = try BytePairEncoding(mergeTexts: paperMerges)
        // l o w e s t</w>: e s → es t</w> → l o → lo w (rank 12; "lo w</w>" does not apply inside) → low est</w>.
        #expect(all.pieces("lowest") == ["low", "est"])
        #expect(all.pieces("slow") == ["s", "low"])
        #expect(all.pieces("日本") == ["日", "本"])
        #expect(all.pieces("e\u{301}s") == ["e\u{301}", "s"])   // a decomposed é is one character, never cut
        #expect(all.pieces("") == [])
    }

    /// Of the pairs present, the merge learned first is applied first, whatever the order of the pairs in the word.
    @Test func mergesApplyInTheirOrder() throws {
        #expect(try BytePairEncoding(mergeTexts: ["a b", "b c</w>"]).pieces("abc") == ["ab", "c"])
        #expect(try BytePairEncoding(mergeTexts: ["b c</w>", "a b"]).pieces("abc") == ["a", "bc"])
        #expect(try BytePairEncoding(mergeTexts: ["b c</w>", "a bc</w>"]).pieces("abc") == ["abc"])
        // A merge of a symbol that is not there yet waits for the merge that makes it.
        #expect(try BytePairEncoding(mergeTexts: ["a bc</w>", "b c</w>"]).pieces("abc") == ["abc"])
        #expect(try BytePairEncoding(mergeTexts: ["a bc</w>", "a b", "b c</w>"]).pieces("abc") == ["ab", "c"])
        // Left to right, without overlaps, as learning does: "a a" makes a a a a</w> into aa a a</w>.
        #expect(try BytePairEncoding(mergeTexts: ["a a"]).pieces("aaaa") == ["aa", "a", "a"])
        #expect(try BytePairEncoding(mergeTexts: ["a a", "a a</w>"]).pieces("aaaa") == ["aa", "aa"])
    }

    @Test func learningIsDeterministic() throws {
        // The same counts inserted in another order, and the eng-fra lines shuffled: the same merges.
        var reversed: [String: Int] = [:]
        for (word, count) in paperWords.sorted(by: { $0.key > $1.key }) { reversed[word] = count }
        #expect(BytePairEncoding.learn(words: reversed, count: 100).mergeTexts == paperMerges)
        let texts = try Corpus.readPairs(path: engFra + "/train.tsv").prefix(2_000).flatMap { [$0.source, $0.target] }
        var shuffled = texts
        var rng = SplitMix64(seed: 11)
        rng.shuffle(&shuffled)
        let tokenizer = Tokenizer(tokenization: .bpe, lowercase: false)
        let a = tokenizer.learningMerges(from: texts, count: 500), b = tokenizer.learningMerges(from: shuffled, count: 500)
        #expect(a.bpe?.merges.count == 500)
        #expect(a == b)
    }

    @Test func mergeTablesAreReadStrictly() throws {
        #expect(try BytePairEncoding(mergeTexts: ["a b", "\u{A0} ￭"]).merges == [.init("a", "b"), .init("\u{A0}", "￭")])
        for bad in ["ab", "a  b", " a", "a ", "a b c", ""] {
            #expect(throws: BPEMergeError.self) { try BytePairEncoding(mergeTexts: ["x y", bad]) }
        }
        let error = #expect(throws: BPEMergeError.self) {
            try JSONDecoder().decode(TranslatorConfig.self, from: Data(configJSON(merges: #"["a b","abc"]"#).utf8))
        }
        #expect(error?.description == #"bpe_merges[1] is "abc", expected two symbols separated by one space"#)
    }
}

/// A config JSON with `merges` as its bpe_merges value (nil: no such key) and the given tokenization.
private func configJSON(merges: String?, tokenization: String = "bpe") -> String {
    let model = #"{"embedding_size":3,"encoder_hidden_size":4,"encoder_layers":1,"decoder_hidden_size":5,"decoder_layers":1,"#
        + #""attention_size":6,"source_vocabulary_size":9,"target_vocabulary_size":10,"dropout":0}"#
    return #"{"model":\#(model),"tokenization":"\#(tokenization)","lowercase":false,"max_source_length":20,"max_target_length":20"#
        + (merges.map { #","bpe_merges":\#($0)"# } ?? "") + "}"
}

@Suite struct BPETokenizerTests {
    static func paper() throws -> Tokenizer {
        Tokenizer(tokenization: .bpe, lowercase: false, bpe: try BytePairEncoding(mergeTexts: paperMerges))
    }

    /// The issue's requirement: merges learned on train.tsv (the default count), then every line of both sides
    /// comes back exactly; and the pieces really are pieces (most lines get more tokens than words).
    @Test func everyEngFraTrainingLineRoundTrips() throws {
        let pairs = try Corpus.readPairs(path: engFra + "/train.tsv")
        let lines = pairs.flatMap { [$0.source, $0.target] }
        let bpe = Tokenizer(tokenization: .bpe, lowercase: false).learningMerges(from: lines, count: BytePairEncoding.defaultMergeCount)
        #expect(bpe.bpe?.merges.count == BytePairEncoding.defaultMergeCount)
        let word = Tokenizer(tokenization: .word, lowercase: false)
        var failures: [String] = [], longer = 0
        for line in lines {
            let tokens = bpe.tokenize(line)
            if !sameScalars(bpe.detokenize(tokens), line) { failures.append(line) }
            if tokens.count > word.tokenize(line).count { longer += 1 }
        }
        #expect(failures.isEmpty, "\(failures.count) lines do not round-trip, e.g. \(failures.prefix(3))")
        #expect(longer > lines.count / 10, "only \(longer) of \(lines.count) lines were cut below words")
        let lower = Tokenizer(tokenization: .bpe, lowercase: true).learningMerges(from: lines, count: 300)
        #expect(lines.allSatisfy { sameScalars(lower.detokenize(lower.tokenize($0)), $0.lowercased()) })
    }

    @Test func piecesCarryJoinersAndTheWordsOwn() throws {
        let paper = try Self.paper()
        #expect(paper.tokenize("lowest newest!") == ["low￭", "est", "newest", "￭!"])
        #expect(paper.tokenize("(slow) widest-lower") == ["(￭", "s￭", "low", "￭)", "widest", "￭-￭", "lower"])
        #expect(paper.tokenize("Lowest") == ["L￭", "o￭", "w￭", "est"])
        #expect(paper.detokenize(["low￭", "est", "newest", "￭!"]) == "lowest newest!")
        // Without merges (before learning), words fall apart into characters.
        #expect(Tokenizer(tokenization: .bpe, lowercase: false).tokenize("ab c.") == ["a￭", "b", "c", "￭."])
    }

    /// Words never seen in training, and characters never seen at all, still round-trip, as does everything the
    /// `word` scheme gives back exactly (seeded random text over a mixed alphabet).
    @Test func unseenTextRoundTrips() throws {
        let paper = try Self.paper()
        for text in ["Zyzzyva's quixotic jukebox, 1,83 m!", "Ça\u{A0}va\u{202F}? « Très » bien…", "日本語 👍🏽 e\u{301}t\u{E9}"] {
            #expect(sameScalars(paper.detokenize(paper.tokenize(text)), text))
        }
        let word = Tokenizer(tokenization: .word, lowercase: false)
        let alphabet: [Character] = ["l", "o", "w", "e", "s", "t", "é", "7", "'", ".", ",", "-", "!", "«", "»", "(",
                                     ")", "👍🏽", "\u{A0}", " ", " "]
        var rng = SplitMix64(seed: 2025)
        for _ in 0..<1_000 {
            let text = String((0..<rng.nextInt(in: 0...20)).map { _ in alphabet[rng.nextInt(below: alphabet.count)] })
            #expect(sameScalars(paper.detokenize(paper.tokenize(text)), word.detokenize(word.tokenize(text))),
                    "\(text.debugDescription)")
        }
    }

    /// The word cache serves repeated words (from several threads at once) with the pieces a fresh table gives.
    @Test func cachedPiecesEqualFreshOnes() throws {
        let table = try BytePairEncoding(mergeTexts: paperMerges)
        let words = ["lowest", "newest", "slow", "widest", "lower", "xyz"]
        let expected = words.map { BytePairEncoding.split($0, ranks: Dictionary(uniqueKeysWithValues: table.merges.enumerated().map { ($1, $0) })) }
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<50 { #expect(words.map(table.pieces) == expected) }
        }
    }
}

@Suite struct BPECheckpointTests {
    static func bpeCheckpoint() throws -> Checkpoint {
        var checkpoint = try TinyCheckpoint.make()
        checkpoint.config.tokenization = .bpe
        checkpoint.config.bpe = try BytePairEncoding(mergeTexts: paperMerges + ["\u{A0} ￭", "é t"])
        return checkpoint
    }

    @Test func mergesRoundTripThroughTheFile() throws {
        let checkpoint = try Self.bpeCheckpoint()
        let path = TinyCheckpoint.temporaryPath("bpe.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try checkpoint.save(to: path)
        let loaded = try Checkpoint.load(path: path)
        #expect(loaded.config == checkpoint.config)
        #expect(loaded.config.bpe?.mergeTexts == paperMerges + ["\u{A0} ￭", "é t"])
        #expect(loaded.config.tokenizer.tokenize("lowest!") == ["low￭", "est", "￭!"])
        // Stored inside `config`, as a JSON array of "left right" strings in merge order.
        let config = try JSONSerialization.jsonObject(with: Data(try checkpoint.safeTensorsFile().metadata["config"]!.utf8)) as? [String: Any]
        #expect(config?["bpe_merges"] as? [String] == paperMerges + ["\u{A0} ￭", "é t"])
    }

    @Test func checkpointsWithoutMergesStillLoad() throws {
        let file = try TinyCheckpoint.make().safeTensorsFile()
        #expect(!file.metadata["config"]!.contains("bpe_merges"))
        let loaded = try Checkpoint(file: file, path: "old.safetensors")
        #expect(loaded.config.bpe == nil && loaded.config.tokenizer.tokenize("a b") == ["a", "b"])
    }

    @Test(arguments: [
        (configJSON(merges: nil), "the tokenization is bpe but there is no \"bpe_merges\""),
        (configJSON(merges: #"["a b","abc"]"#), #"bpe_merges[1] is "abc""#),
        (configJSON(merges: #"["a b",7]"#), "wrong type at \"bpe_merges"),
        (configJSON(merges: #""a b""#), "wrong type at \"bpe_merges\""),
        (configJSON(merges: #"["a b"]"#, tokenization: "word"), "\"bpe_merges\" is given but the tokenization is word"),
    ])
    func badMergesAreRefused(config: String, reason: String) throws {
        var file = try Self.bpeCheckpoint().safeTensorsFile()
        file.metadata["config"] = config
        #expect {
            _ = try Checkpoint(file: file, path: "m.safetensors")
        } throws: { error in
            guard case let Seq2SeqError.invalidCheckpoint(path, message) = error else { return false }
            return path == "m.safetensors" && message.contains(reason) && !"\(error)".contains("\n")
        }
    }

    /// A resumed run reads its merges from the state file (never learns them again) and so tokenizes the corpus
    /// exactly as the first run did.
    @Test func resumedRunKeepsItsMerges() throws {
        let corpus = TinyCheckpoint.temporaryPath("bpe-corpus")
        try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        let pairs = try Corpus.readPairs(path: engFra + "/train.tsv")
        try Corpus.writePairs(Array(pairs.prefix(48)), path: corpus + "/train.tsv")
        try Corpus.writePairs(Array(pairs[100..<104]), path: corpus + "/dev.tsv")
        var options = TrainOptions()
        options.batchSize = 16
        options.maxSteps = 2
        options.validateEvery = 2
        let model = ModelConfig(embeddingSize: 3, encoderHiddenSize: 4, encoderLayers: 1, decoderHiddenSize: 5, decoderLayers: 1,
                                attentionSize: 6, sourceVocabularySize: 5, targetVocabularySize: 5)
        let first = try Trainer(corpus: corpus, checkpoint: corpus + "/m.safetensors", model: model,
                                tokenizer: Tokenizer(tokenization: .bpe, lowercase: false), bpeMerges: 30, options: options)
        try first.run { _ in }
        let merges = try #require(first.state.checkpoint.config.bpe)
        #expect(merges.merges.count == 30)
        #expect(try Checkpoint.load(path: corpus + "/m.safetensors").config.bpe == merges)
        let resumed = try Trainer(resuming: corpus + "/m.safetensors", corpus: corpus, epochs: nil, maxSteps: 4)
        #expect(resumed.state.checkpoint.config.bpe == merges)
        #expect(resumed.data.sources == first.data.sources && resumed.data.targets == first.data.targets)
        try resumed.run { _ in }
        #expect(resumed.state.progress.step == 4)
        #expect(try Checkpoint.load(path: corpus + "/m.safetensors").config.bpe == merges)
        // Other pairs would give other merges; a run is never resumed on them (its corpus fingerprint differs).
        try Corpus.writePairs(Array(pairs.suffix(48)), path: corpus + "/train.tsv")
        #expect(Tokenizer(tokenization: .bpe, lowercase: false)
            .learningMerges(from: pairs.suffix(48).flatMap { [$0.source, $0.target] }, count: 30).bpe != merges)
        #expect {
            _ = try Trainer(resuming: corpus + "/m.safetensors", corpus: corpus, epochs: nil, maxSteps: 6)
        } throws: { error in
            guard case let Seq2SeqError.resumeMismatch(_, reason) = error else { return false }
            return reason.contains("train.tsv is not the one this run started with")
        }
    }
}
