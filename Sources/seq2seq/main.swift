// main.swift — the `seq2seq` command: argv[1] picks the subcommand from one table, the rest is parsed against
// that subcommand's CommandInfo, and every error becomes one line "Error: …" on stderr with the exit code of
// Output.swift (`Seq2SeqError.exitCode`).

import Foundation
import Seq2SeqCore

@MainActor func subcommand(named name: String) -> (info: CommandInfo, run: (Arguments) throws -> Void) {
    guard let entry = subcommands.first(where: { $0.info.name == name }) else {
        let names = subcommands.map(\.info.name)
        let list = names.joined(separator: ", ")
        if name.hasPrefix("-") {
            let guess = Arguments.nearest(to: name, among: ["--help", "--version"]).map { "did you mean '\($0)'? " } ?? ""
            Output.fail("\(name): unknown option for 'seq2seq'; \(guess)the subcommand comes first (\(list))", code: .usage)
        }
        guard let guess = Arguments.nearest(to: name, among: names) else {
            Output.fail("unknown subcommand '\(name)'; the subcommands are \(list)", code: .usage)
        }
        Output.fail("unknown subcommand '\(name)'; did you mean '\(guess)'? (the subcommands are \(list))", code: .usage)
    }
    return entry
}

InputFile.protectStandardDescriptors()
let argv = Array(CommandLine.arguments.dropFirst())
guard let first = argv.first else {
    Output.fail("no subcommand given; usage: \(Help.topLevelUsage) (see 'seq2seq --help')", code: .usage)
}
switch first {
case "-h", "--help":
    Output.raw(Help.topLevel(commands: subcommands.map(\.info)))
    Output.finish(.success)
case "--version":
    Output.line("seq2seq \(Help.version)")
    Output.finish(.success)
case "help":                                   // `seq2seq help` or `seq2seq help NAME`, as argument-parser has
    if argv.count > 1 {
        Output.raw(Help.text(for: subcommand(named: argv[1]).info))
    } else {
        Output.raw(Help.topLevel(commands: subcommands.map(\.info)))
    }
    Output.finish(.success)
default:
    let (info, run) = subcommand(named: first)
    do {
        let arguments = try Arguments(Array(argv.dropFirst()), for: info)
        if arguments.wantsHelp {
            Output.raw(Help.text(for: info))
        } else {
            try run(arguments)
        }
        Output.finish(.success)
    } catch let error as Seq2SeqError {
        Output.fail(error.description, code: error.exitCode)
    } catch let error as HintedError {
        Output.fail(error.description, code: error.error.exitCode)
    } catch {
        Output.fail(String(describing: error), code: .failure)
    }
}
