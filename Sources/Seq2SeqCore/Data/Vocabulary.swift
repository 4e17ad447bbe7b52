// Vocabulary.swift — token ↔ id (stage [2]). SPEC §1: ids 0..3 are <pad> <unk> <s> </s> in both vocabularies.
public struct Vocabulary {
    public static let pad = 0, unk = 1, bos = 2, eos = 3
}
