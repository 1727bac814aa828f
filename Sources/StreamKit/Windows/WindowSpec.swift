/// What a window is: its shape, its notion of time and its limits (SPEC §2.5).
///
/// ```swift
/// // 2 s windows every 500 ms, by the timestamp in each element, 1 s out of order allowed.
/// let spec = WindowSpec(.sliding(size: .seconds(2), slide: .milliseconds(500)),
///                       time: .event(maxOutOfOrderness: .seconds(1)))
/// ```
public struct WindowSpec: Sendable, Hashable {
    public enum Shape: Sendable, Hashable {
        /// Back-to-back windows of `size`, aligned to multiples of `size` since the epoch. Time
        /// window lengths are whole microseconds (a finer remainder is ignored).
        case tumbling(size: Duration)
        /// Windows of `size` starting every `slide` (aligned to multiples of `slide`); an element
        /// belongs to `size / slide` of them.
        case sliding(size: Duration, slide: Duration)
        /// Per key, a window that stays open while elements keep arriving less than `gap` apart.
        case session(gap: Duration)
        /// Every `size` elements of a key.
        case tumblingCount(size: Int)
        /// The last `size` elements of a key, every `slide` elements.
        case slidingCount(size: Int, slide: Int)
    }

    /// Which clock windows follow.
    public enum Time: Sendable, Hashable {
        /// The time an element is processed, read from the stage's clock.
        case processing
        /// A timestamp carried by each element. The watermark is the largest timestamp seen minus
        /// `maxOutOfOrderness`; a window closes once the watermark passes its end plus
        /// `allowedLateness`. Elements for windows already closed are late.
        case event(maxOutOfOrderness: Duration = .zero, allowedLateness: Duration = .zero)
    }

    public var shape: Shape
    public var time: Time
    /// Most keys with open windows at once; an element of a new key beyond it is rejected (to
    /// the side output) and counted, so memory stays bounded whatever the keys look like.
    public var maxKeys: Int
    /// With event time, once no element has arrived for this long, the watermark starts moving
    /// with the processing clock, so a quiet stream still closes its windows. `nil`: the window
    /// size (the gap for sessions).
    public var idleTimeout: Duration?

    public init(_ shape: Shape, time: Time = .processing, maxKeys: Int = 100_000, idleTimeout: Duration? = nil) {
        // Time windows compute in whole microseconds: lengths are at least 1 µs.
        let microsecond = Duration.microseconds(1)
        switch shape {
        case .tumbling(let size):
            precondition(size >= microsecond, "a tumbling window needs a size of at least 1 µs")
        case .sliding(let size, let slide):
            precondition(slide >= microsecond && size >= slide, "a sliding window needs 1 µs <= slide <= size")
        case .session(let gap):
            precondition(gap >= microsecond, "a session window needs a gap of at least 1 µs")
        case .tumblingCount(let size):
            precondition(size >= 1, "a count window needs a size of at least 1")
        case .slidingCount(let size, let slide):
            precondition(slide >= 1 && size >= slide, "a sliding count window needs 1 <= slide <= size")
        }
        precondition(maxKeys >= 1, "maxKeys must be at least 1")
        self.shape = shape
        self.time = time
        self.maxKeys = maxKeys
        self.idleTimeout = idleTimeout
    }

    /// Whether windows are measured in elements rather than time.
    public var isCountBased: Bool {
        switch shape {
        case .tumblingCount, .slidingCount: true
        default: false
        }
    }

    /// The allowances in whole microseconds, as the engine computes with them.
    var maxOutOfOrderness: Int64 {
        if case .event(let delay, _) = time { delay.wholeMicroseconds } else { 0 }
    }

    var allowedLateness: Int64 {
        if case .event(_, let lateness) = time { lateness.wholeMicroseconds } else { 0 }
    }

    var isEventTime: Bool {
        if case .event = time { true } else { false }
    }

    /// The idle timeout in microseconds, defaulting to the window length (count windows: never).
    var idleMicroseconds: Int64 {
        if let idleTimeout { return idleTimeout.wholeMicroseconds }
        return switch shape {
        case .tumbling(let size), .sliding(let size, _): size.wholeMicroseconds
        case .session(let gap): gap.wholeMicroseconds
        case .tumblingCount, .slidingCount: Timestamp.limit
        }
    }
}
