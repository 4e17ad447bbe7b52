// Help.swift — the help texts, in swift-argument-parser's layout: OVERVIEW / USAGE / ARGUMENTS / OPTIONS for a
// subcommand; OVERVIEW / USAGE / OPTIONS / SUBCOMMANDS / EXIT CODES for `seq2seq --help`.

enum Help {
    static let topLevelUsage = "seq2seq <subcommand> [<options>]"
    /// What `seq2seq --version` prints after the name; the one place the version is written.
    static let version = "0.1.0"

    /// `seq2seq NAME --help`.
    static func text(for command: CommandInfo) -> String {
        var sections = ["OVERVIEW: " + wrap(command.abstract, indent: 0, firstLineUsed: 10)]
        if let discussion = command.discussion { sections.append(paragraphs(discussion)) }
        sections.append("USAGE: " + command.usage.split(separator: "\n").joined(separator: "\n       "))
        if !command.arguments.isEmpty {
            sections.append("ARGUMENTS:\n" + rows(command.arguments.map { ($0.label + ($0.repeats ? " ..." : ""), $0.help) }))
        }
        let options = command.options.map { option in
            (option.valueName.map { "\(option.name) <\($0)>" } ?? option.name,
             option.shownDefault.map { "\(option.help) (default: \($0))" } ?? option.help)
        }
        sections.append("OPTIONS:\n" + rows(options + [helpOption]))
        return sections.joined(separator: "\n\n") + "\n"
    }

    /// `seq2seq --help`: every subcommand with its abstract, and what each exit code means.
    static func topLevel(commands: [CommandInfo]) -> String {
        let exitCodes = ExitCode.allCases.map { ("\($0.rawValue)", $0.meaning) }
        return [
            "OVERVIEW: Train and run attention encoder-decoder translation models (LSTM, Bahdanau attention), in pure Swift.",
            "USAGE: " + topLevelUsage,
            "OPTIONS:\n" + rows([versionOption, helpOption]),
            "SUBCOMMANDS:\n" + rows(commands.map { ($0.name, $0.abstract) })
                + "\n\n  See 'seq2seq help <subcommand>' for detailed help.",
            "EXIT CODES:\n" + rows(exitCodes)
                + "\n\n  " + wrap("Every error is one line on standard error, starting \"Error:\" and naming the file:line or the option.",
                                 indent: 2, firstLineUsed: 2),
        ].joined(separator: "\n\n") + "\n"
    }

    // MARK: - Layout

    private static let helpOption = ("-h, --help", "Show help information.")
    private static let versionOption = ("--version", "Show the version.")
    static let width = 80
    private static let helpColumn = 26     // labels are indented 2 and padded to 24, as argument-parser does

    /// "  label                   help…", the help wrapped at `width`; a label too long for its column gets a line
    /// of its own and the help starts below it.
    private static func rows(_ items: [(label: String, help: String)]) -> String {
        items.map { item in
            let label = "  " + item.label
            if label.count <= helpColumn - 2 {
                let padded = label + String(repeating: " ", count: helpColumn - label.count)
                return padded + wrap(item.help, indent: helpColumn, firstLineUsed: helpColumn)
            }
            return label + "\n" + String(repeating: " ", count: helpColumn)
                + wrap(item.help, indent: helpColumn, firstLineUsed: helpColumn)
        }.joined(separator: "\n")
    }

    /// Discussion text: each paragraph (a line of the text) wrapped at `width`; a line that starts with a space is
    /// preformatted (an example, a JSON schema) and printed as written, so keep it within `width` columns.
    static func paragraphs(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix(" ") ? String(line) : wrap(String(line), indent: 0, firstLineUsed: 0)
        }.joined(separator: "\n")
    }

    /// Greedy word wrap: continuation lines start with `indent` spaces; the first line already has
    /// `firstLineUsed` columns taken. A word longer than a line is kept whole.
    private static func wrap(_ text: String, indent: Int, firstLineUsed: Int) -> String {
        var lines: [String] = []
        var line = "", used = firstLineUsed
        var words: [Substring] = []
        for word in text.split(separator: " ") {           // "(default: 64)" stays on one line
            if let last = words.last, last.hasSuffix("(default:") {
                words[words.count - 1] = last + " " + word
            } else {
                words.append(word)
            }
        }
        for word in words {
            if !line.isEmpty && used + 1 + word.count > width {
                lines.append(line)
                line = ""
                used = indent
            }
            if !line.isEmpty {
                line += " "
                used += 1
            }
            line += word
            used += word.count
        }
        lines.append(line)
        return lines.joined(separator: "\n" + String(repeating: " ", count: indent))
    }
}
