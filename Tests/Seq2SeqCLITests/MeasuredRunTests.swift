// MeasuredRunTests.swift — the measuring runner the crafted-file table relies on: it reports the program's own peak
// memory (not this test process's), its exit code or signal, and kills a program past its time bound.

import Foundation
import Testing

@Suite(.serialized) struct MeasuredRunTests {
    /// With 256 MB held and touched here, a small program still reports its own few MB.
    @Test func peakMemoryIsTheProgramsOwn() throws {
        let held = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 20, alignment: 4096)
        defer { held.deallocate() }
        for offset in stride(from: 0, to: held.count, by: 4096) { held[offset] = 1 }
        let measured = try runSeq2SeqMeasured(["--help"])
        expectSuccess(measured.result)
        #expect(measured.peakBytes > 1 << 20 && measured.peakBytes < 128 << 20, "peak \(measured.peakBytes >> 20) MB")
        #expect(held[held.count - 4096] == 1)
    }

    @Test func exitCodesSignalsAndStreamsAreKeptApart() throws {
        let exited = try runMeasured("/bin/sh", ["-c", "cat; echo out; echo err >&2; exit 3"], stdin: Data("in\n".utf8))
        #expect(exited.result.exitCode == 3 && !exited.result.terminatedBySignal && !exited.result.timedOut)
        #expect(exited.result.stdout == "in\nout\n" && exited.result.stderr == "err\n")
        let killed = try runMeasured("/bin/sh", ["-c", "kill -9 $$"])
        #expect(killed.result.terminatedBySignal && killed.result.exitCode == SIGKILL)
    }

    @Test func aProgramPastItsTimeBoundIsKilled() throws {
        let measured = try runMeasured("/bin/sleep", ["30"], timeout: 0.3)
        // Killed, not waited for: `sleep` would have exited 0 by itself.
        #expect(measured.result.timedOut && measured.result.terminatedBySignal)
    }
}
