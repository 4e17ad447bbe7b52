// ReferenceModelTests.swift — the Double reference model (Support/ReferenceModel.swift) against PyTorch, SPEC §1.
// Stages [4][5][9]. Every golden literal here was printed by the PyTorch script below (torch 2.13.0+cpu, CPU, float64);
// the labels (a)…(e) match its output lines. Agreement is to 1e-8 relative; float64 on both sides.

import Foundation
import Testing

// Provenance: the script below, saved to a file and run with python3 after `pip install torch`.
//
// import torch, torch.nn as nn
// from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
// torch.set_default_dtype(torch.float64)
//
// def swift(xs):  # nested lists of floats -> Swift literal, shortest round-trip reprs
//     if isinstance(xs, torch.Tensor): xs = xs.tolist()
//     if isinstance(xs, list): return "[" + ", ".join(swift(x) for x in xs) + "]"
//     return repr(xs)
//
// def formula(k, shape):  # tensor k of the canonical order, flat element j
//     j = torch.arange(torch.Size(shape).numel(), dtype=torch.float64)
//     return (0.5 * torch.sin(0.9 * j + 1.3 * k + 0.1)).reshape(shape)
//
// # (a) one nn.LSTM layer, input 3, hidden 4, three steps from a non-zero (h0, c0)
// lstm = nn.LSTM(3, 4)
// with torch.no_grad():
//     for k, (name, p) in enumerate(lstm.named_parameters()):  # weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0
//         p.copy_(formula(k, p.shape))
// x = torch.tensor([[0.5, -1.0, 0.25], [1.5, 0.3, -0.7], [-0.2, 0.8, 1.1]]).unsqueeze(1)  # [T=3, B=1, 3]
// h, c = torch.tensor([[[0.1, -0.2, 0.3, -0.4]]]), torch.tensor([[[0.5, 0.0, -0.5, 0.25]]])
// whole, _ = lstm(x, (h, c))
// hs, cs = [], []
// for t in range(3):
//     _, (h, c) = lstm(x[t:t+1], (h, c)); hs.append(h[0, 0]); cs.append(c[0, 0])
// assert torch.allclose(whole[:, 0], torch.stack(hs), rtol=0, atol=1e-15)
// print("(a) h =", swift(torch.stack(hs)))
// print("(a) c =", swift(torch.stack(cs)))
//
// # The model, built from torch modules whose state_dict names are the SPEC §2 names.
// E, H, L, D, M, A, Vs, Vt = 3, 4, 2, 5, 2, 6, 7, 9
// class Attention(nn.Module):
//     def __init__(self):
//         super().__init__()
//         self.key = nn.Linear(2 * H, A)
//         self.query = nn.Linear(D, A, bias=False)
//         self.energy = nn.Linear(A, 1, bias=False)
// class Model(nn.Module):
//     def __init__(self):
//         super().__init__()
//         self.source_embedding = nn.Embedding(Vs, E)
//         self.target_embedding = nn.Embedding(Vt, E)
//         self.encoder = nn.LSTM(E, H, num_layers=L, bidirectional=True, batch_first=True)
//         self.bridge = nn.Linear(2 * H, D)
//         self.attention = Attention()
//         self.decoder = nn.LSTM(E + 2 * H, D, num_layers=M, batch_first=True)
//         self.readout = nn.Linear(D + 2 * H, D)
//         self.generator = nn.Linear(D, Vt)
// model = Model().eval()
// names = list(model.state_dict())  # == ReferenceModel.tensorShapes order
// model.load_state_dict({n: formula(k, model.state_dict()[n].shape) for k, n in enumerate(names)}, strict=True)
// print("names =", [(n, list(model.state_dict()[n].shape)) for n in names])
//
// sources = [[4, 5, 6, 3], [5, 3], [6, 4, 4, 5, 6, 4, 3]]
// targets = [[5, 7, 4, 8], [6], [8, 4, 4, 7, 5, 6]]
// B = len(sources)
// def pad(rows):
//     out = torch.zeros(len(rows), max(map(len, rows)), dtype=torch.long)
//     for b, r in enumerate(rows): out[b, :len(r)] = torch.tensor(r)
//     return out
// src = pad(sources)                                   # [B, T] with <pad> = 0
// lengths = torch.tensor([len(s) for s in sources])
// decoder_input = pad([[2] + t for t in targets])      # <s> y
// decoder_target = pad([t + [3] for t in targets])     # y </s>
//
// with torch.no_grad():
//     def encode():  # packed, lengths unsorted; returns H [B, T, 2H] (zeros at pads) and the bridge input e [B, 2H]
//         packed = pack_padded_sequence(model.source_embedding(src), lengths, batch_first=True, enforce_sorted=False)
//         packed_out, (h_n, c_n) = model.encoder(packed)
//         enc, _ = pad_packed_sequence(packed_out, batch_first=True)
//         return enc, torch.cat([h_n[-2], h_n[-1]], dim=1)  # top layer: forward final, backward final
//
//     # (b) encoder outputs of one sentence of the padded batch
//     enc, e = encode()
//     print("(b) encoder outputs of sentence 0 =", swift(enc[0, :len(sources[0])]))
//     for b in range(B):                                # == [fwd_{len-1} ; bwd_0]
//         assert torch.equal(e[b], torch.cat([enc[b, len(sources[b]) - 1, :H], enc[b, 0, H:]]))
//         assert torch.all(enc[b, len(sources[b]):] == 0)
//
//     def run_decoder(inputs_or_none, steps):
//         state = (torch.tanh(model.bridge(e)).unsqueeze(0).repeat(M, 1, 1), torch.zeros(M, B, D))
//         keys = model.attention.key(enc)               # [B, T, A], once per sentence
//         mask = src != 0
//         y = torch.full((B,), 2, dtype=torch.long)
//         logits_steps, alpha_steps, tokens = [], [], []
//         for t in range(steps):
//             if inputs_or_none is not None: y = inputs_or_none[:, t]
//             s = state[0][-1]                          # top layer's previous hidden state, [B, D]
//             scores = model.attention.energy(torch.tanh(model.attention.query(s).unsqueeze(1) + keys))[:, :, 0]
//             alpha = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=1)   # [B, T]
//             context = torch.bmm(alpha.unsqueeze(1), enc).squeeze(1)                 # [B, 2H]
//             x = torch.cat([model.target_embedding(y), context], dim=1).unsqueeze(1)  # [B, 1, E+2H]
//             out, state = model.decoder(x, state)
//             o = torch.tanh(model.readout(torch.cat([out[:, 0], context], dim=1)))
//             logits = model.generator(o)
//             logits_steps.append(logits); alpha_steps.append(alpha)
//             y = logits.argmax(dim=1); tokens.append(y)
//         return torch.stack(logits_steps, 1), torch.stack(alpha_steps, 1), torch.stack(tokens, 1)
//
//     # (c) teacher forcing in one padded batch
//     logits, alpha, _ = run_decoder(decoder_input, decoder_input.shape[1])       # [B, Td, Vt], [B, Td, T]
//     log_probs = torch.log_softmax(logits, dim=2).gather(2, decoder_target.unsqueeze(2)).squeeze(2)
//     for b in range(B):
//         n = len(targets[b]) + 1
//         print(f"(c) sentence {b} log_probs =", swift(log_probs[b, :n]))
//         print(f"(c) sentence {b} attention =", swift(alpha[b, :n, :len(sources[b])]))
//     # (d) label-smoothed summed loss
//     for eps in (0.1, 0.0):
//         loss = nn.CrossEntropyLoss(label_smoothing=eps, reduction="sum", ignore_index=0)
//         print(f"(d) eps {eps} batch =", repr(loss(logits.reshape(-1, Vt), decoder_target.reshape(-1)).item()),
//               "per sentence =", swift([loss(logits[b], decoder_target[b]).item() for b in range(B)]))
//     # (e) greedy, 8 steps, cut after the first </s>; "sharpened" parameters (formula x 4, generator.bias[3] += 5)
//     #     so that the tokens vary and one sentence stops early
//     sharp = {n: 4 * formula(k, model.state_dict()[n].shape) for k, n in enumerate(names)}
//     sharp["generator.bias"][3] += 5
//     model.load_state_dict(sharp, strict=True)
//     enc, e = encode()
//     logits, alpha, tokens = run_decoder(None, 8)
//     for b in range(B):
//         row = tokens[b].tolist()
//         n = row.index(3) + 1 if 3 in row else len(row)
//         top2 = logits[b, :n].topk(2, dim=1).values
//         print(f"(e) sentence {b} tokens =", swift(row[:n]))
//         print(f"(e) sentence {b} gap =", (top2[:, 0] - top2[:, 1]).min().item())
//         print(f"(e) sentence {b} attention =", swift(alpha[b, :n, :len(sources[b])]))
// print("torch", torch.__version__)

/// E=3 H=4 L=2 D=5 M=2 A=6 Vs=7 Vt=9, as in the script: sizes that all differ.
private let referenceTestSizes = ReferenceSizes(
    embedding: 3, encoderHidden: 4, encoderLayers: 2, decoderHidden: 5, decoderLayers: 2, attention: 6,
    sourceVocabulary: 7, targetVocabulary: 9)

/// The script's batch: sources end with </s> (3), targets do not; ids 0…3 are <pad> <unk> <s> </s>.
private let referenceTestSources: [[Int]] = [[4, 5, 6, 3], [5, 3], [6, 4, 4, 5, 6, 4, 3]]
private let referenceTestTargets: [[Int]] = [[5, 7, 4, 8], [6], [8, 4, 4, 7, 5, 6]]

/// The script's "sharpened" parameters for greedy decoding: every formula value × 4, then generator.bias[</s>] += 5,
/// so that the tokens vary and one sentence stops before maxSteps.
private func referenceSharpenedTensors() -> [String: [Double]] {
    var tensors = ReferenceModel.formulaTensors(referenceTestSizes).mapValues { $0.map { 4 * $0 } }
    tensors["generator.bias"]![3] += 5
    return tensors
}

/// Counts first; then the worst relative error |actual − expected| / |expected| (NaN counts as infinite) with its index.
private func referenceExpectClose(_ actual: [Double], _ expected: [Double], _ what: String,
                                  relativeTolerance: Double = 1e-8,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    var worstError = 0.0
    var worstIndex = 0
    for k in actual.indices {
        let error = actual[k].isNaN ? Double.infinity : abs(actual[k] - expected[k]) / max(abs(expected[k]), 1e-12)
        if error > worstError {
            worstError = error
            worstIndex = k
        }
    }
    #expect(worstError <= relativeTolerance,
            "\(what): worst relative error \(worstError) at [\(worstIndex)]: \(actual[worstIndex]) vs \(expected[worstIndex])",
            sourceLocation: sourceLocation)
}

/// Row counts and widths first, then the values as one flat list.
private func referenceExpectClose(_ actual: [[Double]], _ expected: [[Double]], _ what: String,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.map(\.count) == expected.map(\.count) else {
        Issue.record("\(what): row widths \(actual.map(\.count)), expected \(expected.map(\.count))",
                     sourceLocation: sourceLocation)
        return
    }
    referenceExpectClose(Array(actual.joined()), Array(expected.joined()), what, sourceLocation: sourceLocation)
}

@Suite struct ReferenceModelTests {
    let model = ReferenceModel(sizes: referenceTestSizes, tensors: ReferenceModel.formulaTensors(referenceTestSizes))

    @Test func tensorTableIsTorchStateDictOrder() {
        // names = list(model.state_dict()) with their shapes; load_state_dict(strict=True) accepted them all.
        let torchStateDict: [(String, [Int])] = [
            ("source_embedding.weight", [7, 3]),
            ("target_embedding.weight", [9, 3]),
            ("encoder.weight_ih_l0", [16, 3]),
            ("encoder.weight_hh_l0", [16, 4]),
            ("encoder.bias_ih_l0", [16]),
            ("encoder.bias_hh_l0", [16]),
            ("encoder.weight_ih_l0_reverse", [16, 3]),
            ("encoder.weight_hh_l0_reverse", [16, 4]),
            ("encoder.bias_ih_l0_reverse", [16]),
            ("encoder.bias_hh_l0_reverse", [16]),
            ("encoder.weight_ih_l1", [16, 8]),
            ("encoder.weight_hh_l1", [16, 4]),
            ("encoder.bias_ih_l1", [16]),
            ("encoder.bias_hh_l1", [16]),
            ("encoder.weight_ih_l1_reverse", [16, 8]),
            ("encoder.weight_hh_l1_reverse", [16, 4]),
            ("encoder.bias_ih_l1_reverse", [16]),
            ("encoder.bias_hh_l1_reverse", [16]),
            ("bridge.weight", [5, 8]),
            ("bridge.bias", [5]),
            ("attention.key.weight", [6, 8]),
            ("attention.key.bias", [6]),
            ("attention.query.weight", [6, 5]),
            ("attention.energy.weight", [1, 6]),
            ("decoder.weight_ih_l0", [20, 11]),
            ("decoder.weight_hh_l0", [20, 5]),
            ("decoder.bias_ih_l0", [20]),
            ("decoder.bias_hh_l0", [20]),
            ("decoder.weight_ih_l1", [20, 5]),
            ("decoder.weight_hh_l1", [20, 5]),
            ("decoder.bias_ih_l1", [20]),
            ("decoder.bias_hh_l1", [20]),
            ("readout.weight", [5, 13]),
            ("readout.bias", [5]),
            ("generator.weight", [9, 5]),
            ("generator.bias", [9]),
        ]
        let table = ReferenceModel.tensorShapes(referenceTestSizes)
        #expect(table.map(\.name) == torchStateDict.map(\.0))
        #expect(table.map(\.shape) == torchStateDict.map(\.1))
    }

    @Test func formulaTensorsFollowTheFormula() {
        let tensors = ReferenceModel.formulaTensors(referenceTestSizes)
        // canonical index 2 is encoder.weight_ih_l0; flat element 5 is row 1, column 2 of [4H, E]
        #expect(tensors["encoder.weight_ih_l0"]![5] == 0.5 * sin(0.9 * 5 + 1.3 * 2 + 0.1))
        #expect(tensors["generator.bias"]![0] == 0.5 * sin(1.3 * 35 + 0.1))
        #expect(tensors.count == 36)
    }

    /// The worked example: W_f rows [1 2 3 4 5 6], [5 6 7 8 9 10], [3 4 5 6 7 8] times [h_{t-1}, x_t] = [1 2 3 4 5 6]
    /// plus b_f = [1 2 3] gives the forget-gate pre-activation [92 177 136].
    @Test func forgetGateWorkedExample() {
        let forgetRows: [[Double]] = [[1, 2, 3, 4, 5, 6], [5, 6, 7, 8, 9, 10], [3, 4, 5, 6, 7, 8]]
        var weightIH = [Double](repeating: 0, count: 12 * 3)  // [4·3, 3]: the forget rows' x_t columns
        var weightHH = [Double](repeating: 0, count: 12 * 3)  // [4·3, 3]: the forget rows' h_{t-1} columns
        for r in 0..<3 {
            for c in 0..<3 {
                weightHH[(3 + r) * 3 + c] = forgetRows[r][c]
                weightIH[(3 + r) * 3 + c] = forgetRows[r][3 + c]
            }
        }
        var biasIH = [Double](repeating: 0, count: 12)
        biasIH[3..<6] = [1, 2, 3]  // b_f; the gate blocks are i, f, g, o
        let lstm = ReferenceLSTM(weightIH: ReferenceMatrix(rows: 12, columns: 3, values: weightIH),
                                 weightHH: ReferenceMatrix(rows: 12, columns: 3, values: weightHH),
                                 biasIH: biasIH, biasHH: [Double](repeating: 0, count: 12))
        let gates = lstm.gatePreActivations(input: [4, 5, 6], hidden: [1, 2, 3])
        #expect(Array(gates[3..<6]) == [92, 177, 136])
        #expect(Array(gates[0..<3]) == [0, 0, 0] && Array(gates[6..<12]) == [Double](repeating: 0, count: 6))

        let previousCell = [1.0, -2.0, 0.5]
        let step = lstm.step(input: [4, 5, 6], hidden: [1, 2, 3], cell: previousCell)
        #expect(step.forgetGate == [92.0, 177.0, 136.0].map(referenceSigmoid))
        // the other gates see 0: i = o = σ(0) = 0.5, g = tanh(0) = 0, so c_t = f * c_{t-1} and h_t = 0.5 tanh(c_t)
        #expect(step.inputGate == [0.5, 0.5, 0.5] && step.outputGate == [0.5, 0.5, 0.5])
        #expect(step.cellCandidate == [0, 0, 0])
        #expect(step.cell == zip(step.forgetGate, previousCell).map { $0 * $1 })
        #expect(step.hidden == step.cell.map { 0.5 * tanh($0) })
    }

    /// Golden (a): one torch.nn.LSTM(3, 4) layer, three steps from a non-zero (h0, c0).
    @Test func lstmLayerMatchesTorch() {
        func formula(_ k: Int, _ count: Int) -> [Double] {
            (0..<count).map { j in 0.5 * sin(0.9 * Double(j) + 1.3 * Double(k) + 0.1) }
        }
        let lstm = ReferenceLSTM(weightIH: ReferenceMatrix(rows: 16, columns: 3, values: formula(0, 48)),
                                 weightHH: ReferenceMatrix(rows: 16, columns: 4, values: formula(1, 64)),
                                 biasIH: formula(2, 16), biasHH: formula(3, 16))
        let inputs: [[Double]] = [[0.5, -1.0, 0.25], [1.5, 0.3, -0.7], [-0.2, 0.8, 1.1]]
        let (hidden, cell) = lstm.run(inputs, hidden: [0.1, -0.2, 0.3, -0.4], cell: [0.5, 0.0, -0.5, 0.25])
        let torchHidden: [[Double]] = [
            [0.06039689479763285, -0.14335875208301532, -0.15659914653673584, 0.11543080672992334],
            [-0.04318794240745098, -0.29037871043592905, -0.04971763241893479, -0.01990765960524669],
            [-0.4015386674191612, -0.20479197231388946, -0.18683438715473677, 0.02977729446780334],
        ]
        let torchCell: [[Double]] = [
            [0.09204745677375703, -0.22205122851307807, -0.3959191628994968, 0.341197960948582],
            [-0.053985602222533825, -0.5853128160912358, -0.11589549922996688, -0.046461517328419494],
            [-0.6086930790777956, -0.4488431089172622, -0.30439679355779575, 0.16642012858343266],
        ]
        referenceExpectClose(hidden, torchHidden, "h_t")
        referenceExpectClose(cell, torchCell, "c_t")
    }

    /// Golden (b): the 2-layer bidirectional encoder, run by PyTorch on the packed batch, for sentence 0 (length 4 of 7).
    @Test func encoderMatchesPackedTorchLSTM() {
        let torchOutputs: [[Double]] = [
            [-0.11083385844693132, -0.06694292409619752, 0.007497111637096892, 0.07201189089780224, -0.026119691069324175, -0.28186248741550424, -0.19539940413252935, 0.01553096122412651],
            [-0.17521505440312063, -0.1380083934591678, 0.0029691069288667908, 0.11613991709169655, -0.036828928896006675, -0.27824703432525233, -0.19136792326079816, -0.004952221189043847],
            [-0.18515364415528052, -0.17918539332265424, -0.00816857385182653, 0.13925700125571006, -0.03948012551475607, -0.21746062355813675, -0.1514432276457729, -0.017043413222141705],
            [-0.21082487052205032, -0.20779476968251975, -0.014560443522121163, 0.14914796992848495, -0.05431982466978032, -0.1405949202727932, -0.10105436042726862, -0.017770528748124823],
        ]
        referenceExpectClose(model.encode(source: referenceTestSources[0]), torchOutputs, "H_j")
    }

    /// Golden (c): teacher-forced log p(y_t) and attention rows, computed by PyTorch in one padded, masked batch.
    @Test(arguments: 0..<3) func teacherForcingMatchesTorch(sentence: Int) {
        let torchLogProbs: [[Double]] = [
            [-2.1557365462347695, -2.1329578561124096, -2.6185810207347906, -1.7009540832174754, -3.30009941601298],
            [-2.7564221779081457, -3.3635132103319143],
            [-1.5320541032116843, -2.5839116511278735, -2.621818931683242, -2.120957775878584, -2.151817671824335, -2.4318064291387467, -3.312017331649767],
        ]
        let torchAttention: [[[Double]]] = [
            [
                [0.22267119121649004, 0.24403219976899762, 0.25977348631147423, 0.2735231227030382],
                [0.21928405103400808, 0.24302104602721786, 0.26084720130835276, 0.2768477016304214],
                [0.21949065886644453, 0.24288123913725387, 0.26076438411565517, 0.27686371788064645],
                [0.21969112964059087, 0.24282900471327767, 0.2606913743280252, 0.2767884913181063],
                [0.2198124679411284, 0.2427949982229829, 0.26064645216317456, 0.27674608167271414],
            ],
            [
                [0.46807763746055936, 0.5319223625394407],
                [0.46472629894716083, 0.535273701052839],
            ],
            [
                [0.12714114086936576, 0.1357991588258506, 0.13878474010463462, 0.14437265315934897, 0.14898888407440128, 0.14937997390357974, 0.155533449062819],
                [0.12519102138936655, 0.13476801928017884, 0.1381204715272274, 0.14447281152806157, 0.1497637658273682, 0.1502281687595174, 0.15745574168828005],
                [0.12526959033738358, 0.13479111170274646, 0.13812090521844583, 0.14432650893396667, 0.14967753630270836, 0.15028155313041852, 0.15753279437433046],
                [0.12536231247250373, 0.13482900827295774, 0.13813694544931618, 0.14424166497409557, 0.14960996518920708, 0.15029072425429987, 0.15752937938761988],
                [0.12541405596971147, 0.13484986831149404, 0.1381457200696434, 0.14419657169106317, 0.14957324536256755, 0.1502943966984351, 0.15752614189708533],
                [0.12543260719556715, 0.134857002919859, 0.1381484368619436, 0.14417895568152278, 0.14955954429336427, 0.15029658722250994, 0.15752686582523326],
                [0.12543251855285953, 0.134855800114654, 0.13814684688552903, 0.14417180514880246, 0.14955683616661578, 0.15030101970120358, 0.15753517343033557],
            ],
        ]
        let result = model.teacherForced(source: referenceTestSources[sentence], target: referenceTestTargets[sentence])
        referenceExpectClose(result.logProbs, torchLogProbs[sentence], "log p(y_t), sentence \(sentence)")
        referenceExpectClose(result.attention, torchAttention[sentence], "attention, sentence \(sentence)")
    }

    /// Golden (d): nn.CrossEntropyLoss(label_smoothing=ε, reduction='sum', ignore_index=0) per sentence and over the batch.
    @Test(arguments: [0.1, 0.0]) func labelSmoothedLossMatchesTorch(smoothing: Double) {
        let torchPerSentence: [Double] = smoothing == 0.1 ? [11.878330819662335, 5.975395766782518, 16.701647051101933] : [11.908328922312425, 6.1199353882400604, 16.75438389451423]
        let torchBatch: Double = smoothing == 0.1 ? 34.555373637546786 : 34.78264820506672
        let losses = referenceTestSources.indices.map {
            model.loss(source: referenceTestSources[$0], target: referenceTestTargets[$0], smoothing: smoothing)
        }
        referenceExpectClose(losses, torchPerSentence, "loss per sentence, ε = \(smoothing)")
        referenceExpectClose([losses.reduce(0, +)], [torchBatch], "loss over the batch, ε = \(smoothing)")
    }

    @Test func smoothingZeroIsPlainCrossEntropy() {
        for (source, target) in zip(referenceTestSources, referenceTestTargets) {
            let logProbs = model.teacherForced(source: source, target: target).logProbs
            referenceExpectClose([model.loss(source: source, target: target, smoothing: 0)],
                                 [-logProbs.reduce(0, +)], "loss vs −Σ log p", relativeTolerance: 1e-14)
        }
    }

    /// Golden (e): greedy decoding, maxSteps 8, with the sharpened parameters: sentence 1 stops at </s>, the others
    /// run to maxSteps. The smallest top-1 − top-2 logit gap PyTorch saw (the "gap" lines) is 0.0095: no near-ties.
    @Test(arguments: 0..<3) func greedyMatchesTorch(sentence: Int) {
        let torchTokens: [[Int]] = [
            [1, 1, 5, 5, 5, 1, 1, 5],
            [8, 8, 3],
            [1, 5, 5, 5, 5, 5, 5, 5],
        ]
        let torchAttention: [[[Double]]] = [
            [
                [0.11456922836259538, 0.346965062120248, 0.3471894155435302, 0.19127629397362633],
                [0.03705232231547348, 0.32027583693843176, 0.6230318787927936, 0.019639961953301227],
                [0.09256402958831332, 0.33234656891380837, 0.5579823402019247, 0.0171070612959537],
                [0.11592795726866627, 0.3800570691962318, 0.46636627024210586, 0.03764870329299622],
                [0.1227700311079219, 0.38698306859742065, 0.4334828167030046, 0.05676408359165304],
                [0.12192910250844785, 0.377421918515081, 0.46037228889478515, 0.04027669008168607],
                [0.11284059478577248, 0.36718181295305535, 0.4911339195908683, 0.028843672670303813],
                [0.11637566112347, 0.37768665369040677, 0.4697312140939602, 0.0362064710921631],
            ],
            [
                [0.5036654951988705, 0.4963345048011294],
                [0.5246686190240736, 0.4753313809759264],
                [0.481867768764322, 0.5181322312356779],
            ],
            [
                [0.26793492781106965, 0.1588122594033234, 0.07647476106648037, 0.20212422553312667, 0.13523734456932782, 0.08353066389455387, 0.07588581772211819],
                [0.061793028484256836, 0.8497399319697307, 0.005907486361572112, 0.012591034951729174, 0.021492734529118877, 0.04806823806063798, 0.0004075456429542276],
                [0.18952996492275262, 0.5864072002771226, 0.03213848021068619, 0.04985744263633622, 0.0733618278160954, 0.06568881162998702, 0.0030162725070200943],
                [0.2699852415006068, 0.40053471082680897, 0.04023759332888378, 0.1092785871687703, 0.1040907577963414, 0.0656043438173376, 0.010268765561250929],
                [0.2803188842380882, 0.3770123099903533, 0.037907162807963544, 0.12099150272681643, 0.10936966627319866, 0.06337202244548341, 0.01102845151809662],
                [0.2837972233199719, 0.3694448253515461, 0.03537781143263495, 0.1261521198089202, 0.1128691253973184, 0.0618789549203126, 0.010479939769295836],
                [0.2838139278530591, 0.36932257569710625, 0.033714948064101496, 0.12729961296156334, 0.11486953843348426, 0.06128465529455793, 0.009694741696127608],
                [0.2827932047870043, 0.37156548907424763, 0.03275987980180964, 0.12682034202754267, 0.11586214886962869, 0.06112406699679056, 0.009074868442976496],
            ],
        ]
        let sharpened = ReferenceModel(sizes: referenceTestSizes, tensors: referenceSharpenedTensors())
        let result = sharpened.greedy(source: referenceTestSources[sentence], maxSteps: 8)
        #expect(result.tokens == torchTokens[sentence])
        referenceExpectClose(result.attention, torchAttention[sentence], "greedy attention, sentence \(sentence)")
    }

    /// Greedy decoding is teacher forcing on its own output: same attention rows, and each emitted id is the argmax.
    @Test func greedyIsTeacherForcingOnItsOwnTokens() {
        let sharpened = ReferenceModel(sizes: referenceTestSizes, tensors: referenceSharpenedTensors())
        for source in referenceTestSources {
            let greedy = sharpened.greedy(source: source, maxSteps: 8)
            let target = greedy.tokens.last == 3 ? Array(greedy.tokens.dropLast()) : greedy.tokens
            let forced = sharpened.teacherForcedLogits(source: source, target: target)
            #expect(Array(forced.attention.prefix(greedy.tokens.count)) == greedy.attention)
            #expect(forced.logits.prefix(greedy.tokens.count).map(referenceArgmax) == greedy.tokens)
        }
    }
}
