// Pass.swift — which pass a forward runs in, and so what it keeps: everything its backward reads, or only what later
// steps read. Stages [4][9].

/// The pass a forward belongs to. The numbers a forward computes are the same in every pass, to the bit.
public enum Pass: Sendable {
    /// A backward may follow (training, and the teacher-forced loss and scores, which must be training's): every layer
    /// keeps what its backward reads, and multiplies its inputs out.
    case training
    /// Translation: no backward follows, so a layer keeps only what later steps read (an encoder LSTM its states, an
    /// attention step its weights and context), and may look token input projections up in a packed-weights scope
    /// (`PackedWeights.projectTokens`) instead of multiplying them out.
    case decoding
    /// `seq2seq inspect`: decoding, except that the encoder's LSTMs keep their gates and cells, to be looked at.
    case inspection

    /// Whether a backward may follow, so every layer must keep what it reads.
    var backwardFollows: Bool {
        switch self {
        case .training: true
        case .decoding, .inspection: false
        }
    }

    /// Whether an encoder LSTM keeps its gates and cells of every step.
    var keepsGates: Bool {
        switch self {
        case .training, .inspection: true
        case .decoding: false
        }
    }
}
