package import Logging
package import StreamKit

/// Whether one output is writable now, shared by the code that writes it (which reports each
/// attempt) and the metrics endpoints (which read it), and logged once when an outage starts
/// and once when it ends — never once per retry.
package final class OutputStatus: Sendable {
    package let pipeline: String
    package let output: String
    /// Times outages and backoff sleeps; tests pass a manual clock.
    package let clock: RetryClock
    private let state: Locked<OutputAvailability>
    private let report: @Sendable (_ status: OutputStatus, OutputAvailability.Transition) -> Void

    package static let logger = Logger(label: "streamd.output")

    package init(
        pipeline: String, output: String, clock: RetryClock = .continuous, schedule: RetrySchedule = .outputReopen,
        report: @escaping @Sendable (_ status: OutputStatus, OutputAvailability.Transition) -> Void = OutputStatus.log
    ) {
        self.pipeline = pipeline
        self.output = output
        self.clock = clock
        self.state = Locked(OutputAvailability(schedule: schedule))
        self.report = report
    }

    package var writable: Bool { state.withLock { $0.writable } }
    /// Why it is not writable; `nil` while it is.
    package var reason: String? { state.withLock { $0.reason } }

    /// Reports a failed attempt; returns how long to wait before the next one.
    @discardableResult
    package func failed(_ reason: String) -> Duration {
        let now = clock.elapsed()
        var generator = SystemRandomNumberGenerator()
        let (delay, transition) = state.withLock { $0.failed(reason, at: now, using: &generator) }
        if let transition { report(self, transition) }
        return delay
    }

    /// Reports an attempt that has not returned for a while.
    package func stalled(_ reason: String) {
        let now = clock.elapsed()
        if let transition = state.withLock({ $0.stalled(reason, at: now) }) { report(self, transition) }
    }

    package func succeeded() {
        let now = clock.elapsed()
        if let transition = state.withLock({ $0.succeeded(at: now) }) { report(self, transition) }
    }

    /// The log lines of an outage: a warning when it starts, a notice when it ends.
    package static func log(_ status: OutputStatus, _ transition: OutputAvailability.Transition) {
        let metadata: Logger.Metadata = ["pipeline": "\(status.pipeline)", "output": "\(status.output)"]
        switch transition {
        case .outage(let reason):
            logger.warning("output \(status.output) not writable: \(reason); retrying in the background", metadata: metadata)
        case .recovered(let after, let failedAttempts):
            logger.notice(
                "output \(status.output) writable again after \(((after.seconds * 1000).rounded() / 1000).formatted)s (\(failedAttempts) failed \(failedAttempts == 1 ? "attempt" : "attempts"))", metadata: metadata)
        }
    }
}

/// The clock an output's retries run on, type-erased so outputs need not be generic over it.
package struct RetryClock: Sendable {
    /// Time since the clock was made.
    package let elapsed: @Sendable () -> Duration
    package let sleep: @Sendable (Duration) async throws -> Void

    package init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleep = { try await clock.sleep(for: $0) }
    }

    package static var continuous: RetryClock { RetryClock(ContinuousClock()) }
}
