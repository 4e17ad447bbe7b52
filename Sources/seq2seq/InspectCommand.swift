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
    /// What --unit shows when --module, --layer and --direction are left out: the encoder's first forward layer.
    static let unitLayer = LSTMLayerID(.encoder, layer: 0, .forward)
    /// What --unit and --top show or rank when --quantity is left out.
    static let unitQuantity = LSTMQuantity.c
    /// The format of every unit when --format is left out, and of one unit (--unit).
    static let allUnitsFormat = AllUnitsFormat.json, oneUnitFormat = OneUnitFormat.text

    static let format = Option<InspectFormat?>.optionalChoice("--format", help: """
        json: one object a line with every layer's steps (see above). svg: per layer, a heat map of units × \
        steps for each of i, f, g, o, c, h. text (with --unit): the tokens on the colour of the unit's value. \
        (default: \(allUnitsFormat.rawValue), or \(oneUnitFormat.rawValue) with --unit)
        """)
    static let module = Option<LSTMModule?>.optionalChoice(
        "--module", help: "Only this stack's layers. (--unit: default \(unitLayer.module.rawValue))")
    static let layer = Option<Int?>.optionalInteger(
        "--layer", "k", help: "Only layer k, counted from 0. (--unit: default \(unitLayer.layer))", in: 0...Int(Int32.max))
    static let direction = Option<LSTMDirection?>.optionalChoice(
        "--direction",
        help: "Only this direction of the encoder; decoder layers run forward. (--unit: default \(unitLayer.direction.rawValue))")
    static let quantity = Option<LSTMQuantity?>.optionalChoice("--quantity", help: """
        The gate (input, forget, candidate, output), the cell state c or the hidden state h. svg: only its \
        heat maps (default: all six). --unit and --top: the quantity shown or ranked (default: \(unitQuantity.rawValue)).
        """)
    static let unit = Option<Int?>.optionalInteger(
        "--unit", help: "Show unit n of the chosen layer behind the text, a line per sentence.", in: 0...Int(Int32.max))
    static let top = Option<Int?>.optionalInteger(
        "--top", help: "List the n units whose --quantity follows --feature best (Pearson r over all steps of all lines).",
        in: 1...1_000_000)
    static let feature = Option<TraceFeature?>(name: "--feature", valueName: "f", help: """
        With --top: position (steps read before this one), count:TOKEN (times TOKEN was read so far, this step \
        included) or remaining:TOKEN (times it is still to come), in the order each layer reads.
        """, defaultValue: nil, shownDefault: nil) { text, flag in
        guard let feature = TraceFeature(parsing: text) else {
            throw Seq2SeqError.invalidOption(flag: flag, reason: "expects position, count:TOKEN or remaining:TOKEN, got '\(text)'")
        }
        return feature
    }
    static let output = Option<String?>.text("--output", "path", help: """
        Write to this file instead of standard output. For the svg heat maps, a path that does not end in .svg \
        is a folder (created if needed) that gets one picture per input line, \(LineFiles.described("svg")).
        """)

    /// The JSON of one line, as the discussion shows it: preformatted, each line kept as written.
    static let jsonSchema = """
          {"source_tokens": [...], "target_tokens": [...],
           "layers": [{"module": "encoder"|"decoder", "layer": k,
                       "direction": "forward"|"backward",
                       "steps": [{"token": "...", "i": [...], "f": [...], "g": [...],
                                  "o": [...], "c": [...], "h": [...]}, ...]}, ...]}
        """

    static let info = CommandInfo(
        name: "inspect",
        abstract: "Show what the LSTMs do: every unit's gates, cell and hidden state at every step, for each input line.",
        usage: """
            seq2seq inspect --checkpoint FILE [--format json|svg] [<layer choice>] [--input FILE] [--output PATH]
            seq2seq inspect --checkpoint FILE --unit N [<layer choice>] [--quantity Q] [--format text|svg]
            seq2seq inspect --checkpoint FILE --top N --feature F [<layer choice>] [--quantity Q]
            """,
        options: CheckpointInput.options + [format.info, module.info, layer.info, direction.info, quantity.info, unit.info,
                                            top.info, feature.info] + SentenceInput.options + [output.info],
        discussion: """
            Each line is translated greedily, as `seq2seq translate` does. The JSON of a line is
            \(jsonSchema)
            with each layer's steps in the order it processes them: a backward encoder layer starts with the last \
            source token (</s>), and the decoder lists the tokens it read (<s>, then each token it emitted). i, f, o \
            are in [0, 1]; g and h in [-1, 1]; c after the step. An empty input line gives an object with nothing in \
            it. The layer choice (--module, --layer, --direction) narrows json, svg and --top to the layers it names.
            """)

    static func run(_ arguments: Arguments) throws {
        // Every flag is checked before the checkpoint is read.
        let top = try arguments.value(Self.top)
        let unit = try arguments.value(Self.unit)
        let feature = try arguments.value(Self.feature)
        let module = try arguments.value(Self.module)
        let direction = try arguments.value(Self.direction)
        let quantity = try arguments.value(Self.quantity)
        let layer = try arguments.value(Self.layer)
        let format = try arguments.value(Self.format)
        let outputPath = try arguments.value(Self.output)
        let input = try SentenceInput(arguments)
        if module == .decoder && direction == .backward {
            throw Seq2SeqError.invalidOption(flag: Self.direction.name, reason: "decoder layers run forward only")
        }
        if feature != nil && top == nil {
            throw Seq2SeqError.invalidOption(flag: Self.feature.name, reason: "applies only with \(Self.top.name)")
        }
        if let top {
            guard let feature else { throw Seq2SeqError.invalidOption(flag: Self.feature.name, reason: "is required with \(Self.top.name)") }
            if unit != nil { throw Seq2SeqError.invalidOption(flag: Self.unit.name, reason: "cannot be combined with \(Self.top.name)") }
            if format != nil {
                throw Seq2SeqError.invalidOption(flag: Self.format.name, reason: "does not apply to \(Self.top.name), which prints a table")
            }
            if outputPath != nil {
                throw Seq2SeqError.invalidOption(flag: Self.output.name, reason: "does not apply to \(Self.top.name), which prints a table")
            }
            let checkpoint = try CheckpointInput(arguments)
            let translator = try makeTranslator(checkpoint, module: module, layer: layer, unit: nil)
            try ranking(top: top, feature: feature, quantity: quantity ?? unitQuantity, translator: translator, checkpoint, input,
                        include: choice(module, layer, direction))
        } else if let unit {
            let id = LSTMLayerID(module ?? unitLayer.module, layer: layer ?? unitLayer.layer, direction ?? unitLayer.direction)
            let unitFormat: OneUnitFormat
            switch format {
            case nil: unitFormat = oneUnitFormat
            case .json:
                throw Seq2SeqError.invalidOption(flag: Self.format.name, reason: "json holds every unit; with \(Self.unit.name) choose text or svg")
            case .text: unitFormat = .text
            case .svg: unitFormat = .svg
            }
            let checkpoint = try CheckpointInput(arguments)
            let translator = try makeTranslator(checkpoint, module: id.module, layer: id.layer, unit: unit)
            try unitView(id, unit: unit, quantity: quantity ?? unitQuantity, format: unitFormat, translator: translator,
                         checkpoint, input, outputPath: outputPath)
        } else {
            let allFormat: AllUnitsFormat
            switch format {
            case nil: allFormat = allUnitsFormat
            case .text: throw Seq2SeqError.invalidOption(flag: Self.format.name, reason: "text shows one unit; give \(Self.unit.name) N")
            case .json: allFormat = .json
            case .svg: allFormat = .svg
            }
            if allFormat == .json && quantity != nil {
                throw Seq2SeqError.invalidOption(flag: Self.quantity.name, reason: "json holds all six quantities; \(Self.quantity.name) applies to svg, \(Self.unit.name) and \(Self.top.name)")
            }
            let checkpoint = try CheckpointInput(arguments)
            let translator = try makeTranslator(checkpoint, module: module, layer: layer, unit: nil)
            try everything(format: allFormat, quantities: quantity.map { [$0] } ?? LSTMQuantity.allCases, translator: translator,
                           checkpoint, input, outputPath: outputPath, include: choice(module, layer, direction))
        }
    }

    /// The layers the choice names (each flag left out accepts all).
    static func choice(_ module: LSTMModule?, _ layer: Int?, _ direction: LSTMDirection?) -> (LSTMLayerID) -> Bool {
        { id in (module == nil || id.module == module) && (layer == nil || id.layer == layer) && (direction == nil || id.direction == direction) }
    }

    /// The checkpoint's translator, once --layer and --unit are known to exist in it.
    static func makeTranslator(_ checkpoint: CheckpointInput, module: LSTMModule?, layer: Int?, unit: Int?) throws -> Translator {
        let translator = Translator(checkpoint: try Checkpoint.load(path: checkpoint.path))
        let model = translator.checkpoint.config.model
        let layers: Int = switch module {
        case .encoder: model.encoderLayers
        case .decoder: model.decoderLayers
        case nil: max(model.encoderLayers, model.decoderLayers)
        }
        if let layer, layer >= layers {
            throw Seq2SeqError.invalidOption(flag: Self.layer.name, reason: "is \(layer), but the \(module?.rawValue ?? "model") has \(layers) layer\(layers == 1 ? "" : "s") (0 to \(layers - 1))")
        }
        if let unit {
            let units = module == .decoder ? model.decoderHiddenSize : model.encoderHiddenSize
            if unit >= units {
                throw Seq2SeqError.invalidOption(flag: Self.unit.name, reason: "is \(unit), but the \(module?.rawValue ?? "encoder") layers have \(units) units (0 to \(units - 1))")
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
            let length = translator.tokenizer.tokenizeSource(line.text).count
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

    static func everything(format: AllUnitsFormat, quantities: [LSTMQuantity], translator: Translator,
                           _ checkpoint: CheckpointInput, _ source: SentenceInput, outputPath: String?, include: @escaping (LSTMLayerID) -> Bool) throws {
        let input = try InputLines(source, checkpoint: checkpoint)
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
                         _ checkpoint: CheckpointInput, _ source: SentenceInput, outputPath: String?) throws {
        let input = try InputLines(source, checkpoint: checkpoint)
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

    static func ranking(top: Int, feature: TraceFeature, quantity: LSTMQuantity, translator: Translator,
                        _ checkpoint: CheckpointInput, _ source: SentenceInput, include: @escaping (LSTMLayerID) -> Bool) throws {
        let input = try InputLines(source, checkpoint: checkpoint)
        // Running sums per unit, not the traces: memory stays the same whatever the number of lines.
        var ranking = UnitRanking(feature: feature, quantity: quantity, include: include)
        try keepingRefusal {
            try inspectAll(input, translator) { trace, _ in if let trace { ranking.add(trace) } }
        } finish: {
            guard ranking.sentences > 0 else { return }             // no sentence, nothing to rank: empty output
            let ranked = ranking.ranked
            guard !ranked.isEmpty else {
                throw Seq2SeqError.invalidOption(flag: Self.feature.name, reason: "\(feature) never changes over the steps of the chosen layers, so no unit can follow it")
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
                var command = [info.commandLine, CheckpointInput.checkpoint.name, checkpoint.path,
                               Self.module.name, best.layer.module.rawValue, Self.layer.name, "\(best.layer.layer)"]
                if best.layer.module == .encoder { command += [Self.direction.name, best.layer.direction.rawValue] }
                command += [Self.unit.name, "\(best.unit)", Self.quantity.name, quantity.rawValue]
                Output.line("see it: " + command.joined(separator: " "))
            }
        }
    }
}
