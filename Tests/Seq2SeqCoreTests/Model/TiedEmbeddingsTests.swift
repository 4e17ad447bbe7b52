// TiedEmbeddingsTests.swift — tied target embedding and generator weights (Model/TiedEmbeddings.swift): the summed
// gradient is the derivative of the loss with respect to the one shared matrix (finite differences, as in
// GradientTests.swift), training keeps the two stored copies bit for bit equal, and configurations and checkpoints
// that break the tie are refused.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct TiedEmbeddingsTests {
    /// E = D = 5 (tying needs it); every other size differs: H=4 L=2 M=2 A=6 Vs=7 Vt=9.
    static let config = ModelConfig(embeddingSize: 5, encoderHiddenSize: 4, encoderLayers: 2, decoderHiddenSize: 5,
                                    decoderLayers: 2, attentionSize: 6, sourceVocabularySize: 7, targetVocabularySize: 9,
                                    tieEmbeddings: true)

    static func tiedModel(seed: UInt64 = 7) -> Seq2SeqModel {
        let model = Seq2SeqModel(config: config, seed: seed)
        model.parameters.tieTargetEmbeddingToGenerator()
        return model
    }

    /// L(W) = L(T, G) at T = G = W. Its central differences (each element of W moved in both places at once, in
    /// Double on the reference model) must equal the summed gradient of the two tensors.
    @Test(arguments: [Float(0), 0.1])
    func summedGradientIsTheDerivativeWithRespectToTheSharedMatrix(smoothing: Float) throws {
        let model = Self.tiedModel()
        #expect(model.parameters.firstUntiedElement() == nil)
        let grads = ModelParameters.zeros(model.parameters.table)
        var dropout = Dropout.off
        model.lossAndGradients(TinyModels.batch, grads: grads, reduction: .sum, labelSmoothing: smoothing, dropout: &dropout)
        let dEmbedding = Array(try #require(grads.tensor(named: "target_embedding.weight")))
        let dGenerator = Array(try #require(grads.tensor(named: "generator.weight")))
        grads.sumTiedGradients()
        let summed = Array(try #require(grads.tensor(named: "target_embedding.weight")))
        #expect(summed.map(\.bitPattern) == Array(try #require(grads.tensor(named: "generator.weight"))).map(\.bitPattern))
        #expect(summed == zip(dEmbedding, dGenerator).map(+))

        let sizes = GradientCheck.referenceSizes(model.config)
        let pairs = Array(zip(TinyModels.sources, TinyModels.targets))
        let result = GradientCheck.compare(
            name: "target_embedding.weight", tensors: GradientCheck.referenceTensors(model.parameters), analytic: summed,
            step: 1e-5, floor: 1e-6, tolerance: 1e-2, maxElements: 45
        ) { tensors in
            // The one shared matrix W: whatever the check perturbs in the embedding, the generator holds too.
            var tied = tensors
            tied["generator.weight"] = tensors["target_embedding.weight"]
            let reference = ReferenceModel(sizes: sizes, tensors: tied)
            return pairs.reduce(0.0) { $0 + reference.loss(source: $1.0 + [Vocabulary.eos], target: $1.1, smoothing: Double(smoothing)) }
        }
        #expect(result.checked == 45)
        #expect(result.failures.isEmpty, "\(result.failures.count) elements beyond 1e-2, e.g. \(result.failures.prefix(3))")
        #expect(result.medianRelativeError < 1e-3, "median relative error \(result.medianRelativeError)")
        // Both uses of W contribute: the sum is neither part alone (the check would not notice a missing embedding
        // part if the generator's dominated, so require each to be material somewhere).
        #expect(dEmbedding.contains { abs($0) > 1e-4 } && dGenerator.contains { abs($0) > 1e-4 })
    }

    /// A few real training steps (Adam, clipping, dropout, label smoothing): the two tensors stay bitwise equal,
    /// the kept checkpoint says it is tied and loads, and the weights did move.
    @Test func trainingKeepsTheTwoTensorsBitwiseEqual() throws {
        let corpus = try TrainerTests.corpus()
        defer { try? FileManager.default.removeItem(atPath: corpus) }
        var model = TrainerTests.model
        model.decoderHiddenSize = model.embeddingSize
        model.tieEmbeddings = true
        let trainer = try Trainer(corpus: corpus, checkpoint: corpus + "/tied.safetensors", model: model,
                                  tokenizer: Tokenizer(tokenization: .word, lowercase: false), options: TrainerTests.options(maxSteps: 6))
        let parameters = trainer.state.checkpoint.model.parameters
        #expect(parameters.firstUntiedElement() == nil)
        let before = Array(try #require(parameters.tensor(named: "generator.weight")))
        try trainer.run { _ in }
        #expect(trainer.state.progress.step == 6)
        #expect(parameters.firstUntiedElement() == nil)
        #expect(Array(try #require(parameters.tensor(named: "generator.weight"))) != before)

        let saved = try Checkpoint.load(path: corpus + "/tied.safetensors")
        #expect(saved.config.model.tieEmbeddings)
        #expect(saved.model.parameters.firstUntiedElement() == nil)
    }

    /// A checkpoint that says it is tied but whose two tensors differ is refused on load, naming both tensors.
    @Test func loadingATiedCheckpointWithDifferentTensorsFails() throws {
        let model = Self.tiedModel()
        let vocabulary = { (words: [String]) in try Vocabulary(tokens: Vocabulary.specials + words) }
        let checkpoint = Checkpoint(
            config: TranslatorConfig(model: Self.config, tokenization: .word, lowercase: false, maxSourceLength: 20, maxTargetLength: 20),
            sourceVocabulary: try vocabulary(["a", "b", "c"]), targetVocabulary: try vocabulary(["v", "w", "x", "y", "z"]), model: model)
        var file = try checkpoint.safeTensorsFile()
        #expect(throws: Never.self) { try Checkpoint(file: file, path: "tied.safetensors") }
        let index = try #require(file.tensors.firstIndex { $0.name == "generator.weight" })
        file.tensors[index].values[7] += 0.5
        #expect(throws: Seq2SeqError.invalidCheckpoint(
            path: "tied.safetensors",
            reason: "tie_embeddings is set but target_embedding.weight and generator.weight differ (first at element 7)")) {
            try Checkpoint(file: file, path: "tied.safetensors")
        }
    }

    /// Tying needs E == D; a config without the key (every checkpoint written before it) is untied.
    @Test func configurationRules() throws {
        var mismatched = Self.config
        mismatched.decoderHiddenSize = 6
        #expect(throws: Seq2SeqError.invalidConfiguration(
            reason: "tie_embeddings needs embedding_size (E = 5) equal to decoder_hidden_size (D = 6)")) { try mismatched.validate() }
        #expect(throws: Never.self) { try Self.config.validate() }

        let old = #"{"attention_size":6,"decoder_hidden_size":5,"decoder_layers":2,"dropout":0,"embedding_size":3,"encoder_hidden_size":4,"encoder_layers":2,"source_vocabulary_size":7,"target_vocabulary_size":9}"#
        let decoded = try JSONDecoder().decode(ModelConfig.self, from: Data(old.utf8))
        #expect(decoded == TinyModels.config)
        #expect(!decoded.tieEmbeddings)
        let roundTrip = try JSONDecoder().decode(ModelConfig.self, from: JSONEncoder().encode(Self.config))
        #expect(roundTrip == Self.config)
    }
}
