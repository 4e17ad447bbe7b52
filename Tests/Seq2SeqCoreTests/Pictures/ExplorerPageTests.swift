// ExplorerPageTests.swift — the explorer page's numbers (4 significant digits, shortest form, null for what is not
// finite) and its data block, which no input text can end or turn into markup.

import Foundation
import Testing
@testable import Seq2SeqCore

@Suite struct ExplorerPageTests {
    @Test func numbersHaveFourSignificantDigits() {
        #expect(ExplorerPage.number(0.9999198) == "0.9999")
        #expect(ExplorerPage.number(6.903187e-05) == "6.903e-05")
        #expect(ExplorerPage.number(-1.7912345) == "-1.791")
        #expect(ExplorerPage.number(1) == "1" && ExplorerPage.number(0) == "0")
        #expect(ExplorerPage.number(1234.56) == "1235")
        #expect(ExplorerPage.number(.nan) == "null" && ExplorerPage.number(-.infinity) == "null")
        // What the page stores reads back within half a unit of the fourth digit.
        var generator = SplitMix64(seed: 4)
        for _ in 0..<1000 {
            let value = (Double(generator.next() % 2_000_001) / 1_000_000 - 1) * pow(10, Double(generator.next() % 9) - 4)
            let stored = Double(ExplorerPage.number(value)) ?? .nan
            #expect(abs(stored - value) <= 5.001e-4 * abs(value), "\(value) → \(stored)")
        }
    }

    @Test func theDataBlockCannotBeEndedByItsText() throws {
        let text = "</script><script>alert(1)</script> <!-- // \\/ \u{2028}"
        let json = jsonQuoted(text)
        let safe = ExplorerPage.scriptSafe("{\"a\":" + json + "}")
        #expect(!safe.contains("<") && !safe.contains("//"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(safe.utf8)) as? [String: String])
        #expect(object["a"] == text)
    }
}
