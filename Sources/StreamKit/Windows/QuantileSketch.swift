#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A mergeable quantile sketch with a relative error bound (DDSketch, Masson et al., VLDB 2019).
///
/// **Error bound**: for any `q`, ``quantile(_:)`` returns a value within `relativeAccuracy`
/// (default 1 %) of the true value at rank ⌊q·(n−1)⌋ of the sorted input: |estimate − x| ≤
/// accuracy·|x|. Values with |x| < 1e-9 count as zero (returned as 0). Memory is one counter per
/// occupied bucket: about 1 000 buckets span 1e-3…1e6 at 1 %, and each sign keeps at most
/// `maxBuckets`; beyond that the smallest magnitudes are merged (only quantiles among them lose
/// accuracy).
public struct QuantileSketch: Sendable, Hashable {
    public let relativeAccuracy: Double
    private let logGamma: Double
    private let maxBuckets: Int
    private var positive = Buckets()
    private var negative = Buckets()
    private var zeroCount = 0
    public private(set) var count = 0
    public private(set) var min = Double.infinity
    public private(set) var max = -Double.infinity

    static let minMagnitude = 1e-9

    public init(relativeAccuracy: Double = 0.01, maxBuckets: Int = 4096) {
        precondition(relativeAccuracy > 0 && relativeAccuracy < 1, "relative accuracy is a fraction between 0 and 1")
        self.relativeAccuracy = relativeAccuracy
        self.logGamma = log((1 + relativeAccuracy) / (1 - relativeAccuracy))
        self.maxBuckets = maxBuckets
    }

    /// Adds a value (NaN is ignored).
    @inlinable
    public mutating func add(_ value: Double) {
        guard !value.isNaN else { return }
        record(value)
    }

    @usableFromInline
    mutating func record(_ value: Double) {
        count += 1
        if value < min { min = value }
        if value > max { max = value }
        let magnitude = abs(value)
        if magnitude < Self.minMagnitude {
            zeroCount += 1
        } else if value > 0 {
            positive.add(index(magnitude), maxBuckets: maxBuckets)
        } else {
            negative.add(index(magnitude), maxBuckets: maxBuckets)
        }
    }

    public mutating func merge(_ other: QuantileSketch) {
        precondition(other.relativeAccuracy == relativeAccuracy, "only sketches of the same accuracy merge")
        guard other.count > 0 else { return }
        count += other.count
        zeroCount += other.zeroCount
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        positive.merge(other.positive, maxBuckets: maxBuckets)
        negative.merge(other.negative, maxBuckets: maxBuckets)
    }

    /// The estimated value at quantile `q` (0…1), or `nil` when empty. `q = 0` and `q = 1` give
    /// the exact minimum and maximum.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let q = Swift.min(1, Swift.max(0, q))
        if q == 0 { return min }
        if q == 1 { return max }
        let rank = Double(count - 1) * q
        var seen = 0
        // Most negative first: negative buckets from the largest magnitude down.
        for (index, bucketCount) in negative.descending {
            seen += bucketCount
            if Double(seen) > rank { return Swift.max(min, -value(index)) }
        }
        seen += zeroCount
        if Double(seen) > rank { return 0 }
        for (index, bucketCount) in positive.ascending {
            seen += bucketCount
            if Double(seen) > rank { return Swift.min(max, value(index)) }
        }
        return max
    }

    /// The bucket of a magnitude: bucket i holds (γ^(i−1), γ^i].
    @inline(__always)
    private func index(_ magnitude: Double) -> Int {
        Int((log(magnitude) / logGamma).rounded(.up))
    }

    /// The value that represents bucket i: within the relative accuracy of everything in it.
    private func value(_ index: Int) -> Double {
        2 * exp(Double(index) * logGamma) / (exp(logGamma) + 1)
    }
}

/// Counts per bucket index, dense from `offset`. Grows in either direction by at least its own
/// size (amortised, like an array append), within `maxBuckets`.
private struct Buckets: Sendable, Hashable {
    var offset = 0
    var counts: [Int] = []

    /// Buckets a new store starts with around its first index (values of one window usually
    /// span a few dozen buckets).
    static let initialSpan = 8

    @inline(__always)
    mutating func add(_ index: Int, count: Int = 1, maxBuckets: Int) {
        let position = index - offset
        if position >= 0, position < counts.count {
            counts[position] += count
        } else {
            grow(toInclude: index, maxBuckets: maxBuckets)
            counts[Swift.min(Swift.max(index - offset, 0), counts.count - 1)] += count
        }
    }

    /// Makes room for `index`. Past `maxBuckets`, the lowest magnitudes are merged: a lower index
    /// lands in the lowest bucket, and growing upwards folds the lowest buckets into one.
    private mutating func grow(toInclude index: Int, maxBuckets: Int) {
        if counts.isEmpty {
            let span = Swift.min(Self.initialSpan, maxBuckets)
            offset = index - span / 2
            counts = Array(repeating: 0, count: span)
            return
        }
        if index < offset {
            let wanted = Swift.max(offset - index, counts.count)
            let room = Swift.min(wanted, maxBuckets - counts.count)
            guard room > 0 else { return }
            counts.insert(contentsOf: repeatElement(0, count: room), at: 0)
            offset -= room
        } else {
            let needed = index - offset + 1
            let wanted = Swift.min(Swift.max(needed, 2 * counts.count), Swift.max(needed, maxBuckets))
            if wanted > maxBuckets {
                // Keep the largest magnitudes: fold the lowest buckets upwards.
                let shift = needed - maxBuckets
                let folded = counts.prefix(shift).reduce(0, +)
                counts.removeFirst(Swift.min(shift, counts.count))
                offset += shift
                if counts.isEmpty { counts = [0] }
                counts[0] += folded
                counts.append(contentsOf: repeatElement(0, count: maxBuckets - counts.count))
            } else {
                counts.append(contentsOf: repeatElement(0, count: wanted - counts.count))
            }
        }
    }

    mutating func merge(_ other: Buckets, maxBuckets: Int) {
        for (position, bucketCount) in other.counts.enumerated() where bucketCount > 0 {
            add(other.offset + position, count: bucketCount, maxBuckets: maxBuckets)
        }
    }

    /// The occupied range: what equality and hashing look at (padding from growth is not content).
    private var trimmed: (offset: Int, counts: ArraySlice<Int>) {
        guard let first = counts.firstIndex(where: { $0 != 0 }), let last = counts.lastIndex(where: { $0 != 0 }) else {
            return (0, [])
        }
        return (offset + first, counts[first...last])
    }

    static func == (a: Buckets, b: Buckets) -> Bool {
        let (x, y) = (a.trimmed, b.trimmed)
        return x.offset == y.offset && x.counts.elementsEqual(y.counts)
    }

    func hash(into hasher: inout Hasher) {
        let (offset, counts) = trimmed
        hasher.combine(offset)
        for count in counts { hasher.combine(count) }
    }

    var ascending: some Sequence<(Int, Int)> {
        counts.enumerated().lazy.filter { $0.element > 0 }.map { (offset + $0.offset, $0.element) }
    }

    var descending: some Sequence<(Int, Int)> {
        counts.enumerated().reversed().lazy.filter { $0.element > 0 }.map { (offset + $0.offset, $0.element) }
    }
}
