// InspectCommand.swift — `seq2seq inspect`: for each input line, every LSTM step of the encoder (each layer and
// direction) and of the greedy decoder — gates i f g o, cell c and hidden state h of every unit — as JSON or SVG heat
// maps; one unit's value behind the text it read (terminal or SVG); or the units that follow a feature best
// (Inspection.swift and InspectionExport.swift do the work). [8] → [10]

import Foundation
import Seq2SeqCore

enum InspectFormat: String, CaseIterable {
    case json, svg, text
}

/// What shows every unit of the chosen layers: one JSON object a line, or heat maps.
enum AllUnitsFormat: String { case json, svg }

/// What shows one unit behind the text: coloured text for the terminal, or a picture.
enum OneUnitFormat: String { case text, svg }

enum InspectCommand {
    static let info = CommandInfo(
        name: "inspect",
        abstract: "Show what the LSTMs do: every unit's gates, cell and hidden state at every step, for each input line.",
        usage: """
            seq2seq inspect --checkpoint FILE [--format json|svg] [<layer choice>] [--input FILE] [--output PATH]
            seq2seq inspect --checkpoint FILE --unit N [<layer choice>] [--quantity Q] [--format text|svg]
            seq2seq inspect --checkpoint FILE --top N --feature F [<layer choice>] [--quantity Q]
            """,
        options: [
            OptionInfo(name: "--checkpoint", valueName: "file", help: "A checkpoint written by `seq2seq train`."),
            OptionInfo(name: "--format", valueName: "json|svg|text", help: """
                json: one object a line with every layer's steps (see below). svg: per layer, a heat map of units × \
                steps for each of i, f, g, o, c, h. text (with --unit): the tokens on the colour of the unit's value. \
                (default: json, or text with --unit)
                """),
            OptionInfo(name: "--module", valueName: "encoder|decoder", help: "Only this stack's layers. (--unit: default encoder)"),
            OptionInfo(name: "--layer", valueName: "k", help: "Only layer k, counted from 0. (--unit: default 0)"),
            OptionInfo(name: "--direction", valueName: "forward|backward", help: "Only this direction of the encoder; decoder layers run forward. (--unit: default forward)"),
            OptionInfo(name: "--quantity", valueName: "i|f|g|o|c|h", help: """
                The gate (input, forget, candidate, output), the cell state c or the hidden state h. svg: only its \
                heat maps (default: all six). --unit and --top: the quantity shown or ranked (default: c).
                """),
            OptionInfo(name: "--unit", valueName: "n", help: "Show unit n of the chosen layer behind the text, a line per sentence."),
            OptionInfo(name: "--top", valueName: "n", help: "List the n units whose --quantity follows --feature best (Pearson r over all steps of all lines)."),
            OptionInfo(name: "--feature", valueName: "f", help: """
                With --top: position (steps read before this one), count:TOKEN (times TOKEN was read so far, this step \
                included) or remaining:TOKEN (times it is still to come), in the order each layer reads.
                """),
            OptionInfo(name: "--input", valueName: "file", help: "Read sentences from this file instead of standard input."),
            OptionInfo(name: "--output", valueName: "path", help: """
                Write to this file instead of standard output. For the svg heat maps, a path that does not end in .svg \
                is a folder (created if needed) that gets one picture per input line, line-N.svg.
                """),
        ],
        discussion: """
            Each line is translated greedily, as `seq2seq translate` does. The JSON of a line is
              {"source_tokens": [...], "target_tokens": [...], "layers": [{"module": "encoder"|"decoder",
               "layer": k, "direction": "forward"|"backward", "steps": [{"token": "...", "i": [...], "f": [...],
               "g": [...], "o": [...], "c": [...], "h": [...]}, ...]}, ...]}
            with each layer's steps in the order it processes them: a backward encoder layer starts with the last \
            source token (</s>), and the decoder lists the tokens it read (<s>, then each token it emitted). i, f, o \
            are in [0, 1]; g and h in [-1, 1]; c after the step. An empty input line gives an object with nothing in \
            it. The layer choice (--module, --layer, --direction) narrows json, svg and --top to the layers it names.
            """)

    static func run(_ arguments: Arguments) throws {
        // Every flag is checked before the checkpoint is read.
        let top = try arguments.optionalInt("--top", in: 1...1_000_000)
        let unit = try arguments.optionalInt("--unit", in: 0...Int(Int32.max))
        let feature = try arguments.string("--feature").map { text in
            guard let feature = TraceFeature(parsing: text) else {
                throw Seq2SeqError.invalidOption(flag: "--feature", reason: "expects position, count:TOKEN or remaining:TOKEN, got '\(text)'")
            }
            return feature
        }
        let module: LSTMModule? = arguments.string("--module") == nil ? nil : try arguments.choice("--module", default: .encoder)
        let direction: LSTMDirection? = arguments.string("--direction") == nil ? nil : try arguments.choice("--direction", default: .forward)
        let quantity: LSTMQuantity? = arguments.string("--quantity") == nil ? nil : try arguments.choice("--quantity", default: .c)
        let layer = try arguments.optionalInt("--layer", in: 0...Int(Int32.max))
        let format: InspectFormat? = arguments.string("--format") == nil ? nil : try arguments.choice("--format", default: .json)
        let outputPath = arguments.string("--output")
        if module == .decoder && direction == .backward {
            throw Seq2SeqError.invalidOption(flag: "--direction", reason: "decoder layers run forward only")
        }
        if feature != nil && top == nil { throw Seq2SeqError.invalidOption(flag: "--feature", reason: "applies only with --top") }
        if let top {
            guard let feature else { throw Seq2SeqError.invalidOption(flag: "--feature", reason: "is required with --top") }
            if unit != nil { throw Seq2SeqError.invalidOption(flag: "--unit", reason: "cannot be combined with --top") }
            if format != nil { throw Seq2SeqError.invalidOption(flag: "--format", reason: "does not apply to --top, which prints a table") }
            if outputPath != nil { throw Seq2SeqError.invalidOption(flag: "--output", reason: "does not apply to --top, which prints a table") }
            let translator = try makeTranslator(arguments, module: module, layer: layer, unit: nil)
            try ranking(top: top, feature: feature, quantity: quantity ?? .c, translator: translator, arguments,
                        include: choice(module, layer, direction))
        } else if let unit {
            let id = LSTMLayerID(module ?? .encoder, layer: layer ?? 0, direction ?? .forward)
            let unitFormat: OneUnitFormat
            switch format ?? .text {
            case .json: throw Seq2SeqError.invalidOption(flag: "--format", reason: "json holds every unit; with --unit choose text or svg")
            case .text: unitFormat = .text
            case .svg: unitFormat = .svg
            }
            let translator = try makeTranslator(arguments, module: id.module, layer: id.layer, unit: unit)
            try unitView(id, unit: unit, quantity: quantity ?? .c, format: unitFormat, translator: translator, arguments, outputPath: outputPath)
        } else {
            let allFormat: AllUnitsFormat
            switch format ?? .json {
            case .text: throw Seq2SeqError.invalidOption(flag: "--format", reason: "text shows one unit; give --unit N")
            case .json: allFormat = .json
            case .svg: allFormat = .svg
            }
            if allFormat == .json && quantity != nil {
                throw Seq2SeqError.invalidOption(flag: "--quantity", reason: "json holds all six quantities; --quantity applies to svg, --unit and --top")
            }
            let translator = try makeTranslator(arguments, module: module, layer: layer, unit: nil)
            try everything(format: allFormat, quantities: quantity.map { [$0] } ?? LSTMQuantity.allCases, translator: translator,
                           arguments, outputPath: outputPath, include: choice(module, layer, direction))
        }
    }

    /// The layers the choice names (each flag left out accepts all).
    static func choice(_ module: LSTMModule?, _ layer: Int?, _ direction: LSTMDirection?) -> (LSTMLayerID) -> Bool {
        { id in (module == nil || id.module == module) && (layer == nil || id.layer == layer) && (direction == nil || id.direction == direction) }
    }

    /// The checkpoint's translator, once --layer and --unit are known to exist in it.
    static func makeTranslator(_ arguments: Arguments, module: LSTMModule?, layer: Int?, unit: Int?) throws -> Translator {
        let translator = Translator(checkpoint: try Checkpoint.load(path: try arguments.requiredString("--checkpoint")))
        let model = translator.checkpoint.config.model
        let layers: Int = switch module {
        case .encoder: model.encoderLayers
        case .decoder: model.decoderLayers
        case nil: max(model.encoderLayers, model.decoderLayers)
        }
        if let layer, layer >= layers {
            throw Seq2SeqError.invalidOption(flag: "--layer", reason: "is \(layer), but the \(module?.rawValue ?? "model") has \(layers) layer\(layers == 1 ? "" : "s") (0 to \(layers - 1))")
        }
        if let unit {
            let units = module == .decoder ? model.decoderHiddenSize : model.encoderHiddenSize
            if unit >= units {
                throw Seq2SeqError.invalidOption(flag: "--unit", reason: "is \(unit), but the \(module?.rawValue ?? "encoder") layers have \(units) units (0 to \(units - 1))")
            }
        }
        return translator
    }

    /// Inspects every line of the input in order, calling `emit` once per line (nil for an empty or refused line) and
    /// flushing stdout after it; lines that are not UTF-8 or too long are reported and refused, as `translate` does.
    static func inspectAll(_ input: InputLines, _ translator: Translator,
                           emit: (InspectionTrace?, NumberedLine) throws -> Void) throws {
        let limit = translator.checkpoint.config.maxSourceLength
        var refusals = RefusedLines(input.reader)
        var unknown = 0
        while let entry = try input.reader.next() {
            guard let line = refusals.text(of: entry) else {
                try emit(nil, NumberedLine(number: entry.number, text: ""))
                continue
            }
            guard !line.text.allSatisfy(\.isWhitespace) else { try emit(nil, line); continue }
            let length = translator.tokenizer.tokenize(line.text).count
            guard length <= limit else {
                refusals.refuse(.inputTooLong(path: input.name, line: line.number, length: length, limit: limit))
                try emit(nil, line)
                continue
            }
            let trace = translator.inspect(line.text)
            guard trace.isFinite else { throw Seq2SeqError.nonFiniteOutput(path: input.checkpoint, what: "output scores or states") }
            unknown += trace.translation.unknownSourceTokens
            try emit(trace, line)
            try Output.checkedFlush()
        }
        TranslateCommand.reportUnknown(unknown)
        try refusals.finish()
    }

    /// Runs `body`; a refusal of some lines is rethrown only after `finish` has written what was inspected.
    static func keepingRefusal(_ body: () throws -> Void, finish: () throws -> Void) throws {
        var refusal: Error? = nil
        do {
            try body()
        } catch let error as Seq2SeqError {
            guard case .refusedLines = error else { throw error }
            refusal = error
        }
        try finish()
        if let refusal { throw refusal }
    }

    // MARK: - json and svg: everything

    static func everything(format: AllUnitsFormat, quantities: [LSTMQuantity], translator: Translator, _ arguments: Arguments,
                           outputPath: String?, include: @escaping (LSTMLayerID) -> Bool) throws {
        let input = try InputLines(arguments)
        let folder = format == .svg ? AttentionCommand.outputFolder(outputPath, fileExtension: "svg") : nil
        var files = try folder.map { try LineFiles(folder: $0, fileExtension: "svg") }
        var lines: [String] = [], pictures: [(title: String, trace: InspectionTrace)] = []
        try keepingRefusal {
            try inspectAll(input, translator) { trace, line in
                switch format {
                case .json:
                    var trace = trace
                    trace?.layers.removeAll { !include($0.id) }
                    let text = InspectionTrace.json(trace)
                    if outputPath == nil { Output.line(text) } else { lines.append(text + "\n") }
                case .svg:
                    guard let trace else { return }
                    let title = AttentionExport.title(source: line.text, result: trace.translation)
                    if files != nil {
                        try files?.write(InspectionExport.heatmapSVG([(title, trace)], layers: include, quantities: quantities), line: line)
                    } else {
                        guard pictures.count < AttentionCommand.sheetLimit else { throw AttentionCommand.sheetIsFull() }
                        pictures.append((title, trace))
                    }
                }
            }
        } finish: {
            if let files {
                try files.finish(lastLine: input.reader.linesRead)
                return Output.wrote(Output.count(files.count, "svg file"), to: files.folder, command: info.name)
            }
            // Empty input is empty output, not an empty sheet.
            let text = format == .svg && input.reader.linesRead > 0
                ? InspectionExport.heatmapSVG(pictures, layers: include, quantities: quantities) : lines.joined()
            if let outputPath {
                try Output.writeFile(text, to: outputPath)
                wrote(format.rawValue, lines: input.reader.linesRead, to: outputPath)
            } else if format == .svg {
                Output.raw(text)
            }
        }
    }

    // MARK: - One unit behind the text

    static func unitView(_ id: LSTMLayerID, unit: Int, quantity: LSTMQuantity, format: OneUnitFormat, translator: Translator,
                         _ arguments: Arguments, outputPath: String?) throws {
        let input = try InputLines(arguments)
        var lines: [[(token: String, value: Float)]] = []
        try keepingRefusal {
            try inspectAll(input, translator) { trace, _ in
                if let trace, let values = InspectionExport.unitValues(trace, layer: id, unit: unit, quantity: quantity) {
                    lines.append(values)
                }
            }
        } finish: {
            let heading = InspectionExport.unitHeading(layer: id, unit: unit, quantity: quantity)
            var text: String
            switch format {
            case .svg: text = InspectionExport.unitSVG(lines, heading: heading, quantity: quantity)
            case .text: text = InspectionExport.unitText(lines, heading: heading, quantity: quantity, colour: outputPath == nil && Output.wantsColour)
            }
            if input.reader.linesRead == 0 { text = "" }            // empty input is empty output, not an empty picture
            guard let outputPath else { return Output.raw(text) }
            try Output.writeFile(text, to: outputPath)
            wrote(format.rawValue, lines: input.reader.linesRead, to: outputPath)
        }
    }

    /// "inspect: wrote the states of 3 input lines as svg to PATH".
    static func wrote(_ format: String, lines: Int, to path: String) {
        Output.wrote("the states of \(Output.count(lines, "input line")) as \(format)", to: path, command: info.name)
    }

    // MARK: - The units that follow a feature

    static func ranking(top: Int, feature: TraceFeature, quantity: LSTMQuantity, translator: Translator, _ arguments: Arguments,
                        include: @escaping (LSTMLayerID) -> Bool) throws {
        let input = try InputLines(arguments)
        // Running sums per unit, not the traces: memory stays the same whatever the number of lines.
        var ranking = UnitRanking(feature: feature, quantity: quantity, include: include)
        try keepingRefusal {
            try inspectAll(input, translator) { trace, _ in if let trace { ranking.add(trace) } }
        } finish: {
            guard ranking.sentences > 0 else { return }             // no sentence, nothing to rank: empty output
            let ranked = ranking.ranked
            guard !ranked.isEmpty else {
                throw Seq2SeqError.invalidOption(flag: "--feature", reason: "\(feature) never changes over the steps of the chosen layers, so no unit can follow it")
            }
            let sentences = ranking.sentences
            Output.line("units whose \(quantity.rawValue) (\(quantity.meaning)) follows \(feature) best: Pearson r over all steps of \(sentences) sentence\(sentences == 1 ? "" : "s")")
            let layerWidth = max(24, ranked.prefix(top).map(\.layer.description.count).max() ?? 0)
            Output.line("rank  " + "layer".padding(toLength: layerWidth, withPad: " ", startingAt: 0) + "  unit        r  steps")
            for (rank, entry) in ranked.prefix(top).enumerated() {
                Output.line(String(format: "%4d  ", rank + 1) + entry.layer.description.padding(toLength: layerWidth, withPad: " ", startingAt: 0)
                            + String(format: "  %4d  %+7.4f  %5d", entry.unit, entry.correlation, entry.steps))
            }
            if let best = ranked.first {
                let direction = best.layer.module == .encoder ? " --direction \(best.layer.direction.rawValue)" : ""
                Output.line("see it: seq2seq inspect --checkpoint \(try arguments.requiredString("--checkpoint")) --module \(best.layer.module.rawValue) --layer \(best.layer.layer)\(direction) --unit \(best.unit) --quantity \(quantity.rawValue)")
            }
        }
    }
}
