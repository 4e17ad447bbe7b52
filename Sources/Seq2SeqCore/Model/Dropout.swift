// Dropout.swift — inverted dropout, on only in training: each unit is kept with probability 1 − p and scaled by
// 1/(1 − p), so inference needs no rescaling. The mask is a value forward returns and backward consumes. [4][6]

/// Draws dropout masks from a seeded generator; `rate` 0 means dropout is off (no mask, no random draw).
public struct Dropout {
    /// p: the probability a unit is zeroed.
    public let rate: Float
    /// The generator the masks are drawn from; part of the resume state.
    public var rng: SplitMix64

    /// Dropout with probability `rate` of zeroing a unit, drawing masks from `rng`.
    public init(rate: Float, rng: SplitMix64) {
        self.rate = rate
        self.rng = rng
    }

    /// No dropout: what inference and the gradient checks use.
    public static var off: Dropout { Dropout(rate: 0, rng: SplitMix64(seed: 0)) }

    /// Whether `apply` leaves its input alone.
    public var isOff: Bool { rate == 0 }

    /// x ← x ⊙ mask with mask entries 0 or 1/(1 − p); returns the mask (nil when off).
    public mutating func apply(_ x: Matrix) -> Matrix? {
        guard rate > 0 else { return nil }
        let mask = Matrix(rows: x.rows, cols: x.cols)
        let scale = 1 / (1 - rate)
        for r in 0..<mask.rows {
            let row = mask.row(r)
            for j in 0..<mask.cols { row[j] = rng.nextUnitFloat() < rate ? 0 : scale }
        }
        multiply(x, by: mask)
        return mask
    }
}

/// Backward of `y = x ⊙ mask`: dx = dy ⊙ mask, in place on dy (nothing to do when dropout was off).
public func dropoutBackward(_ dy: Matrix, mask: Matrix?) {
    if let mask { multiply(dy, by: mask) }
}
