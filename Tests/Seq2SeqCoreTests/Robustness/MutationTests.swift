// MutationTests.swift — thousands of seeded random byte edits, truncations and insertions applied to a valid corpus
// file and a valid checkpoint, through the same library calls the commands make: every attempt ends in success or a
// clean one-line Seq2SeqError (a crash would end the test process), and whatever loads translates with finite
// numbers only. (No attempt is timed: a slow machine must not fail a test. A damaged size that made a load read or
// allocate without bound would show as a crash or a hang here, and the binary's memory is bounded in
// Seq2SeqCLITests/CraftedFileTests.)

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct MutationTests {
    /// One random damage to `bytes`: flip, overwrite, delete, insert, duplicate a run, or truncate.
    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var out = bytes
        let edits = 1 + rng.nextInt(below: 3)
        for _ in 0..<edits where !out.isEmpty {
            let at = rng.nextInt(below: out.count)
            switch rng.nextInt(below: 6) {
            case 0: out[at] ^= UInt8(1) << UInt8(rng.nextInt(below: 8))
            case 1: out[at] = UInt8(rng.nextInt(below: 256))
            case 2: out.remove(at: at)
            case 3: out.insert([0x09, 0x0A, 0x0D, 0xFF, 0xC3, 0x22, 0x7B, 0x00][rng.nextInt(below: 8)], at: at)
            case 4: out.insert(contentsOf: out[at ..< min(out.count, at + 1 + rng.nextInt(below: 16))], at: at)
            default: out.removeSubrange(at...)
            }
        }
        return out
    }

    @Test func damagedCorporaGiveAnswersOrCleanErrors() throws {
        var rng = SplitMix64(seed: 2026)
        var text = ""
        for pair in ToyTasks.pairs(.reverse, count: 40, lengths: 1...8, rng: &rng) { text += pair.source + "\t" + pair.target + "\n" }
        text += "Il est là !\tHe is there!\r\n"
        let valid = [UInt8](text.utf8)
        var accepted = 0, refused = 0
        for _ in 0..<3000 {
            let damaged = Self.mutate(valid, &rng)
            do {
                let pairs = try Corpus.parsePairs(bytes: damaged, path: "c.tsv")
                #expect(pairs.allSatisfy { !$0.source.isEmpty && !$0.target.isEmpty && !$0.source.contains("\t") })
                accepted += 1
            } catch let error as Seq2SeqError {
                #expect(error.description.hasPrefix("c.tsv"))
                #expect(!error.description.contains("\n"))
                refused += 1
            }
        }
        #expect(accepted > 0 && refused > 0)
    }

    @Test func damagedCheckpointsGiveAnswersOrCleanErrors() throws {
        let checkpoint = try TinyCheckpoint.make()
        let valid = try SafeTensors.encode(try {
            var file = try checkpoint.safeTensorsFile()
            file.metadata["checksum"] = Checkpoint.checksum(file.tensors.map(\.values))
            return file
        }())
        var rng = SplitMix64(seed: 7)
        var loaded = 0, refused = 0
        for _ in 0..<2000 {
            let damaged = Self.mutate(valid, &rng)
            do {
                let model = try Checkpoint(file: try SafeTensors.decode(damaged, path: "m.safetensors"), path: "m.safetensors")
                let results = Translator(checkpoint: model).translate(["a b c", "e"])
                #expect(results.allSatisfy { $0.attention.allSatisfy { $0.allSatisfy(\.isFinite) } })
                loaded += 1
            } catch let error as Seq2SeqError {
                #expect(error.description.hasPrefix("m.safetensors"))
                #expect(!error.description.contains("\n"))
                refused += 1
            }
        }
        #expect(refused > 0)
        print("checkpoint mutations: \(loaded) loaded, \(refused) refused")
    }
}
