/// A clock whose instants are ``Timestamp``s (microseconds since the Unix epoch), built on any
/// clock: windows align to the epoch whichever clock drives them, and tests drive them with a
/// `ManualClock`.
///
/// ```swift
/// let clock = WindowClock(manualClock, origin: 1_700_000_000)  // manual time starts there
/// ```
public struct WindowClock: Clock {
    public typealias Instant = Timestamp

    private let read: @Sendable () -> Timestamp
    private let sleeper: @Sendable (Timestamp) async throws -> Void

    /// `origin` is the epoch time `clock.now` stands for (by default, the wall clock's now).
    public init<C: Clock>(_ clock: C, origin: Timestamp = WallClock.timestamp()) where C.Duration == Duration {
        let start = clock.now
        // Elapsed time rounded down to the microsecond: once a sleep until a deadline (a whole
        // microsecond) returns, `now` has reached it.
        read = { origin.advanced(by: start.duration(to: clock.now)) }
        sleeper = { deadline in try await clock.sleep(until: start.advanced(by: origin.duration(to: deadline)), tolerance: nil) }
    }

    /// The continuous clock, anchored to the wall clock.
    public static var system: WindowClock { WindowClock(ContinuousClock()) }

    public var now: Timestamp { read() }
    public var minimumResolution: Duration { .microseconds(1) }

    public func sleep(until deadline: Timestamp, tolerance: Duration? = nil) async throws {
        try await sleeper(deadline)
    }
}
