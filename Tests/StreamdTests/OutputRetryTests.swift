import StreamKit
import StreamKitTesting
import Testing

import StreamdCore
import StreamdHTTP

/// `OutputStatus.retry`: attempts repeated after the backoff on a manual clock, stalls reported,
/// one report per outage. Time moves only when the test says so.
@Suite struct OutputRetryTests {
    static let schedule = RetrySchedule.exponential(initial: .milliseconds(100), maxDelay: .seconds(1), maxAttempts: .max)

    static func status(_ clock: ManualClock, _ reports: Reports) -> OutputStatus {
        OutputStatus(pipeline: "p", output: "file:/x", clock: RetryClock(clock), schedule: schedule) { _, transition in
            reports.append(transition)
        }
    }

    @Test func aFailedAttemptIsRetriedAfterTheBackoffAndReportedOncePerOutage() async throws {
        let clock = ManualClock()
        let reports = Reports()
        let status = Self.status(clock, reports)
        let attempts = Locked(0)
        let retries = Locked(0)
        let task = Task {
            try await status.retry(stallAfter: nil, stalled: { "" }, onRetry: { retries.withLock { $0 += 1 } }) {
                attempts.withLock { count in
                    count += 1
                    return count < 4 ? "cannot open /x: No such device or address" : nil
                }
            }
        }
        await clock.waitForSleepers()
        #expect(attempts.value == 1)
        #expect(!status.writable && status.reason == "cannot open /x: No such device or address")
        clock.advance(by: .milliseconds(99))
        #expect(attempts.value == 1, "no attempt before the backoff has passed")
        clock.advance(by: .milliseconds(1))
        await clock.waitForSleepers()
        #expect(attempts.value == 2)
        clock.advance(by: .milliseconds(199))
        #expect(attempts.value == 2)
        clock.advance(by: .milliseconds(1))
        await clock.waitForSleepers()
        #expect(attempts.value == 3)
        clock.advance(by: .milliseconds(400))
        try await task.value
        #expect(attempts.value == 4 && retries.value == 3)
        #expect(status.writable && status.reason == nil)
        #expect(reports.list == [
            .outage(reason: "cannot open /x: No such device or address"), .recovered(after: .milliseconds(700), failedAttempts: 3),
        ])
    }

    @Test func anAttemptThatDoesNotReturnIsReportedAndWaitedFor() async throws {
        let clock = ManualClock()
        let reports = Reports()
        let status = Self.status(clock, reports)
        let gate = Gate()
        let task = Task {
            try await status.retry(stallAfter: .seconds(2), stalled: { "open(2) has not returned after 2s" }) { await gate.wait() }
        }
        await clock.waitForSleepers()  // the stall timer
        #expect(status.writable)
        clock.advance(by: .seconds(2))
        await yieldUntil { !status.writable }
        #expect(status.reason == "open(2) has not returned after 2s")
        clock.advance(by: .seconds(3))
        gate.open(nil)  // the open finally returns, 3 s after it was reported
        try await task.value
        #expect(status.writable)
        #expect(reports.list == [.outage(reason: "open(2) has not returned after 2s"), .recovered(after: .seconds(3), failedAttempts: 0)])
    }

    @Test func aQuickAttemptIsNotAStall() async throws {
        let clock = ManualClock()
        let reports = Reports()
        let status = Self.status(clock, reports)
        try await status.retry(stallAfter: .seconds(2), stalled: { "stalled" }) { nil }
        #expect(status.writable && reports.list.isEmpty)
        #expect(clock.sleeperCount == 0, "the stall timer was stopped")
    }

    @Test func cancellingEndsTheRetriesAtOnce() async {
        let clock = ManualClock()
        let reports = Reports()
        let status = Self.status(clock, reports)
        let task = Task { try await status.retry(stallAfter: nil, stalled: { "" }) { "still failing" } }
        await clock.waitForSleepers()
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(!status.writable, "still not writable: the output never opened")
        #expect(reports.list == [.outage(reason: "still failing")])
    }
}

/// Reported transitions, in order.
final class Reports: Sendable {
    private let storage = Locked<[OutputAvailability.Transition]>([])
    func append(_ transition: OutputAvailability.Transition) { storage.withLock { $0.append(transition) } }
    var list: [OutputAvailability.Transition] { storage.value }
}

/// An attempt the test finishes when it wants: `wait()` returns what `open(_:)` gives.
final class Gate: Sendable {
    private let state = Locked<(result: String??, waiter: CheckedContinuation<String?, Never>?)>((nil, nil))

    func wait() async -> String? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> String?? in
                if let result = state.result { return .some(result) }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    func open(_ result: String?) {
        let waiter = state.withLock { state in
            state.result = .some(result)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: result)
    }
}

/// Yields until `condition` holds (work on other tasks, not time, makes it true); gives up
/// after a million yields, leaving the test's expectations to fail.
func yieldUntil(_ condition: () -> Bool) async {
    for _ in 0..<1_000_000 where !condition() { await Task.yield() }
}
