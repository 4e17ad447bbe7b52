// HelpTests.swift — `seq2seq --help` lists every subcommand and the exit codes; every subcommand's --help is
// argument-parser's OVERVIEW / USAGE / OPTIONS on stdout with exit 0. Run through the built binary.

import Testing

let subcommandNames = ["train", "translate", "attention", "score", "eval", "average", "corpus"]

@Suite struct HelpTests {
    @Test(arguments: [["--help"], ["-h"], ["help"]])
    func topLevelHelpListsSubcommandsAndExitCodes(arguments: [String]) throws {
        let result = try runSeq2Seq(arguments)
        expectSuccess(result)
        #expect(result.stderr.isEmpty)
        let help = result.stdout
        #expect(help.hasPrefix("OVERVIEW: "))
        #expect(help.contains("\nUSAGE: seq2seq <subcommand>"))
        #expect(help.contains("\nSUBCOMMANDS:\n"))
        for name in subcommandNames {
            #expect(help.contains("\n  \(name) "), "\(name) is not listed")
        }
        #expect(help.contains("\n  --version "), "--version is not listed")
        #expect(help.contains("\nEXIT CODES:\n"))
        for code in ["0", "1", "64", "65", "66", "73"] {
            #expect(help.contains("\n  \(code) "), "exit code \(code) is not documented")
        }
    }

    @Test(arguments: subcommandNames)
    func subcommandHelp(name: String) throws {
        for arguments in [[name, "--help"], [name, "-h"], ["help", name]] {
            let result = try runSeq2Seq(arguments)
            expectSuccess(result)
            #expect(result.stderr.isEmpty)
            let help = result.stdout
            #expect(help.hasPrefix("OVERVIEW: "), "\(arguments)")
            #expect(help.contains("\nUSAGE: seq2seq \(name)"), "\(arguments)")
            #expect(help.contains("\nOPTIONS:\n"), "\(arguments)")
            #expect(help.contains("\n  -h, --help "), "\(arguments)")
            #expect(help.hasSuffix("\n"))
        }
    }

    @Test func versionIsOneLineOnStdout() throws {
        let result = try runSeq2Seq(["--version"])
        expectSuccess(result)
        #expect(result.stderr.isEmpty)
        let line = try #require(lines(of: result.stdout).first.map(String.init))
        #expect(lines(of: result.stdout).count == 1 && result.stdout.hasSuffix("\n"), "stdout: \(result.stdout)")
        // "seq2seq MAJOR.MINOR.PATCH"
        let parts = line.split(separator: " ")
        #expect(parts.count == 2 && parts[0] == "seq2seq", "stdout: \(result.stdout)")
        let numbers = parts.last?.split(separator: ".", omittingEmptySubsequences: false) ?? []
        #expect(numbers.count == 3 && numbers.allSatisfy { Int($0) != nil }, "stdout: \(result.stdout)")
    }

    @Test func helpWinsOverMistakesOnTheSameLine() throws {
        let result = try runSeq2Seq(["corpus", "--no-such-option", "--help"])
        expectSuccess(result)
        #expect(result.stdout.hasPrefix("OVERVIEW: "))
        #expect(result.stderr.isEmpty)
    }

    @Test func corpusHelpShowsItsTaskArgumentAndDefaults() throws {
        let help = try runSeq2Seq(["corpus", "--help"]).stdout
        #expect(help.contains("\nARGUMENTS:\n  <task> "))
        #expect(help.contains("seq2seq corpus split --input <file.tsv> --output <dir>"))
        #expect(help.contains("--train-size <n>"))
        #expect(help.contains("(default: 50000)"))
    }
}
