// ReplaceUnknownBPETests.swift — `translate --replace-unk` with a `bpe` checkpoint, through the built binary: it
// prints what the library's Translator gives (word-level replacement), never an <unk>, and without the flag the
// same model does emit <unk>. The checkpoint is crafted: an empty merge table, a source vocabulary without "Z" and
// "á", and a generator biased towards <unk>.

import Foundation
import Seq2SeqCore
import Testing

@Suite struct ReplaceUnknownBPETests {
    static let lines = ["Tom met Zoltán in 1987.", "Zoltán is 25.", "I met Tom."]

    static func checkpoint() throws -> Checkpoint {
        let joiner = String(Tokenizer.joiner)
        let characters = Set(lines.joined()).subtracting(["Z", "á", " "]).sorted()
        let pieces = characters.flatMap { ["\($0)", "\($0)\(joiner)", "\(joiner)\($0)"] }
        let source = try Vocabulary(tokens: Vocabulary.specials + pieces)
        let target = try Vocabulary(tokens: Vocabulary.specials + ["Tom", "a", "rencontré", "en", "19\(joiner)", "88", "ans", "\(joiner)."])
        let model = ModelConfig(embeddingSize: 3, encoderHiddenSize: 4, decoderHiddenSize: 5, attentionSize: 6,
                                sourceVocabularySize: source.count, targetVocabularySize: target.count)
        let seq2seq = Seq2SeqModel(config: model, seed: 5)
        for n in 0..<seq2seq.parameters.storage.count { seq2seq.parameters.storage.base[n] *= 3 }   // peaky attention
        if let bias = seq2seq.parameters.generator.bias { bias[0, Vocabulary.unk] += 2 }
        let config = TranslatorConfig(model: model, tokenization: .bpe, lowercase: false, bpe: BytePairEncoding(merges: []),
                                      maxSourceLength: 40, maxTargetLength: 40)
        return Checkpoint(config: config, sourceVocabulary: source, targetVocabulary: target, model: seq2seq)
    }

    @Test(arguments: [1, 3])
    func replaceUnkWithBPEPrintsTheLibrarysWords(beam: Int) throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try Self.checkpoint()
            let path = folder.appendingPathComponent("bpe.safetensors").path
            try checkpoint.save(to: path)
            let input = Data(Self.lines.map { $0 + "\n" }.joined().utf8)
            let arguments = ["translate", "--checkpoint", path, "--beam", "\(beam)"]
            let plain = try runSeq2Seq(arguments, stdin: input)
            expectSuccess(plain)
            #expect(plain.stdout.contains("<unk>"), "\(plain.stdout)")           // the model does emit <unk>
            let replaced = try runSeq2Seq(arguments + ["--replace-unk"], stdin: input)
            expectSuccess(replaced)
            var translator = Translator(checkpoint: checkpoint)
            translator.beam = beam > 1 ? BeamOptions(width: beam) : nil
            translator.replaceUnknown = true
            #expect(replaced.stdout == translator.translate(Self.lines).map { $0.text + "\n" }.joined())
            #expect(!replaced.stdout.contains("<unk>"), "\(replaced.stdout)")
        }
    }
}
