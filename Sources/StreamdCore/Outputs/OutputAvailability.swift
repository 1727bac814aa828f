package import StreamKit

/// Whether an output can be written now, how long to wait before trying again, and what the log
/// should say: a plain value (no clock, no lock, no thread), so the backoff and the
/// once-per-outage logging are unit-tested on their own.
///
/// An outage starts with the first failed (or stalled) attempt after a success and ends with
/// the next success; only those two moments are reported, never each retry.
///
/// ```swift
/// var availability = OutputAvailability(schedule: .outputReopen)
/// let (delay, transition) = availability.failed("cannot open …", at: .seconds(3), using: &generator)
/// // transition == .outage(reason: "cannot open …"); try again after `delay`
/// ```
package struct OutputAvailability: Sendable, Equatable {
    /// A change worth one log line.
    package enum Transition: Sendable, Equatable {
        case outage(reason: String)
        case recovered(after: Duration, failedAttempts: Int)
    }

    package let schedule: RetrySchedule
    package private(set) var writable = true
    /// Why the output is not writable (the latest failure); `nil` while it is writable.
    package private(set) var reason: String?
    /// Failed attempts in the current outage.
    package private(set) var failedAttempts = 0
    /// When the current outage began (the clock's elapsed time).
    private(set) var outageStart: Duration?

    package init(schedule: RetrySchedule = .outputReopen) {
        self.schedule = schedule
    }

    /// An attempt failed at `now`: how long to wait before the next one, and `.outage` if this
    /// failure starts an outage.
    package mutating func failed(
        _ reason: String, at now: Duration, using generator: inout some RandomNumberGenerator
    ) -> (retryAfter: Duration, transition: Transition?) {
        let transition = markDown(reason, at: now)
        failedAttempts += 1
        let delay = schedule.delay(afterAttempt: failedAttempts, using: &generator) ?? .zero
        return (delay, transition)
    }

    /// An attempt has not returned for a while (a blocked `open(2)` or `write(2)`): the output is
    /// not writable, though the attempt goes on (a system call cannot be interrupted).
    package mutating func stalled(_ reason: String, at now: Duration) -> Transition? {
        markDown(reason, at: now)
    }

    /// An attempt succeeded: `.recovered` if it ends an outage.
    package mutating func succeeded(at now: Duration) -> Transition? {
        defer {
            writable = true
            reason = nil
            failedAttempts = 0
            outageStart = nil
        }
        guard !writable else { return nil }
        return .recovered(after: now - (outageStart ?? now), failedAttempts: failedAttempts)
    }

    private mutating func markDown(_ reason: String, at now: Duration) -> Transition? {
        self.reason = reason
        guard writable else { return nil }
        writable = false
        outageStart = now
        return .outage(reason: reason)
    }
}

extension RetrySchedule {
    /// Opening or writing an output again: 100 ms, doubling up to 5 s, ±10 % jitter, for ever
    /// (an accepted event is never dropped for want of a writable output; the pipeline's
    /// backpressure holds new ones back meanwhile).
    package static let outputReopen = RetrySchedule.exponential(initial: .milliseconds(100), maxDelay: .seconds(5), maxAttempts: .max)
        .jittered(0.1)
}
