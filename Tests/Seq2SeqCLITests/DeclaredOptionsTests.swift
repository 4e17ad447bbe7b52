// DeclaredOptionsTests.swift — the command line is declared once: every default the help shows is the one parsing
// applies, the shared groups read only what they declare, and the help reads right (a preformatted block is never
// wrapped, no reference points the wrong way, file names are those the commands write). The declarations are read
// from the `seq2seq` module itself; the help texts through the built binary.

import Foundation
import Testing
@testable import seq2seq
@testable import Seq2SeqCore

@Suite struct DeclaredOptionsTests {
    /// Defaults the help shows in words, not as a value one could type.
    static let defaultsInWords: [String: String] = ["--threads": "all cores"]

    @Test(arguments: subcommands.map(\.info.name))
    func everyShownDefaultIsTheParsedDefault(command: String) throws {
        let info = try #require(subcommands.first { $0.info.name == command }?.info)
        let help = Self.unwrapped(Help.text(for: info))
        for option in info.options {
            guard let shown = option.shownDefault else { continue }
            #expect(help.contains("\(option.help) (default: \(shown))"), "\(command) \(option.name): the help does not show (default: \(shown))")
            if let words = Self.defaultsInWords[option.name] {
                #expect(shown == words, "\(command) \(option.name)")
            } else {
                let check = try #require(option.shownDefaultIsTheDefault)
                #expect(check(), "\(command) \(option.name): typing the shown default '\(shown)' does not give the default")
            }
        }
    }

    /// Left out, every option of a shared group takes the default its declaration shows; a group reads nothing it
    /// does not declare (that would trap here).
    @Test func groupsLeftOutTakeTheirDeclaredDefaults() throws {
        let decoding = try DecodingOptions(try Self.parsed([], options: DecodingOptions.options))
        #expect(decoding.batchSize == DecodingOptions.batchSize.defaultValue && decoding.batchSize == 64)
        #expect(decoding.beamWidth == DecodingOptions.beam.defaultValue && decoding.beamWidth == 1)
        #expect(decoding.lengthPenalty == DecodingOptions.lengthPenalty.defaultValue && decoding.lengthPenalty == 1)
        #expect(decoding.noRepeatNgram == DecodingOptions.noRepeatNgram.defaultValue && decoding.noRepeatNgram == 0)
        #expect(!decoding.replaceUnknown)
        let threads = try ThreadCount(try Self.parsed([], options: ThreadCount.options))
        #expect(threads.count == ProcessInfo.processInfo.activeProcessorCount)
        #expect(try SentenceInput(try Self.parsed([], options: SentenceInput.options)).path == "-")
        #expect(throws: Seq2SeqError.invalidOption(flag: "--checkpoint", reason: "is required")) {
            try CheckpointInput(try Self.parsed([], options: CheckpointInput.options))
        }
        // Given, each takes the typed value.
        let given = try DecodingOptions(try Self.parsed(["--batch-size", "3", "--beam=4", "--length-penalty", "0.5", "--replace-unk",
                                                         "--no-repeat-ngram", "2"], options: DecodingOptions.options))
        #expect((given.batchSize, given.beamWidth, given.lengthPenalty, given.replaceUnknown, given.noRepeatNgram) == (3, 4, 0.5, true, 2))
    }

    /// The training defaults the help shows are the library's own (TrainOptions), not a copy that could drift.
    @Test func trainDefaultsAreTheLibrarys() throws {
        let library = TrainOptions()
        #expect(TrainCommand.batchSize.defaultValue == library.batchSize)
        #expect(TrainCommand.learningRate.defaultValue == library.learningRate)
        #expect(TrainCommand.epochs.defaultValue == library.epochs)
        #expect(TrainCommand.clipNorm.defaultValue == library.clipNorm)
        #expect(TrainCommand.seed.defaultValue == library.seed)
        #expect(TrainCommand.validateEvery.defaultValue == library.validateEvery)
        #expect(TrainCommand.maxLength.defaultValue == library.maxLength)
        #expect(TrainCommand.learningRateDecay.defaultValue == library.learningRateDecay)
        #expect(TrainCommand.patience.defaultValue == library.patience)
        #expect(TrainCommand.minimumLearningRate.defaultValue == library.minimumLearningRate)
        #expect(TrainCommand.earlyStopping.defaultValue == library.earlyStopping)
        #expect(TrainCommand.keepBest.defaultValue == library.keepBest)
        #expect(TrainCommand.validationMetric.defaultValue == library.validationMetric && library.validationMetric == .bleu)
        #expect(TrainCommand.maxNonFiniteSteps.defaultValue == library.maxNonFiniteSteps)
        #expect(TrainCommand.bpeMerges.defaultValue == BytePairEncoding.defaultMergeCount)
    }

    /// A command lists each option once, and every option it reads: the parser's duplicate check and "did you mean"
    /// work from this list.
    @Test(arguments: subcommands.map(\.info.name))
    func everyOptionIsDeclaredOnce(command: String) throws {
        let info = try #require(subcommands.first { $0.info.name == command }?.info)
        let names = info.options.map(\.name)
        #expect(Set(names).count == names.count, "\(command) declares an option twice: \(names)")
    }

    // MARK: - The library's errors, told with their flags

    /// The library names the problem, the command adds the flag and the hint: what the user reads is the message the
    /// library itself wrote before it stopped naming flags (the literals below), with the same exit code.
    @Test func libraryErrorsAreToldWithTheirFlagsAsBefore() throws {
        func told(_ error: Seq2SeqError, by map: (Seq2SeqError) -> Error) -> (message: String, code: ExitCode) {
            let mapped = map(error)
            if let hinted = mapped as? HintedError { return (hinted.description, hinted.error.exitCode) }
            let plain = mapped as? Seq2SeqError
            return (plain?.description ?? "not a Seq2SeqError: \(mapped)", plain?.exitCode ?? .failure)
        }
        let train = TrainCommand.namingFlags
        #expect(told(.noPairWithinLength(path: "c/train.tsv", limit: 3), by: train)
            == ("--max-length: no training pair of c/train.tsv is within 3 tokens", .usage))
        #expect(told(.trainingExceedsMemory(.step(batchSize: 64, sourceLength: 5, targetLength: 6), needed: 3e9, budget: 2e9), by: train)
            == ("invalid configuration: a training step needs about 3.0 GB (batch of 64 pairs, up to 5 source and 6 target tokens) but this process may use 2.0 GB; lower --batch-size, --max-length or the model sizes", .usage))
        #expect(told(.trainingExceedsMemory(.validation(sourceLength: 7, targetLength: 8), needed: 3e9, budget: 2e9), by: train)
            == ("invalid configuration: validating needs about 3.0 GB (dev pairs of up to 7 source and 8 target tokens) but this process may use 2.0 GB; lower --max-length so that long dev pairs are left out", .usage))
        #expect(told(.trainingDiverged(step: 5, steps: 3), by: train)
            == ("training stopped at step 5: 3 steps in a row had a non-finite loss or gradient (none was applied; the state before them is saved); try a lower --learning-rate or --clip-norm", .diverged))
        #expect(told(.noFiniteValidation(step: 4, state: "m.state.safetensors"), by: train)
            == ("training stopped at step 4 without a validation whose dev loss was finite, so no checkpoint was kept (the state is saved in m.state.safetensors); try a lower --learning-rate or --clip-norm", .diverged))
        let corpus = CorpusCommand.namingFlags
        let available = "p.tsv has 3 pairs with 2 distinct source sentences"
        #expect(told(.impossibleSplit(path: "p.tsv", pairs: 3, sources: 2, problem: .testTooSmall), by: corpus)
            == ("--test-size: no source sentence has this few translations: \(available)", .usage))
        #expect(told(.impossibleSplit(path: "p.tsv", pairs: 3, sources: 2, problem: .devTooSmall), by: corpus)
            == ("--dev-size: no source sentence left has this few translations: \(available)", .usage))
        #expect(told(.impossibleSplit(path: "p.tsv", pairs: 3, sources: 2, problem: .nothingLeftForTrain(testSize: 2)), by: corpus)
            == ("--dev-size: with --test-size 2 leaves no pairs for train: \(available)", .usage))
        // An error no flag can fix passes unchanged.
        let other = Seq2SeqError.emptyFile(path: "c/train.tsv")
        #expect(told(other, by: train) == (other.description, other.exitCode))
    }

    // MARK: - Help that reads right

    /// The JSON schema in `inspect --help` is printed line for line as written, not wrapped, and names exactly the
    /// keys `inspect` writes.
    @Test func inspectSchemaIsNotWrappedAndNamesTheKeysWritten() throws {
        let help = try runSeq2Seq(["inspect", "--help"]).stdout
        let schema = InspectCommand.jsonSchema
        #expect(help.contains("is\n" + schema + "\nwith each layer's steps"), "\(help)")
        for line in schema.split(separator: "\n") {
            #expect(line.count <= Help.width, "wider than the help: \(line)")
        }
        // The keys of a real line's object, its layers and their steps, against the keys the schema names.
        let result = try runSeq2Seq(["inspect", "--checkpoint", ShippedModelTests.path], stdin: Data("hello\n".utf8))
        expectSuccess(result)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let layer = try #require((object["layers"] as? [[String: Any]])?.first)
        let step = try #require((layer["steps"] as? [[String: Any]])?.first)
        let written = Set(object.keys).union(layer.keys).union(step.keys)
        let named = Set(schema.matches(of: #/"([a-z_]+)":/#).map { String($0.output.1) })
        #expect(named == written)
    }

    /// The help's prose sits above the options, so an option's help never points below; no help says "see below".
    @Test(arguments: subcommands.map(\.info.name))
    func noReferencePointsTheWrongWay(command: String) throws {
        let help = try runSeq2Seq([command, "--help"]).stdout
        #expect(!help.lowercased().contains("see below"), "\(command) --help")
        if help.contains("see above") {
            let info = try #require(subcommands.first { $0.info.name == command }?.info)
            #expect(info.discussion != nil, "\(command) --help points above, where there is no discussion")
        }
    }

    /// `train --help` names the files a run writes beside its checkpoint as the run names them.
    @Test func trainHelpNamesTheFilesARunWrites() throws {
        let help = Self.unwrapped(try runSeq2Seq(["train", "--help"]).stdout)
        let paths = TrainingPaths(checkpoint: "model.safetensors")
        for file in [paths.state, paths.log, paths.curves, paths.devTranslations, paths.kept(step: 1500)] {
            #expect(help.contains(file), "train --help does not name \(file)")
        }
        #expect(!help.contains("FILE.state") && !help.contains("FILE.log") && !help.contains("FILE.curves"))
    }

    /// The files `attention` and `inspect` write into a folder are named as their help says.
    @Test func lineFilesAreNamedAsTheHelpSays() throws {
        for command in ["attention", "inspect"] {
            #expect(Self.unwrapped(try runSeq2Seq([command, "--help"]).stdout).contains("line-07.svg for line 7 of 12"), "\(command)")
        }
        try withTemporaryDirectory { folder in
            let pictures = folder.appendingPathComponent("pictures").path
            let input = Data((String(repeating: "hello\n", count: 12)).utf8)
            let result = try runSeq2Seq(["attention", "--checkpoint", ShippedModelTests.path, "--format", "svg", "--output", pictures],
                                        stdin: input)
            expectSuccess(result)
            #expect(FileManager.default.fileExists(atPath: pictures + "/line-07.svg"))
            #expect(result.stderr.contains("wrote 12 svg files to \(pictures)"), "\(result.stderr)")
        }
    }

    // MARK: - Helpers

    /// Arguments parsed for a command that declares exactly `options`.
    static func parsed(_ arguments: [String], options: [OptionInfo]) throws -> Arguments {
        try Arguments(arguments, for: CommandInfo(name: "test", abstract: "", usage: "", options: options))
    }

    /// The help with its wrapping undone: every run of a line break and indentation becomes one space.
    static func unwrapped(_ help: String) -> String {
        help.replacing(#/\n +/#, with: " ")
    }
}
