import StreamKit
import Synchronization
import Testing

struct HookDown: Error {}

/// What a test hook saw: attempts per notification, deliveries in order, cancellations.
final class HookLog: Sendable {
    private struct State {
        var attempts: [Int: Int] = [:]
        var delivered: [Int] = []
        var cancelled = 0
        var outcomes: [(Int, String, Bool)] = []
    }

    private let state = Mutex(State())

    /// Counts an attempt; returns its number (1 for the first) for this notification.
    func attempt(_ notification: Int) -> Int {
        state.withLock { state in
            state.attempts[notification, default: 0] += 1
            return state.attempts[notification]!
        }
    }

    func delivered(_ notification: Int) { state.withLock { $0.delivered.append(notification) } }
    func cancelled() { state.withLock { $0.cancelled += 1 } }
    func outcome(_ notification: Int, _ hook: String, _ delivered: Bool) {
        state.withLock { $0.outcomes.append((notification, hook, delivered)) }
    }

    var attempts: [Int: Int] { state.withLock { $0.attempts } }
    var deliveredInOrder: [Int] { state.withLock { $0.delivered } }
    var cancellations: Int { state.withLock { $0.cancelled } }
    var outcomes: [(Int, String, Bool)] { state.withLock { $0.outcomes } }
    var totalAttempts: Int { attempts.values.reduce(0, +) }
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

typealias Dispatcher = AlertDispatcher<Int, ContinuousClock>

/// A hook that hangs until cancelled; counts the cancellation.
func hangingHook(_ name: String, log: HookLog, timeout: Duration, retry: RetrySchedule = .fixed(.milliseconds(1), maxAttempts: 1))
    -> AlertHook<Int>
{
    AlertHook(name: name, timeout: timeout, retry: retry) { notification in
        _ = log.attempt(notification)
        do {
            try await Task.sleep(for: .seconds(60))
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

@Suite struct AlertDispatcherTests {
    let clock = ContinuousClock()

    @Test func deliversInOrderAndCounts() async throws {
        let log = HookLog()
        let hook = AlertHook<Int>(name: "ops", timeout: .seconds(5)) { notification in
            _ = log.attempt(notification)
            log.delivered(notification)
        }
        let dispatcher = Dispatcher(hooks: [hook], clock: clock, onOutcome: { log.outcome($0, $1, $2) })
        await withDispatcher(dispatcher) {
            for notification in 1...20 { dispatcher.notify(notification, hooks: ["ops", "unknown"]) }
            await eventually("20 delivered") { dispatcher.stats.first?.delivered == 20 }
            await dispatcher.finish(within: .seconds(1))
        }
        #expect(log.deliveredInOrder == Array(1...20))
        #expect(dispatcher.stats.map(Counts.init) == [Counts(name: "ops", delivered: 20, failed: 0, retries: 0, dropped: 0, queued: 0)])
        #expect(log.outcomes.map(\.0) == Array(1...20) && log.outcomes.allSatisfy { $0.1 == "ops" && $0.2 })
    }

    /// Notified just before `finish`: still attempted, not abandoned — even when it was handed
    /// straight to a worker waiting on its empty queue (so it was never counted as queued).
    @Test func finishAttemptsWhatWasJustQueued() async throws {
        var lost = 0
        for _ in 0..<50 {
            let log = HookLog()
            let hook = AlertHook<Int>(name: "ops", timeout: .seconds(5)) { log.delivered($0) }
            let dispatcher = Dispatcher(hooks: [hook], clock: clock)
            await withDispatcher(dispatcher) {
                // One delivery first, then let the worker park on its empty queue again.
                dispatcher.notify(0, hooks: ["ops"])
                await eventually("the first delivered") { dispatcher.stats.first?.delivered == 1 }
                for _ in 0..<100 { await Task.yield() }
                dispatcher.notify(1, hooks: ["ops"])
                await dispatcher.finish(within: .seconds(2))
            }
            if log.deliveredInOrder != [0, 1] || dispatcher.stats.first?.failed != 0 { lost += 1 }
        }
        #expect(lost == 0, "\(lost) of 50 runs abandoned a notification queued before finish")
    }

    @Test func retriesThenSucceeds() async throws {
        let log = HookLog()
        let hook = AlertHook<Int>(name: "flaky", timeout: .seconds(5), retry: .fixed(.milliseconds(5), maxAttempts: 4)) { notification in
            if log.attempt(notification) < 3 { throw HookDown() }
            log.delivered(notification)
        }
        let dispatcher = Dispatcher(hooks: [hook], clock: clock, onOutcome: { log.outcome($0, $1, $2) })
        await withDispatcher(dispatcher) {
            dispatcher.notify(7, hooks: ["flaky"])
            await eventually("delivered") { dispatcher.stats.first?.delivered == 1 }
            await dispatcher.finish(within: .seconds(1))
        }
        #expect(log.attempts == [7: 3] && log.deliveredInOrder == [7])
        #expect(dispatcher.stats.first.map(Counts.init) == Counts(name: "flaky", delivered: 1, failed: 0, retries: 2, dropped: 0, queued: 0))
        #expect(log.outcomes.count == 1 && log.outcomes.first?.2 == true)
    }

    @Test func permanentFailureGivesUpAfterMaxAttempts() async throws {
        let log = HookLog()
        let hook = AlertHook<Int>(
            name: "down", timeout: .seconds(5),
            retry: .exponential(initial: .milliseconds(2), maxDelay: .milliseconds(8), maxAttempts: 4).jittered(0.5)
        ) { notification in
            _ = log.attempt(notification)
            throw HookDown()
        }
        let dispatcher = Dispatcher(hooks: [hook], clock: clock, onOutcome: { log.outcome($0, $1, $2) })
        await withDispatcher(dispatcher) {
            dispatcher.notify(1, hooks: ["down"])
            dispatcher.notify(2, hooks: ["down"])
            await eventually("both failed") { dispatcher.stats.first?.failed == 2 }
            await dispatcher.finish(within: .seconds(1))
        }
        #expect(log.attempts == [1: 4, 2: 4])
        #expect(dispatcher.stats.first.map(Counts.init) == Counts(name: "down", delivered: 0, failed: 2, retries: 6, dropped: 0, queued: 0))
        #expect(log.outcomes.map(\.0) == [1, 2] && log.outcomes.allSatisfy { !$0.2 })
    }

    /// An attempt that hangs is cancelled at the hook's timeout, then retried.
    @Test func timeoutCancelsAHangingDelivery() async throws {
        let log = HookLog()
        // Hangs on a continuation nobody resumes, except its cancellation handler.
        let stuck = Mutex<UnsafeContinuation<Void, any Error>?>(nil)
        let hook = AlertHook<Int>(name: "slow", timeout: .milliseconds(30), retry: .fixed(.milliseconds(1), maxAttempts: 2)) { notification in
            guard log.attempt(notification) == 1 else { return log.delivered(notification) }
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
                    stored?.resume(throwing: CancellationError())
                    stored = nil
                }
            }
        }
        let sleepyLog = HookLog()
        let sleeping = hangingHook("sleepy", log: sleepyLog, timeout: .milliseconds(30))
        let dispatcher = Dispatcher(hooks: [hook, sleeping], clock: clock)
        let start = clock.now
        await withDispatcher(dispatcher) {
            dispatcher.notify(1, hooks: ["slow", "sleepy"])
            await eventually("both done") {
                dispatcher.stats.allSatisfy { $0.delivered + $0.failed == 1 }
            }
            await dispatcher.finish(within: .seconds(1))
        }
        // Generous bound (other suites may be using the CPU); without the timeout it takes 60 s.
        #expect(start.duration(to: clock.now) < .seconds(10))
        #expect(log.cancellations == 1 && sleepyLog.cancellations == 1, "both hanging attempts were cancelled")
        #expect(log.attempts == [1: 2] && sleepyLog.attempts == [1: 1])
        let stats = dispatcher.stats
        #expect(Counts(stats[0]) == Counts(name: "slow", delivered: 1, failed: 0, retries: 1, dropped: 0, queued: 0))
        #expect(Counts(stats[1]) == Counts(name: "sleepy", delivered: 0, failed: 1, retries: 0, dropped: 0, queued: 0))
    }

    /// A full queue drops and counts; `notify` never waits, even with the hook stuck.
    @Test func fullQueueDropsAndNotifyNeverBlocks() async throws {
        let log = HookLog()
        let gate = Channel<Void>(capacity: 16)
        let hook = AlertHook<Int>(name: "gated", timeout: .seconds(10)) { notification in
            _ = log.attempt(notification)
            try await gate.receive()
            log.delivered(notification)
        }
        let dispatcher = Dispatcher(hooks: [hook], queueCapacity: 3, clock: clock)
        await withDispatcher(dispatcher) {
            dispatcher.notify(0, hooks: ["gated"])
            await eventually("the first in flight") { log.totalAttempts == 1 }
            let start = clock.now
            for notification in 1...10_000 { dispatcher.notify(notification, hooks: ["gated"]) }
            let elapsed = start.duration(to: clock.now)
            #expect(elapsed < .seconds(2), "10 000 notify calls took \(elapsed)")
            #expect(dispatcher.stats.first?.queued == 3 && dispatcher.stats.first?.dropped == 9_997)
            for _ in 0..<4 { try? await gate.send(()) }
            await eventually("4 delivered") { dispatcher.stats.first?.delivered == 4 }
            await dispatcher.finish(within: .seconds(1))
        }
        #expect(log.deliveredInOrder == [0, 1, 2, 3])
        #expect(dispatcher.stats.first.map(Counts.init) == Counts(name: "gated", delivered: 4, failed: 0, retries: 0, dropped: 9_997, queued: 0))
        // After finish, notifications are refused (counted as dropped).
        dispatcher.notify(99, hooks: ["gated"])
        #expect(dispatcher.stats.first?.dropped == 9_998)
    }

    /// With a stuck hook, `finish(within:)` returns at its deadline; what was queued or in
    /// flight is counted as failed, and `run()` ends promptly (the stuck attempt is abandoned).
    @Test func finishWithAStuckHookReturnsWithinTheDeadline() async throws {
        let log = HookLog()
        let stuck = hangingHook("stuck", log: log, timeout: .seconds(30), retry: .fixed(.seconds(30), maxAttempts: 3))
        let fine = AlertHook<Int>(name: "fine", timeout: .seconds(1)) { log.delivered($0) }
        let dispatcher = Dispatcher(hooks: [stuck, fine], clock: clock)
        let running = Task { await dispatcher.run() }
        for notification in 1...3 { dispatcher.notify(notification, hooks: ["stuck", "fine"]) }
        await eventually("the stuck attempt") { log.totalAttempts == 1 }
        await eventually("the fine hook's deliveries") { dispatcher.stats[1].delivered == 3 }
        let start = clock.now
        await dispatcher.finish(within: .milliseconds(100))
        let finished = start.duration(to: clock.now)
        // Generous bounds (other suites may be using the CPU); the stuck attempt's own timeout
        // and retry delay are 30 s each.
        #expect(finished >= .milliseconds(100) && finished < .seconds(3), "finish took \(finished)")
        await running.value
        let ended = start.duration(to: clock.now)
        #expect(ended < .seconds(5), "run() ended \(ended) after finish began")
        #expect(log.deliveredInOrder == [1, 2, 3])
        #expect(log.cancellations == 1)
        let stats = dispatcher.stats
        #expect(Counts(stats[0]) == Counts(name: "stuck", delivered: 0, failed: 3, retries: 0, dropped: 0, queued: 0))
        #expect(Counts(stats[1]) == Counts(name: "fine", delivered: 3, failed: 0, retries: 0, dropped: 0, queued: 0))
    }

    /// A hook waiting between retries when finish's deadline passes gives up at once.
    @Test func finishAbandonsARetryWait() async throws {
        let log = HookLog()
        let hook = AlertHook<Int>(name: "down", timeout: .seconds(1), retry: .fixed(.seconds(30), maxAttempts: 5)) { notification in
            _ = log.attempt(notification)
            throw HookDown()
        }
        let dispatcher = Dispatcher(hooks: [hook], clock: clock)
        let running = Task { await dispatcher.run() }
        dispatcher.notify(1, hooks: ["down"])
        await eventually("the first attempt and its retry") { dispatcher.stats.first?.retries == 1 }
        let start = clock.now
        await dispatcher.finish(within: .milliseconds(50))
        await running.value
        #expect(start.duration(to: clock.now) < .seconds(5), "the retry delay is 30 s")
        #expect(log.attempts == [1: 1])
        #expect(dispatcher.stats.first?.failed == 1 && dispatcher.stats.first?.delivered == 0)
    }
}
