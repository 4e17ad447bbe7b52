// TokenProjectionTests.swift — translation looks the input projections of tokens up (`PackedWeights.projectTokens`)
// instead of multiplying them out: the encoder's first layer gets bitwise the numbers of the product, also as the
// table grows token by token over several batches; the decoder step's gates agree with the plain step to float
// rounding (the sum is taken in another order); and a training pass, or dropout, never looks up. The comparisons
// are made in a packed scope (with the look-ups switched off, or in a training pass), where the products take the
// same paths.

import Testing
@testable import Seq2SeqCore

@Suite struct TokenProjectionTests {
    /// Sizes all different, and a source vocabulary of 100 so that the table (64 rows at first) has to grow.
    static let config = ModelConfig(embeddingSize: 5, encoderHiddenSize: 6, encoderLayers: 2, decoderHiddenSize: 7,
                                    decoderLayers: 2, attentionSize: 8, sourceVocabularySize: 100, targetVocabularySize: 90)

    /// Batches whose tokens arrive a few at a time: 1, 3 and 5 sentences (one sentence takes the row-by-row path
    /// of the product, more take the tiled one), later batches bringing tokens the table has not seen.
    static let batches: [[[Int]]] = [
        [[4, 9, 17]],
        [[17, 4, 30, 31, 32, 33, 34, 35], [36], [9, 9, 9, 40, 41]],
        [Array(42..<100), Array(4..<30).reversed(), [99, 5], [6, 7, 8, 10], [4]],
    ]

    @Test func encoderLooksUpBitwiseWhatTheProductGives() {
        let model = Seq2SeqModel(config: Self.config, seed: 3)
        var dropout = Dropout.off
        let plain = Self.withoutLookUps(model) {
            Self.batches.map { encoderForward(Batch(sources: $0), model.parameters, pass: .inspection, dropout: &dropout) }
        }
        // A training pass multiplies out even where it could look up: the same numbers again.
        let trained = withPackedWeights(model.parameters.storage) {
            Self.batches.map { encoderForward(Batch(sources: $0), model.parameters, pass: .training, dropout: &dropout) }
        }
        var scope: PackedWeights?
        let lookedUp = withPackedWeights(model.parameters.storage) {
            scope = PackBuffer.forCurrentThread.weights
            // Inspection looks up as decoding does, and keeps the gates and cells to compare.
            return Self.batches.map { encoderForward(Batch(sources: $0), model.parameters, pass: .inspection, dropout: &dropout) }
        }
        // Both directions looked every position up (padding included); each token's row was computed once per
        // direction: the distinct ids, </s> and <pad>.
        let positions = Self.batches.map { Batch(sources: $0).sourceIds.count }.reduce(0, +)
        #expect(scope?.tokensLookedUp == 2 * positions)
        #expect(scope?.tokenRowsComputed == 2 * (Set(Self.batches.joined().joined()).count + 2))
        #expect(lookedUp.allSatisfy { $0.layers[0].input == nil } && trained.allSatisfy { $0.layers[0].input != nil })
        for (a, b) in Array(zip(plain, lookedUp)) + Array(zip(plain, trained)) {
            #expect(a.outputs.toArray() == b.outputs.toArray())
            #expect(a.final.toArray() == b.final.toArray())
            for (layerA, layerB) in zip(a.layers, b.layers) {
                #expect(layerA.forward.gates != nil && layerA.forward.gates?.toArray() == layerB.forward.gates?.toArray())
                #expect(layerA.backward.gates != nil && layerA.backward.gates?.toArray() == layerB.backward.gates?.toArray())
                #expect(layerA.forward.cells != nil && layerA.forward.cells?.toArray() == layerB.forward.cells?.toArray())
                #expect(layerA.backward.states.toArray() == layerB.backward.states.toArray())
            }
        }
    }

    @Test func decoderStepAgreesWithThePlainStep() {
        let model = Seq2SeqModel(config: Self.config, seed: 4)
        let p = model.parameters
        let batch = Batch(sources: Self.batches[2])
        let tokens = [Vocabulary.bos, 70, 4, 89, 70]
        let embedded = Matrix(rows: tokens.count, cols: p.targetEmbedding.cols)
        embeddingForward(ids: tokens, table: p.targetEmbedding, into: embedded)
        var dropout = Dropout.off
        let (keys, state) = model.startDecoding(batch)
        let plain = Self.withoutLookUps(model) {
            decoderStepForward(embedded: embedded, state: state, keys: keys, p, dropout: &dropout)
        }
        // With the look-ups off, the decoding step is the teacher-forced one.
        let off = Self.withoutLookUps(model) {
            decoderStepForward(tokens: tokens, state: state, keys: keys, p)
        }
        for k in 0..<p.decoder.count { #expect(off.gates[k].toArray() == plain.gates[k].toArray()) }
        // In a scope, twice (the second time every token is in the table already).
        for _ in 0..<2 {
            let lookedUp = withPackedWeights(p.storage) {
                decoderStepForward(tokens: tokens, state: state, keys: keys, p)
            }
            for k in 0..<p.decoder.count {
                expectClose(lookedUp.gates[k].toArray(), plain.gates[k].toArray(), "gates of layer \(k)")
                expectClose(lookedUp.next.hidden[k].toArray(), plain.next.hidden[k].toArray(), "h of layer \(k)")
                expectClose(lookedUp.next.cell[k].toArray(), plain.next.cell[k].toArray(), "c of layer \(k)")
            }
            // Decoding keeps no layer inputs (only the backward reads them); the attention is the same.
            #expect(lookedUp.layerInputs == nil && plain.layerInputs?.count == p.decoder.count)
            #expect(lookedUp.attention.context.toArray() == plain.attention.context.toArray())
        }
    }

    @Test func dropoutKeepsTheProduct() {
        // With dropout on, the embeddings are masked before the first layer, so no table may be used, even by a pass
        // that could look up: the result is the same with look-ups on and off (same masks from the same seed).
        let model = Seq2SeqModel(config: Self.config, seed: 5)
        let batch = Batch(sources: Self.batches[1])
        var first = Dropout(rate: 0.3, rng: SplitMix64(seed: 9)), second = first
        let a = Self.withoutLookUps(model) { encoderForward(batch, model.parameters, pass: .inspection, dropout: &first) }
        let b = withPackedWeights(model.parameters.storage) { encoderForward(batch, model.parameters, pass: .inspection, dropout: &second) }
        #expect(a.outputs.toArray() == b.outputs.toArray())
        #expect(b.layers[0].input != nil)
        #expect(a.layers[0].forward.gates?.toArray() == b.layers[0].forward.gates?.toArray())
    }

    /// Decoding keeps only the states (`Pass.decoding`): each step forms its projection in one reused block,
    /// by look-up or product, and the states are the same to the bit as with the whole sequence's projections
    /// formed first. For batch sizes below and above `stepProjectionRows`, with the look-ups on and off, and with
    /// the sentences sorted longest first, as decoding sorts them, where each step skips the finished rows.
    @Test func encoderKeepingOnlyTheStatesGivesTheSameBits() {
        let model = Seq2SeqModel(config: Self.config, seed: 3)
        let large = (0..<13).map { s in (0..<(1 + s * 5 % 11)).map { 4 + (s * 7 + $0 * 3) % 90 } }
        let longestFirst = large.sorted { $0.count > $1.count }
        for looksUp in [false, true] {
            for sources in Self.batches + [large, longestFirst] {
                let batch = Batch(sources: sources)
                func encode(_ pass: Pass) -> EncoderCache {
                    var dropout = Dropout.off
                    func run() -> EncoderCache { encoderForward(batch, model.parameters, pass: pass, dropout: &dropout) }
                    return looksUp ? withPackedWeights(model.parameters.storage, run) : Self.withoutLookUps(model, run)
                }
                let kept = encode(.inspection), lean = encode(.decoding)
                #expect(lean.outputs.toArray() == kept.outputs.toArray())
                #expect(lean.final.toArray() == kept.final.toArray())
                for (a, b) in zip(lean.layers, kept.layers) {
                    #expect(a.forward.states.toArray() == b.forward.states.toArray())
                    #expect(a.backward.states.toArray() == b.backward.states.toArray())
                    #expect(a.forward.gates == nil && a.forward.cells == nil)
                    #expect(b.forward.gates?.rows == batch.sourceLength * batch.size)
                }
            }
        }
    }

    /// `body` in a packed scope over the model's weights whose token look-ups are off.
    static func withoutLookUps<T>(_ model: Seq2SeqModel, _ body: () -> T) -> T {
        withPackedWeights(model.parameters.storage) {
            PackBuffer.forCurrentThread.weights?.looksUpTokens = false
            return body()
        }
    }
}
