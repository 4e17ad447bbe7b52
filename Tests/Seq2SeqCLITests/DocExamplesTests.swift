// DocExamplesTests.swift — every example of README.md and of the DocC catalog that shows a command and its output is
// run, and what it prints is compared with what the document shows; the pictures and corpora the examples write
// are compared with the repository's. SEQ2SEQ_REGENERATE_DOCS=1 rewrites the outputs and files instead. The
// convention is in Sources/Seq2SeqCore/Seq2SeqCore.docc/RunnableDocs.md.

import Foundation
import Testing

// MARK: - The harness on synthetic documents

@Suite struct DocExamplesHarnessTests {
    static let document = """
        # A document

        ```sh
        swift build
        ```

        ```
        $ echo one
        one
        $ printf 'a\\nb\\n' | wc -l \\
              | tr -d ' '
        2
        ```

        - In a list:

          ```
          $ seq2seq eval --checkpoint x
          Error: x: cannot read: no such file
          (exit 66)
          ```

        <!-- not run: it needs a GPU -->
        ```
        $ seq2seq train --gpu
        ```
        """

    @Test func examplesAreTheFencedBlocksThatStartWithAPrompt() {
        let examples = DocExamples.parse(Self.document)
        #expect(examples.count == 3)
        #expect(examples.map(\.line) == [7, 17, 24])
        #expect(examples[0].commands == [
            DocCommand(text: "echo one", expected: ["one"], line: 8, outputLines: 8..<9),
            DocCommand(text: "printf 'a\\nb\\n' | wc -l \\\n      | tr -d ' '", expected: ["2"], line: 10, outputLines: 11..<12),
        ])
        #expect(examples[1].commands.map(\.expected) == [["Error: x: cannot read: no such file", "(exit 66)"]])
        #expect(examples[1].commands[0].indent == 2)
        #expect(examples.map(\.notRun) == [nil, nil, "it needs a GPU"])
    }

    @Test func aWrongOutputDoesNotMatch() {
        #expect(DocExamples.matches(["5 26 9 15 14 3"], ["5 26 9 15 14 3"]))
        #expect(!DocExamples.matches(["5 26 9 15 14 3"], ["5 26 9 15 3 14"]))
        #expect(!DocExamples.matches(["a", "b"], ["a", "b", "c"]))
        #expect(!DocExamples.matches(["a", "b", "c"], ["a", "b"]))
        #expect(!DocExamples.matches(["a "], ["a"]))
        #expect(!DocExamples.matches([], ["(exit 66)"]))
    }

    @Test func anEllipsisStandsForAnyTextOrAnyLines() {
        #expect(DocExamples.matches(["after … of training"], ["after 1s of training"]))
        #expect(DocExamples.matches(["after … of training"], ["after  of training"]))
        #expect(!DocExamples.matches(["after … of training"], ["after 1s of testing"]))
        #expect(DocExamples.matches(["…s/…s"], ["s/s"]))
        #expect(!DocExamples.matches(["ab…ba"], ["aba"]))
        #expect(DocExamples.matches(["first", "…", "last"], ["first", "last"]))
        #expect(DocExamples.matches(["first", "…", "last"], ["first", "x", "y", "last"]))
        #expect(!DocExamples.matches(["first", "…", "last"], ["first", "x", "y"]))
        #expect(DocExamples.matches(["…"], []))
    }

    @Test func progressLinesAreLeftOutOfBothSides() {
        let progress = "epoch 2 · step 791/1564 · loss 0.2558 · 34973 target tokens/s · ETA 20s"
        #expect(DocExamples.isProgress(progress))
        #expect(!DocExamples.isProgress("step 800: dev BLEU 86.85, exact match 67.4%"))
        #expect(DocExamples.matches(["a", progress, "b"], ["a", "b"]))
        #expect(DocExamples.matches(["a", "b"], ["a", progress, progress, "b"]))
    }

    @Test func aFailedCommandShowsItsExitCode() {
        let failed = CommandResult(stdoutData: Data("Error: x\n".utf8), stderrData: Data(), exitCode: 66,
                                   terminatedBySignal: false, timedOut: false)
        #expect(DocExamples.shown(failed) == ["Error: x", "(exit 66)"])
        let succeeded = CommandResult(stdoutData: Data("a\n\nb".utf8), stderrData: Data(), exitCode: 0,
                                      terminatedBySignal: false, timedOut: false)
        #expect(DocExamples.shown(succeeded) == ["a", "", "b"])
    }

    @Test func regeneratingKeepsTheMasksThatStillMatch() {
        #expect(DocExamples.regenerated(["a", "…", "z"], ["a", "b", "z"]) == ["a", "…", "z"])
        #expect(DocExamples.regenerated(["took … s", "1"], ["took 3 s", "2"]) == ["took … s", "2"])
        #expect(DocExamples.regenerated(["a", "…", "y", "z"], ["a", "b", "c", "y", "q"]) == ["a", "…", "y", "q"])
        #expect(DocExamples.regenerated(["old"], ["new", "lines"]) == ["new", "lines"])
        #expect(DocExamples.regenerated(["a", "gone", "b"], ["a", "b"]) == ["a", "b"])
    }

    /// A block that no fence closes is not an example (rewriting it would eat the rest of the document), and the
    /// documents' test reports it.
    @Test func anUnclosedBlockIsNoExample() {
        let unclosed = "# Doc\n\n```\n$ echo a\na\n\n## More prose\n"
        #expect(DocExamples.parse(unclosed).isEmpty)
        #expect(DocExamples.unclosedFences(unclosed) == [3])
        #expect(DocExamples.unclosedFences(Self.document).isEmpty)
        #expect(DocExamples.rewriting(unclosed, outputs: [4: ["b"]]) == unclosed)
    }

    @Test func rewritingReplacesOnlyTheOutputs() {
        let examples = DocExamples.parse(Self.document)
        let rewritten = DocExamples.rewriting(Self.document, outputs: [10: ["3", "4"], 18: ["Error: y", "(exit 65)"]])
        let again = DocExamples.parse(rewritten)
        #expect(again.map { $0.commands.map(\.text) } == examples.map { $0.commands.map(\.text) })
        #expect(again[0].commands.map(\.expected) == [["one"], ["3", "4"]])
        #expect(again[1].commands.map(\.expected) == [["Error: y", "(exit 65)"]])
        #expect(rewritten.contains("\n  Error: y\n  (exit 65)\n  ```\n"))
        #expect(DocExamples.rewriting(Self.document, outputs: [:]) == Self.document)
    }

    /// What the check does with a document: an example appended with a wrong output is a failure.
    @Test func anAppendedExampleWithAWrongOutputFails() throws {
        let appended = Self.document + "\n\n```\n$ echo 3 14 15\n3 14 16\n```\n"
        let example = try #require(DocExamples.parse(appended).last)
        let result = try runProgram(URL(fileURLWithPath: "/bin/bash"), ["-c", "exec 2>&1\n" + example.commands[0].text])
        #expect(!DocExamples.matches(example.commands[0].expected, DocExamples.shown(result)))
        #expect(DocExamples.matches(["3 14 15"], DocExamples.shown(result)))
    }
}

// MARK: - The documents

/// Where the package is: three folders up from this file.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Everything that checks or regenerates the documents.
enum Docs {
    static let catalog = "Sources/Seq2SeqCore/Seq2SeqCore.docc"
    static let landingPage = catalog + "/Seq2SeqCore.md"
    /// Folders that a sandbox starts with copies of, and whose files the examples may write (pictures, corpora):
    /// every such file must then equal the repository's.
    static let sharedFolders = ["Corpora", "Checkpoints"]
    static var regenerating: Bool { ProcessInfo.processInfo.environment["SEQ2SEQ_REGENERATE_DOCS"] == "1" }

    /// The documents in the order a reader follows them: the README, the catalog's landing page, then its articles
    /// in the order the landing page links them.
    static func documents() throws -> [String] {
        let landing = try String(contentsOf: packageRoot.appendingPathComponent(landingPage), encoding: .utf8)
        let linked = landing.matches(of: /\]\(([A-Za-z0-9-]+\.md)\)/).map { catalog + "/" + String($0.1) }
        var seen: Set<String> = []
        return ["README.md", landingPage] + linked.filter { seen.insert($0).inserted }
    }

    /// The release build of `seq2seq` (the documents time and train as a user does: the debug build is tens of
    /// times slower). Built once per test process, into its own scratch folder: `swift test` holds `.build`.
    static let releaseBinary: Result<URL, BuildFailure> = {
        let scratch = packageRoot.appendingPathComponent(".build/doc-examples")
        let swift = ["swift", "build", "-c", "release", "--product", "seq2seq", "--package-path", packageRoot.path,
                     "--scratch-path", scratch.path]
        do {
            let build = try runProgram(URL(fileURLWithPath: "/usr/bin/env"), swift, timeout: 3600)
            guard build.exitCode == 0, !build.timedOut else {
                return .failure(BuildFailure(message: "`\(swift.joined(separator: " "))` failed:\n\(build.stdout)\(build.stderr)"))
            }
            let binPath = try runProgram(URL(fileURLWithPath: "/usr/bin/env"), swift + ["--show-bin-path"], timeout: 600)
            let folder = binPath.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return .success(URL(fileURLWithPath: folder).appendingPathComponent("seq2seq"))
        } catch {
            return .failure(BuildFailure(message: "cannot run `swift build`: \(error)"))
        }
    }()

    struct BuildFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Runs one command with bash in `sandbox`, the release build's folder first on PATH, stderr into stdout.
    static func run(_ command: DocCommand, in sandbox: URL, binary: URL) throws -> CommandResult {
        let path = binary.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        return try runProgram(URL(fileURLWithPath: "/usr/bin/env"), ["PATH=\(path)", "/bin/bash", "-c", "exec 2>&1\n" + command.text],
                              timeout: 3600, currentDirectory: sandbox)
    }

    /// Every regular file under `folder`, as paths relative to it.
    static func files(under folder: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        let base = folder.standardizedFileURL.path + "/"
        return walker.compactMap { item -> String? in
            guard let url = item as? URL, (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { return nil }
            return url.standardizedFileURL.path.replacingOccurrences(of: base, with: "")
        }.sorted()
    }

    /// A location in a document, so that a failure points at the example.
    static func location(_ document: String, line: Int) -> SourceLocation {
        SourceLocation(fileID: "Docs/" + (document as NSString).lastPathComponent,
                       filePath: packageRoot.appendingPathComponent(document).path, line: line, column: 1)
    }

    /// The expected and printed lines side by side, marking the first that differ.
    static func difference(_ expected: [String], _ actual: [String]) -> String {
        let e = expected.filter { !DocExamples.isProgress($0) }, a = actual.filter { !DocExamples.isProgress($0) }
        let first = (0..<min(e.count, a.count)).first { !DocExamples.lineMatches(e[$0], a[$0]) } ?? min(e.count, a.count)
        return "the document shows:\n" + e.joined(separator: "\n") + "\nthe command printed:\n" + a.joined(separator: "\n")
            + "\nfirst difference at output line \(first + 1): shown «\(first < e.count ? e[first] : "(nothing)")», printed «\(first < a.count ? a[first] : "(nothing)")»"
    }
}

@Suite struct DocExamplesTests {
    /// The README's first command is the build, then the first example's commands on the release build; `.ci/run`
    /// runs the README's test command.
    @Test func theFirstCommandIsTheFirstExample() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = readme.matches(of: /```sh\n([^\n]*)\n```/).map { String($0.1) }
        try #require(blocks.count >= 2, "the README starts with two ```sh blocks: the first command and the tests")
        let release = "swift build -c release && "
        #expect(blocks[0].hasPrefix(release))
        let steps = blocks[0].dropFirst(release.count).replacingOccurrences(of: ".build/release/seq2seq", with: "seq2seq")
            .components(separatedBy: " && ")
        let first = try #require(DocExamples.parse(readme).first)
        #expect(first.commands.map(\.text) == steps)
        #expect(blocks[1] == "swift test")
        let ci = try String(contentsOf: packageRoot.appendingPathComponent(".ci/run"), encoding: .utf8)
        #expect(ci.split(separator: "\n").contains { $0 == blocks[1] }, ".ci/run must run `\(blocks[1])`")
    }

    /// Every article of the catalog is linked from the landing page (that is the order its examples run in), every
    /// code block is closed, and every example that is not run says why.
    @Test func everyArticleIsLinkedAndEverySkipIsExplained() throws {
        let catalog = packageRoot.appendingPathComponent(Docs.catalog)
        let articles = try FileManager.default.contentsOfDirectory(atPath: catalog.path).filter { $0.hasSuffix(".md") }
        let documents = try Docs.documents()
        for article in articles {
            #expect(documents.contains(Docs.catalog + "/" + article), "\(article) is not linked from Seq2SeqCore.md")
        }
        for document in documents {
            let text = try String(contentsOf: packageRoot.appendingPathComponent(document), encoding: .utf8)
            #expect(DocExamples.unclosedFences(text).isEmpty, "\(document): a code block is never closed, from line \(DocExamples.unclosedFences(text))")
            for example in DocExamples.parse(text) where example.notRun != nil {
                #expect(example.notRun?.isEmpty == false, "an example not run must say why",
                        sourceLocation: Docs.location(document, line: example.line))
            }
        }
    }

    /// Runs the documents' examples in one sandbox, in reading order, with the release build; compares every output
    /// and then every file written under Corpora/ and Checkpoints/. With SEQ2SEQ_REGENERATE_DOCS=1, writes what was
    /// printed into the documents and the files into the repository instead.
    @Test func everyExampleRunsAsShown() throws {
        let binary = try Docs.releaseBinary.get()
        try withTemporaryDirectory { sandbox in
            for folder in Docs.sharedFolders {
                try FileManager.default.copyItem(at: packageRoot.appendingPathComponent(folder),
                                                 to: sandbox.appendingPathComponent(folder))
            }
            for document in try Docs.documents() {
                let url = packageRoot.appendingPathComponent(document)
                let text = try String(contentsOf: url, encoding: .utf8)
                var outputs: [Int: [String]] = [:]
                for example in DocExamples.parse(text) where example.notRun == nil {
                    for command in example.commands {
                        let result = try Docs.run(command, in: sandbox, binary: binary)
                        let location = Docs.location(document, line: command.line)
                        #expect(!result.timedOut, "timed out: \(command.text)", sourceLocation: location)
                        let shown = DocExamples.shown(result)
                        if Docs.regenerating {
                            let new = DocExamples.regenerated(command.expected, shown)
                            if new != command.expected { outputs[command.line] = new }
                        } else {
                            #expect(DocExamples.matches(command.expected, shown),
                                    "\(document):\(command.line): $ \(command.text)\n\(Docs.difference(command.expected, shown))",
                                    sourceLocation: location)
                        }
                    }
                }
                if !outputs.isEmpty {
                    try DocExamples.rewriting(text, outputs: outputs).write(to: url, atomically: true, encoding: .utf8)
                    print("regenerated \(outputs.count) outputs in \(document) (lines \(outputs.keys.sorted()))")
                }
            }
            for folder in Docs.sharedFolders {
                for file in Docs.files(under: sandbox.appendingPathComponent(folder)) {
                    let written = sandbox.appendingPathComponent(folder).appendingPathComponent(file)
                    let kept = packageRoot.appendingPathComponent(folder).appendingPathComponent(file)
                    let same = FileManager.default.contentsEqual(atPath: written.path, andPath: kept.path)
                    if Docs.regenerating, !same {
                        if FileManager.default.fileExists(atPath: kept.path) { try FileManager.default.removeItem(at: kept) }
                        try FileManager.default.copyItem(at: written, to: kept)
                        print("regenerated \(folder)/\(file)")
                    } else {
                        #expect(same, "\(folder)/\(file) is not what the documents' examples write; regenerate it with SEQ2SEQ_REGENERATE_DOCS=1 swift test --filter DocExamples")
                    }
                }
            }
        }
    }
}
