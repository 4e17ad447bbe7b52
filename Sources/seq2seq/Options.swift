// Options.swift — every option declared once, typed, as swift-argument-parser's @Option and @Flag declare them (by
// hand: no packages): its name, value name, help, range or choices, and one default that both the help shows and
// parsing returns when the option is left out. Options several subcommands take are grouped (`OptionGroup`, as
// @OptionGroup): a command lists a group's options in its CommandInfo and reads the group's typed values.

import Foundation
import Seq2SeqCore

/// An option that takes a value, `--batch-size <n>`, read as a `Value` with `Arguments.value(_:)`.
struct Option<Value: Sendable>: Sendable {
    let name: String
    /// Shown as `<n>` in the help.
    let valueName: String
    /// What the option does, without its default (the help appends that).
    let help: String
    /// The value when the option is left out.
    let defaultValue: Value
    /// The default as the help shows it, "(default: 64)"; nil shows none (an option that is off when left out).
    let shownDefault: String?
    /// The value of the typed text; a bad one throws `invalidOption` naming `flag`, the option's name.
    let parse: @Sendable (_ text: String, _ flag: String) throws -> Value

    /// What the parser and the help need to know of the option.
    var info: OptionInfo {
        var info = OptionInfo(name: name, valueName: valueName, help: help, shownDefault: shownDefault)
        if let shownDefault {
            let (parse, name, defaultValue) = (self.parse, self.name, self.defaultValue)
            info.shownDefaultIsTheDefault = { @Sendable () -> Bool in
                guard let typed = try? parse(shownDefault, name) else { return false }
                return String(describing: typed) == String(describing: defaultValue)
            }
        }
        return info
    }
}

/// An option that takes no value, `--lowercase`: false unless given.
struct Flag: Sendable {
    let name: String
    let help: String

    var info: OptionInfo { OptionInfo(name: name, valueName: nil, help: help) }
}

/// Options several subcommands take, declared once. A command lists `options` in its CommandInfo (where the help
/// shows them) and reads the values with `init(_:)`; reading an option the command does not declare traps.
protocol OptionGroup {
    /// The group's options, in the order the help lists them.
    static var options: [OptionInfo] { get }
    init(_ arguments: Arguments) throws
}

// MARK: - Kinds of value

extension Option where Value == Int {
    /// An integer in `range`; the help shows `shownDefault`, or else `defaultValue`.
    static func integer(_ name: String, _ valueName: String = "n", help: String, default defaultValue: Int,
                        in range: ClosedRange<Int>, shownDefault: String? = nil) -> Option {
        Option(name: name, valueName: valueName, help: help, defaultValue: defaultValue,
               shownDefault: shownDefault ?? "\(defaultValue)") { try parseInteger($0, flag: $1, in: range) }
    }
}

extension Option where Value == Int? {
    /// An integer in `range`, or nil (no default shown) when the option is left out.
    static func optionalInteger(_ name: String, _ valueName: String = "n", help: String, in range: ClosedRange<Int>) -> Option {
        Option(name: name, valueName: valueName, help: help, defaultValue: nil, shownDefault: nil) {
            try parseInteger($0, flag: $1, in: range)
        }
    }
}

extension Option where Value == Float {
    /// A finite number in `range` (NaN and infinities are refused); the help shows the default as typed ("1", "0.001").
    static func number(_ name: String, _ valueName: String = "x", help: String, default defaultValue: Float,
                       in range: ClosedRange<Float>) -> Option {
        Option(name: name, valueName: valueName, help: help, defaultValue: defaultValue,
               shownDefault: shownNumber(defaultValue)) { try parseNumber($0, flag: $1, in: range) }
    }
}

extension Option where Value == UInt64 {
    /// A 64-bit unsigned integer (a seed).
    static func seed(_ name: String, help: String, default defaultValue: UInt64) -> Option {
        Option(name: name, valueName: "n", help: help, defaultValue: defaultValue, shownDefault: "\(defaultValue)") { text, flag in
            guard let value = UInt64(text) else {
                throw Seq2SeqError.invalidOption(flag: flag, reason: "expects an integer from 0 to \(UInt64.max), got '\(text)'")
            }
            return value
        }
    }
}

extension Option where Value == String? {
    /// Text as typed (a path), or nil when the option is left out.
    static func text(_ name: String, _ valueName: String, help: String) -> Option {
        Option(name: name, valueName: valueName, help: help, defaultValue: nil, shownDefault: nil) { text, _ in text }
    }
}

extension Option where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of the enum's raw values, its value name the choices ("json|csv"); a wrong value lists them.
    static func choice(_ name: String, help: String, default defaultValue: Value) -> Option {
        Option(name: name, valueName: choices(Value.self), help: help, defaultValue: defaultValue,
               shownDefault: defaultValue.rawValue) { try parseChoice($0, flag: $1) }
    }
}

extension Option {
    /// One of the enum's raw values, or nil when the option is left out (the help says what that means).
    static func optionalChoice<Choice>(_ name: String, help: String) -> Option
    where Value == Choice?, Choice: RawRepresentable & CaseIterable & Sendable, Choice.RawValue == String {
        Option(name: name, valueName: choices(Choice.self), help: help, defaultValue: nil, shownDefault: nil) {
            try parseChoice($0, flag: $1) as Choice
        }
    }
}

/// "1" for 1, "0.001", "1e-06": a default as one would type it.
func shownNumber(_ value: Float) -> String {
    value == value.rounded() && abs(value) < 1e6 ? "\(Int(value))" : "\(value)"
}

func parseInteger(_ text: String, flag: String, in range: ClosedRange<Int>) throws -> Int {
    guard let value = Int(text), range.contains(value) else {
        let bounds = range.upperBound == Int.max
            ? "of at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
        throw Seq2SeqError.invalidOption(flag: flag, reason: "expects an integer \(bounds), got '\(text)'")
    }
    return value
}

func parseNumber(_ text: String, flag: String, in range: ClosedRange<Float>) throws -> Float {
    guard let value = Float(text), value.isFinite, range.contains(value) else {
        throw Seq2SeqError.invalidOption(
            flag: flag, reason: "expects a number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
    }
    return value
}

func parseChoice<T: RawRepresentable & CaseIterable>(_ text: String, flag: String) throws -> T where T.RawValue == String {
    guard let value = T(rawValue: text) else {
        throw Seq2SeqError.invalidOption(flag: flag, reason: "expects one of \(choices(T.self)), got '\(text)'")
    }
    return value
}

/// "json|csv|svg|text".
func choices<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> String where T.RawValue == String {
    T.allCases.map(\.rawValue).joined(separator: "|")
}

// MARK: - Groups several subcommands take

/// `--checkpoint`: the model a command reads.
struct CheckpointInput: OptionGroup {
    static let checkpoint = Option<String?>.text("--checkpoint", "file", help: "A checkpoint written by `seq2seq train`.")
    static let options = [checkpoint.info]

    let path: String

    init(_ arguments: Arguments) throws {
        path = try arguments.required(Self.checkpoint)
    }
}

/// `--input`: the sentences to read, one a line; standard input when left out.
struct SentenceInput: OptionGroup {
    static let input = Option<String?>.text("--input", "file", help: "Read sentences from this file instead of standard input.")
    static let options = [input.info]

    /// The path, "-" for standard input.
    let path: String

    init(_ arguments: Arguments) throws {
        path = try arguments.value(Self.input) ?? "-"
    }
}

/// `--threads`: how many threads share the work.
struct ThreadCount: OptionGroup {
    static let threads = Option.integer(
        "--threads", help: "Threads sharing the work; what is computed does not depend on it, only how fast.",
        default: ProcessInfo.processInfo.activeProcessorCount, in: 1...256, shownDefault: "all cores")
    static let options = [threads.info]

    let count: Int

    init(_ arguments: Arguments) throws {
        count = try arguments.value(Self.threads)
    }

    /// Hands the count to the worker pool, which every parallel loop uses.
    func apply() {
        WorkerPool.shared.setThreads(count)
    }
}

/// How a translator decodes: `translate`, `attention` and `eval` take these and decode alike with them.
struct DecodingOptions: OptionGroup {
    static let batchSize = Option.integer(
        "--batch-size",
        help: "Sentences decoded together, grouped by length (with --beam K, up to K rows each); a sentence's translation does not depend on it.",
        default: 64, in: 1...65_536)
    static let beam = Option.integer(
        "--beam", "k", help: "Beam search of width K instead of greedy decoding (1 = greedy).", default: 1, in: 1...1000)
    static let lengthPenalty = Option.number(
        "--length-penalty", "a", help: "α of the GNMT length penalty ((5+len)/6)^α that beam search ranks by.", default: 1, in: 0...10)
    static let replaceUnknown = Flag(
        name: "--replace-unk",
        help: "Replace each emitted <unk> by the source token with the highest attention weight at that step (OpenNMT's replace_unk; the </s> column is not a candidate). With a bpe model it works on whole words, and also carries over source words the model cannot read whole or that hold a digit (names, numbers: \"Zoltán\", \"1987\") where the attention points.")
    static let noRepeatNgram = Option.integer(
        "--no-repeat-ngram",
        help: "Never emit an n-gram of N tokens twice in one translation (greedy and beam; fairseq's no_repeat_ngram_size); 0 turns it off.",
        default: 0, in: 0...1000)
    static let options = [batchSize.info, beam.info, lengthPenalty.info, replaceUnknown.info, noRepeatNgram.info]

    let batchSize: Int
    let beamWidth: Int
    let lengthPenalty: Float
    let replaceUnknown: Bool
    let noRepeatNgram: Int

    init(_ arguments: Arguments) throws {
        batchSize = try arguments.value(Self.batchSize)
        beamWidth = try arguments.value(Self.beam)
        lengthPenalty = try arguments.value(Self.lengthPenalty)
        replaceUnknown = arguments.flag(Self.replaceUnknown)
        noRepeatNgram = try arguments.value(Self.noRepeatNgram)
    }

    /// A translator of `checkpoint` that decodes this way, returning the `nBest` best hypotheses (at most K).
    func translator(_ checkpoint: Checkpoint, nBest: Int = 1) -> Translator {
        var translator = Translator(checkpoint: checkpoint, batchSize: batchSize)
        if beamWidth > 1 {
            translator.beam = BeamOptions(width: beamWidth, lengthPenalty: Double(lengthPenalty), nBest: min(nBest, beamWidth))
        }
        translator.noRepeatNgram = noRepeatNgram
        translator.replaceUnknown = replaceUnknown
        return translator
    }
}
