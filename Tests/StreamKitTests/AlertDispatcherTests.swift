@testable import StreamKit
import StreamKitTesting
import Testing

struct HookDown: Error {}

/// What a test hook saw: attempts per notification, deliveries in order, cancellations, and how
/// each notification ended. Tests await conditions on it (``wait(until:)``) instead of polling.
final class HookLog: Sendable {
    struct Outcome: Sendable, Equatable {
        var notification: Int
        var hook: String
        var delivered: Bool
    }

    struct State: Sendable {
        var attempts: [Int: Int] = [:]
        var delivered: [Int] = []
        var cancelled = 0
        var outcomes: [Outcome] = []
        var totalAttempts: Int { attempts.values.reduce(0, +) }
    }

    private let state = Observed(State())

    /// Counts an attempt; returns its number (1 for the first) for this notification.
    func attempt(_ notification: Int) -> Int {
        state.update { state in
            state.attempts[notification, default: 0] += 1
            return state.attempts[notification]!
        }
    }

    func delivered(_ notification: Int) { state.update { $0.delivered.append(notification) } }
    func cancelled() { state.update { $0.cancelled += 1 } }
    /// The dispatcher's `onOutcome`.
    func outcome(_ notification: Int, _ hook: String, _ delivered: Bool) {
        state.update { $0.outcomes.append(Outcome(notification: notification, hook: hook, delivered: delivered)) }
    }

    /// Returns once `condition` holds (the test's time limit bounds a hang).
    func wait(until condition: @escaping @Sendable (State) -> Bool) async { await state.wait(until: condition) }

    var attempts: [Int: Int] { state.value.attempts }
    var deliveredInOrder: [Int] { state.value.delivered }
    var cancellations: Int { state.value.cancelled }
    var outcomes: [Outcome] { state.value.outcomes }
    var totalAttempts: Int { state.value.totalAttempts }
}

/// A hook's counters, comparable in one expectation.
struct Counts: Equatable {
    var name: String
    var delivered: Int, failed: Int, retries: Int, dropped: Int, queued: Int

    init(name: String, delivered: Int, failed: Int, retries: Int, dropped: Int, queued: Int) {
        (self.name, self.delivered, self.failed, self.retries, self.dropped, self.queued) = (name, delivered, failed, retries, dropped, queued)
    }

    init(_ stats: AlertHookStats) {
        self.init(
            name: stats.name, delivered: stats.delivered, failed: stats.failed, retries: stats.retries,
            dropped: stats.dropped, queued: stats.queued)
    }
}

/// Every wait of the dispatcher (timeouts, retry delays, finish's deadline) is on this clock, so
/// nothing in these tests depends on how fast the machine is: time moves when a test moves it.
typealias Dispatcher = AlertDispatcher<Int, ManualClock>

/// Suspends on a continuation that only the task's cancellation resumes; counts the cancellation.
func hangUntilCancelled(log: HookLog) async throws {
    let stuck = Locked<UnsafeContinuation<Void, any Error>?>(nil)
    try await withTaskCancellationHandler {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            let cancelled = stuck.withLock { stored -> Bool in
                if Task.isCancelled { return true }
                stored = continuation
                return false
            }
            if cancelled { continuation.resume(throwing: CancellationError()) }
        }
    } onCancel: {
        log.cancelled()
        stuck.withLock { stored in
            defer { stored = nil }
            return stored
        }?.resume(throwing: CancellationError())
    }
}

/// A hook that sleeps (for an hour of real time) until cancelled; counts the cancellation.
func hangingHook(_ name: String, log: HookLog, timeout: Duration, retry: RetrySchedule = .fixed(.milliseconds(1), maxAttempts: 1))
    -> AlertHook<Int>
{
    AlertHook(name: name, timeout: timeout, retry: retry) { notification in
        _ = log.attempt(notification)
        do {
            try await Task.sleep(for: .seconds(3600))
        } catch {
            log.cancelled()
            throw error
        }
    }
}

/// Runs `body` with the dispatcher's workers running; `finish(within:)` and the end of `run()`
/// are the caller's (body's) business except that run is always awaited.
func withDispatcher(_ dispatcher: Dispatcher, _ body: () async throws -> Void) async rethrows {
    let running = Task { await dispatcher.run() }
    do {
        try await body()
    } catch {
        await dispatcher.finish(within: .zero)
        await running.value
        throw error
    }
    await running.value
}

/// The time limit only bounds a hang (a wait whose condition never comes); no test asserts how
/// long anything took in real time.
@Suite(.timeLimit(.minutes(2))) struct AlertDispatcherTests {
    let clock = ManualClock()

    @Test func deliversInOrderAndCounts() async throws {
        let log = HookLog()
        let hook = AlertHook<Int>(name: "ops", timeout: .seconds(5)) { notification in
            _ = log.attempt(notification)
            log.delivered(notification)
        }
        let dispatcher = Dispatcher(hooks: [hook], clock: clock, onOutcome: log.outcome)
        await withDispatcher(dispatcher) {
            for notification in 1...20 { dispatcher.notify(notification, hooks: ["ops", "unknown"]) }
            await log.wait { $0.outcomes.count == 20 }
            await dispatcher.finish(within: .seconds(1))
        }
        #expect(log.deliveredInOrder == Array(1...20))
        #expect(dispatcher.stats.map(Counts.init) == [Counts(name: "ops", delivered: 20, failed: 0, retries: 0, dropped: 0, queued: 0)])
        #expect(log.outcomes == (1...20).map { HookLog.Outcome(notification: $0, hook: "ops", delivered: true) })
        #expect(clock.now == ManualClock.Instant(offset: .zero), "nothing waited for time")
    }

    /// Notified just before `finish`: still attempted, not abandoned — even when it was handed
    /// straight to a worker waiting on its empty queue (so it was never counted as queued).
    /// The clock stays put, so `finish` can only return because nothing is left.
    @Test func finishAttemptsWhatWasJustQueued() async throws {
        var lost = 0
        for _ in 0..<50 {
            let log = HookLog()
            let hook = AlertHook<Int>(name: "ops", timeout: .seconds(5)) { log.delivered($0) }
            let dispatcher = Dispatcher(hooks: [hook], clock: ManualClock())
            await withDispatcher(dispatcher) {
                // One delivery first, then let the worker park on its empty queue again.
                dispatcher.notify(0, hooks: ["ops"])
                await log.wait { $0.delivered.count == 1 }
                for _ in 0..<100 { await Task.yield() }
                dispatcher.notify(1, hooks: ["ops"])
                await dispatcher.finish(within: .seconds(2))
            }
            if log.deliveredInOrder != [0, 1] || dispatcher.stats.first?.failed != 0 { lost += 1 }
        }
        #expect(lost == 0, "\(lost) of 50 runs abandoned a notification queued before finish")
    }

    /// Each retry waits its delay on the clock — not a moment less — then attempts again.
    @Test func retriesThenSucceeds() async throws {
        let log = HookLog()
        let hook = AlertHook<Int>(name: "flaky", timeout: .seconds(5), retry: .fixed(.milliseconds(5), maxAttempts: 4)) { notification in
            if log.attempt(notification) < 3 { throw HookDown() }
            log.delivered(notification)
        }
        let dispatcher = Dispatcher(hooks: [hook], clock: clock, onOutcome: log.outcome)
        await withDispatcher(dispatcher) {
            dispatcher.notify(7, hooks: ["flaky"])
            for failed in 1...2 {
                // Attempt `failed` threw; the retry sleeps 5 ms (the attempt's timeout would be 5 s).
                let retry = clock.now.advanced(by: .milliseconds(5))
                await clock.waitForSleeper(until: retry)
                clock.advance(by: .milliseconds(4))
                #expect(log.attempts == [7: failed] && clock.deadlines == [retry], "no retry before its delay")
                clock.advance(by: .milliseconds(1))
            }
            await log.wait { $0.outcomes.count == 1 }
            await dispatcher.finish(within: .seconds(1))
        }
        #expect(log.attempts == [7: 3] && log.deliveredInOrder == [7])
        #expect(dispatcher.stats.first.map(Counts.init) == Counts(name: "flaky", delivered: 1, failed: 0, retries: 2, dropped: 0, queued: 0))
        #expect(log.outcomes == [HookLog.Outcome(notification: 7, hook: "flaky", delivered: true)])
        #expect(clock.now == ManualClock.Instant(offset: .milliseconds(10)))
    }

    /// Exponential backoff with jitter: each delay is within its jitter of 2, 4, then 8 ms (the
    /// cap), and after the fourth attempt the notification is given up on.
    @Test func permanentFailureGivesUpAfterMaxAttempts() async throws {
        let log = HookLog()
        let hook = AlertHook<Int>(
            name: "down", timeout: .seconds(5),
            retry: .exponential(initial: .milliseconds(2), maxDelay: .milliseconds(8), maxAttempts: 4).jittered(0.5)
        ) { notification in
            _ = log.attempt(notification)
            throw HookDown()
        }
        let dispatcher = Dispatcher(hooks: [hook], clock: clock, onOutcome: log.outcome)
        await withDispatcher(dispatcher) {
            dispatcher.notify(1, hooks: ["down"])
            dispatcher.notify(2, hooks: ["down"])
            for notification in 1...2 {
                for (retry, base) in [(1, 2), (2, 4), (3, 8)] {
                    // The retry's sleep: the only one due sooner than an attempt's 5 s timeout.
                    let now = clock.now
                    await clock.waitForSleepers { $0.contains { $0 < now.advanced(by: .seconds(1)) } }
                    let deadlines = clock.deadlines
                    let delay = now.duration(to: deadlines[0])
                    #expect(deadlines.count == 1)
                    #expect(delay >= .milliseconds(base) * 0.5 && delay <= .milliseconds(base) * 1.5, "retry \(retry) after \(delay)")
                    clock.advance(by: delay / 2)
                    #expect(log.attempts[notification] == retry, "no retry before its delay")
                    clock.advance(by: delay - delay / 2)
                }
                await log.wait { $0.outcomes.count == notification }
            }
            await dispatcher.finish(within: .seconds(1))
        }
        #expect(log.attempts == [1: 4, 2: 4])
        #expect(dispatcher.stats.first.map(Counts.init) == Counts(name: "down", delivered: 0, failed: 2, retries: 6, dropped: 0, queued: 0))
        #expect(log.outcomes.map(\.notification) == [1, 2] && log.outcomes.allSatisfy { !$0.delivered })
    }

    /// An attempt that hangs is cancelled at the hook's timeout (not before), then retried.
    @Test func timeoutCancelsAHangingDelivery() async throws {
        let log = HookLog()
        let hook = AlertHook<Int>(name: "slow", timeout: .milliseconds(30), retry: .fixed(.milliseconds(1), maxAttempts: 2)) { notification in
            guard log.attempt(notification) == 1 else { return log.delivered(notification) }
            try await hangUntilCancelled(log: log)
        }
        let sleepyLog = HookLog()
        let sleeping = hangingHook("sleepy", log: sleepyLog, timeout: .milliseconds(30))
        let outcomes = HookLog()
        let dispatcher = Dispatcher(hooks: [hook, sleeping], clock: clock, onOutcome: outcomes.outcome)
        await withDispatcher(dispatcher) {
            dispatcher.notify(1, hooks: ["slow", "sleepy"])
            let timeout = clock.now.advanced(by: .milliseconds(30))
            await log.wait { $0.attempts[1] == 1 }
            await sleepyLog.wait { $0.attempts[1] == 1 }
            await clock.waitForSleepers { $0.filter { $0 == timeout }.count == 2 }
            clock.advance(by: .milliseconds(29))
            #expect(log.cancellations == 0 && sleepyLog.cancellations == 0, "cancelled before the timeout")
            clock.advance(by: .milliseconds(1))
            await log.wait { $0.cancelled == 1 }
            await sleepyLog.wait { $0.cancelled == 1 }
            // "slow" retries 1 ms later; "sleepy" has no retry left.
            await clock.waitForSleeper(until: timeout.advanced(by: .milliseconds(1)))
            clock.advance(by: .milliseconds(1))
            await outcomes.wait { $0.outcomes.count == 2 }
            await dispatcher.finish(within: .seconds(1))
        }
        #expect(log.cancellations == 1 && sleepyLog.cancellations == 1, "both hanging attempts were cancelled")
        #expect(log.attempts == [1: 2] && sleepyLog.attempts == [1: 1])
        #expect(log.deliveredInOrder == [1])
        let stats = dispatcher.stats
        #expect(Counts(stats[0]) == Counts(name: "slow", delivered: 1, failed: 0, retries: 1, dropped: 0, queued: 0))
        #expect(Counts(stats[1]) == Counts(name: "sleepy", delivered: 0, failed: 1, retries: 0, dropped: 0, queued: 0))
    }

    /// A full queue drops and counts; `notify` never waits, even with the hook stuck: the 10 000
    /// calls below return while the only worker is blocked and the queue is full.
    @Test func fullQueueDropsAndNotifyNeverBlocks() async throws {
        let log = HookLog()
        let gate = Channel<Void>(capacity: 16)
        let hook = AlertHook<Int>(name: "gated", timeout: .seconds(10)) { notification in
            _ = log.attempt(notification)
            try await gate.receive()
            log.delivered(notification)
        }
        let dispatcher = Dispatcher(hooks: [hook], queueCapacity: 3, clock: clock, onOutcome: log.outcome)
        await withDispatcher(dispatcher) {
            dispatcher.notify(0, hooks: ["gated"])
            await log.wait { $0.totalAttempts == 1 }
            for notification in 1...10_000 { dispatcher.notify(notification, hooks: ["gated"]) }
            #expect(dispatcher.stats.first?.queued == 3 && dispatcher.stats.first?.dropped == 9_997)
            #expect(log.totalAttempts == 1, "the worker is still stuck on the first")
            for _ in 0..<4 { try? await gate.send(()) }
            await log.wait { $0.outcomes.count == 4 }
            await dispatcher.finish(within: .seconds(1))
        }
        #expect(log.deliveredInOrder == [0, 1, 2, 3])
        #expect(dispatcher.stats.first.map(Counts.init) == Counts(name: "gated", delivered: 4, failed: 0, retries: 0, dropped: 9_997, queued: 0))
        // After finish, notifications are refused (counted as dropped).
        dispatcher.notify(99, hooks: ["gated"])
        #expect(dispatcher.stats.first?.dropped == 9_998)
    }

    /// With a stuck hook, `finish(within:)` returns at its deadline (not before); what was queued
    /// or in flight is counted as failed, and `run()` ends: the stuck attempt is abandoned, since
    /// its own timeout (30 s on the clock) never comes.
    @Test func finishWithAStuckHookReturnsAtTheDeadline() async throws {
        let log = HookLog()
        let stuck = hangingHook("stuck", log: log, timeout: .seconds(30), retry: .fixed(.seconds(30), maxAttempts: 3))
        let fine = AlertHook<Int>(name: "fine", timeout: .seconds(1)) { log.delivered($0) }
        let outcomes = HookLog()
        let dispatcher = Dispatcher(hooks: [stuck, fine], clock: clock, onOutcome: outcomes.outcome)
        let running = Task { await dispatcher.run() }
        for notification in 1...3 { dispatcher.notify(notification, hooks: ["stuck", "fine"]) }
        await log.wait { $0.totalAttempts == 1 && $0.delivered.count == 3 }
        await outcomes.wait { $0.outcomes.count == 3 }
        let finished = Observed(false)
        let deadline = clock.now.advanced(by: .milliseconds(100))
        let finishing = Task {
            await dispatcher.finish(within: .milliseconds(100))
            finished.update { $0 = true }
        }
        await clock.waitForSleeper(until: deadline)
        clock.advance(by: .milliseconds(99))
        #expect(!finished.value, "finish returned before its deadline with an attempt in flight")
        clock.advance(by: .milliseconds(1))
        await finishing.value
        await running.value
        #expect(log.deliveredInOrder == [1, 2, 3])
        #expect(log.cancellations == 1)
        let stats = dispatcher.stats
        #expect(Counts(stats[0]) == Counts(name: "stuck", delivered: 0, failed: 3, retries: 0, dropped: 0, queued: 0))
        #expect(Counts(stats[1]) == Counts(name: "fine", delivered: 3, failed: 0, retries: 0, dropped: 0, queued: 0))
    }

    /// A hook waiting between retries when finish's deadline passes gives up at once: `run()`
    /// ends although the clock never reaches the end of the 30 s retry delay.
    @Test func finishAbandonsARetryWait() async throws {
        let log = HookLog()
        let hook = AlertHook<Int>(name: "down", timeout: .seconds(1), retry: .fixed(.seconds(30), maxAttempts: 5)) { notification in
            _ = log.attempt(notification)
            throw HookDown()
        }
        let dispatcher = Dispatcher(hooks: [hook], clock: clock)
        let running = Task { await dispatcher.run() }
        dispatcher.notify(1, hooks: ["down"])
        await clock.waitForSleeper(until: clock.now.advanced(by: .seconds(30)))
        #expect(dispatcher.stats.first?.retries == 1)
        let finishing = Task { await dispatcher.finish(within: .milliseconds(50)) }
        await clock.waitForSleeper(until: clock.now.advanced(by: .milliseconds(50)))
        clock.advance(by: .milliseconds(50))
        await finishing.value
        await running.value
        #expect(log.attempts == [1: 1])
        #expect(dispatcher.stats.first?.failed == 1 && dispatcher.stats.first?.delivered == 0)
        #expect(clock.now == ManualClock.Instant(offset: .milliseconds(50)))
    }

    /// On the continuous clock by default, as the daemon uses it.
    @Test func theDefaultClockIsTheContinuousOne() async throws {
        let log = HookLog()
        let hook = AlertHook<Int>(name: "ops", timeout: .seconds(60)) { log.delivered($0) }
        let dispatcher = AlertDispatcher<Int, ContinuousClock>(hooks: [hook], onOutcome: log.outcome)
        let running = Task { await dispatcher.run() }
        dispatcher.notify(1, hooks: ["ops"])
        await log.wait { $0.outcomes.count == 1 }
        await dispatcher.finish(within: .seconds(60))
        await running.value
        #expect(log.deliveredInOrder == [1])
    }
}

/// ``PendingWorkState`` alone, without tasks: which waiters each change wakes.
@Suite struct PendingWorkStateTests {
    @Test func waitersWakeWhenTheCountReachesZero() {
        var state = PendingWorkState<String>()
        #expect(state.wait(id: state.makeID(), "idle already", cancelled: false) == "idle already")
        state.begin()
        state.begin()
        #expect(state.wait(id: state.makeID(), "a", cancelled: false) == nil)
        #expect(state.wait(id: state.makeID(), "b", cancelled: false) == nil)
        #expect(state.end() == [])
        #expect(state.end().sorted() == ["a", "b"])
        #expect(state.count == 0)
        state.begin()
        #expect(state.end() == [], "the woken waiters are gone")
    }

    @Test func aCancelledWaiterLeavesOrNeverWaits() {
        var state = PendingWorkState<String>()
        state.begin()
        let id = state.makeID()
        #expect(state.wait(id: id, "a", cancelled: false) == nil)
        #expect(state.cancelWait(id: id) == "a")
        #expect(state.cancelWait(id: id) == nil)
        #expect(state.wait(id: state.makeID(), "b", cancelled: true) == "b")
        #expect(state.end() == [])
    }
}
