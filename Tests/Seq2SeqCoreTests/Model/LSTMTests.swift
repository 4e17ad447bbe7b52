// LSTMTests.swift — the gate maths on the worked example people learn from, and the LSTM parameter count
// 4·hidden·(input + hidden) weights + 2·4·hidden biases.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct LSTMTests {
    /// W_f rows [1 2 3 4 5 6], [5 6 7 8 9 10], [3 4 5 6 7 8] applied to [h_{t-1}, x_t] = [1 2 3 4 5 6] with
    /// b_f = [1 2 3]: pre-activation [92 177 136] (e.g. 1+4+9+16+25+36 + 1 = 92), forget gate = σ of it.
    /// In torch.nn.LSTM layout the h-columns of W_f sit in weight_hh (rows 3..<6) and the x-columns in weight_ih.
    @Test func forgetGateOfTheWorkedExample() {
        let hidden = 3, input = 3
        let weightIH = Matrix(rows: 4 * hidden, cols: input), weightHH = Matrix(rows: 4 * hidden, cols: hidden)
        let biasIH = Matrix(rows: 1, cols: 4 * hidden), biasHH = Matrix(rows: 1, cols: 4 * hidden)
        let forgetRows: [[Float]] = [[1, 2, 3, 4, 5, 6], [5, 6, 7, 8, 9, 10], [3, 4, 5, 6, 7, 8]]
        for (u, row) in forgetRows.enumerated() {
            for j in 0..<hidden { weightHH[hidden + u, j] = row[j] }
            for j in 0..<input { weightIH[hidden + u, j] = row[hidden + j] }
            biasIH[0, hidden + u] = Float(u + 1)
        }
        let previousHidden = Matrix(rows: 1, cols: hidden, values: [1, 2, 3])
        let x = Matrix(rows: 1, cols: input, values: [4, 5, 6])
        let previousCell = Matrix(rows: 1, cols: hidden, values: [0.5, -1, 2])
        let gates = Matrix(rows: 1, cols: 4 * hidden)
        linearForward(x, LinearParameters(weight: weightIH, bias: biasIH), into: gates)
        linearForward(previousHidden, LinearParameters(weight: weightHH, bias: biasHH), into: gates, accumulate: true)
        #expect(gates.toArray()[hidden ..< 2 * hidden] == [92, 177, 136])

        let cell = Matrix(rows: 1, cols: hidden), h = Matrix(rows: 1, cols: hidden)
        lstmCellForward(gates: gates, previousCell: previousCell, previousHidden: previousHidden, cell: cell, hidden: h,
                        activity: .all)
        let f = gates.toArray()[hidden ..< 2 * hidden]
        #expect(Array(f) == [92, 177, 136].map { 1 / (1 + expf(-$0)) })
        // The other gates saw zero pre-activation: i = o = σ(0) = 1/2, g = tanh(0) = 0, so c_t = f ⊙ c_{t-1}.
        #expect(cell.toArray() == zip(f, previousCell.toArray()).map { $0 * $1 })
        #expect(h.toArray() == cell.toArray().map { 0.5 * tanhf($0) })
    }

    /// input 28, hidden 128 → 4·128·(28 + 128) = 79,872 weights and 2·4·128 = 1,024 biases.
    @Test func parameterCountOfOneLayer() {
        let config = ModelConfig(embeddingSize: 28, encoderHiddenSize: 128, encoderLayers: 1, decoderHiddenSize: 8,
                                 decoderLayers: 1, attentionSize: 8, sourceVocabularySize: 10, targetVocabularySize: 10)
        let table = ParameterTable(config: config)
        let layer = table.entries.filter { $0.name.hasPrefix("encoder.") && $0.name.hasSuffix("_l0") }
        let weights = layer.filter { $0.name.contains("weight") }.map(\.count).reduce(0, +)
        let biases = layer.filter { $0.name.contains("bias") }.map(\.count).reduce(0, +)
        #expect(weights == 79_872)
        #expect(biases == 1_024)
    }

    /// Each sentence's states stop at its own length: outputs past it are exactly 0 and the final state is the
    /// state after its last real token.
    @Test func paddedPositionsNeitherReadNorWrite() {
        var rng = SplitMix64(seed: 3)
        let hidden = 2, input = 3, batchSize = 2, steps = 4
        let p = LSTMParameters(weightIH: Matrix(rows: 8, cols: input, values: (0..<8 * input).map { _ in rng.nextUniform(bound: 1) }),
                               weightHH: Matrix(rows: 8, cols: hidden, values: (0..<8 * hidden).map { _ in rng.nextUniform(bound: 1) }),
                               biasIH: Matrix(rows: 1, cols: 8, values: (0..<8).map { _ in rng.nextUniform(bound: 1) }),
                               biasHH: Matrix(rows: 1, cols: 8, values: (0..<8).map { _ in rng.nextUniform(bound: 1) }))
        let x = Matrix(rows: steps * batchSize, cols: input, values: (0..<steps * batchSize * input).map { _ in rng.nextUniform(bound: 1) })
        let cache = lstmForward(x, lengths: [4, 2], batchSize: batchSize, p)
        for t in 2..<4 { #expect(cache.outputs.timeStep(t, batchSize: batchSize).rowArray(1) == [0, 0]) }
        #expect(cache.finalHidden.rowArray(1) == cache.outputs.timeStep(1, batchSize: batchSize).rowArray(1))
        #expect(cache.finalHidden.rowArray(0) == cache.outputs.timeStep(3, batchSize: batchSize).rowArray(0))
        // Garbage in the padding changes nothing.
        for c in 0..<input { x.timeStep(3, batchSize: batchSize)[1, c] = 1e6 }
        let again = lstmForward(x, lengths: [4, 2], batchSize: batchSize, p)
        #expect(again.outputs.toArray() == cache.outputs.toArray())
    }
}
