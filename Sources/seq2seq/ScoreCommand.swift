// ScoreCommand.swift — `seq2seq score`: teacher-forced per-token log-probabilities of given sentence pairs.

import Foundation
import Seq2SeqCore

enum ScoreCommand {
    static let corpus = Option<String?>.text("--corpus", "file", help: "Pairs to score, source<TAB>target a line.")
    static let json = Flag(
        name: "--json", help: "One object a pair: {\"source_ids\", \"target_ids\", \"log_probs\"} (target_ids end with </s>).")
    static let batchSize = Option.integer("--batch-size", help: "Pairs scored together.", default: 64, in: 1...65_536)

    static let info = CommandInfo(
        name: "score",
        abstract: "Score given sentence pairs: the log-probability the model gives each target token under teacher forcing.",
        usage: "seq2seq score --checkpoint FILE --corpus FILE.tsv [--json]",
        options: CheckpointInput.options + [corpus.info, json.info, batchSize.info],
        discussion: "Without --json, one line a pair: the total log-probability, the number of target tokens (with </s>) and their mean, tab-separated.")

    static func run(_ arguments: Arguments) throws {
        let checkpointPath = try CheckpointInput(arguments).path
        let batchSize = try arguments.value(Self.batchSize)
        let checkpoint = try Checkpoint.load(path: checkpointPath)
        let corpus = try arguments.required(Self.corpus)
        let numbered = try Corpus.readNumberedPairs(path: corpus)
        try EvalCommand.checkBatchMemory(checkpoint, numbered, corpus: corpus, batchSize: batchSize)
        let scored = Evaluation.score(checkpoint, pairs: numbered.map(\.pair), batchSize: batchSize)
        // Nothing is printed unless every number is: a model whose weights are too large gives noise, not scores.
        if !scored.allSatisfy(\.isFinite) {
            throw Seq2SeqError.nonFiniteOutput(path: checkpointPath, what: "log-probabilities")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = arguments.flag(Self.json)
        for pair in scored {
            if json {
                Output.line(String(decoding: try encoder.encode(pair), as: UTF8.self))
            } else {
                let total = pair.logProbs.reduce(0.0) { $0 + Double($1) }
                Output.line(String(format: "%.6f\t%d\t%.6f", total, pair.logProbs.count, total / Double(pair.logProbs.count)))
            }
        }
    }
}
