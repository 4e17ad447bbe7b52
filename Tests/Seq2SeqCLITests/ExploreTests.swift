// ExploreTests.swift — `seq2seq explore` through the built binary: the page's embedded data is what `attention
// --format json`, `inspect --format json`, `translate --n-best` and `inspect --top` print for the same input (to the
// page's stated precision); the page is well-formed and names nothing outside itself; a page holds at most 50
// sentences; bad input is one line on stderr; 20 English→French sentences make a page under 5 MB.

import Foundation
import Seq2SeqCore
import Testing

@Suite struct ExploreTests {
    static let inputs = ["a c e b d", "", "b", "c c a d"]
    static var stdin: Data { Data((inputs.joined(separator: "\n") + "\n").utf8) }
    /// The page's numbers are rounded to 4 significant digits: off by at most half a unit of the 4th digit.
    static func close(_ page: Double, _ exact: Double) -> Bool { abs(page - exact) <= 5.001e-4 * abs(exact) + 1e-12 }

    /// Writes the page for `stdin` with `options` and returns its file's text and its parsed data block.
    static func explore(_ checkpoint: String, _ options: [String], stdin: Data, in folder: URL) throws -> (html: String, data: [String: Any]) {
        let page = folder.appendingPathComponent("page-\(UUID().uuidString).html").path
        let result = try runSeq2Seq(["explore", "--checkpoint", checkpoint, "--output", page] + options, stdin: stdin)
        expectSuccess(result)
        #expect(result.stdout.isEmpty)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        return (html, try data(of: html))
    }

    /// The object in the page's one `<script type="application/json">` block.
    static func data(of html: String) throws -> [String: Any] {
        let blocks = html.matches(of: #/<script type="application\/json" id="explorer-data">(.*?)</script>/#.dotMatchesNewlines())
        #expect(blocks.count == 1)
        let json = try #require(blocks.first.map { String($0.output.1) })
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    static func numbers(_ value: Any?) -> [Double] { (value as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan } }
    static func matrix(_ value: Any?) -> [[Double]] { (value as? [Any] ?? []).map(numbers) }

    static func expectClose(_ page: [[Double]], _ exact: [[Double]], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(page.map(\.count) == exact.map(\.count), "\(what): shapes differ", sourceLocation: sourceLocation)
        for (i, (a, b)) in zip(page, exact).enumerated() {
            for (j, (x, y)) in zip(a, b).enumerated() where !close(x, y) {
                Issue.record("\(what)[\(i)][\(j)]: the page has \(x), the command \(y)", sourceLocation: sourceLocation)
                return
            }
        }
    }

    // MARK: - One data model

    @Test(arguments: [[String](), ["--beam", "3"]])
    func pageDataIsWhatAttentionAndInspectPrint(options: [String]) throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let page = try Self.explore(checkpoint, options, stdin: Self.stdin, in: folder)
            let sentences = try #require(page.data["sentences"] as? [[String: Any]])
            #expect(sentences.map { $0["source"] as? String } == Self.inputs.filter { !$0.isEmpty })      // empty lines skipped

            let attention = try runSeq2Seq(["attention", "--checkpoint", checkpoint, "--format", "json"] + options, stdin: Self.stdin)
            let inspect = try runSeq2Seq(["inspect", "--checkpoint", checkpoint, "--format", "json"], stdin: Self.stdin)
            expectSuccess(attention)
            expectSuccess(inspect)
            func objects(_ text: String) throws -> [[String: Any]] {
                try text.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
                    .filter { ($0["source_tokens"] as? [String])?.isEmpty == false }
            }
            let matrices = try objects(attention.stdout), traces = try objects(inspect.stdout)
            #expect(matrices.count == sentences.count && traces.count == sentences.count)
            for (n, sentence) in sentences.enumerated() where n < matrices.count && n < traces.count {
                // The chosen hypothesis: attention's tokens exactly, its weights to the stated precision.
                let chosen = try #require((sentence["hypotheses"] as? [[String: Any]])?.first)
                #expect(chosen["source_tokens"] as? [String] == matrices[n]["source_tokens"] as? [String])
                #expect(chosen["target_tokens"] as? [String] == matrices[n]["target_tokens"] as? [String])
                Self.expectClose(Self.matrix(chosen["attention"]), Self.matrix(matrices[n]["attention"]), "sentence \(n) attention")
                // Every layer, step and quantity of inspect.
                let inspection = try #require(sentence["inspection"] as? [String: Any])
                #expect(inspection["target_tokens"] as? [String] == traces[n]["target_tokens"] as? [String])
                let pageLayers = try #require(inspection["layers"] as? [[String: Any]])
                let layers = try #require(traces[n]["layers"] as? [[String: Any]])
                #expect(pageLayers.count == layers.count && layers.count == 6)         // 2 encoder layers × 2 directions, 2 decoder layers
                for (a, b) in zip(pageLayers, layers) {
                    for key in ["module", "direction"] { #expect(a[key] as? String == b[key] as? String) }
                    #expect(a["layer"] as? Int == b["layer"] as? Int)
                    let (pageSteps, steps) = (a["steps"] as? [[String: Any]] ?? [], b["steps"] as? [[String: Any]] ?? [])
                    #expect(pageSteps.map { $0["token"] as? String } == steps.map { $0["token"] as? String })
                    for quantity in LSTMQuantity.allCases.map(\.rawValue) {
                        Self.expectClose(pageSteps.map { Self.numbers($0[quantity]) }, steps.map { Self.numbers($0[quantity]) },
                                         "sentence \(n) \(b["module"] ?? "") \(b["layer"] ?? "") \(b["direction"] ?? "") \(quantity)")
                    }
                }
            }
        }
    }

    @Test func nBestIsWhatTranslatePrints() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let options = ["--beam", "4", "--n-best", "3"]
            let page = try Self.explore(checkpoint, options, stdin: Self.stdin, in: folder)
            let translate = try runSeq2Seq(["translate", "--checkpoint", checkpoint] + options, stdin: Self.stdin)
            expectSuccess(translate)
            let lines = translate.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            // Three lines a non-empty input line: score<TAB>translation, best first (the empty line's three are empty).
            let listed = stride(from: 0, to: 12, by: 3).map { Array(lines[$0 ..< $0 + 3]) }.filter { !$0[0].isEmpty }
            let sentences = try #require(page.data["sentences"] as? [[String: Any]])
            #expect(sentences.count == listed.count)
            for (sentence, list) in zip(sentences, listed) {
                let hypotheses = try #require(sentence["hypotheses"] as? [[String: Any]])
                #expect(hypotheses.count == list.filter { !$0.isEmpty }.count)
                for (hypothesis, line) in zip(hypotheses, list) {
                    let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                    #expect(hypothesis["text"] as? String == fields.dropFirst().joined(separator: "\t"))
                    let score = try #require((hypothesis["score"] as? NSNumber)?.doubleValue)
                    let printed = try #require(Double(fields[0]))
                    #expect(abs(score - printed) <= 5.001e-4 * abs(printed) + 5e-7, "\(score) vs \(line)")
                }
                // The beam tree holds each hypothesis's path, ending on a finished or live node.
                let beam = try #require(sentence["beam"] as? [String: Any])
                let paths = try #require(beam["paths"] as? [Any])
                #expect(paths.count == hypotheses.count && paths.allSatisfy { $0 is [Int] })
            }
        }
    }

    @Test func rankingIsWhatInspectTopPrints() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let page = try Self.explore(checkpoint, [], stdin: Self.stdin, in: folder)
            let rankings = try #require(page.data["rankings"] as? [[String: Any]])
            let features = rankings.compactMap { $0["feature"] as? String }
            #expect(features.first == "position" && features.contains { $0.hasPrefix("count:") } && features.contains { $0.hasPrefix("remaining:") })
            // Every feature for c, and every quantity for the first count feature.
            let firstCount = try #require(features.first { $0.hasPrefix("count:") })
            let checked = rankings.filter { $0["quantity"] as? String == "c" || $0["feature"] as? String == firstCount }
            #expect(checked.count >= 8)
            for ranking in checked {
                let (feature, quantity) = (ranking["feature"] as? String ?? "", ranking["quantity"] as? String ?? "")
                let top = try runSeq2Seq(["inspect", "--checkpoint", checkpoint, "--top", "10", "--feature", feature, "--quantity", quantity],
                                         stdin: Self.stdin)
                let units = ranking["units"] as? [[String: Any]] ?? []
                guard top.exitCode == 0 else {
                    // No unit can follow a feature that never changes: the page lists none either.
                    #expect(units.isEmpty && top.stderr.contains("never changes"), "\(feature) \(quantity): \(top.stderr)")
                    continue
                }
                // "   1  encoder layer 1 backward     2  -0.9123     20"
                let rows = top.stdout.split(separator: "\n").filter { $0.first == " " }.map { $0.split(separator: " ").map(String.init) }
                #expect(rows.count == units.count, "\(feature) \(quantity)")
                for (row, unit) in zip(rows, units) {
                    let layer = unit["module"] as? String == "encoder"
                        ? "encoder layer \(unit["layer"] ?? "") \(unit["direction"] ?? "")" : "decoder layer \(unit["layer"] ?? "")"
                    #expect(row[1 ..< row.count - 3].joined(separator: " ") == layer, "\(feature) \(quantity) \(row)")
                    #expect(Int(row[row.count - 3]) == unit["unit"] as? Int && Int(row[row.count - 1]) == unit["steps"] as? Int)
                    let r = try #require((unit["r"] as? NSNumber)?.doubleValue), printed = try #require(Double(row[row.count - 2]))
                    #expect(abs(r - printed) <= 5.001e-4 * abs(printed) + 5e-5, "\(feature) \(quantity): \(r) vs \(printed)")
                }
            }
        }
    }

    // MARK: - A page that stands alone

    /// The elements the page writes itself (outside its scripts and style), each closed in order; void elements
    /// (meta, input, br) stand alone.
    static func unbalancedTags(_ html: String) -> [String] {
        var text = html
        for element in ["script", "style"] {
            text = text.replacing(try! Regex("<\(element)([^>]*)>.*?</\(element)>").dotMatchesNewlines(), with: "<\(element)></\(element)>")
        }
        var open: [String] = [], problems: [String] = []
        for tag in text.matches(of: #/<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>/#) {
            let name = tag.output.2.lowercased()
            if ["meta", "input", "br", "!doctype"].contains(name) { continue }
            if tag.output.1.isEmpty {
                open.append(name)
            } else if open.last == name {
                open.removeLast()
            } else {
                problems.append("</\(name)> closes <\(open.last ?? "nothing")>")
            }
        }
        return problems + open.map { "<\($0)> is never closed" }
    }

    @Test func pageIsWellFormedAndNamesNothingOutsideItself() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            // A line that tries to end the data block and to reach the network.
            let hostile = Data("a </script> https://x.y // c\n".utf8)
            for stdin in [Self.stdin, hostile, Data()] {
                let page = try Self.explore(checkpoint, ["--beam", "2"], stdin: stdin, in: folder)
                #expect(page.html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
                #expect(Self.unbalancedTags(page.html).isEmpty, "\(Self.unbalancedTags(page.html))")
                // The data block holds no "<" and no "//" (a line's own text may name a URL: inert data, escaped);
                // everything else names nothing outside the page.
                let block = try #require(page.html.firstMatch(of: #/id="explorer-data">(.*?)</script>/#.dotMatchesNewlines())?.output.1)
                #expect(!block.contains("<") && !block.contains("//"))
                let rest = page.html.replacingOccurrences(of: String(block), with: "")
                for outside in ["http:", "https:", "//", "@import", "url(", "src=", "<link", "<iframe", "<img", "<object", "<embed", "fetch(", "XMLHttpRequest"] {
                    #expect(!rest.contains(outside), "the page contains \(outside)")
                }
                #expect(rest.components(separatedBy: "<script").count == 3)      // the data block and the script
                #expect(page.data["format"] as? String == "seq2seq-explorer/1" && page.data["significant_digits"] as? Int == 4)
            }
            // The hostile line is data: its text survives whole.
            let page = try Self.explore(checkpoint, [], stdin: hostile, in: folder)
            let sentences = try #require(page.data["sentences"] as? [[String: Any]])
            #expect(sentences.first?["source"] as? String == "a </script> https://x.y // c")
            // No log beside the tiny checkpoint: no curves; the model's table is info's.
            let model = try #require(page.data["model"] as? [String: Any])
            let parameters = try Checkpoint.load(path: checkpoint).model.parameters.storage.count
            #expect(model["curves"] is NSNull && model["total"] as? Int == parameters)
        }
    }

    // MARK: - Limits and bad input

    @Test func aPageHoldsAtMostFiftySentences() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let page = folder.appendingPathComponent("page.html").path
            let fifty = Data(String(repeating: "a b\n", count: 50).utf8)
            let full = try runSeq2Seq(["explore", "--checkpoint", checkpoint, "--output", page], stdin: fifty)
            expectSuccess(full)
            #expect(full.stderr == "explore: wrote the page of 50 sentences to \(page)\n")
            #expect((try Self.data(of: String(contentsOfFile: page, encoding: .utf8))["sentences"] as? [Any])?.count == 50)
            // Blank lines do not count; the 51st sentence is refused, and no page is written.
            try FileManager.default.removeItem(atPath: page)
            let more = try runSeq2Seq(["explore", "--checkpoint", checkpoint, "--output", page],
                                      stdin: Data(("\n" + String(repeating: "a b\n", count: 51)).utf8))
            expectError(more, exitCode: 65, mentions: ["<stdin>:52:", "50 an explorer page holds"])
            #expect(!FileManager.default.fileExists(atPath: page))
        }
    }

    @Test func badInputIsOneLine() throws {
        try withTemporaryDirectory { folder in
            let checkpoint = try writeTinyCheckpoint(in: folder)
            let page = folder.appendingPathComponent("page.html").path
            let input = folder.appendingPathComponent("in.txt").path
            try "a b\n".write(toFile: input, atomically: true, encoding: .utf8)
            func explore(_ arguments: [String], stdin: Data = Data("a\n".utf8)) throws -> CommandResult {
                try runSeq2Seq(["explore"] + arguments, stdin: stdin)
            }
            expectError(try explore(["--checkpoint", checkpoint]), exitCode: 64, mentions: ["--output", "is required"])
            expectError(try explore(["--checkpoint", checkpoint, "--output", page, "--n-best", "3"]), exitCode: 64, mentions: ["--n-best", "beam width 1"])
            expectError(try explore(["--checkpoint", checkpoint, "--output", page, "--beam", "0"]), exitCode: 64, mentions: ["--beam"])
            expectError(try explore(["--checkpoint", checkpoint, "--input", input, "--output", input]), exitCode: 64, mentions: ["--output", "refusing to overwrite"])
            expectError(try explore(["--checkpoint", checkpoint, "--output", checkpoint]), exitCode: 64, mentions: ["--output", "refusing to overwrite"])
            expectError(try explore(["--checkpoint", folder.appendingPathComponent("none.safetensors").path, "--output", page]),
                        exitCode: 66, mentions: ["none.safetensors"])
            expectError(try explore(["--checkpoint", checkpoint, "--input", folder.appendingPathComponent("none.txt").path, "--output", page]),
                        exitCode: 66, mentions: ["none.txt"])
            expectError(try explore(["--checkpoint", checkpoint, "--output", folder.appendingPathComponent("no/such/folder/page.html").path]),
                        exitCode: 73, mentions: ["page.html"])
            #expect(!FileManager.default.fileExists(atPath: page))
            // A line that is not UTF-8 is refused on its own line; the page of the others is still written, exit 65.
            let mixed = try explore(["--checkpoint", checkpoint, "--output", page], stdin: Data([0x61, 0x0A, 0xFF, 0xFE, 0x0A, 0x62, 0x0A]))
            #expect(mixed.exitCode == 65 && mixed.stderr.contains("<stdin>:2: invalid UTF-8"), "\(mixed.stderr)")
            #expect((try Self.data(of: String(contentsOfFile: page, encoding: .utf8))["sentences"] as? [Any])?.count == 2)
        }
    }

    /// The issue's size budget: a page of 20 English→French test sentences, beam 5 and 3 best, under 5 MB.
    @Test func twentyEnglishFrenchSentencesMakeAPageUnderFiveMegabytes() throws {
        try withTemporaryDirectory { folder in
            let corpus = ShippedModelTests.path.replacingOccurrences(of: "Checkpoints/eng-fra.safetensors", with: "Corpora/eng-fra-tutorial/test.tsv")
            let lines = try String(contentsOfFile: corpus, encoding: .utf8).split(separator: "\n").prefix(20).map { $0.split(separator: "\t")[0] }
            let page = try Self.explore(ShippedModelTests.path, ["--beam", "5", "--n-best", "3"],
                                        stdin: Data((lines.joined(separator: "\n") + "\n").utf8), in: folder)
            #expect((page.data["sentences"] as? [Any])?.count == 20)
            #expect(page.html.utf8.count < 5_000_000, "\(page.html.utf8.count) bytes")
        }
    }
}
