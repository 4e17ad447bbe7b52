// EvalCommand.swift — `seq2seq eval`: corpus BLEU (sacreBLEU-compatible, 13a) and chrF2, each with sacreBLEU's
// signature, exact match, token accuracy and perplexity of a checkpoint on a test set; pairs that share a source are
// that source's references.

import Foundation
import Seq2SeqCore

enum EvalCommand {
    static let corpus = Option<String?>.text("--corpus", "file", help: "Pairs to evaluate on, source<TAB>target a line.")
    static let json = Flag(name: "--json", help: "Print the numbers as one JSON object.")
    static let typedCasually = Flag(
        name: "--typed-casually",
        help: "Translate each source as people often type it, in lower case without the final . ! ? (the references stay as written): what the model loses on such input.")

    static let info = CommandInfo(
        name: "eval",
        abstract: "Evaluate a checkpoint on sentence pairs: BLEU, chrF, exact match, token accuracy, perplexity.",
        usage: "seq2seq eval --checkpoint FILE --corpus FILE.tsv [--beam K [--length-penalty A]] [--replace-unk] [--no-repeat-ngram N] [--typed-casually] [--json] [--batch-size N] [--threads N]",
        options: CheckpointInput.options + [corpus.info, typedCasually.info, json.info] + DecodingOptions.options + ThreadCount.options,
        discussion: """
            Pairs with the same source (the same text) are one sentence with several references: each distinct source is translated once and scored against all of its references, as sacreBLEU scores several reference streams. The first line says how many sources and references were scored.

            BLEU and chrF are corpus scores of the detokenized translations (greedy, or beam search with --beam) against the references as written, computed as sacreBLEU 2.6.0 does by default (BLEU with 13a tokens, chrF2: character 6-grams, β = 2), each shown with sacreBLEU's signature (nrefs:var when sources have different numbers of references). With several references, BLEU clips each n-gram's count by its largest count in any one reference and takes the reference length closest to the translation's (of two as close, the shorter); chrF takes each sentence against its best reference. Exact match is the share of sources whose translation has the tokens of one of their references. Token accuracy and perplexity are teacher-forced on every pair. The decoding options are `translate`'s and change only the translations: BLEU, chrF and exact match.
            """)

    static func run(_ arguments: Arguments) throws {
        try ThreadCount(arguments).apply()
        let decoding = try DecodingOptions(arguments)
        let checkpoint = try CheckpointInput(arguments)
        let translator = decoding.translator(try Checkpoint.load(path: checkpoint.path))
        try TranslateCommand.checkDecodingMemory(translator, sentences: Evaluation.translationChunk)
        let corpus = try arguments.required(Self.corpus)
        let numbered = try Corpus.readNumberedPairs(path: corpus)
        let pairs = arguments.flag(Self.typedCasually)
            ? numbered.map { SentencePair(source: TypedInput.casual($0.pair.source) ?? $0.pair.source, target: $0.pair.target) }
            : numbered.map(\.pair)
        try checkBatchMemory(translator.checkpoint, numbered, corpus: corpus, batchSize: translator.batchSize, decoding: translator)
        let evaluated = Evaluation.translateAndScore(translator, on: pairs)
        let report = evaluated.report, perSource = evaluated.groups.referencesPerSource
        let nonFinite = report.nonFiniteNumbers
        if !nonFinite.isEmpty {
            throw Seq2SeqError.nonFiniteOutput(path: checkpoint.path, what: "scores (\(nonFinite.joined(separator: ", ")))")
        }
        if arguments.flag(Self.json) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            Output.line(String(decoding: try encoder.encode(SignedReport(report: report, referencesPerSource: perSource)), as: UTF8.self))
            return
        }
        let each = perSource.lowerBound == perSource.upperBound ? "\(perSource.lowerBound)" : "\(perSource.lowerBound)–\(perSource.upperBound)"
        Output.line("sources         \(evaluated.groups.sources.count)   (\(evaluated.groups.referenceCount) references, \(each) per source)")
        Output.line(String(format: "BLEU            %.2f   (%@)", report.bleu, BLEUScore.signature(referencesPerHypothesis: perSource)))
        Output.line(String(format: "%@           %.2f   (%@)", ChrFScore.name, report.chrF ?? .nan,
                           ChrFScore.signature(referencesPerHypothesis: perSource)))
        Output.line(String(format: "exact match     %.2f%%", report.exactMatch))
        Output.line(String(format: "token accuracy  %.2f%%   (teacher-forced)", report.tokenAccuracy))
        Output.line(String(format: "perplexity      %.4f   (loss %.4f nats/token)", report.perplexity, report.loss))
    }
}

extension EvalCommand {
    /// Refuses, before any work, pairs whose batch would need more memory than the process may use (an estimate from
    /// their lengths, `Evaluation.heaviestBatch`), naming the longest pair of that batch by its line.
    static func checkBatchMemory(_ checkpoint: Checkpoint, _ pairs: [(line: Int, pair: SentencePair)], corpus: String,
                                 batchSize: Int, decoding: Translator? = nil) throws {
        let batchFlag = DecodingOptions.batchSize.name
        guard let heaviest = Evaluation.heaviestBatch(checkpoint, pairs: pairs.map(\.pair), batchSize: batchSize, decoding: decoding,
                                                      threads: WorkerPool.shared.threads) else { return }
        let budget = MemoryBudget.bytes
        guard heaviest.bytes > budget else { return }
        let others = heaviest.pairs - 1
        let name = corpus == "-" ? "<stdin>" : corpus
        let subject = "\(name):\(pairs[heaviest.pair].line): this pair of \(heaviest.sourceTokens) source and \(heaviest.targetTokens) target tokens"
            + (others > 0 ? ", in a batch with \(others) other pair\(others == 1 ? "" : "s")," : "")
        throw Seq2SeqError.exceedsMemory(subject: subject, needed: heaviest.bytes, budget: budget,
                                         remedy: "shorten or leave out the pair" + (others > 0 ? ", or lower \(batchFlag)" : ""))
    }
}

/// The report's fields and, beside them, the sacreBLEU signatures of its two scores ("bleu_signature",
/// "chrf_signature"), so a JSON result says how it was computed. Kept out of `EvaluationReport` itself, which
/// every validation record of a training log also holds.
private struct SignedReport: Encodable {
    let report: EvaluationReport
    /// The fewest and most references of a source, sacreBLEU's `nrefs`.
    let referencesPerSource: ClosedRange<Int>

    enum CodingKeys: String, CodingKey {
        case bleuSignature = "bleu_signature", chrFSignature = "chrf_signature"
    }

    func encode(to encoder: Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(BLEUScore.signature(referencesPerHypothesis: referencesPerSource), forKey: .bleuSignature)
        try container.encode(ChrFScore.signature(referencesPerHypothesis: referencesPerSource), forKey: .chrFSignature)
    }
}
