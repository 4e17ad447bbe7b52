// LibraryExampleTests.swift — the program of the article "Using the library" (Seq2SeqCore.docc/UsingTheLibrary.md)
// is this test's body between the two marks, and the article's code block must be that text: the test checks both.

import Foundation
import Seq2SeqCore
import Testing

@Suite struct LibraryExampleTests {
    static let article = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/Seq2SeqCore/Seq2SeqCore.docc/UsingTheLibrary.md")

    /// Trains a small model on a tiny reversal task and translates two sentences it never saw (in a debug build,
    /// about 15 s of one core).
    @Test func theArticlesProgramTrainsAndTranslates() throws {
        // The article's program, from here…
        // A corpus: sequences of 1–4 numbers 0–4, each with the same sequence reversed ("3 1 4" → "4 1 3").
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var random = SplitMix64(seed: 1)
        for (split, count) in [("train", 500), ("dev", 50)] {
            let pairs = ToyTasks.pairs(.reverse, count: count, lengths: 1...4, vocabularySize: 5, rng: &random)
            try Corpus.writePairs(pairs, path: "\(folder)/\(split).tsv")
        }
        // 16 units in each LSTM; 10 epochs of batches of 32 (160 steps) with Adam at 0.01, keeping the best on dev.
        let model = ModelConfig(embeddingSize: 8, encoderHiddenSize: 16, decoderHiddenSize: 16, attentionSize: 16)
        var options = TrainOptions()
        (options.batchSize, options.learningRate, options.validateEvery) = (32, 0.01, 40)
        let trainer = try Trainer(corpus: folder, checkpoint: "\(folder)/model.safetensors", model: model,
                                  tokenizer: Tokenizer(tokenization: .word), options: options)
        try trainer.run()
        let translator = Translator(checkpoint: try Checkpoint.load(path: "\(folder)/model.safetensors"))
        let translations = translator.translate(["1 2 3", "4 0 0 2"]).map(\.text)
        print(translations)     // ["3 2 1", "2 0 0 4"]
        // …to here.
        try? FileManager.default.removeItem(atPath: folder)
        #expect(translations == ["3 2 1", "2 0 0 4"])
    }

    /// The article shows exactly the program above, after its two imports.
    @Test func theArticleShowsThisProgram() throws {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0.hasSuffix("// The article's program, from here…") })
        let end = try #require(lines.firstIndex { $0.hasSuffix("// …to here.") })
        let indent = lines[start].prefix { $0 == " " }.count
        let program = ["import Foundation", "import Seq2SeqCore", ""] + lines[(start + 1)..<end].map { String($0.dropFirst(indent)) }

        let article = try String(contentsOf: Self.article, encoding: .utf8)
        let block = try #require(article.firstMatch(of: /```swift\n(import Foundation\n[\s\S]*?)```\n/), "no ```swift block starting with the imports")
        #expect(String(block.1) == program.joined(separator: "\n") + "\n")
    }
}
