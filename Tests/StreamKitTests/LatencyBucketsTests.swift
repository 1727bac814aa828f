import Foundation
@testable import StreamKit
import StreamKitTesting
import Testing

/// Exact counts at the fixed bounds (what `/metrics` exports as a histogram), beside the
/// log-linear buckets the quantiles come from.
@Suite struct LatencyBucketsTests {
    /// The counts a histogram must report for `values`, computed the slow way.
    static func expected(_ values: [Int]) -> LatencyBuckets {
        var buckets = LatencyBuckets()
        buckets.cumulativeCounts = LatencyBuckets.boundsNanoseconds.map { bound in values.filter { max(0, $0) <= bound }.count }
        buckets.count = values.count
        buckets.sumNanoseconds = values.reduce(0) { $0 + max(0, $1) }
        return buckets
    }

    @Test func boundsRunFromTenMicrosecondsToTenSeconds() {
        #expect(LatencyBuckets.upperBounds.first == 1e-5 && LatencyBuckets.upperBounds.last == 10)
        #expect(LatencyBuckets.upperBounds == LatencyBuckets.upperBounds.sorted())
        #expect(LatencyBuckets.upperBounds.count == 19)
        #expect(LatencyBuckets.upperBounds.contains(2.5e-4) && LatencyBuckets.upperBounds.contains(0.5))
    }

    /// Values on, just below and just above every bound (each inside a log-linear bucket that
    /// straddles it), plus the extremes: every cumulative count is exact.
    @Test func countsAreExactAtEveryBound() {
        let histogram = LatencyHistogram()
        var values = [0, -5, 1, 15, 16, 9_999, Int.max / 4]
        for bound in LatencyBuckets.boundsNanoseconds { values += [bound - 1, bound, bound, bound + 1] }
        for value in values { histogram.record(nanoseconds: value) }
        let buckets = histogram.buckets()
        #expect(buckets == Self.expected(values))
        #expect(buckets.cumulativeCounts.last! < buckets.count, "a value above 10 s is only in +Inf")
    }

    @Test func randomLatenciesMatchTheSlowCount() {
        var generator = SeededGenerator(seed: 42)
        let histogram = LatencyHistogram()
        var values: [Int] = []
        for _ in 0..<50_000 {
            // Log-uniform from 1 µs to 20 s, so every bound gets neighbours.
            let value = Int(1_000 * pow(10, Double.random(in: 0..<7.3, using: &generator)))
            values.append(value)
            histogram.record(nanoseconds: value)
        }
        #expect(histogram.buckets() == Self.expected(values))
    }

    @Test func addingSnapshotsAddsCounts() {
        let first = LatencyHistogram(), second = LatencyHistogram()
        for value in [5_000, 30_000, 2_000_000_000] { first.record(nanoseconds: value) }
        for value in [10_000, 20_000_000_000] { second.record(nanoseconds: value) }
        var total = first.buckets()
        total.add(second.buckets())
        #expect(total == Self.expected([5_000, 30_000, 2_000_000_000, 10_000, 20_000_000_000]))
        #expect(total.sumSeconds == 22.000_045)
    }

    /// A pipeline stage times every element once: `count` is what it received.
    @Test func stageSnapshotCountsEveryElement() async throws {
        let input = Channel<Int>(capacity: 64)
        let output = Channel<Int>(capacity: 64)
        let pipeline = Pipeline.from(input).via(Stage("x", workers: 3, capacity: 64) { $0 }).to(output)
        for value in 0..<50 { try await input.send(value) }
        input.close()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run() }
            group.addTask { for await _ in output {} }
            try await group.waitForAll()
        }
        let latency = pipeline.metrics().stages[0].latencyBuckets
        #expect(latency.count == 50)
        #expect(latency.cumulativeCounts == latency.cumulativeCounts.sorted() && latency.cumulativeCounts.last! <= 50)
        #expect(latency.sumNanoseconds > 0)
    }
}
