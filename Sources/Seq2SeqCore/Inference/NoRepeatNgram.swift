// NoRepeatNgram.swift — repetition control for decoding (stage [9]), as fairseq's `no_repeat_ngram_size`: a token
// that would complete an n-gram the hypothesis already contains gets probability zero (log-probability −∞) at that
// step. Greedy and beam search both ask this rule which tokens it bans.

/// The no-repeat n-gram rule (fairseq's `no_repeat_ngram_size`), shared by greedy and beam search.
public enum NoRepeatNgram {
    /// The tokens that may not follow `tokens` (the hypothesis so far, without <s>) when no n-gram of `size` tokens
    /// may occur twice: for every earlier occurrence of its last size − 1 tokens, the token that followed it.
    /// `size` 0 bans nothing; 1 bans every token already emitted. (</s> is never banned: a hypothesis still being
    /// extended has not emitted it, so some token is always allowed.)
    public static func bannedTokens(after tokens: [Int], size: Int) -> [Int] {
        let n = tokens.count
        guard size > 0, n >= size else { return [] }
        let prefix = size - 1                       // the n-gram's first size − 1 tokens: the hypothesis' last ones
        var banned: [Int] = []
        // Earlier n-grams start at i = 0 ... n − size; the last size − 1 tokens start at n − prefix.
        for i in 0...(n - size) {
            var matches = true
            for m in 0..<prefix where tokens[i + m] != tokens[n - prefix + m] {
                matches = false
                break
            }
            if matches { banned.append(tokens[i + prefix]) }
        }
        return banned
    }
}
