import Foundation
import StreamKit
import StreamKitTesting
import Testing

/// The sketch's documented bound: for q in (0, 1) the estimate is within `relativeAccuracy·|x|`
/// of x = sorted[⌊q·(n−1)⌋]; q = 0 and q = 1 are the exact minimum and maximum.
@Suite struct QuantileSketchTests {
    static let qs: [Double] = [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1]

    enum Distribution: String, CaseIterable, Sendable {
        case uniform, exponential, mixedSign, negative, pareto, logNormalWide, integersWithTies
    }

    static func sample(_ distribution: Distribution, count: Int, seed: UInt64) -> [Double] {
        var generator = SeededGenerator(seed: seed)
        func unit() -> Double { Double.random(in: Double.ulpOfOne..<1, using: &generator) }
        return (0..<count).map { _ in
            switch distribution {
            case .uniform: Double.random(in: 0.5..<1_000, using: &generator)
            case .exponential: -log(unit()) * 250
            case .mixedSign: Double.random(in: -1_000..<1_000, using: &generator)
            case .negative: -(0.01 + -log(unit()) * 40)
            // Heavy tail: Pareto with α = 1.1 (values up to ~1e14 at this sample size).
            case .pareto: 3 * pow(unit(), -1 / 1.1)
            // Nine decades of magnitude, both signs.
            case .logNormalWide: (Bool.random(using: &generator) ? 1 : -1) * exp(Double.random(in: -6..<15, using: &generator))
            case .integersWithTies: Double(Int.random(in: -5...20, using: &generator))
            }
        }
    }

    static func check(_ sketch: QuantileSketch, against values: [Double], accuracy: Double = 0.01) -> [String] {
        let sorted = values.sorted()
        var problems: [String] = []
        for q in qs {
            let exact = exactQuantile(sorted, q)
            let estimate = sketch.quantile(q)
            if q == 0 || q == 1 {
                if estimate != exact { problems.append("q\(q): \(String(describing: estimate)) is not exactly \(exact)") }
            } else if !withinSketchBound(estimate, exact, accuracy: accuracy) {
                problems.append("q\(q): \(String(describing: estimate)) vs \(exact)")
            }
        }
        return problems
    }

    @Test(arguments: Distribution.allCases)
    func estimatesWithinRelativeAccuracy(_ distribution: Distribution) {
        for (seed, count) in zip(UInt64(1)...6, [1, 2, 7, 100, 5_000, 50_000]) {
            let values = Self.sample(distribution, count: count, seed: seed)
            var sketch = QuantileSketch()
            for value in values { sketch.add(value) }
            #expect(sketch.count == values.count)
            #expect(sketch.min == values.min() && sketch.max == values.max())
            let problems = Self.check(sketch, against: values)
            #expect(problems.isEmpty, "\(distribution), n = \(count): \(problems)")
        }
    }

    /// (At 0.1 % this data, spanning a factor e^21, needs ~10 500 buckets per sign: more than
    /// the default 4 096, so the bound is raised.)
    @Test(arguments: [0.001, 0.005, 0.02, 0.05])
    func otherAccuracies(_ accuracy: Double) {
        let values = Self.sample(.logNormalWide, count: 20_000, seed: 42)
        var sketch = QuantileSketch(relativeAccuracy: accuracy, maxBuckets: 16_384)
        for value in values { sketch.add(value) }
        let problems = Self.check(sketch, against: values, accuracy: accuracy)
        #expect(problems.isEmpty, "accuracy \(accuracy): \(problems)")
    }

    @Test func emptyZerosAndNaN() {
        var sketch = QuantileSketch()
        #expect(sketch.quantile(0.5) == nil && sketch.count == 0)
        sketch.add(.nan)
        #expect(sketch.quantile(0.5) == nil && sketch.count == 0, "NaN is ignored")
        for _ in 0..<10 { sketch.add(0) }
        sketch.add(-3)
        sketch.add(5)
        #expect(sketch.quantile(0.5) == 0)
        #expect(sketch.quantile(0) == -3 && sketch.quantile(1) == 5)
        // Out-of-range q is clamped.
        #expect(sketch.quantile(-1) == -3 && sketch.quantile(2) == 5)
    }

    /// Merging sketches of parts gives the sketch of the whole (same buckets, same answers),
    /// whatever the split and the order.
    @Test(arguments: Distribution.allCases)
    func mergeEqualsAddingAll(_ distribution: Distribution) {
        let values = Self.sample(distribution, count: 12_000, seed: 7)
        var whole = QuantileSketch()
        for value in values { whole.add(value) }
        var generator = SeededGenerator(seed: 99)
        let parts = Int.random(in: 2...9, using: &generator)
        var pieces = [QuantileSketch](repeating: QuantileSketch(), count: parts)
        for value in values { pieces[Int.random(in: 0..<parts, using: &generator)].add(value) }
        var merged = QuantileSketch()
        for piece in pieces.reversed() { merged.merge(piece) }
        #expect(merged == whole)
        #expect(merged.count == whole.count && merged.min == whole.min && merged.max == whole.max)
        for q in Self.qs { #expect(merged.quantile(q) == whole.quantile(q), "q\(q)") }
        // Merging an empty sketch changes nothing; merging into an empty one copies.
        var copy = whole
        copy.merge(QuantileSketch())
        #expect(copy == whole)
        var empty = QuantileSketch()
        empty.merge(whole)
        for q in Self.qs { #expect(empty.quantile(q) == whole.quantile(q)) }
    }

    /// With few buckets allowed, the smallest magnitudes are folded together: upper quantiles
    /// (of positive data) stay within the bound, and memory stays bounded.
    @Test func collapseKeepsUpperQuantilesAccurate() {
        // Values spread over 1e-3 … 1e6: about 1 000 buckets at 1 %; keep 100.
        var generator = SeededGenerator(seed: 3)
        let values = (0..<40_000).map { _ in exp(Double.random(in: log(1e-3)..<log(1e6), using: &generator)) }
        var sketch = QuantileSketch(maxBuckets: 100)
        for value in values { sketch.add(value) }
        let sorted = values.sorted()
        // The 100 buckets kept cover the top factor γ^99 ≈ 7.2 of magnitudes: above 1e6/7.2,
        // i.e. quantiles above ≈ 0.905 of this log-uniform data.
        for q in [0.92, 0.95, 0.99, 0.999] {
            let exact = exactQuantile(sorted, q)
            #expect(withinSketchBound(sketch.quantile(q), exact), "q\(q): \(String(describing: sketch.quantile(q))) vs \(exact)")
        }
        #expect(sketch.quantile(1) == sorted.last && sketch.quantile(0) == sorted.first)
        // Lower quantiles are folded into the lowest kept bucket: not accurate, but never below
        // the minimum and never above the true value's bucket range.
        let low = sketch.quantile(0.5)!
        #expect(low >= sorted.first! && low <= 1e6)

        // Merging collapsed sketches keeps the same guarantee.
        var a = QuantileSketch(maxBuckets: 100), b = QuantileSketch(maxBuckets: 100)
        for (index, value) in values.enumerated() {
            if index % 2 == 0 { a.add(value) } else { b.add(value) }
        }
        a.merge(b)
        for q in [0.92, 0.99, 0.999] {
            #expect(withinSketchBound(a.quantile(q), exactQuantile(sorted, q)), "merged q\(q)")
        }
        #expect(a.count == values.count)
    }

    /// Growth in both directions past the bound: elements arriving largest-first, then smaller
    /// ones (downward folding), then larger ones (upward shifting).
    @Test func collapseInBothDirections() {
        var sketch = QuantileSketch(maxBuckets: 50)
        var values: [Double] = []
        for exponent in stride(from: 6.0, through: -3.0, by: -0.01) { values.append(pow(10, exponent)) }
        for exponent in stride(from: 6.0, through: 9.0, by: 0.01) { values.append(pow(10, exponent)) }
        for value in values { sketch.add(value) }
        let sorted = values.sorted()
        // 50 buckets at 1 % span a factor γ^49 ≈ 2.66: the top 0.4 decades.
        for q in [0.99, 0.995, 0.999] {
            let exact = exactQuantile(sorted, q)
            #expect(exact > 1e9 / 2.6)
            #expect(withinSketchBound(sketch.quantile(q), exact), "q\(q): \(String(describing: sketch.quantile(q))) vs \(exact)")
        }
        #expect(sketch.count == values.count)
    }
}
