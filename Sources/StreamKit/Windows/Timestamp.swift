/// A point in time as a whole number of microseconds since the Unix epoch.
///
/// Windows assign, compare and report times in this exact integer form, so an element stamped
/// exactly on a boundary belongs to the window that starts there: `0.3` s is 300 000 µs, while
/// the binary double nearest to 1 700 000 000.3 lies below the boundary and would fall into the
/// previous window. Doubles appear only at the edges (``init(seconds:)``, ``seconds``).
///
/// ```swift
/// let t = Timestamp(milliseconds: 1_700_000_000_300)   // exactly 1 700 000 000.3 s
/// let u: Timestamp = 0.25                               // literals are seconds
/// ```
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var microseconds: Int64

    /// The largest magnitude a timestamp may have (about 9 100 years either side of 1970), so
    /// that sums of a few timestamps and window lengths never overflow.
    public static let limit: Int64 = 1 << 58

    @inlinable public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    @inlinable public init(milliseconds: Int64) {
        self.microseconds = milliseconds * 1000
    }

    /// Seconds rounded to the nearest microsecond: exact for any decimal with up to six fraction
    /// digits in the range of real dates (a double near 1.7e9 is within 0.12 µs of it). `nil` for
    /// NaN, infinities and times beyond ``limit``.
    @inlinable public init?(seconds: Double) {
        guard seconds.isFinite, seconds.magnitude < Double(Self.limit) / 1_000_000 else { return nil }
        // Whole seconds and the fraction separately: `seconds - whole` is exact, so only the
        // fraction is rounded.
        let whole = seconds.rounded(.down)
        self.microseconds = Int64(whole) * 1_000_000 + Int64(((seconds - whole) * 1_000_000).rounded())
    }

    /// The nearest `Double`: its shortest decimal form is the exact time (JSON output).
    @inlinable public var seconds: Double {
        Double(microseconds) / 1_000_000
    }

    /// The time as exact decimal seconds, e.g. `1700000000.3` or `-0.000001`.
    public var description: String {
        let sign = microseconds < 0 ? "-" : ""
        let magnitude = microseconds.magnitude
        let whole = magnitude / 1_000_000
        let fraction = magnitude % 1_000_000
        guard fraction != 0 else { return "\(sign)\(whole)" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(sign)\(whole).\(digits)"
    }

    @inlinable public static func < (a: Timestamp, b: Timestamp) -> Bool {
        a.microseconds < b.microseconds
    }
}

extension Timestamp: InstantProtocol {
    @inlinable public func advanced(by duration: Duration) -> Timestamp {
        Timestamp(microseconds: microseconds + duration.wholeMicroseconds)
    }

    @inlinable public func duration(to other: Timestamp) -> Duration {
        .microseconds(other.microseconds - microseconds)
    }
}

extension Timestamp: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    /// Whole seconds since the epoch.
    public init(integerLiteral seconds: Int64) {
        self.init(microseconds: seconds * 1_000_000)
    }

    /// Seconds since the epoch, rounded to the microsecond (`0.3` is exactly 300 000 µs).
    public init(floatLiteral seconds: Double) {
        guard let time = Timestamp(seconds: seconds) else { preconditionFailure("\(seconds) s is not a valid timestamp") }
        self = time
    }
}

extension Duration {
    /// Whole microseconds (rounded towards zero), capped at ``Timestamp/limit``: a window length
    /// or allowance in the units window arithmetic uses.
    @inlinable public var wholeMicroseconds: Int64 {
        let (seconds, attoseconds) = components
        let limit = Timestamp.limit
        guard seconds.magnitude < UInt64(limit / 1_000_000) else { return seconds < 0 ? -limit : limit }
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
