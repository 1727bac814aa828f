/// A stage's per-element latencies counted at fixed upper bounds, with their exact sum: what a
/// cumulative histogram exporter needs (Prometheus `_bucket{le=…}`, `_sum`, `_count`).
///
/// The counts are exact (not interpolated from the quantile buckets) and only grow, so snapshots
/// of successive runs can be added with ``add(_:)``.
///
/// ```swift
/// let latency = pipeline.metrics().stages[0].latencyBuckets
/// for (bound, count) in zip(LatencyBuckets.upperBounds, latency.cumulativeCounts) { print("≤ \(bound) s: \(count)") }
/// print("all: \(latency.count), total \(latency.sumSeconds) s")
/// ```
public struct LatencyBuckets: Codable, Sendable, Equatable {
    /// The bounds in nanoseconds: 10 µs to 10 s in steps of 1, 2.5 and 5.
    static let boundsNanoseconds: [Int] = [1, 10, 100, 1_000, 10_000, 100_000].flatMap { decade in
        [10_000 * decade, 25_000 * decade, 50_000 * decade]
    } + [10_000_000_000]

    /// The upper bounds, in seconds, ascending: 1e-05, 2.5e-05, 5e-05, 0.0001, … 5, 10. Slower
    /// elements are counted only in ``count`` (the `+Inf` bucket).
    public static let upperBounds: [Double] = boundsNanoseconds.map { Double($0) / 1e9 }

    /// `cumulativeCounts[i]` elements took at most `upperBounds[i]`.
    public internal(set) var cumulativeCounts: [Int]
    /// Every timed element.
    public internal(set) var count: Int
    /// The sum of their latencies, in nanoseconds (an integer, so sums stay exact).
    public internal(set) var sumNanoseconds: Int

    /// The sum of the latencies, in seconds.
    public var sumSeconds: Double { Double(sumNanoseconds) / 1e9 }

    public init() {
        cumulativeCounts = Array(repeating: 0, count: Self.boundsNanoseconds.count)
        count = 0
        sumNanoseconds = 0
    }

    /// Adds another set of counts (another worker's, or an earlier run's).
    public mutating func add(_ other: LatencyBuckets) {
        for index in cumulativeCounts.indices where index < other.cumulativeCounts.count {
            cumulativeCounts[index] += other.cumulativeCounts[index]
        }
        count += other.count
        sumNanoseconds &+= other.sumNanoseconds
    }

    enum CodingKeys: String, CodingKey {
        case cumulativeCounts = "cumulative_counts"
        case count
        case sumNanoseconds = "sum_nanoseconds"
    }
}
