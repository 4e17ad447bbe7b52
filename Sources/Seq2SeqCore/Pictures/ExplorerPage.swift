// ExplorerPage.swift — the data of `seq2seq explore`'s page: for each sentence its n-best translations with their
// attention (what `attention --format json` gives), the beam search's tree (BeamTrace), every LSTM step (what
// `inspect --format json` gives); the unit rankings of `inspect --top` over all sentences; the `info` summary and the
// learning curves. One JSON object, numbers at `significantDigits` significant digits, which the page's script
// (ExplorerScript*.swift) draws. Stage [10].

import Foundation

/// One sentence of an explorer page: its hypotheses, the search that found them, and what its LSTMs did.
public struct ExplorerSentence: Sendable {
    /// One finished hypothesis with its scores.
    public struct Hypothesis: Sendable {
        /// What `translate --n-best` prints before the translation: log p / length penalty.
        public var score: Double
        public var logProbability: Double
        /// Its target vocabulary ids (</s> included when it finished).
        public var tokens: [Int]
        /// Its tokens, text and attention, as `attention` shows them.
        public var result: TranslationResult
    }

    /// The input line.
    public var source: String
    /// The n best hypotheses, best first: the first is the translation `translate` and `attention` give.
    public var hypotheses: [Hypothesis]
    /// The beam search that found them, with its tokens as text (one array per step, as `trace.steps`).
    public var trace: BeamTrace
    public var traceTokens: [[String]]
    /// Every LSTM step of the greedy translation, as `inspect` records it.
    public var inspection: InspectionTrace

    /// Whether every number of the sentence is usable.
    public var isFinite: Bool { hypotheses.allSatisfy(\.result.isFinite) && inspection.isFinite }
}

extension Translator {
    /// Everything the explorer page shows of one line: its n-best list from a traced beam search (of width 1, that is
    /// greedy decoding, when `beam` is nil) and its inspection. The same code as `nBest` and `inspect`, one sentence
    /// at a time (a sentence's result does not depend on its batch).
    public func explore(_ text: String) -> ExplorerSentence {
        let source = encodeSource(text)
        let options = beam ?? BeamOptions(width: 1)
        let limit = maxOutputLength(sourceLength: source.ids.count)
        let traced = checkpoint.model.tracedBeamSearch(sources: [source.ids], maxSteps: [limit], options: options,
                                                       noRepeatNgram: noRepeatNgram)[0]
        let hypotheses = traced.best.map {
            ExplorerSentence.Hypothesis(score: $0.score, logProbability: $0.logProbability, tokens: $0.translation.tokens,
                                        result: result(source: source, $0.translation))
        }
        let tokens = traced.trace.steps.map { checkpoint.targetVocabulary.decode($0.map(\.token)) }
        return ExplorerSentence(source: text, hypotheses: hypotheses, trace: traced.trace, traceTokens: tokens, inspection: inspect(text))
    }
}

/// The page `seq2seq explore` writes: its data, and the page around it (`html()`).
public struct ExplorerPage {
    /// The most sentences one page holds: each carries every gate and state of every layer.
    public static let sentenceLimit = 50
    /// Every number in the page is rounded to this many significant digits (attention weights, gates and states,
    /// scores, correlations, losses): plenty for a picture, and it keeps a page of 20 English→French sentences small.
    public static let significantDigits = 4
    /// The units listed per feature and quantity in the ranking.
    public static let rankedUnits = 10
    /// The tokens (the most frequent ones read) whose count:TOKEN and remaining:TOKEN features are ranked.
    public static let rankedTokens = 3

    /// The checkpoint as the command line named it.
    public var checkpointPath: String
    public var summary: CheckpointSummary
    /// The training log's records, when the log was found beside the checkpoint.
    public var curves: [ValidationRecord]?
    /// How the sentences were decoded (width 1: greedy).
    public var beam: BeamOptions
    public var sentences: [ExplorerSentence]

    public init(checkpointPath: String, summary: CheckpointSummary, curves: [ValidationRecord]?, beam: BeamOptions,
                sentences: [ExplorerSentence]) {
        self.checkpointPath = checkpointPath
        self.summary = summary
        self.curves = curves
        self.beam = beam
        self.sentences = sentences
    }

    // MARK: - Unit rankings

    /// The features the page ranks units by: position, then count:T and remaining:T for the `rankedTokens` tokens
    /// (specials left out) that the layers read most often over all sentences, ties in the order first read.
    public var rankedFeatures: [TraceFeature] {
        var counts: [String: Int] = [:], order: [String] = []
        for sentence in sentences {
            for layer in sentence.inspection.layers where layer.id.direction == .forward {
                for token in layer.tokens where !Vocabulary.specials.contains(token) {
                    if counts[token] == nil { order.append(token) }
                    counts[token, default: 0] += 1
                }
            }
        }
        let tokens = order.enumerated().sorted { a, b in
            let (m, n) = (counts[a.element, default: 0], counts[b.element, default: 0])
            return m != n ? m > n : a.offset < b.offset
        }.prefix(Self.rankedTokens).map(\.element)
        return [.position] + tokens.flatMap { [TraceFeature.count($0), .remaining($0)] }
    }

    /// `inspect --top` over every sentence of the page, every layer: the `rankedUnits` best units for each feature and
    /// quantity.
    public func rankings() -> [(feature: TraceFeature, quantity: LSTMQuantity, units: [UnitCorrelation])] {
        let traces = sentences.map(\.inspection)
        return rankedFeatures.flatMap { feature in
            LSTMQuantity.allCases.map { quantity in
                (feature, quantity, Array(UnitRanking.rank(traces, feature: feature, quantity: quantity).prefix(Self.rankedUnits)))
            }
        }
    }

    // MARK: - JSON

    /// `value` at `significantDigits` significant digits, in the shortest form ("0.9999", "-1.79", "6.903e-05", "0");
    /// a number that is not finite is `null`.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        return String(format: "%.\(significantDigits)g", value)
    }

    static func numbers(_ values: [Float]) -> String { "[" + values.map { number(Double($0)) }.joined(separator: ",") + "]" }
    static func strings(_ values: [String]) -> String { "[" + values.map(jsonQuoted).joined(separator: ",") + "]" }
    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { jsonQuoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// The page's data as one JSON object (keys as `attention` and `inspect` write them where they are the same data).
    public func json() -> String {
        Self.object([("format", jsonQuoted("seq2seq-explorer/1")), ("significant_digits", "\(Self.significantDigits)"),
                ("checkpoint", jsonQuoted(checkpointPath)),
                ("decoding", Self.object([("beam", "\(beam.width)"), ("n_best", "\(beam.nBest)"),
                                     ("length_penalty", Self.number(beam.lengthPenalty))])),
                ("scales", Self.object([("viridis", Self.strings(ColourScale.viridis().anchors.map(\.hex))),
                                   ("diverging", Self.strings(ColourScale.diverging(limit: 1).anchors.map(\.hex))),
                                   ("palette", Self.strings(LineSeries.palette.map(\.hex)))])),
                ("joiner", Self.object([("token", jsonQuoted(String(Tokenizer.joiner))), ("label", jsonQuoted(SVGWriter.joinerLabel))])),
                ("quantities", "[" + LSTMQuantity.allCases.map { quantity in
                    let bounded: String = switch quantity {
                    case .i, .f, .o: "\"viridis\""
                    case .g, .h: "\"diverging\""
                    case .c: "\"diverging-covering\""
                    }
                    return Self.object([("name", jsonQuoted(quantity.rawValue)), ("meaning", jsonQuoted(quantity.meaning)), ("scale", bounded)])
                }.joined(separator: ",") + "]"),
                ("sentences", "[" + sentences.map(Self.json).joined(separator: ",") + "]"),
                ("rankings", "[" + rankings().map(Self.json).joined(separator: ",") + "]"),
                ("model", modelJSON())])
    }

    static func json(_ sentence: ExplorerSentence) -> String {
        let hypotheses = sentence.hypotheses.map { h in
            object([("text", jsonQuoted(h.result.text)), ("score", number(h.score)), ("log_probability", number(h.logProbability)),
                    ("source_tokens", strings(h.result.sourceTokens)), ("target_tokens", strings(h.result.targetTokens)),
                    ("attention", "[" + h.result.attention.map(numbers).joined(separator: ",") + "]")])
        }
        let steps = zip(sentence.trace.steps, sentence.traceTokens).map { nodes, tokens in
            "[" + zip(nodes, tokens).map { node, token in
                "[" + [jsonQuoted(token), node.parent.map(String.init) ?? "null", number(node.logProbability),
                       jsonQuoted(node.fate.rawValue)].joined(separator: ",") + "]"
            }.joined(separator: ",") + "]"
        }
        let paths = sentence.hypotheses.map { hypothesis in
            sentence.trace.path(of: hypothesis.tokens).map { "[" + $0.map(String.init).joined(separator: ",") + "]" } ?? "null"
        }
        let inspection = sentence.inspection
        let layers = inspection.layers.map { layer in
            object([("module", jsonQuoted(layer.id.module.rawValue)), ("layer", "\(layer.id.layer)"),
                    ("direction", jsonQuoted(layer.id.direction.rawValue)),
                    ("steps", "[" + layer.steps.map { step in
                        object([("token", jsonQuoted(step.token))] + LSTMQuantity.allCases.map { ($0.rawValue, numbers(step[$0])) })
                    }.joined(separator: ",") + "]")])
        }
        return object([("source", jsonQuoted(sentence.source)), ("hypotheses", "[" + hypotheses.joined(separator: ",") + "]"),
                       ("beam", object([("columns", strings(["token", "parent", "log_probability", "fate"])),
                                        ("steps", "[" + steps.joined(separator: ",") + "]"),
                                        ("paths", "[" + paths.joined(separator: ",") + "]")])),
                       ("inspection", object([("source_tokens", strings(inspection.translation.sourceTokens)),
                                              ("target_tokens", strings(inspection.translation.targetTokens)),
                                              ("layers", "[" + layers.joined(separator: ",") + "]")]))])
    }

    static func json(_ ranking: (feature: TraceFeature, quantity: LSTMQuantity, units: [UnitCorrelation])) -> String {
        object([("feature", jsonQuoted(ranking.feature.description)), ("quantity", jsonQuoted(ranking.quantity.rawValue)),
                ("units", "[" + ranking.units.map { unit in
                    object([("module", jsonQuoted(unit.layer.module.rawValue)), ("layer", "\(unit.layer.layer)"),
                            ("direction", jsonQuoted(unit.layer.direction.rawValue)), ("unit", "\(unit.unit)"),
                            ("r", number(unit.correlation)), ("steps", "\(unit.steps)")])
                }.joined(separator: ",") + "]")])
    }

    /// What `info` shows, but the file's size and the training time, which depend on the clock (so that the same
    /// command writes the same page).
    func modelJSON() -> String {
        let config = summary.checkpoint.config, m = config.model
        let sizes: [(String, Int)] = [("E", m.embeddingSize), ("H", m.encoderHiddenSize), ("L", m.encoderLayers),
                                      ("D", m.decoderHiddenSize), ("M", m.decoderLayers), ("A", m.attentionSize),
                                      ("Vs", m.sourceVocabularySize), ("Vt", m.targetVocabularySize)]
        let tokenizer = "\(config.tokenization.rawValue)\(config.bpe.map { ", \($0.merges.count) merges" } ?? ""), "
            + "\(config.lowercase ? "lowercased" : "case kept"); at most \(config.maxSourceLength) source and \(config.maxTargetLength) target tokens"
        let tensors = summary.tensors.map { "[" + [jsonQuoted($0.name), "[" + $0.shape.map(String.init).joined(separator: ",") + "]",
                                                   "\($0.parameters)"].joined(separator: ",") + "]" }
        let modules = summary.modules.map { module in
            Self.object([("name", jsonQuoted(module.name)), ("parameters", "\(module.parameters)"), ("formula", jsonQuoted(module.formula)),
                         ("formula_with_numbers", jsonQuoted(module.formulaWithNumbers)), ("predicted", "\(module.predicted)")])
        }
        var training = "null"
        if let t = summary.checkpoint.training {
            training = Self.object([("step", "\(t.step)"), ("epoch", "\(t.epoch)"), ("dev_bleu", Self.number(t.devBLEU)),
                                    ("dev_exact_match", Self.number(t.devExactMatch)), ("dev_loss", Self.number(t.devLoss))])
        }
        var curves = "null"
        if let records = self.curves?.sorted(by: { $0.step < $1.step }) {
            curves = "[" + records.map { r in
                Self.object([("step", "\(r.step)"), ("train_loss", Self.number(r.trainLoss)), ("dev_loss", Self.number(r.dev.loss)),
                             ("dev_bleu", Self.number(r.dev.bleu)), ("exact_match", Self.number(r.dev.exactMatch)),
                             ("token_accuracy", Self.number(r.dev.tokenAccuracy)), ("best", r.isBest ? "true" : "false")])
            }.joined(separator: ",") + "]"
        }
        return Self.object([("sizes", Self.object(sizes.map { ($0.0, "\($0.1)") })), ("dropout", Self.number(Double(m.dropout))),
                            ("tie_embeddings", m.tieEmbeddings ? "true" : "false"), ("tokenizer", jsonQuoted(tokenizer)),
                            ("vocabularies", Self.object([("source", "\(summary.checkpoint.sourceVocabulary.count)"),
                                                          ("target", "\(summary.checkpoint.targetVocabulary.count)")])),
                            ("tensors", "[" + tensors.joined(separator: ",") + "]"), ("total", "\(summary.total)"),
                            ("modules", "[" + modules.joined(separator: ",") + "]"), ("training", training), ("curves", curves)])
    }
}
