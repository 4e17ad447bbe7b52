// Greedy.swift — greedy decoding of a batch with the decoder's own step function: at each step emit the most
// probable token; a sentence is done once it emits </s> or reaches its own step limit, and its row then leaves the
// working batch, so a batch costs what its live sentences need. Returns the tokens and one attention row per
// token. Also the row bookkeeping beam search shares: keys and states of a chosen list of rows. [9]

/// One decoded sentence in ids, with its attention rows.
public struct Translation: Equatable, Sendable {
    /// Emitted target ids, ending with </s> unless the step limit came first.
    public var tokens: [Int]
    /// One row per emitted token: α over the sentence's own source positions (its tokens and </s>); rows sum to 1.
    public var attention: [[Float]]
    /// Whether every step's logits were usable (`Seq2SeqModel.logitsAreUsable`) and its attention weights finite.
    /// False means weights too large for Float32 arithmetic: the tokens then mean nothing.
    public var isFinite = true
}

extension Seq2SeqModel {
    /// The largest logit magnitude decoding trusts: 2^24, beyond which a Float32 no longer holds every integer (its
    /// significand has 24 bits), so logits a nat or two apart are one number and a softmax over them is noise. Only
    /// weights far too large give such logits; a trained model's stay within a few hundred.
    public static let logitLimit: Float = 16_777_216

    /// Whether a row of logits can be trusted: every value finite and within ±`logitLimit`.
    /// Eight lanes at a time and without an early exit, so the check stays a small part of a decoding step.
    public static func logitsAreUsable(_ logits: UnsafePointer<Float>, count: Int) -> Bool {
        var usable = SIMDMask<SIMD8<Int32>>(repeating: true)
        var k = 0
        while k + 8 <= count {
            let x = UnsafeRawPointer(logits + k).loadUnaligned(as: SIMD8<Float>.self)
            usable .&= (x .<= logitLimit) .& (x .>= -logitLimit)                      // NaN fails both comparisons
            k += 8
        }
        while k < count {
            if !(abs(logits[k]) <= logitLimit) { return false }
            k += 1
        }
        return all(usable)
    }

    /// What every decoding starts from: the encoded sources' attention keys and the bridged initial decoder state
    /// (no dropout: decoding is inference; nor gates and cells kept: nothing reads them). In a packed-weights scope
    /// (opened here if the caller has none), so that the states do not depend on the batch (see `lstmForward`).
    func startDecoding(_ batch: Batch) -> (keys: AttentionKeys, state: DecoderState) {
        var dropout = Dropout.off
        let encoder = withPackedWeights(parameters.storage) { encoderForward(batch, parameters, pass: .decoding, dropout: &dropout) }
        let keys = precomputeKeys(encoderOutputs: encoder.outputs, lengths: batch.sourceLengths, batchSize: batch.size, parameters.attention)
        return (keys, DecoderState(initialHidden: bridgeForward(encoder.final, parameters.bridge), layers: parameters.decoder.count))
    }

    /// Greedy translation of every source of `batch`, at most `maxSteps` tokens each.
    public func greedy(_ batch: Batch, maxSteps: Int, noRepeatNgram: Int = 0,
                       onStep: ((_ step: DecoderStepCache, _ read: [Int], _ sentences: [Int]) -> Void)? = nil) -> [Translation] {
        greedy(batch, maxSteps: [Int](repeating: maxSteps, count: batch.size), noRepeatNgram: noRepeatNgram, onStep: onStep)
    }

    /// Greedy translation of every source of `batch`, sentence b emitting at most `maxSteps[b]` tokens. A sentence's
    /// result does not depend on the other sentences of the batch (bit for bit: every row's arithmetic is the same in
    /// any batch). With `noRepeatNgram` N > 0, no n-gram of N tokens is emitted twice (see `NoRepeatNgram`).
    /// `onStep`, if given, sees every decoder step as it is computed: its cache, the token id each row read (`<s>`
    /// first) and the sentence (index into `batch`) of each row. Only sentences still decoding have rows.
    /// `seq2seq inspect` records the gates and states of the decoder layers with it.
    public func greedy(_ batch: Batch, maxSteps: [Int], noRepeatNgram: Int = 0,
                       onStep: ((_ step: DecoderStepCache, _ read: [Int], _ sentences: [Int]) -> Void)? = nil) -> [Translation] {
        precondition(maxSteps.count == batch.size, "one step limit per sentence")
        return withPackedWeights(parameters.storage) {
            greedyDecode(batch, maxSteps: maxSteps, noRepeatNgram: noRepeatNgram, onStep: onStep)
        }
    }

    private func greedyDecode(_ batch: Batch, maxSteps: [Int], noRepeatNgram: Int,
                              onStep: ((DecoderStepCache, [Int], [Int]) -> Void)?) -> [Translation] {
        let p = parameters, V = p.generator.weight.rows
        var dropout = Dropout.off
        let start = startDecoding(batch)
        var results = [Translation](repeating: Translation(tokens: [], attention: []), count: batch.size)
        // The working batch: row r decodes sentence `sentences[r]`, reading `previous[r]`.
        var sentences = (0..<batch.size).filter { maxSteps[$0] > 0 }
        var keys = start.keys, state = start.state
        if sentences.count < batch.size {
            keys = start.keys.rows(sentences)
            state = state.rows(sentences)
        }
        var previous = [Int](repeating: Vocabulary.bos, count: sentences.count)
        while !sentences.isEmpty {
            let step = decoderStepForward(tokens: previous, state: state, keys: keys, p)
            onStep?(step, previous, sentences)
            state = step.next
            let logits = readoutForward(states: state.top, contexts: step.attention.context, p, dropout: &dropout).logits
            var live: [Int] = []          // rows whose sentence goes on
            for (r, b) in sentences.enumerated() {
                let scores = logits.row(r)
                if !Self.logitsAreUsable(scores, count: V) { results[b].isFinite = false }
                for token in NoRepeatNgram.bannedTokens(after: results[b].tokens, size: noRepeatNgram) { scores[token] = -.infinity }
                var best = 0
                for k in 1..<V where scores[k] > scores[best] { best = k }
                results[b].tokens.append(best)
                let alpha = Array(UnsafeBufferPointer(start: step.attention.weights.row(r), count: batch.sourceLengths[b]))
                if !alpha.allSatisfy(\.isFinite) { results[b].isFinite = false }
                results[b].attention.append(alpha)
                previous[r] = best
                if best != Vocabulary.eos && results[b].tokens.count < maxSteps[b] { live.append(r) }
            }
            if live.count < sentences.count {
                // Finished sentences leave: their rows of the state, keys and values are dropped, and the keys are cut
                // to the longest source still decoding.
                sentences = live.map { sentences[$0] }
                previous = live.map { previous[$0] }
                if sentences.isEmpty { break }
                state = state.rows(live)
                keys = start.keys.rows(sentences)
            }
        }
        return results
    }
}

// MARK: - The rows of a working batch

extension AttentionKeys {
    /// The keys and values of the sentences `sentences` (indices into this batch; one may repeat, as the hypotheses of
    /// one sentence in beam search do), one row each, padded only to the longest of them.
    func rows(_ sentences: [Int]) -> AttentionKeys {
        let B = batchSize, R = sentences.count
        let lengths = sentences.map { self.lengths[$0] }
        let T = lengths.max() ?? 0
        let k = Matrix(rows: T * R, cols: keys.cols), v = Matrix(rows: T * R, cols: values.cols)    // [T·R, A], [T·R, 2H]
        for j in 0..<T {
            for (r, b) in sentences.enumerated() where j < lengths[r] {      // padded positions stay 0, as the encoder left them
                k.row(j * R + r).update(from: keys.row(j * B + b), count: keys.cols)
                v.row(j * R + r).update(from: values.row(j * B + b), count: values.cols)
            }
        }
        return AttentionKeys(keys: k, values: v, lengths: lengths, batchSize: R)
    }
}

extension DecoderState {
    /// Rows `rows` of every layer's h and c, in that order ([R, D] each).
    func rows(_ rows: [Int]) -> DecoderState {
        func gather(_ m: Matrix) -> Matrix {
            let result = Matrix(rows: rows.count, cols: m.cols)
            for (i, r) in rows.enumerated() { result.row(i).update(from: m.row(r), count: m.cols) }
            return result
        }
        return DecoderState(hidden: hidden.map(gather), cell: cell.map(gather))
    }
}
