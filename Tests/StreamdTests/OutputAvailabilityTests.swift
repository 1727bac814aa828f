import StreamKit
import StreamKitTesting
import Testing

import StreamdCore
import StreamdHTTP

/// The backoff and the once-per-outage reporting of an output that cannot be written, as a
/// plain value: no clock, no thread.
@Suite struct OutputAvailabilityTests {
    static let schedule = RetrySchedule.exponential(initial: .milliseconds(100), maxDelay: .seconds(1), maxAttempts: .max)

    @Test func failuresBackOffExponentiallyUpToTheCap() {
        var availability = OutputAvailability(schedule: Self.schedule)
        var generator = SeededGenerator(seed: 1)
        let delays = (0..<7).map { attempt in
            availability.failed("no reader", at: .milliseconds(attempt * 10), using: &generator).retryAfter
        }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1), .seconds(1)])
        #expect(availability.failedAttempts == 7)
    }

    @Test func anOutageIsReportedWhenItStartsAndWhenItEndsOnly() {
        var availability = OutputAvailability(schedule: Self.schedule)
        var generator = SeededGenerator(seed: 1)
        #expect(availability.writable && availability.reason == nil)
        #expect(availability.succeeded(at: .seconds(1)) == nil, "a success while writable changes nothing")

        #expect(availability.failed("no reader", at: .seconds(2), using: &generator).transition == .outage(reason: "no reader"))
        #expect(availability.failed("no reader", at: .seconds(3), using: &generator).transition == nil)
        #expect(availability.failed("permission denied", at: .seconds(4), using: &generator).transition == nil)
        #expect(!availability.writable && availability.reason == "permission denied", "the latest reason is shown")
        #expect(availability.stalled("open(2) has not returned", at: .seconds(5)) == nil)

        #expect(availability.succeeded(at: .seconds(7)) == .recovered(after: .seconds(5), failedAttempts: 3))
        #expect(availability.writable && availability.reason == nil && availability.failedAttempts == 0)

        // The next outage is reported again, and its backoff starts over.
        let next = availability.failed("no reader", at: .seconds(9), using: &generator)
        #expect(next.transition == .outage(reason: "no reader") && next.retryAfter == .milliseconds(100))
    }

    @Test func aStalledAttemptStartsAnOutageWithoutCountingAFailure() {
        var availability = OutputAvailability(schedule: Self.schedule)
        #expect(availability.stalled("write(2) has not returned after 2s", at: .seconds(2)) == .outage(reason: "write(2) has not returned after 2s"))
        #expect(!availability.writable && availability.failedAttempts == 0)
        #expect(availability.succeeded(at: .seconds(3)) == .recovered(after: .seconds(1), failedAttempts: 0))
    }

    @Test func theDefaultScheduleRetriesForEverWithJitter() {
        var generator = SeededGenerator(seed: 7)
        let schedule = RetrySchedule.outputReopen
        #expect(schedule.delay(afterAttempt: 1_000_000, using: &generator) != nil)
        let first = schedule.delay(afterAttempt: 1, using: &generator)!
        #expect(first >= .milliseconds(90) && first <= .milliseconds(110))
        let late = schedule.delay(afterAttempt: 50, using: &generator)!
        #expect(late >= .milliseconds(4500) && late <= .milliseconds(5500))
    }
}
