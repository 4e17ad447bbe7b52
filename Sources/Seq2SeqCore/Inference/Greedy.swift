// Greedy.swift — greedy decoding of a batch with the decoder's own step function: at each step emit the most
// probable token; a sentence is done once it emits </s>. Returns the tokens and one attention row per token. [9]

public struct Translation: Equatable, Sendable {
    /// Emitted target ids, ending with </s> unless the step limit came first.
    public var tokens: [Int]
    /// One row per emitted token: α over the sentence's own source positions (its tokens and </s>); rows sum to 1.
    public var attention: [[Float]]
}

extension Seq2SeqModel {
    /// What every decoding starts from: the encoded sources' attention keys and the bridged initial decoder state
    /// (no dropout: decoding is inference).
    func startDecoding(_ batch: Batch) -> (keys: AttentionKeys, state: DecoderState) {
        var dropout = Dropout.off
        let encoder = encoderForward(batch, parameters, dropout: &dropout)
        let keys = precomputeKeys(encoderOutputs: encoder.outputs, lengths: batch.sourceLengths, batchSize: batch.size, parameters.attention)
        return (keys, DecoderState(initialHidden: bridgeForward(encoder.final, parameters.bridge), layers: parameters.decoder.count))
    }

    /// Greedy translation of every source of `batch`, at most `maxSteps` tokens each. A sentence's result does not
    /// depend on the other sentences of the batch.
    /// `onStep`, if given, sees every decoder step as it is computed: its cache (all B rows, finished ones too; row b's
    /// real steps are the first `tokens.count` of its result) and the token id each row read (`<s>` first).
    /// `seq2seq inspect` records the gates and states of the decoder layers with it.
    public func greedy(_ batch: Batch, maxSteps: Int, onStep: ((_ step: DecoderStepCache, _ read: [Int]) -> Void)? = nil) -> [Translation] {
        withPackedWeights(parameters.storage) { greedyDecode(batch, maxSteps: maxSteps, onStep: onStep) }
    }

    private func greedyDecode(_ batch: Batch, maxSteps: Int, onStep: ((DecoderStepCache, [Int]) -> Void)?) -> [Translation] {
        let p = parameters, B = batch.size
        var dropout = Dropout.off
        var (keys, state) = startDecoding(batch)
        var results = (0..<B).map { _ in Translation(tokens: [], attention: []) }
        var finished = [Bool](repeating: false, count: B)
        var previous = [Int](repeating: Vocabulary.bos, count: B)
        let embedded = Matrix(rows: B, cols: p.targetEmbedding.cols)
        for _ in 0..<maxSteps where finished.contains(false) {
            embeddingForward(ids: previous, table: p.targetEmbedding, into: embedded)
            let step = decoderStepForward(embedded: embedded, state: state, keys: keys, p, dropout: &dropout)
            onStep?(step, previous)
            state = step.next
            let logits = readoutForward(states: state.top, contexts: step.attention.context, p, dropout: &dropout).logits
            for b in 0..<B where !finished[b] {
                let scores = logits.row(b)
                var best = 0
                for k in 1..<logits.cols where scores[k] > scores[best] { best = k }
                results[b].tokens.append(best)
                results[b].attention.append(Array(step.attention.weights.rowArray(b).prefix(batch.sourceLengths[b])))
                previous[b] = best
                finished[b] = best == Vocabulary.eos
            }
        }
        return results
    }
}
