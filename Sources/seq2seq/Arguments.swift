// Arguments.swift — the hand-written command-line parser. Each subcommand declares its options (typed, in
// Options.swift) and positional arguments, if any, in a CommandInfo; Arguments checks argv against it (--flag value,
// --flag=value, -h/--help) and hands out the typed, range-checked value of each declared option. Every mistake is a
// Seq2SeqError.invalidOption naming the flag.

import Seq2SeqCore

/// What the parser and the help know of one option: `name` as typed ("--hidden-size"), `valueName` shown as `<n>`
/// (nil for a flag), its help and the default the help shows. Made from a typed `Option` or `Flag` (Options.swift),
/// never by hand.
struct OptionInfo: Sendable {
    let name: String
    let valueName: String?
    let help: String
    /// Shown as "(default: 64)" after the help; nil shows none.
    var shownDefault: String? = nil
    /// Whether typing the shown default gives the value that leaving the option out gives (the test of a default
    /// that is shown one way and applied another); nil when no default is shown.
    var shownDefaultIsTheDefault: (@Sendable () -> Bool)? = nil
}

/// One positional argument of a subcommand, shown as `<name>` in the help (e.g. the task of `seq2seq corpus`).
/// The last one may `repeat`: it then takes every remaining argument (the checkpoints of `seq2seq average`).
struct ArgumentInfo: Sendable {
    let name: String
    let help: String
    var repeats = false

    /// "<task>", as the help and the messages show it.
    var label: String { "<\(name)>" }
}

/// Everything the help shows about a subcommand, and everything the parser accepts for it.
struct CommandInfo {
    let name: String
    let abstract: String
    /// What follows "USAGE: " in the help; several lines are allowed (one form a line).
    let usage: String
    /// Positional arguments, in the order they are given; most subcommands have none.
    let arguments: [ArgumentInfo]
    let options: [OptionInfo]
    /// Paragraphs shown after the overview, one a line, wrapped; a line that starts with a space is preformatted.
    let discussion: String?

    init(name: String, abstract: String, usage: String, arguments: [ArgumentInfo] = [], options: [OptionInfo],
         discussion: String? = nil) {
        self.name = name
        self.abstract = abstract
        self.usage = usage
        self.arguments = arguments
        self.options = options
        self.discussion = discussion
    }

    /// "seq2seq train", as the messages name the subcommand.
    var commandLine: String { "seq2seq \(name)" }
}

/// The parsed command line of one subcommand: which flags were set, the value of each option, the positionals.
struct Arguments {
    let command: CommandInfo
    /// -h or --help appeared: show the help and ignore everything else (even mistakes).
    let wantsHelp: Bool
    private var values: [String: String] = [:]      // option name → value ("" for a boolean flag that was set)
    private var positionals: [String] = []

    init(_ arguments: [String], for command: CommandInfo) throws {
        self.command = command
        let optionsEnd = arguments.firstIndex(of: "--") ?? arguments.endIndex
        wantsHelp = arguments[..<optionsEnd].contains { $0 == "-h" || $0 == "--help" }
        if wantsHelp { return }

        var index = 0
        while index < optionsEnd {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-") && argument != "-" else {
                try addPositional(argument)
                continue
            }
            // "--name=value" carries its value; "--name value" takes the next argument.
            let name: String, inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            } else {
                name = argument
                inlineValue = nil
            }
            guard let option = command.options.first(where: { $0.name == name }) else {
                throw Seq2SeqError.invalidOption(flag: name, reason: unknownOptionReason(name))
            }
            guard values[name] == nil else {
                throw Seq2SeqError.invalidOption(flag: name, reason: "is given more than once")
            }
            if option.valueName == nil {
                guard inlineValue == nil else {
                    throw Seq2SeqError.invalidOption(flag: name, reason: "is a flag and takes no value")
                }
                values[name] = ""
            } else if let inlineValue {
                guard !inlineValue.isEmpty else { throw Seq2SeqError.invalidOption(flag: name, reason: "needs a value") }
                values[name] = inlineValue
            } else {
                guard index < optionsEnd, Self.canBeValue(arguments[index]) else {
                    throw Seq2SeqError.invalidOption(flag: name, reason: "needs a value")
                }
                values[name] = arguments[index]
                index += 1
            }
        }
        for argument in arguments.dropFirst(optionsEnd + 1) { try addPositional(argument) }
    }

    // MARK: - Values

    /// The option's value, or its declared default when it was not given.
    func value<Value>(_ option: Option<Value>) throws -> Value {
        guard let text = typed(option.info) else { return option.defaultValue }
        return try option.parse(text, option.name)
    }

    /// The option's value; missing → `invalidOption(flag, "is required")`.
    func required(_ option: Option<String?>) throws -> String {
        guard let value = try value(option) else { throw Seq2SeqError.invalidOption(flag: option.name, reason: "is required") }
        return value
    }

    /// True when the flag was given.
    func flag(_ flag: Flag) -> Bool {
        typed(flag.info) != nil
    }

    /// True when the option (or flag) was given, whatever its value.
    func isGiven(_ option: OptionInfo) -> Bool {
        typed(option) != nil
    }

    /// The text given for the option ("" for a flag), or nil; a command asking for an option it did not declare is a
    /// bug in that command, not a user mistake.
    private func typed(_ option: OptionInfo) -> String? {
        precondition(command.options.contains { $0.name == option.name && $0.valueName == option.valueName },
                     "'\(command.commandLine)' reads \(option.name), which its CommandInfo does not declare")
        return values[option.name]
    }

    // MARK: - Positional arguments

    /// Every value of the repeating positional argument (the last declared), in order; empty when none was given.
    func repeated(_ argument: ArgumentInfo) -> [String] {
        guard let index = command.arguments.firstIndex(where: { $0.name == argument.name }), command.arguments[index].repeats else {
            preconditionFailure("'\(command.commandLine)' reads \(argument.label) as a repeating argument, which its CommandInfo does not declare")
        }
        return index < positionals.count ? Array(positionals[index...]) : []
    }

    /// The positional argument as one of the enum's raw values; missing or wrong → an error listing the choices.
    func choice<T: RawRepresentable & CaseIterable>(_ argument: ArgumentInfo, as type: T.Type = T.self) throws -> T
    where T.RawValue == String {
        guard let index = command.arguments.firstIndex(where: { $0.name == argument.name }) else {
            preconditionFailure("'\(command.commandLine)' reads the argument \(argument.label), which its CommandInfo does not declare")
        }
        guard index < positionals.count else {
            throw Seq2SeqError.invalidOption(flag: argument.label, reason: "missing; expected one of \(choices(T.self))")
        }
        return try parseChoice(positionals[index], flag: argument.label)
    }

    // MARK: - Helpers

    private mutating func addPositional(_ argument: String) throws {
        guard positionals.count < command.arguments.count || command.arguments.last?.repeats == true else {
            throw Seq2SeqError.invalidOption(flag: argument, reason: "unexpected argument for '\(command.commandLine)'")
        }
        positionals.append(argument)
    }

    /// "--x value": the next argument is the value unless it looks like another option ("-5" and "-" are values).
    private static func canBeValue(_ argument: String) -> Bool {
        !argument.hasPrefix("-") || argument == "-" || Double(argument) != nil
    }

    private func unknownOptionReason(_ name: String) -> String {
        let reason = "unknown option for '\(command.commandLine)'"
        guard let nearest = Self.nearest(to: name, among: command.options.map(\.name) + ["--help"]) else { return reason }
        return reason + "; did you mean '\(nearest)'?"
    }

    /// The "did you mean" suggestion for a mistyped option or subcommand: the closest of `names`, if it is at most
    /// two edits away (the first of equally close ones).
    static func nearest(to typed: String, among names: [String]) -> String? {
        let nearest = names.map { (name: $0, distance: editDistance($0, typed)) }.min { $0.distance < $1.distance }
        guard let nearest, nearest.distance <= 2 else { return nil }
        return nearest.name
    }

    /// Levenshtein distance, for "did you mean" suggestions.
    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var previous = Array(0...b.count)            // distances from a[..<i-1] to every prefix of b
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
