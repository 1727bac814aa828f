import StreamKit

/// Waiting for something for at most a given time, then really not waiting any more.
///
/// A task group cannot do that: it returns only once every child has ended, and a child awaiting
/// work that ignores cancellation (a task blocked on an output that cannot be written) never
/// ends. Here the operation runs in a task of its own, and whichever comes first — its end or
/// the deadline — resumes the caller.
package enum Deadline {
    /// Runs `operation`; `true` if it ended within `timeout`. Past the deadline the operation is
    /// cancelled and left to end on its own, without the caller waiting.
    package static func within(_ timeout: Duration, _ operation: @escaping @Sendable () async -> Void) async -> Bool {
        let first = FirstOutcome()
        let work = Task {
            await operation()
            first.settle(true)
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            first.settle(false)
        }
        let finished = await first.value()
        timer.cancel()
        if !finished { work.cancel() }
        return finished
    }
}

/// A `Bool` settled once, by whichever of two racing tasks comes first; awaited by one caller.
private final class FirstOutcome: Sendable {
    private struct State {
        var outcome: Bool?
        var waiter: CheckedContinuation<Bool, Never>?
    }

    private let state = Locked(State())

    func settle(_ outcome: Bool) {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: outcome)
    }

    func value() async -> Bool {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool? in
                if let outcome = state.outcome { return outcome }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
