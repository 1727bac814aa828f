import StreamKit

/// A clock whose `sleep` returns at once (after a yield) and moves `now` to the deadline.
/// Lets code written with real delays — the seed examples' simulated work — run instantly in
/// tests while keeping its order of events.
public final class ImmediateClock: Clock, Sendable {
    public typealias Instant = ManualClock.Instant

    private let current = Locked(Instant(offset: .zero))

    public init() {}

    public var now: Instant { current.withLock { $0 } }
    public var minimumResolution: Duration { .zero }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        current.withLock { $0 = max($0, deadline) }
        await Task.yield()
    }
}
