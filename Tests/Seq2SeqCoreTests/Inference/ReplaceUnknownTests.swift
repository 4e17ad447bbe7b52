// ReplaceUnknownTests.swift — `--replace-unk`: with a model made to emit <unk> (its generator bias raised), every
// emitted <unk> becomes the source token with the highest attention weight in the attention row the model returns
// for that step (the </s> column excluded), for greedy and beam; nothing else changes. With a `bpe` model it works on
// words: rare source words ("Zoltán", "1987") are carried over whole where the attention points.

import Testing
@testable import Seq2SeqCore

@Suite struct ReplaceUnknownTests {
    /// The index of the largest of the first `count` values (the first of equals).
    static func argmax(_ row: [Float], count: Int) -> Int {
        var best = 0
        for j in 0..<count where row[j] > row[best] { best = j }
        return best
    }

    @Test(arguments: [1, 3])
    func unknownBecomesTheMostAttendedSourceToken(beamWidth: Int) throws {
        let checkpoint = try TinyCheckpoint.make(seed: 7)
        let bias = try #require(checkpoint.model.parameters.generator.bias)
        bias[0, Vocabulary.unk] += 6
        // "zebra" is not in the vocabulary: if it is the most attended, it is copied as written.
        let texts = ["a b c", "zebra", "d e zebra a b", "c"]
        var plain = Translator(checkpoint: checkpoint)
        plain.beam = beamWidth > 1 ? BeamOptions(width: beamWidth) : nil
        var replacing = plain
        replacing.replaceUnknown = true
        let before = plain.translate(texts), after = replacing.translate(texts)
        var replaced = 0
        for (result, original) in zip(after, before) {
            #expect(result.attention == original.attention)
            #expect(result.targetTokens.count == original.targetTokens.count)
            for (t, token) in original.targetTokens.enumerated() {
                if token == "<unk>" {
                    let column = Self.argmax(original.attention[t], count: original.sourceTokens.count - 1)
                    #expect(result.targetTokens[t] == original.sourceTokens[column])
                    replaced += 1
                } else {
                    #expect(result.targetTokens[t] == token)
                }
            }
            let words = result.targetTokens.last == "</s>" ? Array(result.targetTokens.dropLast()) : result.targetTokens
            #expect(result.text == checkpoint.config.tokenizer.detokenize(words))
            #expect(!result.text.contains("<unk>"))
        }
        #expect(replaced > 0)
        #expect(after.contains { $0.targetTokens.contains("zebra") })
    }
}

/// `--replace-unk` with a `bpe` model works on words: a crafted decoding (tokens and attention rows written by hand)
/// of "Tom met Zoltán in 1987." by a model whose merge table is empty (every word cut into its characters) and whose
/// source vocabulary lacks "Z" and "á".
@Suite struct ReplaceUnknownWordLevelTests {
    static let sentence = "Tom met Zoltán in 1987."

    static func translator() throws -> Translator {
        let characters = Set("Tom met Zoltán in 1987.").subtracting(["Z", "á", " "])
        let joiner = String(Tokenizer.joiner)
        let sourcePieces = characters.sorted().flatMap { ["\($0)", "\($0)\(joiner)", "\(joiner)\($0)"] }
        let sourceVocabulary = try Vocabulary(tokens: Vocabulary.specials + sourcePieces)
        let targetVocabulary = try Vocabulary(tokens: Vocabulary.specials
            + ["Tom", "a", "ren\(joiner)", "contré", "en", "19\(joiner)", "88", "Zol\(joiner)", "tan", "\(joiner)."])
        let model = ModelConfig(embeddingSize: 3, encoderHiddenSize: 4, decoderHiddenSize: 5, attentionSize: 6,
                                sourceVocabularySize: sourceVocabulary.count, targetVocabularySize: targetVocabulary.count)
        let config = TranslatorConfig(model: model, tokenization: .bpe, lowercase: false, bpe: BytePairEncoding(merges: []),
                                      maxSourceLength: 40, maxTargetLength: 40)
        var translator = Translator(checkpoint: Checkpoint(config: config, sourceVocabulary: sourceVocabulary,
                                                           targetVocabulary: targetVocabulary, model: Seq2SeqModel(config: model, seed: 1)))
        translator.replaceUnknown = true
        return translator
    }

    /// Emitted tokens, each with the source piece its attention row points at (weight 0.7, the rest spread evenly).
    static func decoding(_ steps: [(token: String, attends: Int)], _ translator: Translator,
                         sourceLength: Int) -> Translation {
        let width = sourceLength + 1                       // the source's pieces and </s>
        let rows = steps.map { step in
            (0..<width).map { j -> Float in j == step.attends ? 0.7 : 0.3 / Float(width - 1) }
        }
        let ids = steps.map { $0.token == "</s>" ? Vocabulary.eos : translator.checkpoint.targetVocabulary.id(of: $0.token) }
        return Translation(tokens: ids, attention: rows)
    }

    @Test func rareWordsAreCarriedOverWholeWhereTheAttentionPoints() throws {
        let translator = try Self.translator()
        let source = translator.encodeSource(Self.sentence)
        #expect(source.tokens == ["T￭", "o￭", "m", "m￭", "e￭", "t", "Z￭", "o￭", "l￭", "t￭", "á￭", "n", "i￭", "n",
                                  "1￭", "9￭", "8￭", "7", "￭."])
        #expect(source.ids.filter { $0 == Vocabulary.unk }.count == 2)
        let (tom, met, zoltan, zoltanEnd, year, yearEnd, stop) = (0, 4, 6, 11, 14, 17, 18)
        let steps: [(token: String, attends: Int)] = [
            ("Tom", tom), ("a", met), ("ren￭", met), ("contré", met),
            ("<unk>", zoltan + 4),                       // an <unk> at "á": the whole of "Zoltán"
            ("en", year),                                // a known word of one piece: kept, though it looks at "1987"
            ("19￭", year + 1), ("88", yearEnd),          // a number cut into pieces, looking at "1987": "1987"
            ("Zol￭", zoltanEnd), ("tan", zoltan),        // a second attempt at "Zoltán": emptied
            ("￭.", stop), ("</s>", stop)]
        let translation = Self.decoding(steps, translator, sourceLength: source.tokens.count)
        let result = translator.result(source: source, translation)
        #expect(result.text == "Tom a rencontré Zoltán en 1987.")
        #expect(result.targetTokens == ["Tom", "a", "ren￭", "contré", "Zoltán", "en", "1987", "", "", "", "￭.", "</s>"])
        #expect(result.attention == translation.attention)

        var plain = translator
        plain.replaceUnknown = false
        #expect(plain.result(source: source, translation).text == "Tom a rencontré <unk> en 1988 Zoltan.")
    }

    @Test func piecesAreGroupedIntoTheWordsTheyWereCutFrom() throws {
        let bpe = Tokenizer(tokenization: .bpe, bpe: BytePairEncoding(merges: []))
        func groups(_ tokens: [String]) -> [[String]] { bpe.wordGroups(tokens).map { Array(tokens[$0]) } }
        #expect(groups(["Z￭", "ol￭", "tán", "(￭", "e", "￭)", "1987", "￭."]) == [["Z￭", "ol￭", "tán"], ["(￭"], ["e"], ["￭)"], ["1987"], ["￭."]])
        #expect(groups(["1￭", ".￭", "8￭", "3", "m"]) == [["1￭", ".￭", "8￭", "3"], ["m"]])
        #expect(groups(["don￭", "'t", "..￭", ".", "peut", "￭-￭", "être", "<unk>￭", "a"])
                == [["don￭", "'t"], ["..￭", "."], ["peut"], ["￭-￭"], ["être"], ["<unk>￭", "a"]])
        // Every bpe tokenization is grouped back into its word tokens.
        let word = Tokenizer(tokenization: .word)
        for text in ["Tom met Zoltán in 1987.", "He is 1.83 m tall, isn't he?", "« Oui », dit-il (enfin)...", "C'est l'été !"] {
            #expect(groups(bpe.tokenize(text)).map { bpe.detokenize($0) } == word.tokenize(text).map { word.detokenize([$0]) }, "\(text)")
        }
        #expect(Tokenizer(tokenization: .word).wordGroups(["a", "b"]) == [0..<1, 1..<2])
    }
}
