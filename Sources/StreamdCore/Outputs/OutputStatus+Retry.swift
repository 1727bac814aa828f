extension OutputStatus {
    /// One attempt at getting bytes out (opening the output if needed, then writing): `nil` when
    /// it succeeded, else what went wrong. Throws only when its caller stopped waiting.
    package typealias Attempt = @Sendable () async throws(CancellationError) -> String?

    /// Repeats `attempt` until it succeeds: each failure is reported (the output is then not
    /// writable) and followed by the backoff; an attempt still running after `stallAfter` is
    /// reported as not writable too, with `stalled()`'s reason, and waited for (a blocked system
    /// call cannot be interrupted). `onRetry` runs before each new attempt.
    ///
    /// Throws only `CancellationError`, when the calling task is cancelled: a stop that gave up
    /// waiting for the output.
    package func retry(
        stallAfter: Duration?, stalled: @escaping @Sendable () -> String, onRetry: @Sendable () -> Void = {},
        _ attempt: @escaping Attempt
    ) async throws(CancellationError) {
        while true {
            guard let failure = try await watched(attempt, stallAfter: stallAfter, stalled: stalled) else {
                succeeded()
                return
            }
            let delay = failed(failure)
            do { try await clock.sleep(delay) } catch { throw CancellationError() }
            onRetry()
        }
    }

    private enum Outcome: Sendable {
        case finished(String?)
        case cancelled
        case stalled
        case timerStopped
    }

    /// `attempt`'s outcome, reporting a stall when it takes longer than `stallAfter`.
    private func watched(
        _ attempt: @escaping Attempt, stallAfter: Duration?, stalled: @escaping @Sendable () -> String
    ) async throws(CancellationError) -> String? {
        guard let stallAfter else { return try await attempt() }
        let clock = clock
        let outcome = await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                do throws(CancellationError) { return .finished(try await attempt()) } catch { return .cancelled }
            }
            group.addTask {
                do { try await clock.sleep(stallAfter) } catch { return .timerStopped }
                return .stalled
            }
            while let next = await group.next() {
                switch next {
                case .stalled: self.stalled(stalled())
                case .timerStopped: continue
                case .finished, .cancelled:
                    group.cancelAll()
                    return next
                }
            }
            return .cancelled
        }
        guard case .finished(let failure) = outcome else { throw CancellationError() }
        return failure
    }
}
