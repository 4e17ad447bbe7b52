// Assertions.swift — expectClose: compares counts first, treats NaN explicitly, reports the worst error with its
// index, and points the failure at the caller's line.

import Testing

/// Expects |actual − expected| ≤ atol + rtol·|expected| elementwise.
func expectClose(_ actual: [Float], _ expected: [Float], rtol: Float = 1e-5, atol: Float = 1e-6, _ what: String = "",
                 sourceLocation: SourceLocation = #_sourceLocation) {
    expectClose(actual.map(Double.init), expected.map(Double.init), rtol: Double(rtol), atol: Double(atol), what,
                sourceLocation: sourceLocation)
}

func expectClose(_ actual: [Double], _ expected: [Double], rtol: Double = 1e-5, atol: Double = 1e-6, _ what: String = "",
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    var worst: (excess: Double, index: Int)? = nil
    var failures = 0
    for i in actual.indices {
        let a = actual[i], e = expected[i]
        if a.isNaN || e.isNaN {
            if a.isNaN != e.isNaN { failures += 1; if worst == nil { worst = (.infinity, i) } }
            continue
        }
        let excess = abs(a - e) - (atol + rtol * abs(e))
        if excess > 0 {
            failures += 1
            if worst == nil || excess > worst!.excess { worst = (excess, i) }
        }
    }
    if let worst {
        let i = worst.index
        Issue.record("\(what): \(failures) of \(actual.count) values differ; worst at [\(i)]: \(actual[i]) vs expected \(expected[i]) (rtol \(rtol), atol \(atol))",
                     sourceLocation: sourceLocation)
    }
}
