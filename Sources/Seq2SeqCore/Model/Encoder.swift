// Encoder.swift — L stacked bidirectional LSTM layers over the source embeddings (SPEC §1 "Encoder"). Keeps every
// top-layer state H_j = [fwd_j ; bwd_j] (2H wide, 0 at padding) and the final states e = [fwd_{len-1} ; bwd_0]
// for the bridge. Stage [4][6].

/// One bidirectional layer's forward record.
public struct EncoderLayerCache {
    public let input: Matrix          // [Ts·B, E] (layer 0; [Ts·B, 0] if looked up) or [Ts·B, 2H], after dropout
    public let inputMask: Matrix?     // the dropout mask applied to `input` (nil when dropout is off)
    public let forward: LSTMCache     // left to right over `input`
    public let backward: LSTMCache    // left to right over `input` reversed within each length
}

public struct EncoderCache {
    public let layers: [EncoderLayerCache]
    public let outputs: Matrix        // H [Ts·B, 2H]: the top layer's [fwd_j ; bwd_j], exactly 0 at padding
    public let final: Matrix          // e [B, 2H] = [fwd_{len-1} ; bwd_0] of the top layer
}

/// Encodes `batch`'s sources. Dropout (training only) acts on the embeddings and between layers.
/// When a packed-weights scope over `p` that looks tokens up is open on this thread and dropout is off
/// (translation), the first layer looks its input projections up per token instead of multiplying them out
/// (`PackedWeights.projectTokens`): the same numbers, bit for bit, with a ninth of the encoder's multiply-adds
/// saved at the reference sizes. `keepsGates: false` (decoding) keeps only each layer's states (see `lstmForward`).
public func encoderForward(_ batch: Batch, _ p: ModelParameters, dropout: inout Dropout, keepsGates: Bool = true) -> EncoderCache {
    let B = batch.size, H = p.encoderForward[0].hiddenSize
    let rows = batch.sourceLength * B
    let scope = dropout.isOff ? tokenProjectionScope(p.storage) : nil
    // Layer 0's input: the source embeddings, or nothing ([Ts·B, 0]) when its projections are looked up per token.
    var input = Matrix(rows: rows, cols: scope == nil ? p.sourceEmbedding.cols : 0)
    if scope == nil { embeddingForward(ids: batch.sourceIds, table: p.sourceEmbedding, into: input) }
    /// Layer k's input projections: layer 0's from the scope's token table when there is one, else the product.
    func projection(_ k: Int, reversed: Bool) -> InputProjection {
        guard k == 0, let scope else { return .product }
        return .tokens(reversed ? batch.reversedSourceIds : batch.sourceIds, scope: scope, embedding: p.sourceEmbedding)
    }
    var layers: [EncoderLayerCache] = []
    var outputs = input
    for k in 0..<p.encoderForward.count {
        let mask = dropout.apply(input)
        let forward = lstmForward(input, lengths: batch.sourceLengths, batchSize: B, p.encoderForward[k],
                                  projection: projection(k, reversed: false), keepsGates: keepsGates)
        let reversedInput = reverseWithinLengths(input, lengths: batch.sourceLengths, batchSize: B)
        let backward = lstmForward(reversedInput, lengths: batch.sourceLengths, batchSize: B, p.encoderBackward[k],
                                   projection: projection(k, reversed: true), keepsGates: keepsGates)
        outputs = Matrix.unspecified(rows: rows, cols: 2 * H)          // each direction writes its half whole
        forward.writeOutputs(into: outputs.columns(0 ..< H))
        backward.writeOutputs(into: outputs.columns(H ..< 2 * H), reversed: true)
        layers.append(EncoderLayerCache(input: input, inputMask: mask, forward: forward, backward: backward))
        // The next layer's input. Its dropout must not touch the outputs kept here; without dropout it is them.
        input = dropout.isOff ? outputs : outputs.clone()
    }
    // fwd_{len-1} is the forward direction's state after the last real token; bwd_0 is the backward direction's
    // state after it has read the whole sentence from the end, i.e. its own final state.
    let final = Matrix(rows: B, cols: 2 * H)
    final.columns(0 ..< H).copy(from: layers[layers.count - 1].forward.finalHidden)
    final.columns(H ..< 2 * H).copy(from: layers[layers.count - 1].backward.finalHidden)
    return EncoderCache(layers: layers, outputs: outputs, final: final)
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
