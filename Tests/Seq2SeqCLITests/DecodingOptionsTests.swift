// DecodingOptionsTests.swift — the decoding options through the binary: `--replace-unk` and `--no-repeat-ngram N`
// print what the library's Translator gives with the same options (greedy and beam, translate and attention), beam
// search over batches prints the same whatever `--batch-size`, and bad values are one-line usage errors.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct DecodingOptionsTests {
    /// Lines to translate: "zebra" is not in the source vocabulary; the empty line stays empty.
    static let texts = ["a b c", "zebra", "d e zebra a b", "c", "", "b b a e", "e d c b a a"]
    static var input: Data { Data((texts.joined(separator: "\n") + "\n").utf8) }

    /// A tiny word-level checkpoint on disk whose generator favours <unk> and "x" over </s> (it emits <unk> and repeats).
    static func withCheckpoint<T>(_ body: (_ path: String, _ checkpoint: Checkpoint) throws -> T) throws -> T {
        try withTemporaryDirectory { folder in
            let sourceVocabulary = try Vocabulary(tokens: Vocabulary.specials + ["a", "b", "c", "d", "e"])
            let targetVocabulary = try Vocabulary(tokens: Vocabulary.specials + ["x", "y", "z", "w", "v", "u"])
            let sizes = ModelConfig(embeddingSize: 3, encoderHiddenSize: 4, encoderLayers: 2, decoderHiddenSize: 5, decoderLayers: 2,
                                    attentionSize: 6, sourceVocabularySize: sourceVocabulary.count, targetVocabularySize: targetVocabulary.count)
            let model = Seq2SeqModel(config: sizes, seed: 7)
            for n in 0..<model.parameters.storage.count { model.parameters.storage.base[n] *= 3 }
            let bias = try #require(model.parameters.generator.bias)
            bias[0, Vocabulary.unk] += 4
            bias[0, 4] += 4
            bias[0, Vocabulary.eos] -= 4
            let checkpoint = Checkpoint(config: TranslatorConfig(model: sizes, tokenization: .word, lowercase: false,
                                                                 maxSourceLength: 20, maxTargetLength: 20),
                                        sourceVocabulary: sourceVocabulary, targetVocabulary: targetVocabulary, model: model)
            let path = folder.appendingPathComponent("tiny.safetensors").path
            try checkpoint.save(to: path)
            return try body(path, try Checkpoint.load(path: path))
        }
    }

    /// What `translate` prints for `texts` with this translator: one line each, empty lines left empty.
    static func expectedOutput(_ translator: Translator) -> [Substring] {
        texts.map { $0.isEmpty ? "" : Substring(translator.translate([$0])[0].text) }
    }

    static func words(_ line: Substring) -> [Substring] { line.split(separator: " ") }

    @Test(arguments: [1, 3])
    func replaceUnkPrintsTheLibrarysReplacement(beam: Int) throws {
        try Self.withCheckpoint { path, checkpoint in
            var translator = Translator(checkpoint: checkpoint)
            translator.beam = beam > 1 ? BeamOptions(width: beam) : nil
            let plain = try runSeq2Seq(["translate", "--checkpoint", path, "--beam", "\(beam)"], stdin: Self.input)
            expectSuccess(plain)
            #expect(lines(of: plain.stdout) == Self.expectedOutput(translator))
            #expect(lines(of: plain.stdout).contains { Self.words($0).contains("<unk>") }, "\(plain.stdout)")   // the model does emit <unk>
            translator.replaceUnknown = true
            let replaced = try runSeq2Seq(["translate", "--checkpoint", path, "--beam", "\(beam)", "--replace-unk"], stdin: Self.input)
            expectSuccess(replaced)
            #expect(lines(of: replaced.stdout) == Self.expectedOutput(translator))
            #expect(!lines(of: replaced.stdout).contains { Self.words($0).contains("<unk>") }, "\(replaced.stdout)")
            // attention labels the rows with the replacements too.
            let attention = try runSeq2Seq(["attention", "--checkpoint", path, "--beam", "\(beam)", "--replace-unk"], stdin: Self.input)
            expectSuccess(attention)
            let records = try lines(of: attention.stdout).map { try JSONDecoder().decode(AttentionRecord.self, from: Data($0.utf8)) }
            #expect(records.map(\.targetTokens) == Self.texts.map { $0.isEmpty ? [] : translator.translate([$0])[0].targetTokens })
        }
    }

    @Test(arguments: [1, 3])
    func noRepeatNgramPrintsNoRepeatedNgram(beam: Int) throws {
        try Self.withCheckpoint { path, checkpoint in
            var translator = Translator(checkpoint: checkpoint)
            translator.beam = beam > 1 ? BeamOptions(width: beam) : nil
            let plain = try runSeq2Seq(["translate", "--checkpoint", path, "--beam", "\(beam)"], stdin: Self.input)
            let off = try runSeq2Seq(["translate", "--checkpoint", path, "--beam", "\(beam)", "--no-repeat-ngram", "0"], stdin: Self.input)
            expectSuccess(off)
            #expect(off.stdout == plain.stdout)
            #expect(lines(of: plain.stdout).contains { line in      // the model does repeat itself
                let w = Self.words(line)
                return w.count >= 2 && Set(zip(w, w.dropFirst()).map { "\($0) \($1)" }).count < w.count - 1
            })
            translator.noRepeatNgram = 2
            let constrained = try runSeq2Seq(["translate", "--checkpoint", path, "--beam", "\(beam)", "--no-repeat-ngram", "2"], stdin: Self.input)
            expectSuccess(constrained)
            #expect(lines(of: constrained.stdout) == Self.expectedOutput(translator))
            for line in lines(of: constrained.stdout) {
                let w = Self.words(line)
                #expect(w.count < 2 || Set(zip(w, w.dropFirst()).map { "\($0) \($1)" }).count == w.count - 1, "\(line)")
            }
        }
    }

    /// `eval` takes every decoding option `translate` has: they change the translations it scores (BLEU, chrF, exact
    /// match, as the library's evaluation with the same translator gives them) and nothing teacher-forced.
    @Test func evalTakesTheDecodingOptionsOfTranslate() throws {
        let help = try runSeq2Seq(["eval", "--help"])
        expectSuccess(help)
        let translateHelp = try runSeq2Seq(["translate", "--help"]).stdout
        for option in ["--beam <k>", "--length-penalty <a>", "--replace-unk", "--no-repeat-ngram <n>", "--batch-size <n>", "--threads <n>"] {
            #expect(translateHelp.contains("\n  \(option) "), "translate --help lacks \(option)")
            #expect(help.stdout.contains("\n  \(option) "), "eval --help lacks \(option)")
        }
        try Self.withCheckpoint { path, checkpoint in
            try withTemporaryDirectory { folder in
                let corpus = folder.appendingPathComponent("pairs.tsv").path
                let pairs = Self.texts.filter { !$0.isEmpty }.map { SentencePair(source: $0, target: "x y x y z") }
                try Corpus.writePairs(pairs, path: corpus)
                let arguments = ["eval", "--checkpoint", path, "--corpus", corpus, "--json"]
                let plain = try runSeq2Seq(arguments)
                expectSuccess(plain)
                let off = try runSeq2Seq(arguments + ["--no-repeat-ngram", "0"])
                expectSuccess(off)
                #expect(off.stdout == plain.stdout)
                let plainReport = try #require(jsonObject(plain.stdout))
                for (flags, configure) in [(["--no-repeat-ngram", "1"], { (t: inout Translator) in t.noRepeatNgram = 1 }),
                                           (["--replace-unk"], { (t: inout Translator) in t.replaceUnknown = true }),
                                           (["--beam", "3", "--no-repeat-ngram", "2"],
                                            { (t: inout Translator) in t.beam = BeamOptions(width: 3); t.noRepeatNgram = 2 })] {
                    let result = try runSeq2Seq(arguments + flags)
                    expectSuccess(result)
                    #expect(result.stderr.isEmpty, "\(flags): \(result.stderr)")
                    let report = try #require(jsonObject(result.stdout))
                    var translator = Translator(checkpoint: checkpoint)
                    configure(&translator)
                    let expected = Evaluation.evaluate(translator, on: pairs)
                    #expect(abs((report["bleu"] as? Double ?? -1) - expected.bleu) < 1e-9, "\(flags)")
                    #expect(abs((report["chrf"] as? Double ?? -1) - (expected.chrF ?? .nan)) < 1e-9, "\(flags)")
                    #expect(abs((report["exact_match"] as? Double ?? -1) - expected.exactMatch) < 1e-9, "\(flags)")
                    // Teacher forcing does not decode: the same numbers, to the last digit.
                    for key in ["sentences", "token_accuracy", "loss", "perplexity"] {
                        #expect(report[key] as? Double == plainReport[key] as? Double, "\(flags): \(key)")
                    }
                }
                // --no-repeat-ngram 1 does change what this model emits (it repeats tokens), so the test above tests something.
                let oneGram = try runSeq2Seq(arguments + ["--no-repeat-ngram", "1"])
                #expect(jsonObject(oneGram.stdout)?["chrf"] as? Double != plainReport["chrf"] as? Double)
            }
        }
        expectError(try runSeq2Seq(["eval", "--checkpoint", "x.safetensors", "--corpus", "y.tsv", "--no-repeat-ngram", "-1"]),
                    exitCode: 64, mentions: ["--no-repeat-ngram", "-1"])
    }

    @Test func beamBatchSizeChangesNothing() throws {
        try Self.withCheckpoint { path, _ in
            let one = try runSeq2Seq(["translate", "--checkpoint", path, "--beam", "4", "--n-best", "2", "--batch-size", "1"], stdin: Self.input)
            let all = try runSeq2Seq(["translate", "--checkpoint", path, "--beam", "4", "--n-best", "2", "--batch-size", "64"], stdin: Self.input)
            expectSuccess(one)
            #expect(one.stdout == all.stdout)
            #expect(lines(of: all.stdout).count == 2 * Self.texts.count)
        }
    }

    @Test func badValuesAreUsageErrors() throws {
        expectError(try runSeq2Seq(["translate", "--checkpoint", "x.safetensors", "--no-repeat-ngram", "-1"]), exitCode: 64,
                    mentions: ["--no-repeat-ngram", "-1"])
        expectError(try runSeq2Seq(["translate", "--checkpoint", "x.safetensors", "--no-repeat-ngram", "two"]), exitCode: 64,
                    mentions: ["--no-repeat-ngram", "two"])
        expectError(try runSeq2Seq(["translate", "--checkpoint", "x.safetensors", "--beam", "0"]), exitCode: 64, mentions: ["--beam", "0"])
        expectError(try runSeq2Seq(["translate", "--checkpoint", "x.safetensors", "--replace-unk=yes"]), exitCode: 64,
                    mentions: ["--replace-unk", "takes no value"])
        expectError(try runSeq2Seq(["attention", "--checkpoint", "x.safetensors", "--no-repeat-ngram", "-3"]), exitCode: 64,
                    mentions: ["--no-repeat-ngram"])
    }
}
