// Embedding.swift — token ids → rows of the embedding table, and the backward that scatters gradients back to
// those rows. `nn.Embedding` semantics (SPEC §1, §2 `*_embedding.weight` [V, E]). Stage [4][6].

/// out[n, :] = table[ids[n], :].   ids: [N], table: [V, E], out: [N, E].
public func embeddingForward(ids: [Int], table: Matrix, into out: Matrix) {
    precondition(ids.count == out.rows && table.cols == out.cols, "embeddingForward shapes")
    for (n, id) in ids.enumerated() {
        precondition(id >= 0 && id < table.rows, "token id \(id) outside the vocabulary of \(table.rows)")
        out.row(n).update(from: table.row(id), count: table.cols)
    }
}

/// Backward of `out[n, :] = table[ids[n], :]`: dTable[ids[n], :] += dOut[n, :] (a token seen twice gets both).
public func embeddingBackward(_ dOut: Matrix, ids: [Int], dTable: Matrix) {
    precondition(ids.count == dOut.rows && dTable.cols == dOut.cols, "embeddingBackward shapes")
    for (n, id) in ids.enumerated() {
        let source = dOut.row(n), target = dTable.row(id)
        for j in 0..<dOut.cols { target[j] += source[j] }
    }
}
