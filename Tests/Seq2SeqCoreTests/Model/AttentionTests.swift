// AttentionTests.swift — masking: attention on padded source positions is exactly 0, and every row of α sums
// to 1 within 1e-6; the greedy attention matrix has one row per emitted token over the sentence's own positions;
// decoding, which keeps no hidden units, scores exactly as training does.

import Testing
@testable import Seq2SeqCore

@Suite struct AttentionTests {
    @Test func paddedPositionsGetExactlyZeroAndRowsSumToOne() {
        let model = TinyModels.model(seed: 3)
        let batch = TinyModels.batch
        var dropout = Dropout.off
        let pass = model.forward(batch, dropout: &dropout)
        #expect(pass.decoder.steps.count == batch.targetLength)
        for step in pass.decoder.steps {
            for b in 0..<batch.size {
                let row = step.attention.weights.rowArray(b)
                for j in batch.sourceLengths[b]..<batch.sourceLength { #expect(row[j] == 0, "sentence \(b), position \(j)") }
                let sum = row.reduce(0.0) { $0 + Double($1) }
                #expect(abs(sum - 1) <= 1e-6)
                #expect(row.prefix(batch.sourceLengths[b]).allSatisfy { $0 > 0 })
            }
        }
    }

    @Test func greedyAttentionHasOneRowPerTokenOverTheSentence() {
        let model = TinyModels.model(seed: 3)
        let sources: [[Int]] = [[4, 5], [6, 4, 5, 6, 5]]
        for (b, translation) in model.greedy(Batch(sources: sources), maxSteps: 6).enumerated() {
            #expect(translation.attention.count == translation.tokens.count)
            for row in translation.attention {
                #expect(row.count == sources[b].count + 1)      // its tokens and </s>
                #expect(abs(row.reduce(0.0) { $0 + Double($1) } - 1) <= 1e-6)
            }
        }
    }

    @Test func withoutItsHiddenUnitsTheStepIsBitForBitTheSame() {
        let model = TinyModels.model(seed: 3)
        let batch = TinyModels.batch
        var dropout = Dropout.off
        let pass = model.forward(batch, dropout: &dropout)
        for step in pass.decoder.steps {
            let lean = attentionForward(query: step.attention.query, keys: pass.keys, model.parameters.attention, pass: .decoding)
            #expect(lean.hidden == nil)
            #expect(step.attention.hidden?.rows == batch.sourceLength * batch.size)
            #expect(lean.weights.toArray() == step.attention.weights.toArray())
            #expect(lean.context.toArray() == step.attention.context.toArray())
        }
    }
}
