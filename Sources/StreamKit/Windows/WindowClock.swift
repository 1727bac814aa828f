/// A clock whose instants are seconds since the Unix epoch, built on any clock: windows align to
/// the epoch whichever clock drives them, and tests drive them with a `ManualClock`.
///
/// ```swift
/// let clock = WindowClock(manualClock, origin: 1_700_000_000)  // manual time starts there
/// ```
public struct WindowClock: Clock {
    public struct Instant: InstantProtocol, Sendable, Hashable, Comparable {
        /// Seconds since the Unix epoch.
        public var seconds: Double
        public init(seconds: Double) { self.seconds = seconds }
        public func advanced(by duration: Duration) -> Instant { Instant(seconds: seconds + duration.seconds) }
        public func duration(to other: Instant) -> Duration { .seconds(other.seconds - seconds) }
        public static func < (a: Instant, b: Instant) -> Bool { a.seconds < b.seconds }
    }

    private let read: @Sendable () -> Double
    private let sleeper: @Sendable (Double) async throws -> Void

    /// `origin` is the epoch time `clock.now` stands for (by default, the wall clock's now).
    public init<C: Clock>(_ clock: C, origin: Double = WallClock.now()) where C.Duration == Duration {
        let start = clock.now
        read = { origin + start.duration(to: clock.now).seconds }
        sleeper = { deadline in try await clock.sleep(until: start.advanced(by: .seconds(deadline - origin)), tolerance: nil) }
    }

    /// The continuous clock, anchored to the wall clock.
    public static var system: WindowClock { WindowClock(ContinuousClock()) }

    public var now: Instant { Instant(seconds: read()) }
    public var minimumResolution: Duration { .nanoseconds(1) }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await sleeper(deadline.seconds)
    }
}
