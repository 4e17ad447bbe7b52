// CheckpointAverage.swift — `seq2seq average`: the element-wise mean of the parameters of several checkpoints of one
// model (as Marian's `average.py`, OpenNMT's `average_models.py` and fairseq's `average_checkpoints.py` do), usually
// the last few of one run, which translates a little better than any one of them. Stage [8]; SPEC §2.

import Foundation

/// The element-wise mean of the parameters of several checkpoints of one model (`seq2seq average`).
public enum CheckpointAverage {
    /// Loads `paths` (two or more) one at a time and returns a checkpoint holding the mean of their parameters, with
    /// the first file's config, vocabularies and training summary, the summary noting the files averaged.
    /// Every file must have the first's config and vocabularies, else `incompatibleCheckpoints` names the first
    /// one that differs and how. (A first file without a training summary gives a result without one too.)
    public static func average(paths: [String]) throws -> Checkpoint {
        guard let firstPath = paths.first, paths.count >= 2 else {
            throw Seq2SeqError.tooFewCheckpoints(count: paths.count)
        }
        var result = try Checkpoint.load(path: firstPath)
        let storage = result.model.parameters.storage
        // Summed in Double, so the mean does not depend on the order of the files beyond the last bit.
        var sum = (0..<storage.count).map { Double(storage.base[$0]) }
        for path in paths.dropFirst() {
            let checkpoint = try Checkpoint.load(path: path)
            if let difference = try difference(checkpoint, from: result) {
                throw Seq2SeqError.incompatibleCheckpoints(path: path, first: firstPath, reason: difference)
            }
            let values = checkpoint.model.parameters.storage
            for n in 0..<sum.count { sum[n] += Double(values.base[n]) }
        }
        let count = Double(paths.count)
        for n in 0..<sum.count { storage.base[n] = Float(sum[n] / count) }
        result.training?.averageOf = paths
        return result
    }

    // MARK: - What must match

    /// How `checkpoint` differs from `first` in what averaging needs equal (config, vocabularies), or nil.
    static func difference(_ checkpoint: Checkpoint, from first: Checkpoint) throws -> String? {
        if let field = try configDifference(checkpoint.config, first.config) { return "config " + field }
        for (side, mine, theirs) in [("source", checkpoint.sourceVocabulary, first.sourceVocabulary),
                                     ("target", checkpoint.targetVocabulary, first.targetVocabulary)] {
            if let id = zip(mine.tokens, theirs.tokens).enumerated()
                .first(where: { !$0.element.0.unicodeScalars.elementsEqual($0.element.1.unicodeScalars) })?.offset {
                return "\(side) vocabulary id \(id) is \(jsonQuoted(mine.tokens[id])), not \(jsonQuoted(theirs.tokens[id]))"
            }
            if mine.count != theirs.count { return "\(side) vocabulary has \(mine.count) tokens, not \(theirs.count)" }
        }
        return nil
    }

    /// The first field (in sorted key-path order, e.g. "model.embedding_size") whose JSON value differs: "X is 8, not
    /// 4". Compared through the config's JSON so that every field, present and future, counts.
    static func configDifference(_ config: TranslatorConfig, _ first: TranslatorConfig) throws -> String? {
        let mine = try flattened(config), theirs = try flattened(first)
        for key in Set(mine.keys).union(theirs.keys).sorted() where mine[key] != theirs[key] {
            guard let value = mine[key], let expected = theirs[key] else {
                return mine[key] == nil ? "has no \(key)" : "has \(key), which the first has not"
            }
            // Long values (a list of merges) are named, not printed, to keep the message one readable line.
            return value.count + expected.count <= 60 ? "\(key) is \(value), not \(expected)" : "\(key) differs"
        }
        return nil
    }

    /// Key path → the value's JSON text, for every leaf of the config's JSON object.
    private static func flattened(_ config: TranslatorConfig) throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: Data(try Checkpoint.json(config).utf8))
        var leaves: [String: String] = [:]
        func visit(_ value: Any, _ path: String) throws {
            if let dictionary = value as? [String: Any] {
                for (key, child) in dictionary { try visit(child, path.isEmpty ? key : path + "." + key) }
            } else {
                let data = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys])
                leaves[path] = String(decoding: data, as: UTF8.self)
            }
        }
        try visit(object, "")
        return leaves
    }
}
