// BenchCommand.swift — `seq2seq bench`: timed training and translation on a fixed synthetic workload. Speed goals are
// checked here, never in unit tests (the machines are shared and noisy).

import Foundation
import Seq2SeqCore

enum BenchConfigName: String, CaseIterable {
    case reference, everyday, large
}

enum BenchCommand {
    static let config = Option<BenchConfigName>.choice(
        "--config",
        help: "reference: E64 H128 L2 D128 M1 A128, V 54, lengths 1–25; everyday (the shipped English → French model): E256 H256 L1 D256 M1 A256, V 3864 → 4477, lengths 4–16; large: E256 H256 L2 D256 M2 A256, V 8000, lengths 10–30; batch 64.",
        default: .reference)
    static let seconds = Option.number(
        "--seconds", "s",
        help: "Time spent training on length-bucketed batches (as `train` forms them); training on random-length batches and each translation measurement take half of it.",
        default: 10, in: 0.1...3600)
    static let json = Flag(name: "--json", help: "Print the result as one JSON object.")
    static let verbose = Flag(
        name: "--verbose",
        help: "Also print how the floating-point operations are counted and what the translation figures measure, and time the main products of a training step alone.")

    static let info = CommandInfo(
        name: "bench",
        abstract: "Measure training and translation speed on a fixed, seeded, synthetic workload (no files needed).",
        usage: "seq2seq bench [--config reference|everyday|large] [--threads N] [--seconds S] [--json] [--verbose]",
        options: [config.info] + ThreadCount.options + [seconds.info, json.info, verbose.info],
        discussion: "Build with `swift build -c release` first: a debug build is many times slower.")

    static func run(_ arguments: Arguments) throws {
        let config: BenchmarkConfig = switch try arguments.value(Self.config) {
        case .reference: .reference
        case .everyday: .everyday
        case .large: .large
        }
        let threads = try ThreadCount(arguments)
        threads.apply()
        let seconds = Double(try arguments.value(Self.seconds))
        let verbose = arguments.flag(Self.verbose)
        let result = Benchmark.run(config, threads: threads.count, seconds: seconds)
        if arguments.flag(Self.json) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            Output.line(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        if verbose { Output.line(FlopCount.formula + "\n" + Benchmark.translationWorkload + "\n") }
        Output.line("config \(result.config), \(result.threads) thread\(result.threads == 1 ? "" : "s")")
        Output.line(String(format: "training             %10.0f target tokens/s   (%d steps)", result.trainingTargetTokensPerSecond, result.trainingSteps))
        Output.line(String(format: "training arithmetic  %10.1f GFLOP/s", result.trainingGFLOPS))
        Output.line(String(format: "  random-length batches %7.0f target tokens/s, %.1f GFLOP/s", result.trainingUnsortedTargetTokensPerSecond, result.trainingUnsortedGFLOPS))
        Output.line(String(format: "greedy, one at a time %9.0f sentences/s", result.translationSentencesPerSecondSingle))
        Output.line(String(format: "greedy, batches of 64 %9.0f sentences/s", result.translationSentencesPerSecondBatched))
        Output.line(String(format: "peak memory          %10.0f MB", result.peakMemoryMB))
        Output.line(String(format: "matrix product 256³  %10.1f GFLOP/s   (C = A·B alone)", result.matrixProductGFLOPS))
        if verbose {
            // As many steps as bench's own loop took in --seconds.
            let phases = try Benchmark.realRunPhases(config, threads: threads.count, steps: max(20, result.trainingSteps))
            printPhases(phases, benchStepsPerSecond: Double(result.trainingSteps) / seconds)
            Output.line("\nthe step's main products alone (n × k × m; op(A) is n × k):")
            for shape in Benchmark.productShapes(config, seconds: 0.3) {
                let size = "\(shape.n) × \(shape.k) × \(shape.m)"
                Output.line("  " + shape.name.padding(toLength: 36, withPad: " ", startingAt: 0)
                            + size.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: "%6.1f GFLOP/s", shape.gflops))
            }
        }
    }

    /// Where a real `train` run's time went, per step and per validation, beside the steps/s of bench's own loop.
    static func printPhases(_ phases: TrainingPhases, benchStepsPerSecond: Double) {
        let steps = Double(max(phases.steps, 1))
        let stepSeconds = phases.stepSeconds
        Output.line("\na real run: `train` on a reverse-task corpus of this shape (50000 pairs, 1000 dev), \(phases.steps) steps, \(phases.validations) validations")
        let rows: [(String, Double)] = [
            ("batches from the encoded pairs", phases.batching), ("forward and backward", phases.forwardBackward),
            ("gradient norm and clipping", phases.clipping), ("Adam update", phases.update), ("progress reports", phases.reporting),
        ]
        for (name, seconds) in rows {
            Output.line("  " + name.padding(toLength: 34, withPad: " ", startingAt: 0)
                        + String(format: "%9.3f ms a step  %5.1f%%", 1000 * seconds / steps, 100 * seconds / max(stepSeconds, 1e-12)))
        }
        Output.line(String(format: "  a step in all                     %9.3f ms        %.2f steps/s (bench's loop above: %.2f steps/s)",
                           1000 * stepSeconds / steps, steps / max(stepSeconds, 1e-12), benchStepsPerSecond))
        let validations = Double(max(phases.validations, 1))
        Output.line(String(format: "  a validation                      %9.3f s: translating and scoring dev %.3f s, writing checkpoint, log and state %.3f s",
                           phases.validation / validations, phases.devTranslation / validations, phases.fileWrites / validations))
    }
}
