// CheckpointTests.swift — the checkpoint holds exactly SPEC §2's tensors (names, shapes, F32), the metadata
// round-trips, and a wrong, truncated or inconsistent file is refused with a clear reason.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct CheckpointTests {
    @Test func tensorsAndMetadataFollowTheSpec() throws {
        let checkpoint = try TinyCheckpoint.make()
        let file = try checkpoint.safeTensorsFile()
        let (E, H, D, A, Vs, Vt) = (3, 4, 5, 6, 9, 10)
        var expected: [String: [Int]] = [
            "source_embedding.weight": [Vs, E], "target_embedding.weight": [Vt, E],
            "bridge.weight": [D, 2 * H], "bridge.bias": [D], "attention.key.weight": [A, 2 * H], "attention.key.bias": [A],
            "attention.query.weight": [A, D], "attention.energy.weight": [1, A], "readout.weight": [D, D + 2 * H],
            "readout.bias": [D], "generator.weight": [Vt, D], "generator.bias": [Vt],
        ]
        for k in 0..<2 {
            for suffix in ["", "_reverse"] {
                expected["encoder.weight_ih_l\(k)\(suffix)"] = [4 * H, k == 0 ? E : 2 * H]
                expected["encoder.weight_hh_l\(k)\(suffix)"] = [4 * H, H]
                expected["encoder.bias_ih_l\(k)\(suffix)"] = [4 * H]
                expected["encoder.bias_hh_l\(k)\(suffix)"] = [4 * H]
            }
            expected["decoder.weight_ih_l\(k)"] = [4 * D, k == 0 ? E + 2 * H : D]
            expected["decoder.weight_hh_l\(k)"] = [4 * D, D]
            expected["decoder.bias_ih_l\(k)"] = [4 * D]
            expected["decoder.bias_hh_l\(k)"] = [4 * D]
        }
        #expect(Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, $0.shape) }) == expected)
        #expect(file.metadata["format"] == "seq2seq-attention/1")
        let config = try JSONSerialization.jsonObject(with: Data(file.metadata["config"]!.utf8)) as? [String: Any]
        #expect((config?["model"] as? [String: Any])?["encoder_hidden_size"] as? Int == 4)
        #expect(file.metadata["target_vocabulary"] == #"["<pad>","<unk>","<s>","</s>","x","y","z","w","v","u"]"#)
    }

    @Test func roundTripKeepsEveryBit() throws {
        let checkpoint = try TinyCheckpoint.make()
        let path = TinyCheckpoint.temporaryPath("model.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try checkpoint.save(to: path)
        let loaded = try Checkpoint.load(path: path)
        #expect(loaded.config == checkpoint.config)
        #expect(loaded.sourceVocabulary == checkpoint.sourceVocabulary && loaded.targetVocabulary == checkpoint.targetVocabulary)
        #expect(Array(loaded.model.parameters.storage.buffer) == Array(checkpoint.model.parameters.storage.buffer))
    }

    /// Each broken variant of a valid file → invalidCheckpoint naming the problem.
    @Test(arguments: [
        ("format", "format is"), ("config", "no \"config\""), ("vocabulary", "target_vocabulary has"),
        ("shape", "has shape"), ("missing", "missing tensor"), ("extra", "unexpected tensor"), ("nan", "non-finite"),
    ])
    func inconsistentFilesAreRefused(defect: String, reason: String) throws {
        var file = try TinyCheckpoint.make().safeTensorsFile()
        switch defect {
        case "format": file.metadata["format"] = "something-else/2"
        case "config": file.metadata["config"] = nil
        case "vocabulary": file.metadata["target_vocabulary"] = #"["<pad>","<unk>","<s>","</s>","x"]"#
        case "shape": file.tensors[0] = SafeTensor(name: file.tensors[0].name, shape: [3, 9], values: file.tensors[0].values)
        case "missing": file.tensors.removeLast()
        case "extra": file.tensors.append(SafeTensor(name: "decoder.weight_ih_l7", shape: [1], values: [0]))
        default: file.tensors[3].values[0] = .nan
        }
        #expect {
            _ = try Checkpoint(file: file, path: "m.safetensors")
        } throws: { error in
            guard case let Seq2SeqError.invalidCheckpoint(path, message) = error else { return false }
            return path == "m.safetensors" && message.contains(reason)
        }
    }

    /// The checksum in the metadata catches a flipped bit anywhere in the tensor data, for every stored dtype.
    @Test(arguments: SafeTensorsDType.allCases)
    func flippedBitsAreRefused(dtype: SafeTensorsDType) throws {
        let path = TinyCheckpoint.temporaryPath("model.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TinyCheckpoint.make().save(to: path, dtype: dtype)
        _ = try Checkpoint.load(path: path)                                   // intact: loads
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        var rng = SplitMix64(seed: 11)
        for _ in 0..<20 {
            let position = 8 + headerLength + rng.nextInt(below: bytes.count - 8 - headerLength)
            let bit = UInt8(1) << UInt8(rng.nextInt(below: 8))
            bytes[position] ^= bit
            #expect {
                _ = try Checkpoint(file: try SafeTensors.decode(bytes, path: path), path: path)
            } throws: { error in
                guard case let Seq2SeqError.invalidCheckpoint(_, reason) = error else { return false }
                return reason.contains("checksum") || reason.contains("non-finite")
            }
            bytes[position] ^= bit
        }
    }
}
