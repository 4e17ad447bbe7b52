// TypedCopiesTests.swift — the source as people often type it (`TypedInput.casual`: lower case, no final stop) and
// the typed copies of training pairs that `train --typed-copies p` adds: which pairs, how many, in what order, the
// same for the same seed, kept by a resumed run. Stage [1].

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct TypedCopiesTests {
    @Test func casualIsLowerCaseWithoutTheFinalStop() {
        #expect(TypedInput.casual("Where is the station?") == "where is the station")
        #expect(TypedInput.casual("I don't know.") == "i don't know")
        #expect(TypedInput.casual("Run!") == "run")
        #expect(TypedInput.casual("Wait...") == "wait")
        #expect(TypedInput.casual("Is it Tom ?!") == "is it tom")
        #expect(TypedInput.casual("Émile est là…") == "émile est là")
        // The stops inside stay; a typographic apostrophe is normalised as every source is.
        #expect(TypedInput.casual("Mr. Smith’s car.") == "mr. smith's car")
    }

    @Test func casualIsNilWhenNothingChangesOrNothingIsLeft() {
        #expect(TypedInput.casual("already typed") == nil)
        #expect(TypedInput.casual("?!") == nil)
        #expect(TypedInput.casual("") == nil)
    }

    static let train = (0..<400).map { SentencePair(source: "Sentence number \($0).", target: "Phrase \($0).") }

    @Test func theCopiesAreTheSeedsShareAfterTheCorpus() throws {
        let pairs = TrainingData.withTypedCopies(Self.train, fraction: 0.25, seed: 7)
        #expect(Array(pairs.prefix(400)) == Self.train)
        let copies = Array(pairs.dropFirst(400))
        #expect(copies.count == 100)
        // Each copy is a training pair with its source typed casually and its target as written, in corpus order.
        var previous = -1
        for copy in copies {
            let number = try #require(Int(copy.source.split(separator: " ").last ?? ""))
            #expect(copy.source == "sentence number \(number)" && copy.target == "Phrase \(number).")
            #expect(number > previous)
            previous = number
        }
        #expect(TrainingData.withTypedCopies(Self.train, fraction: 0.25, seed: 7) == pairs)
        #expect(TrainingData.withTypedCopies(Self.train, fraction: 0.25, seed: 8) != pairs)
        #expect(TrainingData.withTypedCopies(Self.train, fraction: 0, seed: 7) == Self.train)
        #expect(TrainingData.withTypedCopies(Self.train, fraction: 1, seed: 7).count == 800)
    }

    /// Sources that are already lower case without a final stop are not copied: the copy would be the pair again.
    @Test func pairsAlreadyTypedSoAreNotCopied() {
        let typed = [SentencePair(source: "hello there", target: "salut"), SentencePair(source: "Hi.", target: "Salut.")]
        #expect(TrainingData.withTypedCopies(typed, fraction: 1, seed: 1) == typed + [SentencePair(source: "hi", target: "Salut.")])
    }

    /// A run trains on the copies (the pair count says so), and a resumed run rebuilds the same data from its state.
    @Test func aRunTrainsOnTheCopiesAndAResumedRunKeepsThem() throws {
        let corpus = try TrainerTests.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        // The reverse corpus's sources are digits: give them a final stop and capitals to be typed away.
        let pairs = try Corpus.readPairs(path: corpus + "/train.tsv").map { SentencePair(source: "A " + $0.source + ".", target: $0.target) }
        try Corpus.writePairs(pairs, path: corpus + "/train.tsv")
        var options = TrainerTests.options(maxSteps: 3)
        options.typedCopies = 0.5
        let trainer = try Trainer(corpus: corpus, checkpoint: corpus + "/typed.safetensors", model: TrainerTests.model,
                                  tokenizer: Tokenizer(tokenization: .word, lowercase: false), options: options)
        #expect(trainer.data.sources.count == 90)
        #expect(trainer.data.sourceVocabulary.id(of: "a") != Vocabulary.unk && trainer.data.sourceVocabulary.id(of: "A") != Vocabulary.unk)
        try trainer.run()
        let resumed = try Trainer(resuming: corpus + "/typed.safetensors", corpus: corpus, epochs: nil, maxSteps: 4)
        #expect(resumed.state.options.typedCopies == 0.5)
        #expect(resumed.data.sources == trainer.data.sources && resumed.data.targets == trainer.data.targets)
    }
}
