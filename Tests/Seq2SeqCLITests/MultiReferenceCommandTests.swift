// MultiReferenceCommandTests.swift — through the built binary: `eval` scores each distinct source once against all of
// its references and says how many it scored; `train` shows dev translations under each validation, writes the best
// validation's translations beside the checkpoint as a file of the run, ranks validations by --validation-metric
// (kept on resume), and says when the dev targets are too short for BLEU.

import Foundation
import Seq2SeqCore
import Testing

@Suite struct MultiReferenceCommandTests {
    /// With the shipped English → French model, whose translations end (an exact match needs the final </s>).
    @Test func evalScoresEachSourceOnceAgainstAllItsReferences() throws {
        try withTrainedTinyModel { run in
            let shipped = packageRoot.appendingPathComponent("Checkpoints/eng-fra.safetensors").path
            let checkpoint = try Checkpoint.load(path: shipped)
            let sources = ["I am cold.", "She is very happy.", "We are not afraid."]
            let targets = ["J'ai froid.", "Elle est très heureuse.", "Nous n'avons pas peur."]
            let results = Translator(checkpoint: checkpoint).translate(sources)
            let own = results.map(\.text)
            #expect(results.allSatisfy { $0.targetTokens.last == "</s>" }, "\(own)")
            // Source 0 has three references, one of them its own translation (so it is an exact match); source 1 has
            // two; source 2 one, and its pair comes between the others.
            let pairs = [(0, targets[0]), (1, targets[1]), (0, "Je suis gelé."), (2, targets[2]), (1, "Elle est heureuse."), (0, own[0])]
                .map { SentencePair(source: sources[$0.0], target: $0.1) }
            let file = run.folder.appendingPathComponent("grouped.tsv").path
            try Corpus.writePairs(pairs, path: file)
            let referenceSets = [[targets[0], "Je suis gelé.", own[0]], [targets[1], "Elle est heureuse."], [targets[2]]]
            let bleu = BLEU.corpusScore(hypotheses: own, referenceSets: referenceSets).score
            let chrF = ChrF.corpusScore(hypotheses: own, referenceSets: referenceSets).score
            let exact = 100 * Double(zip(own, referenceSets).filter { $1.contains($0) }.count) / 3
            #expect(exact >= 100.0 / 3, "source 0's own translation is one of its references")

            let result = try runSeq2Seq(["eval", "--checkpoint", shipped, "--corpus", file])
            expectSuccess(result)
            let text = lines(of: result.stdout)
            #expect(text.first == "sources         3   (6 references, 1–3 per source)", "\(result.stdout)")
            #expect(text.contains(Substring(String(format: "BLEU            %.2f   (nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0)", bleu))),
                    "\(result.stdout)")
            #expect(text.contains(Substring(String(format: "chrF2           %.2f   (nrefs:var|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0)", chrF))),
                    "\(result.stdout)")
            #expect(text.contains(Substring(String(format: "exact match     %.2f%%", exact))), "\(result.stdout)")

            let json = try runSeq2Seq(["eval", "--checkpoint", shipped, "--corpus", file, "--json"])
            expectSuccess(json)
            let object = try #require(jsonObject(json.stdout))
            #expect(object["sources"] as? Int == 3 && object["references"] as? Int == 6 && object["sentences"] as? Int == 6)
            #expect(abs((object["bleu"] as? Double ?? .nan) - bleu) <= 1e-9 && abs((object["chrf"] as? Double ?? .nan) - chrF) <= 1e-9)
            #expect(object["bleu_signature"] as? String == BLEUScore.signature(referencesPerHypothesis: 1...3))
            // Teacher forcing stays per pair: the loss is that of all six pairs, as the library computes it.
            let library = Evaluation.evaluate(Translator(checkpoint: checkpoint), on: pairs)
            #expect(abs((object["loss"] as? Double ?? .nan) - library.loss) <= 1e-9)
            #expect(library.sources == 3 && library.references == 6 && library.sentences == 6)

            // Every source twice with the same reference: the same translations and scores as once.
            let twice = run.devPairs + run.devPairs
            let doubled = run.folder.appendingPathComponent("twice.tsv").path
            try Corpus.writePairs(twice, path: doubled)
            let once = try runSeq2Seq(["eval", "--checkpoint", run.checkpoint, "--corpus", run.devFile])
            let again = try runSeq2Seq(["eval", "--checkpoint", run.checkpoint, "--corpus", doubled])
            func scores(_ result: CommandResult) -> [Substring] {
                lines(of: result.stdout).filter { $0.hasPrefix("BLEU") || $0.hasPrefix("chrF2") || $0.hasPrefix("exact") }
                    .map { $0.prefix { $0 != "(" } }
            }
            #expect(scores(again) == scores(once) && scores(once).count == 3, "\(once.stdout)\n\(again.stdout)")
            #expect(lines(of: again.stdout).first == "sources         9   (20 references, 2–4 per source)", "\(again.stdout)")
        }
    }

    /// The lines under each validation line, up to the next line that is not indented.
    static func samples(after validation: Int, in lines: [String]) -> [String] {
        Array(lines[(validation + 1)...].prefix { $0.hasPrefix("  ") })
    }

    /// How `train` shows source s of `dev` above its hypothesis: its number and text, then each distinct reference once
    /// with its count when repeated.
    static func shown(_ s: Int, of dev: ReferenceGroups) -> [String] {
        var distinct: [String] = []
        for reference in dev.references[s] where !distinct.contains(reference) { distinct.append(reference) }
        return ["  dev #\(s + 1)  source      \(dev.sources[s])"] + distinct.map { reference in
            let count = dev.references[s].filter { $0 == reference }.count
            return "          reference   \(reference)" + (count > 1 ? "   (×\(count))" : "")
        }
    }

    @Test func trainShowsDevTranslationsUnderEachValidation() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            let result = try run.train()
            let stderr = result.stderrLines.map(String.init)
            let validations = stderr.indices.filter { stderr[$0].hasPrefix("step ") && stderr[$0].contains(": dev BLEU") }
            #expect(validations.count == 2, "\(result.stderr)")
            let translations = try String(contentsOfFile: run.paths.devTranslations, encoding: .utf8).split(separator: "\n")
            // The 10 dev pairs have 9 distinct sources (two pairs share one): three of them, spread over them (the 1st,
            // 4th and 7th), each with its references and its translation.
            let dev = ReferenceGroups(run.devPairs)
            #expect(dev.sources.count == 9)
            let expected = [0, 3, 6].map { Self.shown($0, of: dev) }
            for validation in validations {
                let shown = Self.samples(after: validation, in: stderr)
                let hypotheses = shown.filter { $0.hasPrefix("          hypothesis  ") }
                #expect(shown.filter { !hypotheses.contains($0) } == expected.flatMap { $0 }, "\(shown)")
                #expect(hypotheses.count == 3, "\(shown)")
            }
            // The best validation's translations, in the file beside the checkpoint, one a dev source, are those shown
            // under it ...
            let best = try #require(try LearningCurves.read(path: run.paths.log).filter(\.isBest).last)
            let line = try #require(validations.first { stderr[$0].hasPrefix("step \(best.step): ") })
            #expect(translations.count == 9)
            #expect(Self.samples(after: line, in: stderr).filter { $0.hasPrefix("          hypothesis  ") }
                    == [0, 3, 6].map { "          hypothesis  \(translations.count == 9 ? translations[$0] : "")" })
            // ... and what `translate` makes of the dev sources with the kept checkpoint.
            let translated = try runSeq2Seq(["translate", "--checkpoint", run.checkpoint],
                                            stdin: Data(dev.sources.map { $0 + "\n" }.joined().utf8))
            expectSuccess(translated)
            #expect(lines(of: translated.stdout) == translations, "\(translated.stdout)")

            // --validation-samples 0 shows none; more than the dev set has shows all of it.
            let all = (0..<9).map { Self.shown($0, of: dev).count + 1 }.reduce(0, +)
            for (count, expected) in [(0, 0), (25, all)] {
                let other = try runSeq2Seq(run.trainArguments(["--overwrite", "--validation-samples", "\(count)"]))
                expectSuccess(other)
                let lines = other.stderrLines.map(String.init)
                let first = try #require(lines.firstIndex { $0.hasPrefix("step 4: dev BLEU") })
                #expect(Self.samples(after: first, in: lines).count == expected, "\(other.stderr)")
            }
        }
    }

    @Test func devTranslationsBelongToTheRun() throws {
        try withTrainedTinyModel { run in
            // A folder holding only the dev translations of a run is a run: refused unless --overwrite, which removes
            // them with the rest.
            for path in [run.checkpoint, run.paths.state, run.paths.log] { try FileManager.default.removeItem(atPath: path) }
            try Data("stale\n".utf8).write(to: URL(fileURLWithPath: run.paths.devTranslations))
            expectError(try runSeq2Seq(run.trainArguments()), exitCode: 73, mentions: [run.paths.devTranslations, "--overwrite"])
            #expect(try String(contentsOfFile: run.paths.devTranslations, encoding: .utf8) == "stale\n")
            expectSuccess(try runSeq2Seq(run.trainArguments(["--overwrite"])))
            #expect(try String(contentsOfFile: run.paths.devTranslations, encoding: .utf8).split(separator: "\n").count == 9)

            try run.paths.removeRun()
            #expect(!FileManager.default.fileExists(atPath: run.paths.devTranslations))
        }
    }

    @Test func theMetricIsTheRunsAndShown() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            let result = try runSeq2Seq(run.trainArguments(["--validation-metric", "chrf"]))
            expectSuccess(result)
            #expect(result.stderrLines.contains { $0.hasPrefix("step 4: dev chrF2 ") && $0.contains(", BLEU ") }, "\(result.stderr)")
            #expect(try TrainingState.load(path: run.paths.state).options.validationMetric == .chrf)

            let resumed = ["train", "--corpus", run.corpus, "--checkpoint", run.checkpoint, "--resume", "--max-steps", "12"]
            expectError(try runSeq2Seq(resumed + ["--validation-metric", "loss"]), exitCode: 64,
                        mentions: ["--validation-metric", "cannot be changed with --resume"])
            let again = try runSeq2Seq(resumed + ["--validation-samples", "0"])
            expectSuccess(again)
            #expect(again.stderrLines.contains { $0.hasPrefix("step 12: dev chrF2 ") }, "\(again.stderr)")
            #expect(!again.stderrLines.contains { $0.hasPrefix("  dev #") }, "\(again.stderr)")

            expectError(try runSeq2Seq(run.trainArguments(["--overwrite", "--validation-metric", "bleu4"])), exitCode: 64,
                        mentions: ["--validation-metric", "bleu|chrf|exact|loss"])
        }
    }

    /// Targets of one or two tokens: sentence-level BLEU is 0 whatever the translation, which the first validation says
    /// once, suggesting another metric; a run that ranks by another metric is not told.
    @Test func shortDevTargetsAreNoted() throws {
        try withTemporaryDirectory { folder in
            let corpus = folder.appendingPathComponent("short").path
            try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
            var rng = SplitMix64(seed: 3)
            try Corpus.writePairs(ToyTasks.pairs(.reverse, count: 60, lengths: 1...2, vocabularySize: 10, rng: &rng), path: corpus + "/train.tsv")
            try Corpus.writePairs(ToyTasks.pairs(.reverse, count: 10, lengths: 1...2, vocabularySize: 10, rng: &rng), path: corpus + "/dev.tsv")
            let arguments = ["train", "--corpus", corpus, "--checkpoint", folder.appendingPathComponent("m.safetensors").path]
                + TinyRun.modelFlags + TinyRun.trainFlags
            let result = try runSeq2Seq(arguments)
            expectSuccess(result)
            let notes = result.stderrLines.filter { $0.hasPrefix("note: the dev targets are short for BLEU") }
            #expect(notes.count == 1, "\(result.stderr)")
            #expect(notes.first?.contains("100% have only references under 4 tokens") == true, "\(result.stderr)")
            #expect(notes.first?.hasSuffix("--validation-metric exact or chrf would choose the best checkpoint by something they have") == true)
            let exact = try runSeq2Seq(arguments + ["--overwrite", "--validation-metric", "exact"])
            expectSuccess(exact)
            #expect(!exact.stderr.contains("note: the dev targets"), "\(exact.stderr)")
        }
    }
}
