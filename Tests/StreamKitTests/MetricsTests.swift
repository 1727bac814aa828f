@testable import StreamKit
import Testing

@Suite struct MetricsTests {
    @Test func histogramBucketsRoundTrip() {
        for value in [0, 1, 15, 16, 17, 100, 1_000, 123_456, 10_000_000_000] {
            let (lower, width) = LatencyHistogram.range(of: LatencyHistogram.bucket(for: value))
            #expect(lower <= value && value < lower + width, "\(value) not in [\(lower), \(lower + width))")
            #expect(Double(width) <= max(1, Double(value) / 8), "bucket too wide for \(value)")
        }
    }

    /// Quantiles are within the documented 6.25 % of the exact value.
    @Test func histogramQuantilesWithinErrorBound() {
        let histogram = LatencyHistogram()
        var generator = SystemRandomNumberGenerator()
        var values: [Int] = []
        for _ in 0..<20_000 {
            let value = Int.random(in: 1_000...5_000_000, using: &generator)
            values.append(value)
            histogram.record(nanoseconds: value)
        }
        values.sort()
        var counts = [Int](repeating: 0, count: LatencyHistogram.bucketCount)
        var maximum = 0
        histogram.accumulate(into: &counts, maximum: &maximum)
        #expect(maximum == values.last)
        let estimates = LatencyHistogram.quantiles([0.5, 0.9, 0.99], counts: counts, maximum: maximum)
        for (q, estimate) in zip([0.5, 0.9, 0.99], estimates) {
            let exact = Double(values[Int((q * Double(values.count)).rounded(.up)) - 1])
            #expect(abs(estimate - exact) / exact <= 0.0625, "q\(q): \(estimate) vs \(exact)")
        }
    }

    @Test func rateWindow() {
        var window = RateWindow()
        #expect(window.rate(over: 1) == 0)
        for second in 0...70 { window.add(seconds: Double(second), total: second * 100) }
        #expect(window.rate(over: 1) == 100)
        #expect(window.rate(over: 60) == 100)
    }
}
