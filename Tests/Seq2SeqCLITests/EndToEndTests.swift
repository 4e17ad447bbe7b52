// EndToEndTests.swift — train → resume → translate → attention → score → eval through the built binary on a tiny
// reverse corpus; every number printed is checked against the library run in-process on the same checkpoint.
// Also holds the tiny-run fixture that BadInputTests.swift shares.

import Foundation
import Seq2SeqCore
import Testing

// MARK: - Fixture: a tiny corpus and a model the binary trains on it

/// A temporary folder holding `corpus/{train,dev}.tsv` (reverse task, digits 0–9, at most 6 tokens a side) and,
/// once `train()` ran, `model.safetensors` with its state file and log beside it.
struct TinyRun {
    static let maxLength = 6
    static let modelFlags = ["--embedding-size", "4", "--hidden-size", "8", "--decoder-hidden-size", "8",
                             "--attention-size", "8"]
    static let trainFlags = ["--max-steps", "8", "--validate-every", "4", "--batch-size", "8",
                             "--max-length", "\(maxLength)", "--seed", "1"]

    let folder: URL
    let trainPairs: [SentencePair]
    let devPairs: [SentencePair]

    var corpus: String { folder.appendingPathComponent("corpus").path }
    var trainFile: String { corpus + "/train.tsv" }
    var devFile: String { corpus + "/dev.tsv" }
    var checkpoint: String { folder.appendingPathComponent("model.safetensors").path }
    var paths: TrainingPaths { TrainingPaths(checkpoint: checkpoint) }

    /// Writes 60 train and 10 dev pairs into `folder/corpus`; the same seed gives the same files.
    init(folder: URL, seed: UInt64 = 7) throws {
        self.folder = folder
        var rng = SplitMix64(seed: seed)
        trainPairs = ToyTasks.pairs(.reverse, count: 60, lengths: 1...Self.maxLength, vocabularySize: 10, rng: &rng)
        devPairs = ToyTasks.pairs(.reverse, count: 10, lengths: 1...Self.maxLength, vocabularySize: 10, rng: &rng)
        try FileManager.default.createDirectory(atPath: folder.appendingPathComponent("corpus").path,
                                                withIntermediateDirectories: true)
        try Corpus.writePairs(trainPairs, path: trainFile)
        try Corpus.writePairs(devPairs, path: devFile)
    }

    /// The `train` command line for this run (8 steps, validation every 4), plus `extra` flags.
    func trainArguments(_ extra: [String] = []) -> [String] {
        ["train", "--corpus", corpus, "--checkpoint", checkpoint] + Self.modelFlags + Self.trainFlags + extra
    }

    /// Trains through the binary and checks it succeeded.
    @discardableResult
    func train(sourceLocation: SourceLocation = #_sourceLocation) throws -> CommandResult {
        let result = try runSeq2Seq(trainArguments())
        expectSuccess(result, sourceLocation: sourceLocation)
        return result
    }
}

/// A fresh temporary folder with a tiny corpus and a model trained on it; the folder is removed afterwards.
func withTrainedTinyModel<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: (TinyRun) throws -> T) throws -> T {
    try withTemporaryDirectory { folder in
        let run = try TinyRun(folder: folder)
        try run.train(sourceLocation: sourceLocation)
        return try body(run)
    }
}

/// The lines of a text, without their line ends (a final line end does not start another line).
func lines(of text: String) -> [Substring] {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    if lines.last == "" { lines.removeLast() }
    return lines
}

/// `seq2seq attention --format json`, one line.
struct AttentionRecord: Decodable, Equatable {
    let sourceTokens: [String]
    let targetTokens: [String]
    let attention: [[Float]]
    enum CodingKeys: String, CodingKey {
        case sourceTokens = "source_tokens", targetTokens = "target_tokens", attention
    }
}

/// A JSON object's keys, or nil when the text is not a JSON object.
func jsonObject(_ text: some StringProtocol) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
}

/// The largest |a − b| of two equally long float sequences (infinity when the counts differ or a NaN appears).
func worstDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        let difference = abs(x - y)
        if difference.isNaN { return .infinity }
        worst = max(worst, difference)
    }
    return worst
}

// MARK: - Tests

@Suite struct EndToEndTests {
    static let logKeys: Set<String> = ["step", "epoch", "train_loss", "dev", "best", "elapsed_seconds", "learning_rate",
                                       "plateau_count", "validations_since_best"]
    static let devKeys: Set<String> = ["bleu", "chrf", "exact_match", "token_accuracy", "loss", "perplexity", "sentences",
                                       "sources", "references"]

    /// The validation log, one parsed object a line, checking every line's keys.
    func readLog(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"), sourceLocation: sourceLocation)
        return lines(of: text).map { line in
            let object = jsonObject(line)
            #expect(object != nil, "not a JSON object: \(line)", sourceLocation: sourceLocation)
            #expect(object.map { Set($0.keys) } == Self.logKeys, "\(line)", sourceLocation: sourceLocation)
            let dev = object?["dev"] as? [String: Any]
            #expect(dev.map { Set($0.keys) } == Self.devKeys, "\(line)", sourceLocation: sourceLocation)
            #expect(dev?["sentences"] as? Int == 10, "\(line)", sourceLocation: sourceLocation)
            #expect(object?["best"] is Bool, "\(line)", sourceLocation: sourceLocation)
            return object ?? [:]
        }
    }

    @Test func trainWritesCheckpointStateAndLogAndShowsProgress() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            let result = try run.train()
            #expect(result.stdout.isEmpty, "stdout: \(result.stdout)")

            // FILE, FILE minus .safetensors + .state.safetensors, + .log.jsonl and + .dev.txt; no temporary file left over.
            #expect(run.paths.state == folder.appendingPathComponent("model.state.safetensors").path)
            #expect(run.paths.log == folder.appendingPathComponent("model.log.jsonl").path)
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            #expect(files == ["corpus", "model.dev.txt", "model.log.jsonl", "model.safetensors", "model.state.safetensors"])

            // The checkpoint loads in-process, with the sizes asked for.
            let checkpoint = try Checkpoint.load(path: run.checkpoint)
            let model = checkpoint.config.model
            let sizes: [Int] = [model.embeddingSize, model.encoderHiddenSize, model.decoderHiddenSize, model.attentionSize]
            #expect(sizes == [4, 8, 8, 8])
            #expect(checkpoint.config.maxSourceLength == TinyRun.maxLength)
            #expect(checkpoint.training != nil)
            let state = try TrainingState.load(path: run.paths.state)
            #expect(state.progress.step == 8)

            // One log object per validation: steps 4 and 8.
            let log = try readLog(run.paths.log)
            #expect(log.map { $0["step"] as? Int } == [4, 8])
            #expect(log.first?["best"] as? Bool == true, "the first validation is always the best so far")

            // Progress on stderr: plain lines (stderr is a pipe) with step, loss, tokens/s and ETA; dev BLEU at each
            // validation.
            let stderr = result.stderrLines
            #expect(!result.stderr.contains("\r") && !result.stderr.contains("\u{1B}"),
                    "live-line escapes: \(result.stderr)")
            #expect(stderr.first?.hasPrefix("training on 60 pairs, validating on 10;") == true, "\(result.stderr)")
            #expect(stderr.contains { $0.hasPrefix("epoch ") && $0.contains("step 8/8") && $0.contains("loss")
                                      && $0.contains("tokens/s") && $0.contains("ETA") }, "\(result.stderr)")
            #expect(stderr.filter { $0.contains("dev BLEU") }.count == 2, "\(result.stderr)")
            #expect(stderr.contains { $0.hasPrefix("step 4: dev BLEU") }, "\(result.stderr)")
            #expect(stderr.contains { $0.hasPrefix("step 8: dev BLEU") }, "\(result.stderr)")
        }
    }

    @Test func resumeContinuesAndTheLogGrows() throws {
        try withTrainedTinyModel { run in
            let result = try runSeq2Seq(["train", "--corpus", run.corpus, "--checkpoint", run.checkpoint, "--resume",
                                         "--max-steps", "12"])
            expectSuccess(result)
            #expect(result.stdout.isEmpty)
            #expect(result.stderrLines.contains("resuming at step 8"), "\(result.stderr)")
            #expect(result.stderrLines.contains { $0.contains("step 12/12") }, "\(result.stderr)")
            #expect(result.stderrLines.contains { $0.hasPrefix("step 12: dev BLEU") }, "\(result.stderr)")
            let log = try readLog(run.paths.log)
            #expect(log.map { $0["step"] as? Int } == [4, 8, 12])
            #expect(try TrainingState.load(path: run.paths.state).progress.step == 12)
        }
    }

    @Test func translateWritesOneLinePerInputLine() throws {
        try withTrainedTinyModel { run in
            // An empty line and a blank line give empty lines; the last line has no line end.
            let inputs = [run.devPairs[0].source, "", run.devPairs[1].source, "   ", run.devPairs[2].source]
            let stdin = Data(inputs.joined(separator: "\n").utf8)
            let translator = Translator(checkpoint: try Checkpoint.load(path: run.checkpoint))
            let expected = inputs.map { $0.allSatisfy(\.isWhitespace) ? "" : translator.translate([$0])[0].text }
            #expect(!expected[0].isEmpty)

            let result = try runSeq2Seq(["translate", "--checkpoint", run.checkpoint], stdin: stdin)
            expectSuccess(result)
            #expect(result.stderr.isEmpty, "stderr: \(result.stderr)")
            #expect(result.stdout.hasSuffix("\n"))
            #expect(lines(of: result.stdout) == expected.map { Substring($0) })

            // --input FILE: the same output; stdin is not read.
            let input = run.folder.appendingPathComponent("input.txt")
            try stdin.write(to: input)
            let fromFile = try runSeq2Seq(["translate", "--checkpoint", run.checkpoint, "--input", input.path],
                                          stdin: Data("9 9 9\n".utf8))
            expectSuccess(fromFile)
            #expect(fromFile.stderr.isEmpty, "stderr: \(fromFile.stderr)")
            #expect(fromFile.stdout == result.stdout)

            // Only empty lines: as many empty lines out, exit 0.
            let blank = try runSeq2Seq(["translate", "--checkpoint", run.checkpoint], stdin: Data("\n\n".utf8))
            expectSuccess(blank)
            #expect(blank.stdout == "\n\n")
        }
    }

    @Test func attentionJSONMatchesTheLibrary() throws {
        try withTrainedTinyModel { run in
            let inputs = run.devPairs.prefix(4).map(\.source) + [""] + [run.devPairs[4].source]
            let stdin = Data((inputs.joined(separator: "\n") + "\n").utf8)
            let translator = Translator(checkpoint: try Checkpoint.load(path: run.checkpoint))

            let result = try runSeq2Seq(["attention", "--checkpoint", run.checkpoint, "--format", "json"], stdin: stdin)
            expectSuccess(result)
            #expect(result.stderr.isEmpty, "stderr: \(result.stderr)")
            let outputLines = lines(of: result.stdout)
            #expect(outputLines.count == inputs.count)
            for (line, input) in zip(outputLines, inputs) {
                #expect(jsonObject(line).map { Set($0.keys) } == ["source_tokens", "target_tokens", "attention"], "\(line)")
                let record = try JSONDecoder().decode(AttentionRecord.self, from: Data(line.utf8))
                if input.isEmpty {
                    #expect(record == AttentionRecord(sourceTokens: [], targetTokens: [], attention: []))
                    continue
                }
                #expect(record.sourceTokens.last == "</s>")
                #expect(record.sourceTokens.count == input.split(separator: " ").count + 1)
                #expect(record.attention.count == record.targetTokens.count)
                for row in record.attention {
                    #expect(row.count == record.sourceTokens.count)
                    #expect(row.allSatisfy { $0 >= 0 && $0 <= 1 })
                    #expect(abs(row.reduce(0, +) - 1) <= 1e-5, "row sums to \(row.reduce(0, +))")
                }
                // The same numbers as the library in-process.
                let expected = translator.translate([input])[0]
                #expect(record.sourceTokens == expected.sourceTokens)
                #expect(record.targetTokens == expected.targetTokens)
                #expect(record.attention.count == expected.attention.count)
                for (row, expectedRow) in zip(record.attention, expected.attention) {
                    #expect(worstDifference(row, expectedRow) <= 1e-6, "\(row) vs \(expectedRow)")
                }
            }

            // --output PATH: the same bytes in the file, nothing on stdout.
            let output = run.folder.appendingPathComponent("attention.jsonl")
            let toFile = try runSeq2Seq(["attention", "--checkpoint", run.checkpoint, "--format", "json",
                                         "--output", output.path], stdin: stdin)
            expectSuccess(toFile)
            #expect(toFile.stdout.isEmpty, "stdout: \(toFile.stdout)")
            #expect(toFile.stderrLines == ["attention: wrote the attention of \(lines(of: result.stdout).count) input lines as json to \(output.path)"],
                    "stderr: \(toFile.stderr)")
            #expect(try String(contentsOf: output, encoding: .utf8) == result.stdout)
        }
    }

    @Test func scoreMatchesTheLibrary() throws {
        try withTrainedTinyModel { run in
            let checkpoint = try Checkpoint.load(path: run.checkpoint)
            let expected = Evaluation.score(checkpoint, pairs: run.devPairs)
            let endOfSentence = Vocabulary.specials.firstIndex(of: "</s>")!
            #expect(endOfSentence == 3)

            let result = try runSeq2Seq(["score", "--checkpoint", run.checkpoint, "--corpus", run.devFile, "--json"])
            expectSuccess(result)
            #expect(result.stderr.isEmpty, "stderr: \(result.stderr)")
            let outputLines = lines(of: result.stdout)
            #expect(outputLines.count == run.devPairs.count)
            for (line, (pair, expectedPair)) in zip(outputLines, zip(run.devPairs, expected)) {
                #expect(jsonObject(line).map { Set($0.keys) } == ["source_ids", "target_ids", "log_probs"], "\(line)")
                let scored = try JSONDecoder().decode(ScoredPair.self, from: Data(line.utf8))
                #expect(scored.sourceIds.last == endOfSentence)
                #expect(scored.targetIds.last == endOfSentence)
                #expect(scored.sourceIds.count == pair.source.split(separator: " ").count + 1)
                #expect(scored.targetIds.count == pair.target.split(separator: " ").count + 1)
                #expect(scored.logProbs.count == scored.targetIds.count)
                #expect(scored.logProbs.allSatisfy { $0 <= 0 && $0.isFinite }, "\(scored.logProbs)")
                #expect(scored.sourceIds == expectedPair.sourceIds)
                #expect(scored.targetIds == expectedPair.targetIds)
                #expect(worstDifference(scored.logProbs, expectedPair.logProbs) <= 1e-6,
                        "\(scored.logProbs) vs \(expectedPair.logProbs)")
            }

            // Without --json: total, count and mean, tab-separated, one line a pair.
            let plain = try runSeq2Seq(["score", "--checkpoint", run.checkpoint, "--corpus", run.devFile])
            expectSuccess(plain)
            #expect(plain.stderr.isEmpty, "stderr: \(plain.stderr)")
            let plainLines = lines(of: plain.stdout)
            #expect(plainLines.count == run.devPairs.count)
            for (line, expectedPair) in zip(plainLines, expected) {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                #expect(fields.count == 3, "\(line)")
                guard fields.count == 3, let total = Double(fields[0]), let count = Int(fields[1]),
                      let mean = Double(fields[2]) else {
                    Issue.record("not total<TAB>count<TAB>mean: \(line)")
                    continue
                }
                let expectedTotal = expectedPair.logProbs.reduce(0.0) { $0 + Double($1) }
                #expect(abs(total - expectedTotal) <= 1e-5, "\(total) vs \(expectedTotal)")
                #expect(count == expectedPair.logProbs.count)
                #expect(abs(mean - expectedTotal / Double(count)) <= 1e-5, "\(mean)")
            }
        }
    }

    @Test func evalMatchesTheLibrary() throws {
        try withTrainedTinyModel { run in
            let expected = Evaluation.evaluate(Translator(checkpoint: try Checkpoint.load(path: run.checkpoint)),
                                               on: run.devPairs)

            let result = try runSeq2Seq(["eval", "--checkpoint", run.checkpoint, "--corpus", run.devFile])
            expectSuccess(result)
            #expect(result.stderr.isEmpty, "stderr: \(result.stderr)")
            // Two of the ten dev pairs share a source: 9 sources, one with two references (sacreBLEU's nrefs:var).
            let groups = ReferenceGroups(run.devPairs)
            #expect(groups.sources.count == 9 && groups.referencesPerSource == 1...2)
            let text = lines(of: result.stdout)
            func line(_ label: String) -> Substring? { text.first { $0.hasPrefix(label) } }
            #expect(line("BLEU")?.contains(String(format: "%.2f", expected.bleu)) == true, "\(result.stdout)")
            #expect(line("BLEU")?.contains(BLEUScore.signature(referencesPerHypothesis: 1...2)) == true, "\(result.stdout)")
            let chrF = try #require(expected.chrF)
            #expect(line("chrF2 ")?.contains(String(format: "%.2f", chrF)) == true, "\(result.stdout)")
            #expect(line("chrF2 ")?.hasSuffix("(nrefs:var|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0)") == true,
                    "\(result.stdout)")
            #expect(line("exact match")?.contains(String(format: "%.2f%%", expected.exactMatch)) == true, "\(result.stdout)")
            #expect(line("token accuracy")?.contains(String(format: "%.2f%%", expected.tokenAccuracy)) == true,
                    "\(result.stdout)")
            #expect(line("perplexity")?.contains(String(format: "%.4f", expected.perplexity)) == true, "\(result.stdout)")
            #expect(text.first == "sources         9   (10 references, 1–2 per source)", "\(result.stdout)")

            let json = try runSeq2Seq(["eval", "--checkpoint", run.checkpoint, "--corpus", run.devFile, "--json"])
            expectSuccess(json)
            #expect(json.stderr.isEmpty, "stderr: \(json.stderr)")
            #expect(lines(of: json.stdout).count == 1)
            let object = jsonObject(json.stdout)
            #expect(object.map { Set($0.keys) } == Self.devKeys.union(["bleu_signature", "chrf_signature"]), "\(json.stdout)")
            #expect(object?["bleu_signature"] as? String == "nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0")
            #expect(object?["chrf_signature"] as? String == "nrefs:var|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0")
            let report = try JSONDecoder().decode(EvaluationReport.self, from: Data(json.stdout.utf8))
            #expect(report.sentences == expected.sentences)
            #expect(abs(report.bleu - expected.bleu) <= 1e-9, "\(report.bleu) vs \(expected.bleu)")
            #expect(abs((report.chrF ?? .nan) - chrF) <= 1e-9, "\(String(describing: report.chrF)) vs \(chrF)")
            #expect(abs(report.exactMatch - expected.exactMatch) <= 1e-9)
            #expect(abs(report.tokenAccuracy - expected.tokenAccuracy) <= 1e-9)
            #expect(abs(report.loss - expected.loss) <= 1e-9)
            #expect(abs(report.perplexity - expected.perplexity) <= 1e-9)
        }
    }
}
