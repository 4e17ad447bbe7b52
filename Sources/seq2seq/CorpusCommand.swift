// CorpusCommand.swift — `seq2seq corpus`: writes a corpus folder DIR/{train,dev,test}.tsv (SPEC §4), either a
// seeded toy task (reverse, copy, and the "Exploring LSTMs" tasks count, count-distract, remember, copy3; ToyTasks)
// or a seeded split of one TSV file that keeps all translations of a source sentence in the same split. Stage [1].

import Foundation
import Seq2SeqCore

/// What `seq2seq corpus` makes: a toy task, or a split of an existing file.
/// Joey NMT's tasks and split first, then the "Exploring LSTMs" tasks (the order the error message lists them in).
enum CorpusTask: String, CaseIterable {
    case reverse, copy, split, count
    case countDistract = "count-distract"
    case remember, copy3

    /// The generator of a toy task; nil for split.
    var toyTask: ToyTask? {
        switch self {
        case .reverse: return .reverse
        case .copy: return .copy
        case .count: return .count
        case .countDistract: return .countDistract
        case .remember: return .remember
        case .copy3: return .copy3
        case .split: return nil
        }
    }
}

enum CorpusCommand {
    private static let sizes = 1...100_000_000
    static let task = ArgumentInfo(name: "task", help: """
        reverse: sequences of 0–49 and the same sequence reversed (Joey NMT's toy task; train lengths 1–25, \
        dev and test 1–30). copy: the same, target = source. The experiments of Edwin Chen's "Exploring \
        LSTMs", N from 1 to 10: count ("a a a X" → "b b b": as many b as a), count-distract ("a a X a Y" → \
        "b b b": count the a, ignore the X), remember ("B x x x Y" → "b": the first letter, after N x), \
        copy3 ("q b z X" → "q b z"). split: divide the pairs of --input into train, dev and test.
        """)
    static let output = Option<String?>.text(
        "--output", "dir", help: "The folder to write train.tsv, dev.tsv and test.tsv into; created if needed.")
    static let input = Option<String?>.text("--input", "file.tsv", help: "split only: the pairs to divide, source<TAB>target a line.")
    static let seed = Option.seed("--seed", help: "Seed of the generator or of the shuffle; same seed, same files.", default: 1)
    static let trainSize = Option.integer("--train-size", help: "Toy tasks only: training pairs.", default: 50_000, in: sizes)
    static let devSize = Option.integer("--dev-size", help: "Pairs in dev.tsv (split: see --sizes-in).", default: 1_000, in: sizes)
    static let testSize = Option.integer("--test-size", help: "Pairs in test.tsv (split: see --sizes-in).", default: 1_000, in: sizes)
    static let sizesIn = Option<Corpus.SizeUnit>.choice(
        "--sizes-in", help: "split only: whether --dev-size and --test-size count pairs or distinct source sentences (each with all its translations).",
        default: .pairs)

    static let info = CommandInfo(
        name: "corpus",
        abstract: "Make a corpus folder DIR/{train,dev,test}.tsv: a seeded toy task, or a seeded split of a TSV file.",
        usage: """
            seq2seq corpus <toy task> --output <dir> [--seed <n>] [--train-size <n>] [--dev-size <n>] [--test-size <n>]
            seq2seq corpus split --input <file.tsv> --output <dir> [--seed <n>] [--dev-size <n>] [--test-size <n>] [--sizes-in pairs|sources]
            """,
        arguments: [task],
        options: [output.info, input.info, seed.info, trainSize.info, devSize.info, testSize.info, sizesIn.info],
        discussion: """
            split groups the pairs by identical source sentence, so that all translations of one sentence land in \
            the same split; shuffles the groups with the seed; fills test, then dev, with whole groups up to the \
            requested number of pairs (or of source sentences, with --sizes-in sources); and leaves the rest for \
            train. Each file keeps the pairs in the order of the input file. A summary goes to standard error.
            """)

    static func run(_ arguments: Arguments) throws {
        let task: CorpusTask = try arguments.choice(Self.task)
        let output = try arguments.required(Self.output)
        let seed = try arguments.value(Self.seed)
        let devSize = try arguments.value(Self.devSize)
        let testSize = try arguments.value(Self.testSize)
        let counts: (train: Int, dev: Int, test: Int)
        var sourceCounts = ""                              // split: how many distinct sources each file holds
        if let toyTask = task.toyTask {
            for option in [Self.input.info, Self.sizesIn.info] where arguments.isGiven(option) {
                throw Seq2SeqError.invalidOption(flag: option.name, reason: "applies only to '\(info.commandLine) \(CorpusTask.split.rawValue)'")
            }
            let trainSize = try arguments.value(Self.trainSize)
            try ToyTasks.write(toyTask, to: output, seed: seed, trainCount: trainSize, devCount: devSize,
                               testCount: testSize)
            counts = (trainSize, devSize, testSize)
        } else {
            if arguments.isGiven(Self.trainSize.info) {
                throw Seq2SeqError.invalidOption(
                    flag: Self.trainSize.name, reason: "applies only to the toy tasks; split trains on what dev and test leave")
            }
            let input = try arguments.required(Self.input)
            let pairs = try Corpus.readPairs(path: input)
            let splits: (train: [SentencePair], dev: [SentencePair], test: [SentencePair])
            do {
                splits = try Corpus.split(pairs, seed: seed, devSize: devSize, testSize: testSize,
                                          sizesIn: arguments.value(Self.sizesIn), input: input)
            } catch let error as Seq2SeqError {
                throw namingFlags(error)
            }
            try createFolder(output)
            for (file, part) in [("train.tsv", splits.train), ("dev.tsv", splits.dev), ("test.tsv", splits.test)] {
                try Corpus.writePairs(part, path: URL(fileURLWithPath: output).appendingPathComponent(file).path)
            }
            counts = (splits.train.count, splits.dev.count, splits.test.count)
            let sources = [splits.train, splits.dev, splits.test].map { Set($0.map(\.source)).count }
            sourceCounts = " (\(sources.map(String.init).joined(separator: ", ")) distinct sources)"
        }
        Output.error("corpus \(task.rawValue): wrote \(counts.train) train, \(counts.dev) dev, \(counts.test) test pairs\(sourceCounts) to \(output)")
    }

    private static func createFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw Seq2SeqError.unwritableFile(path: path, reason: "cannot create the folder")
        }
    }
}
