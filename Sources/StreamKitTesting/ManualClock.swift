import StreamKit

/// A clock that moves only when told to: sleepers wake when ``advance(by:)`` passes their
/// deadline. For deterministic tests of timers, windows and timeouts.
///
/// A test advances the clock once the code under test is known to be asleep on it, which it
/// learns from the sleepers' deadlines rather than by waiting for real time to pass:
///
/// ```swift
/// let clock = ManualClock()
/// let attempt = Task { try await deliver(timeout: .seconds(5), clock: clock) }
/// await clock.waitForSleeper(until: clock.now.advanced(by: .seconds(5)))  // the timeout is armed
/// clock.advance(by: .seconds(5))                                          // and now it fires
/// ```
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol, Sendable, Hashable, Comparable, CustomStringConvertible {
        /// Time since the clock was created.
        public var offset: Duration

        public init(offset: Duration) { self.offset = offset }
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        public var description: String { "+\(offset)" }
    }

    private let state = Locked(ManualClockState<UnsafeContinuation<Void, any Error>, UnsafeContinuation<Void, Never>>())

    public init() {}

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }

    /// Tasks currently sleeping on this clock.
    public var sleeperCount: Int { state.withLock { $0.deadlines.count } }

    /// When the tasks sleeping on this clock now will wake, earliest first.
    public var deadlines: [Instant] { state.withLock { $0.deadlines } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { $0.makeID() }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                let action = state.withLock { state in
                    state.sleep(id: id, until: deadline, continuation, cancelled: Task.isCancelled)
                }
                perform(action)
            }
        } onCancel: {
            perform(state.withLock { $0.cancelSleep(id: id) })
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has passed, earliest first.
    public func advance(by duration: Duration) {
        perform(state.withLock { $0.advance(by: duration) })
    }

    /// Waits until `condition` holds for the sleepers' deadlines (earliest first): at once if it
    /// does now, otherwise when a sleeper arrives or leaves. Never waits for real time, and
    /// returns early (condition unmet) if the waiting task is cancelled.
    public func waitForSleepers(where condition: @escaping @Sendable (_ deadlines: [Instant]) -> Bool) async {
        let id = state.withLock { $0.makeID() }
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let action = state.withLock { state in
                    state.watch(id: id, condition, continuation, cancelled: Task.isCancelled)
                }
                perform(action)
            }
        } onCancel: {
            perform(state.withLock { $0.cancelWatch(id: id) })
        }
    }

    /// Waits until at least `count` tasks sleep on this clock.
    public func waitForSleepers(_ count: Int = 1) async {
        await waitForSleepers { $0.count >= count }
    }

    /// Waits until a task sleeps on this clock until exactly `deadline`.
    public func waitForSleeper(until deadline: Instant) async {
        await waitForSleepers { $0.contains(deadline) }
    }

    private func perform(_ action: ManualClockState<UnsafeContinuation<Void, any Error>, UnsafeContinuation<Void, Never>>.Action) {
        for sleeper in action.wake { sleeper.resume() }
        for sleeper in action.cancel { sleeper.resume(throwing: CancellationError()) }
        for watcher in action.notify { watcher.resume() }
    }
}

/// The state of a ``ManualClock``: a pure state machine over its time, sleepers and watchers.
/// Each change returns the continuations its caller resumes once the lock is released.
/// Generic over the continuations so it can be tested without tasks.
struct ManualClockState<Sleeper, Watcher> {
    typealias Instant = ManualClock.Instant

    /// What to resume, after the lock is released: sleepers to wake, sleepers to resume with
    /// `CancellationError`, and watchers whose condition now holds (or that were cancelled).
    struct Action {
        var wake: [Sleeper] = []
        var cancel: [Sleeper] = []
        var notify: [Watcher] = []
    }

    private struct Sleeping {
        let id: UInt64
        let deadline: Instant
        let continuation: Sleeper
    }

    private struct Watching {
        let condition: @Sendable ([Instant]) -> Bool
        let continuation: Watcher
    }

    private(set) var now = Instant(offset: .zero)
    /// In the order they went to sleep.
    private var sleepers: [Sleeping] = []
    private var watchers: [UInt64: Watching] = [:]
    private var nextID: UInt64 = 0

    var deadlines: [Instant] { sleepers.map(\.deadline).sorted() }

    mutating func makeID() -> UInt64 {
        nextID += 1
        return nextID
    }

    /// A task going to sleep: woken at once if its deadline has passed, failed if it is
    /// cancelled, otherwise kept (and the watchers told).
    mutating func sleep(id: UInt64, until deadline: Instant, _ continuation: Sleeper, cancelled: Bool) -> Action {
        if cancelled { return Action(cancel: [continuation]) }
        if deadline <= now { return Action(wake: [continuation]) }
        sleepers.append(Sleeping(id: id, deadline: deadline, continuation: continuation))
        return Action(notify: satisfiedWatchers())
    }

    /// A sleeping task was cancelled (it may have woken already, or not be asleep yet: then
    /// `sleep` sees the cancellation itself).
    mutating func cancelSleep(id: UInt64) -> Action {
        guard let index = sleepers.firstIndex(where: { $0.id == id }) else { return Action() }
        let sleeper = sleepers.remove(at: index)
        return Action(cancel: [sleeper.continuation], notify: satisfiedWatchers())
    }

    mutating func advance(by duration: Duration) -> Action {
        now = now.advanced(by: duration)
        let now = now
        let due = sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
        sleepers.removeAll { $0.deadline <= now }
        return Action(wake: due.map(\.continuation), notify: due.isEmpty ? [] : satisfiedWatchers())
    }

    /// A task waiting for the sleepers' deadlines to satisfy `condition`.
    mutating func watch(id: UInt64, _ condition: @escaping @Sendable ([Instant]) -> Bool, _ continuation: Watcher, cancelled: Bool) -> Action {
        if cancelled || condition(deadlines) { return Action(notify: [continuation]) }
        watchers[id] = Watching(condition: condition, continuation: continuation)
        return Action()
    }

    mutating func cancelWatch(id: UInt64) -> Action {
        guard let watcher = watchers.removeValue(forKey: id) else { return Action() }
        return Action(notify: [watcher.continuation])
    }

    private mutating func satisfiedWatchers() -> [Watcher] {
        guard !watchers.isEmpty else { return [] }
        let deadlines = deadlines
        let satisfied = watchers.filter { $0.value.condition(deadlines) }
        for id in satisfied.keys { watchers[id] = nil }
        return satisfied.values.map(\.continuation)
    }
}
