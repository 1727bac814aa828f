/// A log-linear histogram of durations in nanoseconds, updated with relaxed atomics.
///
/// Buckets are exact below 16 ns, then 8 per power of two, so a reported quantile is within
/// 6.25 % of the true value (half a bucket's width). It also keeps the exact sum, and exact
/// counts at the fixed ``LatencyBuckets/upperBounds`` for cumulative-histogram exporters: each of
/// those bounds falls inside one log-linear bucket, and only a value in that bucket is compared
/// with the bound (a table look-up per record, an extra add for values at or below the bound).
/// Memory is fixed: 517 counters. A histogram with a single writer (`exclusive`, an unordered
/// worker's own) records with plain relaxed loads and stores; a shared one with atomic adds.
@usableFromInline
final class LatencyHistogram: Sendable {
    @usableFromInline static let bucketCount = 16 + 60 * 8
    @usableFromInline static let maximumSlot = bucketCount
    @usableFromInline static let sumSlot = bucketCount + 1
    /// Then one counter per bound: values at or below it that fell in the bucket holding it.
    @usableFromInline static let atOrBelowSlot = bucketCount + 2

    /// The buckets, the maximum, the sum, then the at-or-below counters.
    @usableFromInline let counters = AtomicCounters(count: atOrBelowSlot + LatencyBuckets.boundsNanoseconds.count)
    /// ``StraddleTable/shared``, read through a stored pointer so the hot path loads no global.
    /// (nonisolated(unsafe): the table is written once, by the first histogram's init, then only read.)
    @usableFromInline nonisolated(unsafe) let straddle: UnsafePointer<Int>

    /// Whether only one task ever records (then no read-modify-write is needed).
    @usableFromInline let exclusive: Bool

    @usableFromInline init(exclusive: Bool = false) {
        self.exclusive = exclusive
        straddle = StraddleTable.shared.entries
    }

    @inlinable
    func record(nanoseconds value: Int) {
        let clamped = max(0, value)
        let bucket = Self.bucket(for: clamped)
        // -1 for a bucket holding no bound, which no clamped value is at or below.
        let atOrBelow = clamped <= straddle[bucket]
        if exclusive {
            counters.addExclusive(1, at: bucket)
            counters.addExclusive(clamped, at: Self.sumSlot)
            if atOrBelow { counters.addExclusive(1, at: straddle[Self.bucketCount + bucket]) }
            counters.maxExclusive(clamped, at: Self.maximumSlot)
        } else {
            counters.add(1, at: bucket)
            counters.add(clamped, at: Self.sumSlot)
            if atOrBelow { counters.add(1, at: straddle[Self.bucketCount + bucket]) }
            counters.max(clamped, at: Self.maximumSlot)
        }
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
        runningMaximum = max(runningMaximum, counters.load(Self.maximumSlot))
    }

    /// This histogram's counts at the fixed bounds. The at-or-below counters are read before the
    /// buckets and capped by their bucket, so the counts are cumulative even while workers record.
    func buckets() -> LatencyBuckets {
        let bounds = LatencyBuckets.boundsNanoseconds
        let atOrBelow = bounds.indices.map { counters.load(Self.atOrBelowSlot + $0) }
        let sum = counters.load(Self.sumSlot)
        var result = LatencyBuckets()
        var below = 0  // values in the buckets before the current one
        var bucket = 0
        for (index, bound) in bounds.enumerated() {
            let holding = Self.bucket(for: bound)
            while bucket < holding {
                below += counters.load(bucket)
                bucket += 1
            }
            result.cumulativeCounts[index] = below + min(atOrBelow[index], counters.load(holding))
        }
        while bucket < Self.bucketCount {
            below += counters.load(bucket)
            bucket += 1
        }
        result.count = max(below, result.cumulativeCounts.last ?? 0)
        result.sumNanoseconds = sum
        return result
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

/// Per log-linear bucket: the bound of ``LatencyBuckets/boundsNanoseconds`` inside it (or -1),
/// then the counter slot of that bound. Built once, never freed.
struct StraddleTable: Sendable {
    /// nonisolated(unsafe): written once in `init`, only read afterwards.
    nonisolated(unsafe) let entries: UnsafePointer<Int>

    static let shared = StraddleTable()

    private init() {
        let count = LatencyHistogram.bucketCount
        let table = UnsafeMutablePointer<Int>.allocate(capacity: 2 * count)
        table.initialize(repeating: -1, count: count)
        (table + count).initialize(repeating: 0, count: count)
        for (index, bound) in LatencyBuckets.boundsNanoseconds.enumerated() {
            let bucket = LatencyHistogram.bucket(for: bound)
            assert(table[bucket] == -1, "two bounds in one bucket")  // bounds are ≥ 2× apart
            table[bucket] = bound
            table[count + bucket] = LatencyHistogram.atOrBelowSlot + index
        }
        entries = UnsafePointer(table)
    }
}
