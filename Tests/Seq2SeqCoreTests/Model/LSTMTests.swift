// LSTMTests.swift — the gate maths on the worked example people learn from, a hand-computed two-step example whose
// gates are far from saturation (forward and backward, with padding), and the LSTM parameter count
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

    /// The worked example above saturates: σ(92) is 1.0 in Float, so it cannot tell σ from a step function. Here every
    /// pre-activation lies within ±1.9, where σ, tanh and their derivatives are all far from 0 and 1: hidden 2, input
    /// 3, two sentences of lengths 2 and 1 (step 1 of sentence 1 is padding, fed garbage that must not be read), and a
    /// backward from given dh_t and dh_final (sentence 1's final state is its step-0 state, carried through the
    /// padding, so its gradient must be carried back). The expected numbers come from this Python, plain floats
    /// (Double), written from SPEC §1 with nothing of ours:
    ///
    ///     from math import exp, tanh
    ///     sig = lambda x: 1 / (1 + exp(-x))
    ///     I, h, B = 3, 2, 2
    ///     Wih = [[0.5, -0.3, 0.8], [-0.6, 0.4, 0.2], [0.3, 0.9, -0.5], [0.7, -0.8, 0.1],
    ///            [-0.4, 0.6, 0.9], [0.2, -0.7, 0.5], [0.8, 0.1, -0.6], [-0.5, 0.3, 0.4]]
    ///     Whh = [[0.6, -0.4], [0.3, 0.7], [-0.8, 0.5], [0.4, -0.2], [0.9, 0.1], [-0.3, 0.6], [0.5, -0.9], [0.2, 0.8]]
    ///     bih = [0.1, -0.2, 0.3, 0.5, -0.1, 0.2, -0.3, 0.4]
    ///     bhh = [0.05, 0.1, -0.15, 0.2, 0.0, -0.05, 0.1, 0.15]
    ///     lengths = [2, 1]
    ///     x = {(0, 0): [1.0, -0.5, 0.8], (0, 1): [0.4, 1.1, -0.9], (1, 0): [-1.2, 0.6, 0.3]}    # (t, b); (1, 1) is padding
    ///     dOut = {(0, 0): [0.3, -0.7], (0, 1): [0.5, 0.2], (1, 0): [-0.4, 0.9]}
    ///     dFinal = [[0.2, 0.1], [-0.6, 0.8]]
    ///     pre, act, cell, hid, prevh, prevc = {}, {}, {}, {}, {}, {}
    ///     for b in range(B):
    ///         hp, cp = [0.0] * h, [0.0] * h
    ///         for t in range(lengths[b]):
    ///             z = [sum(Wih[r][j] * x[t, b][j] for j in range(I)) + bih[r] + sum(Whh[r][j] * hp[j] for j in range(h)) + bhh[r] for r in range(4 * h)]
    ///             a = [sig(v) for v in z[:2 * h]] + [tanh(v) for v in z[2 * h:3 * h]] + [sig(v) for v in z[3 * h:]]
    ///             c = [a[h + u] * cp[u] + a[u] * a[2 * h + u] for u in range(h)]
    ///             hn = [a[3 * h + u] * tanh(c[u]) for u in range(h)]
    ///             pre[t, b], act[t, b], cell[t, b], hid[t, b], prevh[t, b], prevc[t, b] = z, a, c, hn, hp, cp
    ///             hp, cp = hn, c
    ///     assert all(abs(v) < 3 for z in pre.values() for v in z)
    ///     dWih = [[0.0] * I for _ in range(4 * h)]; dWhh = [[0.0] * h for _ in range(4 * h)]; db = [0.0] * (4 * h); dx = {}
    ///     for b in range(B):
    ///         dh, dc = list(dFinal[b]), [0.0] * h
    ///         for t in reversed(range(lengths[b])):
    ///             dh = [dh[u] + dOut[t, b][u] for u in range(h)]
    ///             a, c = act[t, b], cell[t, b]
    ///             i, f, g, o = a[:h], a[h:2 * h], a[2 * h:3 * h], a[3 * h:]
    ///             dO = [dh[u] * tanh(c[u]) for u in range(h)]
    ///             dC = [dc[u] + dh[u] * o[u] * (1 - tanh(c[u]) ** 2) for u in range(h)]
    ///             dz = ([dC[u] * g[u] * i[u] * (1 - i[u]) for u in range(h)] + [dC[u] * prevc[t, b][u] * f[u] * (1 - f[u]) for u in range(h)]
    ///                   + [dC[u] * i[u] * (1 - g[u] ** 2) for u in range(h)] + [dO[u] * o[u] * (1 - o[u]) for u in range(h)])
    ///             dc = [dC[u] * f[u] for u in range(h)]
    ///             dx[t, b] = [sum(dz[r] * Wih[r][j] for r in range(4 * h)) for j in range(I)]
    ///             for r in range(4 * h):
    ///                 db[r] += dz[r]
    ///                 for j in range(I): dWih[r][j] += dz[r] * x[t, b][j]
    ///                 for j in range(h): dWhh[r][j] += dz[r] * prevh[t, b][j]
    ///             dh = [sum(dz[r] * Whh[r][u] for r in range(4 * h)) for u in range(h)]
    ///     # printed with "%.9g": act, cell, hid, dx per (t, b); dWih, dWhh, db flattened row-major
    @Test func unsaturatedTwoStepExampleForwardAndBackward() {
        let p = LSTMParameters(
            weightIH: Matrix(rows: 8, cols: 3, values: [0.5, -0.3, 0.8, -0.6, 0.4, 0.2, 0.3, 0.9, -0.5, 0.7, -0.8, 0.1,
                                                        -0.4, 0.6, 0.9, 0.2, -0.7, 0.5, 0.8, 0.1, -0.6, -0.5, 0.3, 0.4]),
            weightHH: Matrix(rows: 8, cols: 2, values: [0.6, -0.4, 0.3, 0.7, -0.8, 0.5, 0.4, -0.2, 0.9, 0.1, -0.3, 0.6, 0.5, -0.9, 0.2, 0.8]),
            biasIH: Matrix(rows: 1, cols: 8, values: [0.1, -0.2, 0.3, 0.5, -0.1, 0.2, -0.3, 0.4]),
            biasHH: Matrix(rows: 1, cols: 8, values: [0.05, 0.1, -0.15, 0.2, 0.0, -0.05, 0.1, 0.15]))
        // Rows t·B + b: (t0, b0), (t0, b1), (t1, b0), (t1, b1) = padding, with garbage in it.
        let x = Matrix(rows: 4, cols: 3, values: [1.0, -0.5, 0.8, 0.4, 1.1, -0.9, -1.2, 0.6, 0.3, 2.0, -2.0, 2.0])
        let dOutputs = Matrix(rows: 4, cols: 2, values: [0.3, -0.7, 0.5, 0.2, -0.4, 0.9, 7.0, 7.0])
        let dFinal = Matrix(rows: 2, cols: 2, values: [0.2, 0.1, -0.6, 0.8])
        let run = ModelInternals.lstmLayer(p, input: x, lengths: [2, 1], dOutputs: dOutputs, dFinalHidden: dFinal)

        // i (2), f (2), g (2), o (2) of each row; the padded row's gates are 0.
        expectClose(run.gates, [0.808454651, 0.323004144, 0.40131234, 0.867611126, -0.0798297691, 0.800499022, 0.517492858, 0.554779235,
                                0.331812228, 0.48001066, 0.846836284, 0.502499979, -0.38847268, -0.757362324, 0.683520894, 0.579324252,
                                0.385529237, 0.732673084, 0.5687733, 0.347191491, 0.759069736, -0.259707524, 0.194195547, 0.825720466,
                                0, 0, 0, 0, 0, 0, 0, 0], rtol: 1e-6, atol: 1e-7, "gates")
        // c after each step; the padded row carries sentence 1's c on.
        expectClose(run.cells, [-0.0645387482, 0.258564501, -0.128899985, -0.363541989,
                                0.255935659, -0.100509318, -0.128899985, -0.363541989], rtol: 1e-6, atol: 1e-7, "cells")
        expectClose(run.outputs, [-0.0333520475, 0.140332724, -0.0876210891, -0.20179607,
                                  0.048644063, -0.0827142583, 0, 0], rtol: 1e-6, atol: 1e-7, "h")
        expectClose(run.dInput, [-0.00879444553, 0.0120063968, 0.0281293804, 0.133708751, -0.1497135, -0.0151861317,
                                 0.170400102, -0.452112711, 0.26379255, 0, 0, 0], rtol: 1e-5, atol: 1e-7, "dx")
        expectClose(run.dWeightIH, [0.00964616835, 0.00270441195, -0.00759512209, 0.0242041311, -0.137196497, 0.0843680822,
                                    -0.000691470282, 0.000345735141, 0.00017286757, -0.0574854777, 0.0287427388, 0.0143713694,
                                    0.0336776242, -0.041462026, 0.0425557714, -0.62006269, 0.445475225, 0.0805724267,
                                    0.00854387209, -0.000667004327, -0.00642578794, -0.0420081853, -0.0893538336, 0.051796714],
                    rtol: 1e-5, atol: 1e-7, "dW_ih")
        expectClose(run.dWeightHH, [0.000218318034, -0.000918599207, 0.00138679759, -0.0058351165, -1.92182914e-05, 8.08632567e-05,
                                    -0.00159771532, 0.00672257805, 0.000198372344, -0.000834675333, -0.0186276864, 0.0783782154,
                                    0.000261464061, -0.00110014127, 0.000480783186, -0.00202295268], rtol: 1e-5, atol: 1e-8, "dW_hh")
        let db: [Float] = [-0.00128050789, -0.125009043, 0.000576225235, 0.0479045647, 0.00922783559, 0.671187324, -0.0070392584, -0.124656498]
        expectClose(run.dBiasIH, db, rtol: 1e-5, atol: 1e-8, "db_ih")
        expectClose(run.dBiasHH, db, rtol: 1e-5, atol: 1e-8, "db_hh")
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
