// SourceAuditTests.swift — what a grep over Sources/ must not find: `try!`, `as!`, `fatalError`, a force unwrap;
// and a trap (`precondition`, `preconditionFailure`, `assert`) only where it guards an invariant of the code itself —
// shapes that a validated configuration fixes, a command reading an option it did not declare — listed here with
// the reason, so that a trap added where input arrives (readers, checkpoints, the commands) fails this test.

import Foundation
import Testing

@Suite struct SourceAuditTests {
    /// The files that may trap, each with why no input can reach its traps.
    static let invariantTraps: [String: String] = [
        "Math/Matrix.swift": "views and copies within storage sized from a validated config",
        "Math/Linear.swift": "product and bias shapes fixed by the parameter table",
        "Math/Matmul.swift": "product and bias shapes fixed by the parameter table",
        "Math/PackedWeights.swift": "product and bias shapes fixed by the parameter table",
        "Math/Activations.swift": "a softmax over at least the </s> position of every sentence",
        "Math/PerThread.swift": "pthread_key_create, which fails only when the process has exhausted its keys",
        "Math/Random.swift": "bounds passed by the code's own shuffles",
        "Model/LSTM.swift": "[T·B, I] inputs the encoder and decoder build; a backward only over a training pass's cache",
        "Model/Attention.swift": "a backward only over a training pass's steps, which `decoderBackward` alone calls",
        "Model/Decoder.swift": "a backward only over the teacher-forced steps `decoderForward` made",
        "Model/Loss.swift": "one target per logits row, from the batch",
        "Model/Embedding.swift": "ids from Vocabulary.encode, within a vocabulary whose size the checkpoint's config matches",
        "Model/TiedEmbeddings.swift": "equal shapes when E = D, which tie_embeddings requires at validation",
        "Model/Parameters.swift": "storage made from the same table",
        "Seq2Seq.swift": "parameters made from the config's own table",
        "Training/Adam.swift": "moments made from the parameter table",
        "Data/Batch.swift": "batches cut from non-empty groups",
        "Data/ToyTasks.swift": "sizes from the corpus command's range-checked flags",
        "Inference/Inspection.swift": "one sentence traced at a time",
        "Inference/Greedy.swift": "one step limit per sentence, made beside the batch",
        "Inference/BeamSearch.swift": "one step limit per sentence, made beside the batch",
        "Evaluation/BLEU.swift": "references for every hypothesis, at least one each: zipped by the caller or grouped by ReferenceGroups",
        "Evaluation/ChrF.swift": "references for every hypothesis, at least one each: zipped by the caller or grouped by ReferenceGroups",
        "Pictures/Heatmaps.swift": "a heat map's labels made from its own matrix",
        "Pictures/Colour.swift": "the colour scales defined in the code",
        "seq2seq/Arguments.swift": "a command reading an option its CommandInfo does not declare (a bug in the command)",
    ]

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// Every Swift file under Sources/, by its path below Sources/Seq2SeqCore (or seq2seq/… for the command), with
    /// its comments and string literals blanked out so that only code is searched.
    static func code() throws -> [(file: String, lines: [String])] {
        let enumerator = try #require(FileManager.default.enumerator(atPath: sources.path))
        var files: [(String, [String])] = []
        for case let path as String in enumerator where path.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(path), encoding: .utf8)
            let name = path.hasPrefix("Seq2SeqCore/") ? String(path.dropFirst("Seq2SeqCore/".count)) : path
            files.append((name, text.split(separator: "\n", omittingEmptySubsequences: false).map { codeOnly(String($0)) }))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    /// The line without `//` comments and the contents of "…" literals (a multi-line literal's body passes as code,
    /// which only makes the search stricter).
    static func codeOnly(_ line: String) -> String {
        var out = "", inString = false, previous: Character = " "
        var characters = Array(line)[...]
        while let character = characters.popFirst() {
            if !inString && character == "/" && characters.first == "/" { break }
            if character == "\"" && previous != "\\" { inString.toggle(); out.append(character) }
            else if !inString { out.append(character) }
            previous = character
        }
        return out
    }

    @Test func noForcedTryCastUnwrapOrFatalError() throws {
        let forceUnwrap = try Regex(#"[A-Za-z0-9_\)\]]![.\)\],\[ ]|[A-Za-z0-9_\)\]]!$"#)
        var found: [String] = []
        for (file, lines) in try Self.code() {
            for (number, line) in lines.enumerated() {
                let where_ = "\(file):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))"
                if line.contains("try!") || line.contains("as!") || line.contains("fatalError(") || line.contains("unsafelyUnwrapped") {
                    found.append(where_)
                } else if line.replacingOccurrences(of: "!=", with: "").contains(forceUnwrap) {
                    found.append(where_)
                }
            }
        }
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
        #expect(try Self.code().count > 50, "Sources/ was not found from \(#filePath)")
    }

    @Test func trapsGuardOnlyTheCodesOwnInvariants() throws {
        var trapping = Set<String>()
        var unlisted: [String] = []
        for (file, lines) in try Self.code() {
            for (number, line) in lines.enumerated()
            where line.contains("precondition(") || line.contains("preconditionFailure(") || line.contains("assert(")
                || line.contains("assertionFailure(") {
                trapping.insert(file)
                if Self.invariantTraps[file] == nil { unlisted.append("\(file):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))") }
            }
        }
        #expect(unlisted.isEmpty, "traps where input arrives:\n\(unlisted.joined(separator: "\n"))")
        let stale = Set(Self.invariantTraps.keys).subtracting(trapping)
        #expect(stale.isEmpty, "listed but no longer trapping: \(stale.sorted())")
    }

    /// The library names problems, never the command line's flags: no `--name` and no `<name>` positional outside
    /// comments in Sources/Seq2SeqCore (the command maps each error a flag can fix to that flag and its hint).
    /// `<s>`, `<unk>`, `<pad>` are vocabulary tokens, `<stdin>` the name of standard input, the rest SVG and BLEU markup
    /// and the HTML elements of the explorer page.
    @Test func libraryNamesNoCommandLineFlag() throws {
        let flag = try Regex(#"--[a-z]"#)
        let placeholder = try Regex(#"<([a-z][a-z0-9-]*)>"#)
        let html: Set<Substring> = ["head", "style", "body", "header", "main", "script", "h1", "h3", "p", "b", "br", "code", "small",
                                    "label", "span", "div", "tr", "th", "td", "thead", "tbody"]
        let notPositionals = html.union(["s", "unk", "pad", "stdin", "title", "defs", "skipped"])
        var found: [String] = []
        for (file, lines) in try Self.library() {
            for (number, line) in lines.enumerated() {
                let names = line.matches(of: placeholder).compactMap { $0.output[1].substring }
                if line.contains(flag) || names.contains(where: { !notPositionals.contains($0) }) {
                    found.append("\(file):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(found.isEmpty, "the library names a flag:\n\(found.joined(separator: "\n"))")
        #expect(try Self.library().count > 50, "Sources/Seq2SeqCore was not found from \(#filePath)")
    }

    /// Every Swift file of Sources/Seq2SeqCore with its comments removed and its string literals kept: a `//`
    /// inside "…" is text, and the lines of a multi-line literal are kept whole.
    static func library() throws -> [(file: String, lines: [String])] {
        let folder = sources.appendingPathComponent("Seq2SeqCore")
        let enumerator = try #require(FileManager.default.enumerator(atPath: folder.path))
        var files: [(String, [String])] = []
        for case let path as String in enumerator where path.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
            var inMultiLineString = false
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                let quotes = line.components(separatedBy: "\"\"\"").count - 1
                defer { if quotes % 2 == 1 { inMultiLineString.toggle() } }
                return inMultiLineString ? String(line) : withoutComment(String(line))
            }
            files.append((path, lines))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    /// The line up to a `//` that is not inside a "…" literal.
    static func withoutComment(_ line: String) -> String {
        var out = "", inString = false, previous: Character = " "
        var characters = Array(line)[...]
        while let character = characters.popFirst() {
            if !inString && character == "/" && characters.first == "/" { break }
            if character == "\"" && previous != "\\" { inString.toggle() }
            out.append(character)
            previous = character
        }
        return out
    }
}
