// DocExamples.swift — the examples of the Markdown documents as data: the parser of the convention, the comparison
// with its two masks, and the rewrite that regenerates outputs in place. The convention is written for readers in
// Sources/Seq2SeqCore/Seq2SeqCore.docc/RunnableDocs.md; this file and that article say the same thing.

import Foundation

/// One `$ command` of an example and the lines the document shows as its output.
struct DocCommand: Equatable {
    /// The command as bash reads it, without the `$ `; a line ending in ` \` continues on the next line.
    var text: String
    /// The output the document shows: stdout and stderr as printed, then `(exit N)` when the command failed.
    var expected: [String]
    /// Where the command starts (1-based line of the file), for messages.
    var line: Int
    /// The document's lines (0-based, half-open) that hold `expected`, for the rewrite.
    var outputLines: Range<Int>
    /// The indentation of the block's fence, which its lines share.
    var indent: Int = 0
}

/// A fenced block whose first line starts with `$ `: commands, each followed by its output.
struct DocExample: Equatable {
    /// The line of the opening fence (1-based).
    var line: Int
    var commands: [DocCommand]
    /// The reason given by a `<!-- not run: reason -->` line right above the fence; nil: the example is run.
    var notRun: String?
}

enum DocExamples {
    static let prompt = "$ "
    /// In a shown output, `…` stands for any text within a line, and a line of `…` alone for any number of lines.
    static let ellipsis = "…"
    static let notRunMarker = "<!-- not run:"

    // MARK: - Parsing

    /// Every example of `markdown`, in order. A fence is a line of three or more backticks (after optional
    /// indentation); an example is a fenced block whose first line starts with `$ `. Other blocks are left alone.
    static func parse(_ markdown: String) -> [DocExample] {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var examples: [DocExample] = []
        var n = 0
        while n < lines.count {
            guard let fence = fenceOpening(lines[n]) else { n += 1; continue }
            let open = n
            var close = open + 1
            while close < lines.count && !isFenceClosing(lines[close], like: fence) { close += 1 }
            let body = (open + 1)..<close
            defer { n = close + 1 }
            // A block left open runs to the end of the file: never an example, or a rewrite would replace the rest
            // of the document with a command's output. `unclosedFences` reports it.
            guard close < lines.count, let first = body.first, unindented(lines[first], by: fence.indent).hasPrefix(prompt) else { continue }
            var notRun: String? = nil
            if open > 0 {
                let above = lines[open - 1].trimmingCharacters(in: .whitespaces)
                if above.hasPrefix(notRunMarker) && above.hasSuffix("-->") {
                    notRun = String(above.dropFirst(notRunMarker.count).dropLast(3)).trimmingCharacters(in: .whitespaces)
                }
            }
            var commands: [DocCommand] = []
            var k = first
            while k < close {
                var text = String(unindented(lines[k], by: fence.indent).dropFirst(prompt.count))
                let start = k
                while text.hasSuffix("\\") && k + 1 < close {
                    k += 1
                    text += "\n" + unindented(lines[k], by: fence.indent)
                }
                k += 1
                let outputStart = k
                while k < close && !unindented(lines[k], by: fence.indent).hasPrefix(prompt) { k += 1 }
                commands.append(DocCommand(text: text, expected: lines[outputStart..<k].map { unindented($0, by: fence.indent) },
                                           line: start + 1, outputLines: outputStart..<k, indent: fence.indent))
            }
            examples.append(DocExample(line: open + 1, commands: commands, notRun: notRun))
        }
        return examples
    }

    /// The lines (1-based) of fences that open a block no fence closes.
    static func unclosedFences(_ markdown: String) -> [Int] {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var unclosed: [Int] = []
        var n = 0
        while n < lines.count {
            guard let fence = fenceOpening(lines[n]) else { n += 1; continue }
            var close = n + 1
            while close < lines.count && !isFenceClosing(lines[close], like: fence) { close += 1 }
            if close == lines.count { unclosed.append(n + 1) }
            n = close + 1
        }
        return unclosed
    }

    struct Fence { var indent: Int; var ticks: Int }

    static func fenceOpening(_ line: String) -> Fence? {
        let indent = line.prefix { $0 == " " }.count
        let ticks = line.dropFirst(indent).prefix { $0 == "`" }.count
        return indent <= 3 && ticks >= 3 ? Fence(indent: indent, ticks: ticks) : nil
    }

    static func isFenceClosing(_ line: String, like fence: Fence) -> Bool {
        let rest = line.drop { $0 == " " }
        let ticks = rest.prefix { $0 == "`" }.count
        return ticks >= fence.ticks && rest.dropFirst(ticks).allSatisfy { $0 == " " }
    }

    /// `line` without the fence's indentation (a code block inside a list item is indented with it).
    static func unindented(_ line: String, by indent: Int) -> String {
        String(line.dropFirst(min(indent, line.prefix { $0 == " " }.count)))
    }

    // MARK: - Comparing

    /// A line of training progress (`epoch 2 · step 791/1564 · loss 0.2558 · 34973 target tokens/s · ETA 20s`).
    /// How many there are and where they fall depends on the clock (one every 10 s when stderr is not a terminal),
    /// so they are left out of both sides before comparing.
    static func isProgress(_ line: String) -> Bool {
        line.wholeMatch(of: /epoch \d+ · step \d+\/\d+ · .*/) != nil
    }

    /// The output as a document shows it: stdout and stderr as printed (one stream), then `(exit N)` if the
    /// command failed, or `(signal N)` if it was killed.
    static func shown(_ result: CommandResult) -> [String] {
        var shown = lines(of: result.stdout).map(String.init)
        if result.terminatedBySignal {
            shown.append("(signal \(result.exitCode))")
        } else if result.exitCode != 0 {
            shown.append("(exit \(result.exitCode))")
        }
        return shown
    }

    /// Whether `actual` is what `pattern` shows: line for line, where `…` in a line matches any text and a line of
    /// `…` alone any number of lines; progress lines are left out of both.
    static func matches(_ pattern: [String], _ actual: [String]) -> Bool {
        let p = pattern.filter { !isProgress($0) }, a = actual.filter { !isProgress($0) }
        // reachable[j]: the first i patterns can match the first j actual lines.
        var reachable = [Bool](repeating: false, count: a.count + 1)
        reachable[0] = true
        for line in p {
            var next = [Bool](repeating: false, count: a.count + 1)
            if line == ellipsis {
                var any = false
                for j in 0...a.count {
                    any = any || reachable[j]
                    next[j] = any
                }
            } else {
                for j in 0..<a.count where reachable[j] && lineMatches(line, a[j]) { next[j + 1] = true }
            }
            reachable = next
        }
        return reachable[a.count]
    }

    /// Whether one line of output is what one shown line says, `…` matching any text (possibly none).
    static func lineMatches(_ pattern: String, _ actual: String) -> Bool {
        let parts = pattern.components(separatedBy: ellipsis)
        guard parts.count > 1 else { return pattern == actual }
        guard actual.hasPrefix(parts[0]) else { return false }
        var rest = actual.dropFirst(parts[0].count)
        for part in parts.dropFirst().dropLast() {
            guard let found = rest.range(of: part) else { return false }
            rest = rest[found.upperBound...]
        }
        return rest.count >= parts.last!.count && rest.hasSuffix(parts.last!)
    }

    // MARK: - Regenerating

    /// The output to show instead of `pattern` now that the command printed `actual`: `pattern` itself when it
    /// still matches; otherwise `actual` without progress lines, keeping each shown line with a `…` that still
    /// matches its line, and each line of `…` alone that still stands for the lines up to the next kept one.
    static func regenerated(_ pattern: [String], _ actual: [String]) -> [String] {
        if matches(pattern, actual) { return pattern }
        let p = pattern.filter { !isProgress($0) }, a = actual.filter { !isProgress($0) }
        var out: [String] = []
        var i = 0, j = 0
        while j < a.count {
            if i < p.count && p[i] == ellipsis {
                // Skip to the first actual line the pattern's next line matches; no such line: drop the `…`.
                let after = i + 1
                if after < p.count, p[after] != ellipsis, let k = (j..<a.count).first(where: { lineMatches(p[after], a[$0]) }), k > j {
                    out.append(ellipsis)
                    j = k
                }
                i = after
            } else if i < p.count && lineMatches(p[i], a[j]) {
                out.append(p[i])
                i += 1
                j += 1
            } else {
                out.append(a[j])
                // A shown line that matches nothing further on is gone from the output.
                if i < p.count && !(j + 1..<a.count).contains(where: { lineMatches(p[i], a[$0]) }) { i += 1 }
                j += 1
            }
        }
        return out
    }

    /// `markdown` with the output of each command replaced: `outputs[command.line]`, for the commands it names.
    static func rewriting(_ markdown: String, outputs: [Int: [String]]) -> String {
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let commands = parse(markdown).flatMap(\.commands).filter { outputs[$0.line] != nil }
        // From the bottom up, so that the line numbers above stay right.
        for command in commands.sorted(by: { $0.line > $1.line }) {
            let indent = String(repeating: " ", count: command.indent)
            lines.replaceSubrange(command.outputLines, with: outputs[command.line]!.map { $0.isEmpty ? $0 : indent + $0 })
        }
        return lines.joined(separator: "\n")
    }
}
