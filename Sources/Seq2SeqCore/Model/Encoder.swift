// Encoder.swift — L stacked bidirectional LSTM layers over the source embeddings (SPEC §1 "Encoder"). Keeps every
// top-layer state H_j = [fwd_j ; bwd_j] (2H wide, 0 at padding) and the final states e = [fwd_{len-1} ; bwd_0]
// for the bridge. Stage [4][6].

/// One bidirectional layer's forward record.
public struct EncoderLayerCache {
    public let input: Matrix?         // [Ts·B, E] (layer 0) or [Ts·B, 2H], after dropout; nil when layer 0 looked its
                                      // input projections up per token
    public let inputMask: Matrix?     // the dropout mask applied to `input` (nil when dropout is off)
    public let forward: LSTMCache     // left to right over `input`
    public let backward: LSTMCache    // left to right over `input` reversed within each length
}

/// The encoder's forward record: every layer's cache, the top outputs H and the final states for the bridge.
public struct EncoderCache {
    /// One cache per layer, bottom first: L in all.
    public let layers: [EncoderLayerCache]
    public let outputs: Matrix        // H [Ts·B, 2H]: the top layer's [fwd_j ; bwd_j], exactly 0 at padding
    public let final: Matrix          // e [B, 2H] = [fwd_{len-1} ; bwd_0] of the top layer
}

/// Encodes `batch`'s sources. Dropout (training only) acts on the embeddings and between layers. Each LSTM keeps
/// what `pass` says (see `lstmForward`).
/// When no backward follows, dropout is off and a packed-weights scope over `p` that looks tokens up is open on this
/// thread (translation), the first layer looks its input projections up per token instead of multiplying them out
/// (`PackedWeights.projectTokens`): the same numbers, bit for bit, with a ninth of the encoder's multiply-adds saved
/// at the reference sizes. A training pass always multiplies them out: its backward reads the embeddings.
public func encoderForward(_ batch: Batch, _ p: ModelParameters, pass: Pass = .training, dropout: inout Dropout) -> EncoderCache {
    let B = batch.size, H = p.encoderForward[0].hiddenSize
    let rows = batch.sourceLength * B
    let scope = !pass.backwardFollows && dropout.isOff ? tokenProjectionScope(p.storage) : nil
    /// A layer's input x [Ts·B, I] after dropout (and its mask), with both directions' projections multiplied out from it.
    func multipliedOut(_ x: Matrix) -> (x: Matrix?, mask: Matrix?, forward: InputProjection, backward: InputProjection) {
        let mask = dropout.apply(x)
        return (x, mask, .product(x), .product(reverseWithinLengths(x, lengths: batch.sourceLengths, batchSize: B)))
    }
    // Layer 0 reads the source embeddings, or, in a scope, only the tokens, whose projections it looks up.
    var input: (x: Matrix?, mask: Matrix?, forward: InputProjection, backward: InputProjection)
    if let scope {
        input = (nil, nil, .tokens(batch.sourceIds, scope: scope, embedding: p.sourceEmbedding),
                 .tokens(batch.reversedSourceIds, scope: scope, embedding: p.sourceEmbedding))
    } else {
        let embedded = Matrix(rows: rows, cols: p.sourceEmbedding.cols)
        embeddingForward(ids: batch.sourceIds, table: p.sourceEmbedding, into: embedded)
        input = multipliedOut(embedded)
    }
    var layers: [EncoderLayerCache] = [], outputs: [Matrix] = []
    for k in 0..<p.encoderForward.count {
        let forward = lstmForward(input.forward, lengths: batch.sourceLengths, batchSize: B, p.encoderForward[k], pass: pass)
        let backward = lstmForward(input.backward, lengths: batch.sourceLengths, batchSize: B, p.encoderBackward[k], pass: pass)
        let layerOutputs = Matrix.unspecified(rows: rows, cols: 2 * H)          // each direction writes its half whole
        forward.writeOutputs(into: layerOutputs.columns(0 ..< H))
        backward.writeOutputs(into: layerOutputs.columns(H ..< 2 * H), reversed: true)
        layers.append(EncoderLayerCache(input: input.x, inputMask: input.mask, forward: forward, backward: backward))
        outputs.append(layerOutputs)
        // The next layer's input. Its dropout must not touch the outputs kept here; without dropout it is them.
        if k + 1 < p.encoderForward.count { input = multipliedOut(dropout.isOff ? layerOutputs : layerOutputs.clone()) }
    }
    // fwd_{len-1} is the forward direction's state after the last real token; bwd_0 is the backward direction's
    // state after it has read the whole sentence from the end, i.e. its own final state.
    let final = Matrix(rows: B, cols: 2 * H)
    final.columns(0 ..< H).copy(from: layers[layers.count - 1].forward.finalHidden)
    final.columns(H ..< 2 * H).copy(from: layers[layers.count - 1].backward.finalHidden)
    return EncoderCache(layers: layers, outputs: outputs[outputs.count - 1], final: final)
}

/// Backward of `encoderForward`: `dOutputs` [Ts·B, 2H] w.r.t. H, `dFinal` [B, 2H] w.r.t. e. Adds into `grads`.
public func encoderBackward(dOutputs: Matrix, dFinal: Matrix, cache: EncoderCache, _ batch: Batch,
                            _ p: ModelParameters, grads: ModelParameters) {
    let B = batch.size, H = p.encoderForward[0].hiddenSize, top = cache.layers.count - 1
    var dOut = dOutputs
    for k in stride(from: top, through: 0, by: -1) {
        let layer = cache.layers[k]
        // forward: out = [fwd ; reverse(bwd on reversed input)]; e takes its two halves from the top layer.
        let dForwardInput = lstmBackward(dOutputs: dOut.columns(0 ..< H), dFinalHidden: k == top ? dFinal.columns(0 ..< H) : nil,
                                         cache: layer.forward, p.encoderForward[k], grads: grads.encoderForward[k])
        let dBackwardOutputs = reverseWithinLengths(dOut.columns(H ..< 2 * H), lengths: batch.sourceLengths, batchSize: B)
        let dReversedInput = lstmBackward(dOutputs: dBackwardOutputs, dFinalHidden: k == top ? dFinal.columns(H ..< 2 * H) : nil,
                                          cache: layer.backward, p.encoderBackward[k], grads: grads.encoderBackward[k])
        let dInput = dForwardInput
        add(reverseWithinLengths(dReversedInput, lengths: batch.sourceLengths, batchSize: B), into: dInput)
        dropoutBackward(dInput, mask: layer.inputMask)
        dOut = dInput
    }
    embeddingBackward(dOut, ids: batch.sourceIds, dTable: grads.sourceEmbedding)
}
