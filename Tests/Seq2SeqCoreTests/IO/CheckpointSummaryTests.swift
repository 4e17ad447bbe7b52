// CheckpointSummaryTests.swift — `info`'s numbers: each module's count from the tensors equals its formula (an LSTM
// layer: 4·hidden·(input+hidden) + 8·hidden), the modules cover every tensor exactly once, and the storage type
// and file size are those of the file. Stage [8].

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct CheckpointSummaryTests {
    @Test(arguments: [TinyModels.config,
                      ModelConfig(embeddingSize: 64, encoderHiddenSize: 128, encoderLayers: 1, decoderHiddenSize: 128, decoderLayers: 1,
                                  attentionSize: 128, sourceVocabularySize: 54, targetVocabularySize: 54)])
    func everyModuleMatchesItsFormula(config: ModelConfig) {
        let table = ParameterTable(config: config)
        let modules = CheckpointSummary.modules(config: config, table: table)
        for module in modules { #expect(module.parameters == module.predicted, "\(module.name): \(module.formula)") }
        #expect(modules.reduce(0) { $0 + $1.parameters } == table.count)
        let named = modules.flatMap(\.tensors)
        #expect(named.sorted() == table.entries.map(\.name).sorted(), "every tensor in exactly one module")
        let lstms = modules.filter { $0.name.hasPrefix("encoder layer") || $0.name.hasPrefix("decoder layer") }
        #expect(lstms.count == 2 * config.encoderLayers + config.decoderLayers)
    }

    @Test func readsTheFileAndWritesTheReport() throws {
        let checkpoint = try TinyCheckpoint.make()
        let path = TinyCheckpoint.temporaryPath("info.safetensors"), half = TinyCheckpoint.temporaryPath("half.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: half) }
        try checkpoint.save(to: path)
        try checkpoint.save(to: half, dtype: .f16)
        let summary = try CheckpointSummary(path: path)
        #expect(summary.storageTypes == ["F32"])
        #expect(try CheckpointSummary(path: half).storageTypes == ["F16"])
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)
        #expect(summary.fileBytes == size.intValue)
        #expect(summary.total == checkpoint.model.parameters.table.count)

        let text = summary.text()
        for tensor in summary.tensors { #expect(text.contains("  \(tensor.name) "), "\(tensor.name)") }
        // E=3 H=4 L=2 D=5 M=2: layer 0 reads E, layer 1 reads 2H; decoder layer 0 reads E+2H, layer 1 D.
        let lines = text.split(separator: "\n")
        func row(_ module: String, _ rest: String) -> Bool { lines.contains { $0.hasPrefix("  \(module) ") && $0.hasSuffix(rest) } }
        #expect(row("encoder layer 0 forward", " 144  4·H·(E+H) + 8·H = 4·4·(3+4) + 8·4"), "\(text)")
        #expect(row("encoder layer 1 backward", " 224  4·H·(2H+H) + 8·H = 4·4·(2·4+4) + 8·4"), "\(text)")
        #expect(row("decoder layer 0", " 360  4·D·(E+2H+D) + 8·D = 4·5·(3+2·4+5) + 8·5"), "\(text)")
        #expect(row("decoder layer 1", " 240  4·D·(D+D) + 8·D = 4·5·(5+5) + 8·5"), "\(text)")
        #expect(text.contains("4·hidden·(input+hidden) + 8·hidden"))
        #expect(text.contains("tensors stored as F32"))
        #expect(text.contains("none stored"), "TinyCheckpoint was not trained")
        #expect(CheckpointSummary.grouped(1_234_567) == "1,234,567" && CheckpointSummary.grouped(12) == "12")
    }
}
