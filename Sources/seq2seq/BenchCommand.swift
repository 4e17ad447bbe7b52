// BenchCommand.swift — `seq2seq bench`: timed training and translation on a fixed synthetic workload. Speed goals are
// checked here, never in unit tests (the machines are shared and noisy).

import Foundation
import Seq2SeqCore

enum BenchConfigName: String, CaseIterable {
    case reference, large
}

enum BenchCommand {
    static let info = CommandInfo(
        name: "bench",
        abstract: "Measure training and translation speed on a fixed, seeded, synthetic workload (no files needed).",
        usage: "seq2seq bench [--config reference|large] [--threads N] [--seconds S] [--json] [--verbose]",
        options: [
            OptionInfo(name: "--config", valueName: "reference|large", help: "reference: E64 H128 L2 D128 M1 A128, V 54, lengths 1–25; large: E256 H256 L2 D256 M2 A256, V 8000, lengths 10–30; batch 64. (default: reference)"),
            OptionInfo(name: "--threads", valueName: "n", help: "Threads sharing the work. (default: all cores)"),
            OptionInfo(name: "--seconds", valueName: "s", help: "Time spent training on length-bucketed batches (as `train` forms them); training on random-length batches and each translation measurement take half of it. (default: 10)"),
            OptionInfo(name: "--json", valueName: nil, help: "Print the result as one JSON object."),
            OptionInfo(name: "--verbose", valueName: nil, help: "Also print how the floating-point operations are counted and what the translation figures measure, and time the main products of a training step alone."),
        ],
        discussion: "Build with `swift build -c release` first: a debug build is many times slower.")

    static func run(_ arguments: Arguments) throws {
        let name: BenchConfigName = try arguments.choice("--config", default: .reference)
        let config: BenchmarkConfig = switch name {
        case .reference: .reference
        case .large: .large
        }
        let threads = try arguments.int("--threads", default: ProcessInfo.processInfo.activeProcessorCount, in: 1...256)
        WorkerPool.shared.setThreads(threads)
        let seconds = Double(try arguments.float("--seconds", default: 10, in: 0.1...3600))
        let result = Benchmark.run(config, threads: threads, seconds: seconds)
        if arguments.flag("--json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            Output.line(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        if arguments.flag("--verbose") { Output.line(FlopCount.formula + "\n" + Benchmark.translationWorkload + "\n") }
        Output.line("config \(result.config), \(result.threads) thread\(result.threads == 1 ? "" : "s")")
        Output.line(String(format: "training             %10.0f target tokens/s   (%d steps)", result.trainingTargetTokensPerSecond, result.trainingSteps))
        Output.line(String(format: "training arithmetic  %10.1f GFLOP/s", result.trainingGFLOPS))
        Output.line(String(format: "  random-length batches %7.0f target tokens/s, %.1f GFLOP/s", result.trainingUnsortedTargetTokensPerSecond, result.trainingUnsortedGFLOPS))
        Output.line(String(format: "greedy, one at a time %9.0f sentences/s", result.translationSentencesPerSecondSingle))
        Output.line(String(format: "greedy, batches of 64 %9.0f sentences/s", result.translationSentencesPerSecondBatched))
        Output.line(String(format: "peak memory          %10.0f MB", result.peakMemoryMB))
        Output.line(String(format: "matrix product 256³  %10.1f GFLOP/s   (C = A·B alone)", result.matrixProductGFLOPS))
        if arguments.flag("--verbose") {
            Output.line("\nthe step's main products alone (n × k × m; op(A) is n × k):")
            for shape in Benchmark.productShapes(config, seconds: 0.3) {
                let size = "\(shape.n) × \(shape.k) × \(shape.m)"
                Output.line("  " + shape.name.padding(toLength: 36, withPad: " ", startingAt: 0)
                            + size.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "%6.1f GFLOP/s", shape.gflops))
            }
        }
    }
}
