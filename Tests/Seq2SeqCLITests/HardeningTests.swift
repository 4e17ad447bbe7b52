// HardeningTests.swift — inputs a scraped corpus really contains, through the binary: CRLF line ends with a byte-order
// mark and blank lines train; a 100,000-character line is skipped (and counted) by training and refused by translate;
// a file of only whitespace is refused; unknown source tokens are read as <unk>, counted and reported.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct HardeningTests {
    @Test func crlfBomBlankLinesAndAHugeLineTrain() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            // Rewrite train.tsv with a BOM, CRLF line ends, blank lines, and one 100,000-character pair.
            var text = "\u{FEFF}"
            for pair in run.trainPairs { text += pair.source + "\t" + pair.target + "\r\n\r\n" }
            let huge = String(repeating: "7 ", count: 50_000)
            text += huge + "\t" + huge + "\r\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: run.trainFile))
            let result = try runSeq2Seq(run.trainArguments())
            expectSuccess(result)
            #expect(result.stderr.contains("training on 60 pairs (1 skipped: longer than --max-length)"))
            // translate refuses the huge line alone; the others are still translated, one line out per line in.
            let translated = try runSeq2Seq(["translate", "--checkpoint", run.checkpoint], stdin: Data("1 2\n\(huge)\n3\n".utf8))
            #expect(translated.exitCode == 65)
            #expect(lines(of: translated.stdout).count == 3)
            #expect(translated.stderr.contains("<stdin>:2: the sentence has 50000 tokens, more than the limit of 6"))
        }
    }

    @Test func whitespaceOnlyCorpusIsRefused() throws {
        try withTemporaryDirectory { folder in
            let run = try TinyRun(folder: folder)
            try Data(" \n\t\n   \r\n".utf8).write(to: URL(fileURLWithPath: run.trainFile))
            expectError(try runSeq2Seq(run.trainArguments()), exitCode: 65, mentions: [run.trainFile])
        }
    }

    @Test func unknownTokensAreCountedAndReported() throws {
        try withTrainedTinyModel { run in
            let result = try runSeq2Seq(["translate", "--checkpoint", run.checkpoint], stdin: Data("1 zebra 2\nquokka\n".utf8))
            expectSuccess(result)
            #expect(lines(of: result.stdout).count == 2)
            #expect(result.stderr.contains("note: 2 source tokens were not in the vocabulary and read as <unk>"))
        }
    }

    /// A 2 MB line on standard input is refused without being read whole; the lines around it are translated.
    @Test func megabyteLineIsRefusedAndTheRestTranslated() throws {
        try withTrainedTinyModel { run in
            let huge = String(repeating: "1", count: 2 << 20)
            let result = try runSeq2Seq(["translate", "--checkpoint", run.checkpoint], stdin: Data("1 2\n\(huge)\n3\n".utf8))
            #expect(result.exitCode == 65)
            let output = lines(of: result.stdout)
            #expect(output.count == 3 && output[1].isEmpty && !output[0].isEmpty)
            #expect(result.stderr.contains("<stdin>:2: the line has 2097152 bytes, more than the limit of 1048576"))
        }
    }
}
