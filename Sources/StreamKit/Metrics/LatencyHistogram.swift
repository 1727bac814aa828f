/// A log-linear histogram of durations in nanoseconds, updated with relaxed atomics.
///
/// Buckets are exact below 16 ns, then 8 per power of two, so a reported quantile is within
/// 6.25 % of the true value (half a bucket's width). Memory is fixed: 496 counters.
@usableFromInline
final class LatencyHistogram: Sendable {
    @usableFromInline static let bucketCount = 16 + 60 * 8

    /// The buckets, then the maximum in the last slot.
    @usableFromInline let counters = AtomicCounters(count: bucketCount + 1)

    @usableFromInline init() {}

    @inlinable
    func record(nanoseconds value: Int) {
        let clamped = max(0, value)
        counters.add(1, at: Self.bucket(for: clamped))
        counters.max(clamped, at: Self.bucketCount)
    }

    @inlinable
    static func bucket(for value: Int) -> Int {
        guard value >= 16 else { return value }
        let exponent = Int.bitWidth - 1 - value.leadingZeroBitCount  // ≥ 4
        let subBucket = (value >> (exponent - 3)) & 7
        return min(16 + (exponent - 4) * 8 + subBucket, bucketCount - 1)
    }

    /// The smallest value that falls in `bucket`, and the bucket's width.
    static func range(of bucket: Int) -> (lower: Int, width: Int) {
        guard bucket >= 16 else { return (bucket, 1) }
        let exponent = (bucket - 16) / 8 + 4
        let subBucket = (bucket - 16) % 8
        let width = 1 << (exponent - 3)
        return ((8 + subBucket) * width, width)
    }

    /// Adds this histogram's counts into `counts` (one entry per bucket).
    func accumulate(into counts: inout [Int], maximum runningMaximum: inout Int) {
        for index in 0..<Self.bucketCount { counts[index] += counters.load(index) }
        runningMaximum = max(runningMaximum, counters.load(Self.bucketCount))
    }

    /// Quantiles (0…1) of merged bucket counts, in nanoseconds; the midpoint of the bucket that
    /// holds the quantile, never above the observed maximum.
    static func quantiles(_ qs: [Double], counts: [Int], maximum: Int) -> [Double] {
        let total = counts.reduce(0, +)
        guard total > 0 else { return qs.map { _ in 0 } }
        return qs.map { q in
            let rank = max(1, Int((q * Double(total)).rounded(.up)))
            var seen = 0
            for (index, count) in counts.enumerated() where count > 0 {
                seen += count
                if seen >= rank {
                    let (lower, width) = range(of: index)
                    return min(Double(lower) + Double(width - 1) / 2, Double(maximum))
                }
            }
            return Double(maximum)
        }
    }
}
