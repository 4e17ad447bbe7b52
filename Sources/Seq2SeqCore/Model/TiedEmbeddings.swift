// TiedEmbeddings.swift — tied target embedding and generator weights (Press & Wolf 2017; OpenNMT's
// `share_decoder_embeddings`): one matrix W [Vt, E] (E == D) is both the decoder's input embedding (a row per
// input token) and the generator's weight (logits = W o + b). Stages [4][6][7][8]; SPEC §1–2.
//
// Why both tensors stay in the parameter table: SPEC §2's names and shapes are what PyTorch loads, and the forward
// and backward code read two matrices. Tying is an invariant kept from outside instead: both start equal, both get
// the same gradient every step (so Adam, element by element, moves them identically), and a checkpoint that says it
// is tied is checked on load.

extension ModelParameters {
    /// The tied start: `generator.weight`'s values, drawn as PyTorch's nn.Linear draws them (U(±1/√D)), copied into
    /// `target_embedding.weight`. Why not the embedding's N(0, 1) into the generator: logits W o would then be about
    /// √D times larger than untied ones, and training would start far from uniform predictions.
    public func tieTargetEmbeddingToGenerator() {
        let embedding = targetEmbedding, generator = generator.weight
        precondition(embedding.rows == generator.rows && embedding.cols == generator.cols,
                     "tied weights need target_embedding [Vt, E] and generator [Vt, D] of one shape")
        embedding.copy(from: generator)
    }

    /// The first element (row-major) where `target_embedding.weight` and `generator.weight` differ bit for bit, or
    /// nil when they are the same matrix. (Bits, not `==`: that would call 0 and −0 equal.)
    public func firstUntiedElement() -> Int? {
        let embedding = targetEmbedding, generator = generator.weight
        guard embedding.rows == generator.rows && embedding.cols == generator.cols else { return 0 }
        let e = embedding.pointer, g = generator.pointer
        return (0..<embedding.count).first { e[$0].bitPattern != g[$0].bitPattern }
    }

    /// Called on the gradients right after the backward pass of a tied model. The loss is L(T, G) at T = G = W, so
    ///     dL/dW = ∂L/∂T + ∂L/∂G
    /// (the embedding's scatter-added rows plus the generator's dW = dLogitsᵀ o); both tensors' gradients become
    /// that sum, so the two copies of W stay equal through clipping (one scale for all) and Adam.
    public func sumTiedGradients() {
        let dEmbedding = targetEmbedding, dGenerator = generator.weight
        precondition(dEmbedding.rows == dGenerator.rows && dEmbedding.cols == dGenerator.cols,
                     "tied gradients need target_embedding [Vt, E] and generator [Vt, D] of one shape")
        let dE = dEmbedding.pointer, dG = dGenerator.pointer
        for n in 0..<dEmbedding.count {
            let sum = dE[n] + dG[n]
            dE[n] = sum
            dG[n] = sum
        }
    }
}
