// LookingInsideTests.swift — `attention --format csv|svg|text`, `inspect`, `info`, `plot`, `train --plot` and the
// "Exploring LSTMs" corpora through the built binary: what each prints or writes is byte for byte what the library
// gives in-process (the formats themselves are checked in Seq2SeqCoreTests), and every contradiction among the flags
// is one line on stderr naming the flag.

import Foundation
import Seq2SeqCore
import Testing

/// A tiny seeded checkpoint (E=3 H=4 L=2 D=5 M=2 A=6, words a–e → x–u) saved in `folder`; with seed 3 its
/// translations have several tokens, so the decoder has steps to show.
func writeTinyCheckpoint(in folder: URL) throws -> String {
    let source = try Vocabulary(tokens: Vocabulary.specials + ["a", "b", "c", "d", "e"])
    let target = try Vocabulary(tokens: Vocabulary.specials + ["x", "y", "z", "w", "v", "u"])
    let model = ModelConfig(embeddingSize: 3, encoderHiddenSize: 4, encoderLayers: 2, decoderHiddenSize: 5, decoderLayers: 2,
                            attentionSize: 6, sourceVocabularySize: source.count, targetVocabularySize: target.count)
    let seq2seq = Seq2SeqModel(config: model, seed: 3)
    for n in 0..<seq2seq.parameters.storage.count { seq2seq.parameters.storage.base[n] *= 3 }     // decisive choices
    let config = TranslatorConfig(model: model, tokenization: .word, lowercase: false, maxSourceLength: 20, maxTargetLength: 20)
    let path = folder.appendingPathComponent("tiny.safetensors").path
    try Checkpoint(config: config, sourceVocabulary: source, targetVocabulary: target, model: seq2seq).save(to: path)
    return path
}

@Suite struct LookingInsideTests {
    static let inputs = ["a c e b d", "", "b"]
    static var stdin: Data { Data((inputs.joined(separator: "\n") + "\n").utf8) }

    func translator(_ checkpoint: String) throws -> Translator { Translator(checkpoint: try Checkpoint.load(path: checkpoint)) }

    // MARK: - attention

    @Test func attentionCSVAndTextAreTheLibrarysBlocks() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            // Translated together, as the command does (a sentence's last bits may depend on its batch).
            let translated = try translator(checkpoint).translate(Self.inputs.filter { !$0.isEmpty })
            let results = [translated[0], nil, translated[1]]

            let csv = try runSeq2Seq(["attention", "--checkpoint", checkpoint, "--format", "csv"], stdin: Self.stdin)
            expectSuccess(csv)
            #expect(csv.stderr.isEmpty, "\(csv.stderr)")
            #expect(csv.stdout == results.map { $0.map(AttentionExport.csv) ?? "" }.joined(separator: "\n"))

            // Piped, so plain shade blocks and no escape codes.
            let text = try runSeq2Seq(["attention", "--checkpoint", checkpoint, "--format", "text"], stdin: Self.stdin)
            expectSuccess(text)
            let expected = zip(Self.inputs, results).map { line, result in
                result.map { AttentionExport.text($0, colour: false, title: AttentionExport.title(source: line, result: $0)) } ?? ""
            }
            #expect(text.stdout == expected.joined(separator: "\n"))
            #expect(!text.stdout.contains("\u{1B}"))

            // One file: the same bytes as standard output.
            let file = folder.appendingPathComponent("all.csv").path
            expectSuccess(try runSeq2Seq(["attention", "--checkpoint", checkpoint, "--format", "csv", "--output", file], stdin: Self.stdin))
            #expect(try String(contentsOfFile: file, encoding: .utf8) == csv.stdout)
        }
    }

    @Test func attentionSVGIsASheetOrOneFilePerLine() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let translator = try translator(checkpoint)
            let translated = translator.translate(["a c e b d", "b"])
            let items = zip(["a c e b d", "b"], translated).map { (title: AttentionExport.title(source: $0, result: $1), result: $1) }
            let sheet = try runSeq2Seq(["attention", "--checkpoint", checkpoint, "--format", "svg"], stdin: Self.stdin)
            expectSuccess(sheet)
            #expect(sheet.stdout == AttentionExport.svgSheet(items))

            let pictures = folder.appendingPathComponent("pictures")
            let perLine = try runSeq2Seq(["attention", "--checkpoint", checkpoint, "--format", "svg", "--output", pictures.path],
                                         stdin: Self.stdin)
            expectSuccess(perLine)
            #expect(perLine.stdout.isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: pictures.path).sorted() == ["line-1.svg", "line-3.svg"])
            #expect(try String(contentsOf: pictures.appendingPathComponent("line-1.svg"), encoding: .utf8)
                    == AttentionExport.svg(items[0].result, title: items[0].title))

            let many = Data(Array(repeating: "a b", count: 21).joined(separator: "\n").utf8)     // a sheet holds 20
            expectError(try runSeq2Seq(["attention", "--checkpoint", checkpoint, "--format", "svg"], stdin: many),
                        exitCode: 64, mentions: ["--output", "at most 20 sentences"])
        }
    }

    // MARK: - inspect

    @Test func inspectJSONIsTheLibrarysTrace() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let translator = try translator(checkpoint)
            let result = try runSeq2Seq(["inspect", "--checkpoint", checkpoint], stdin: Self.stdin)
            expectSuccess(result)
            #expect(result.stderr.isEmpty, "\(result.stderr)")
            #expect(lines(of: result.stdout) == Self.inputs.map { Substring(InspectionTrace.json($0.isEmpty ? nil : translator.inspect($0))) })

            // The layer choice narrows the JSON to the layers it names.
            let decoder = try runSeq2Seq(["inspect", "--checkpoint", checkpoint, "--module", "decoder", "--layer", "1"], stdin: Data("b\n".utf8))
            expectSuccess(decoder)
            var trace = translator.inspect("b")
            trace.layers = trace.layers.filter { $0.id == LSTMLayerID(.decoder, layer: 1) }
            #expect(decoder.stdout == InspectionTrace.json(trace) + "\n")
        }
    }

    @Test func inspectSVGAndTheUnitView() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let translator = try translator(checkpoint)
            let id = LSTMLayerID(.encoder, layer: 1, .backward)
            let svg = try runSeq2Seq(["inspect", "--checkpoint", checkpoint, "--format", "svg", "--layer", "1", "--direction", "backward",
                                      "--quantity", "f"], stdin: Data("b\n".utf8))
            expectSuccess(svg)
            let title = AttentionExport.title(source: "b", result: translator.translate(["b"])[0])
            #expect(svg.stdout == InspectionExport.heatmapSVG([(title, translator.inspect("b"))], layers: { $0.layer == 1 && $0.direction == .backward },
                                                              quantities: [.f]))

            let unit = try runSeq2Seq(["inspect", "--checkpoint", checkpoint, "--unit", "2", "--layer", "1", "--direction", "backward"],
                                      stdin: Self.stdin)
            expectSuccess(unit)
            let values = ["a c e b d", "b"].compactMap { InspectionExport.unitValues(translator.inspect($0), layer: id, unit: 2, quantity: .c) }
            #expect(unit.stdout == InspectionExport.unitText(values, heading: InspectionExport.unitHeading(layer: id, unit: 2, quantity: .c),
                                                             quantity: .c, colour: false))
            #expect(lines(of: unit.stdout).count == 1 + 2 * 3 + 1)

            let picture = folder.appendingPathComponent("unit.svg").path
            expectSuccess(try runSeq2Seq(["inspect", "--checkpoint", checkpoint, "--unit", "2", "--layer", "1", "--direction", "backward",
                                          "--format", "svg", "--output", picture], stdin: Self.stdin))
            #expect(try String(contentsOfFile: picture, encoding: .utf8)
                    == InspectionExport.unitSVG(values, heading: InspectionExport.unitHeading(layer: id, unit: 2, quantity: .c), quantity: .c))
        }
    }

    @Test func inspectTopListsTheLibrarysRanking() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let translator = try translator(checkpoint)
            let result = try runSeq2Seq(["inspect", "--checkpoint", checkpoint, "--top", "3", "--feature", "count:b", "--module", "encoder"],
                                        stdin: Data("a b b c\nb d b b\n".utf8))
            expectSuccess(result)
            let ranked = UnitRanking.rank(["a b b c", "b d b b"].map(translator.inspect), feature: .count("b"), quantity: .c) { $0.module == .encoder }
            let output = lines(of: result.stdout)
            #expect(output.count == 2 + 3 + 1, "\(result.stdout)")
            #expect(output.first?.hasPrefix("units whose c (cell state) follows count:b best") == true)
            for (line, entry) in zip(output.dropFirst(2).prefix(3), ranked) {
                #expect(line.contains(" \(entry.layer) ") && line.contains(String(format: "%+7.4f", entry.correlation)), "\(line)")
            }
            #expect(output.last?.hasPrefix("see it: seq2seq inspect --checkpoint \(checkpoint) --module encoder") == true)
        }
    }

    @Test func inspectRefusesContradictoryFlags() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let cases: [([String], String)] = [
                (["--feature", "position"], "--feature"),
                (["--top", "3"], "--feature"),
                (["--top", "3", "--feature", "size"], "--feature"),
                (["--top", "3", "--feature", "position", "--unit", "1"], "--unit"),
                (["--top", "3", "--feature", "position", "--format", "json"], "--format"),
                (["--module", "decoder", "--direction", "backward"], "--direction"),
                (["--layer", "2"], "--layer"),
                (["--unit", "4"], "--unit"),
                (["--unit", "1", "--format", "json"], "--format"),
                (["--format", "text"], "--format"),
                (["--quantity", "c"], "--quantity"),
                (["--quantity", "z"], "--quantity"),
            ]
            for (flags, named) in cases {
                expectError(try runSeq2Seq(["inspect", "--checkpoint", checkpoint] + flags, stdin: Data("a b\n".utf8)),
                            exitCode: 64, mentions: [named])
            }
            // Too long a line is refused like `translate` refuses it, and the others are still inspected.
            let long = Array(repeating: "a", count: 21).joined(separator: " ")
            let refused = try runSeq2Seq(["inspect", "--checkpoint", checkpoint], stdin: Data("b\n\(long)\n".utf8))
            #expect(refused.exitCode == 65)
            #expect(lines(of: refused.stdout).count == 2)
            #expect(refused.stderr.contains("<stdin>:2: the sentence has 21 tokens"))
        }
    }

    // MARK: - info, plot, train --plot

    @Test func infoPrintsTheSummary() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let result = try runSeq2Seq(["info", "--checkpoint", checkpoint])
            expectSuccess(result)
            #expect(result.stderr.isEmpty)
            #expect(result.stdout == (try CheckpointSummary(path: checkpoint)).text())
            #expect(result.stdout.contains("4·hidden·(input+hidden) + 8·hidden"))
            expectError(try runSeq2Seq(["info", "--checkpoint", folder.appendingPathComponent("none.safetensors").path]),
                        exitCode: 66, mentions: ["none.safetensors"])
        }
    }

    @Test func trainPlotKeepsTheCurvesBesideTheCheckpointAndPlotDrawsThem() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            expectSuccess(try runSeq2Seq(run.trainArguments(["--plot"])))
            let picture = folder.appendingPathComponent("model.curves.svg").path
            let expected = LearningCurves.svg(try LearningCurves.read(path: run.paths.log), title: "Learning curves: model.log.jsonl")
            #expect(try String(contentsOfFile: picture, encoding: .utf8) == expected)

            let plot = try runSeq2Seq(["plot", "--log", run.paths.log])
            expectSuccess(plot)
            #expect(plot.stdout == expected)
            #expect(plot.stdout.components(separatedBy: "class=\"point\"").count - 1 == 5 * 2, "five curves, two validations")
            let output = folder.appendingPathComponent("curves.svg").path
            let toFile = try runSeq2Seq(["plot", "--log", run.paths.log, "--output", output])
            expectSuccess(toFile)
            #expect(toFile.stdout.isEmpty)
            #expect(toFile.stderrLines == ["plot: wrote the learning curves to \(output)"])
            #expect(try String(contentsOfFile: output, encoding: .utf8) == expected)

            try "not json\n".write(toFile: run.paths.log, atomically: true, encoding: .utf8)
            expectError(try runSeq2Seq(["plot", "--log", run.paths.log]), exitCode: 65, mentions: ["model.log.jsonl:1"])
        }
    }

    // MARK: - corpus

    @Test(arguments: ["count", "count-distract", "remember", "copy3"])
    func corpusMakesTheExploringLSTMsTasks(task: String) throws {
        try withTemporaryDirectory { folder in
            let output = folder.appendingPathComponent(task)
            let result = try runSeq2Seq(["corpus", task, "--output", output.path, "--train-size", "30", "--dev-size", "5", "--test-size", "6"])
            expectSuccess(result)
            #expect(result.stderrLines == ["corpus \(task): wrote 30 train, 5 dev, 6 test pairs to \(output.path)"])
            for (file, count) in [("train.tsv", 30), ("dev.tsv", 5), ("test.tsv", 6)] {
                let pairs = try Corpus.readPairs(path: output.appendingPathComponent(file).path)
                #expect(pairs.count == count)
                for pair in pairs {
                    let source = pair.source.split(separator: " "), target = pair.target.split(separator: " ")
                    switch task {
                    case "count", "count-distract": #expect(source.filter { $0 == "a" }.count == target.count, "\(pair)")
                    case "remember": #expect(target == [source[0].lowercased()[...]], "\(pair)")
                    case "copy3": #expect(Array(source.dropLast()) == target, "\(pair)")
                    default: Issue.record("no rule for \(task)")
                    }
                }
            }
        }
    }

    @Test(arguments: ["inspect", "info", "plot"])
    func helpOfTheNewSubcommands(name: String) throws {
        let result = try runSeq2Seq([name, "--help"])
        expectSuccess(result)
        #expect(result.stdout.hasPrefix("OVERVIEW: ") && result.stdout.contains("\nUSAGE: seq2seq \(name)"))
        #expect(try runSeq2Seq(["--help"]).stdout.contains("\n  \(name) "))
    }
}
