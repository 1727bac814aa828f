import Dispatch
import StreamKit

/// How a hook's child process ended, delivered from the thread that reaps it to whoever
/// waits for it, with a deadline, without ever blocking a cooperative thread.
package final class ChildExit: Sendable {
    package struct Termination: Sendable, Equatable {
        /// The exit status, or the signal number when `signalled`.
        var status: Int32
        var signalled: Bool
    }

    private struct State {
        var termination: Termination?
        var waiters: [UInt64: CheckedContinuation<Termination?, Never>] = [:]
        var nextID: UInt64 = 0
        /// Waits that expired (deadline or cancellation) before they were registered.
        var expired: Set<UInt64> = []
    }

    private let state = Locked(State())

    package var termination: Termination? { state.withLock { $0.termination } }

    /// Called once, when the child has been reaped.
    package func finish(_ termination: Termination) {
        let waiters = state.withLock { state in
            state.termination = termination
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: termination) }
    }

    /// The termination, or `nil` when `limit` passes first — or, if `cancellable`, when the
    /// calling task is cancelled. A non-cancellable wait is what lets a cancelled caller still
    /// give its child a moment to exit after SIGTERM.
    package func wait(upTo limit: Duration, cancellable: Bool) async -> Termination? {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        let wait = {
            await withCheckedContinuation { (continuation: CheckedContinuation<Termination?, Never>) in
                let ready: Termination?? = self.state.withLock { state in
                    if let termination = state.termination { return .some(termination) }
                    if state.expired.remove(id) != nil { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let ready {
                    continuation.resume(returning: ready)
                    return
                }
                DispatchQueue.global().asyncAfter(deadline: .now() + limit.seconds) { self.expire(id) }
            }
        }
        guard cancellable else { return await wait() }
        return await withTaskCancellationHandler(operation: wait, onCancel: { self.expire(id) })
    }

    private func expire(_ id: UInt64) {
        let waiter = state.withLock { state in
            guard let waiter = state.waiters.removeValue(forKey: id) else {
                if state.termination == nil { state.expired.insert(id) }
                return nil as CheckedContinuation<Termination?, Never>?
            }
            return waiter
        }
        waiter?.resume(returning: nil)
    }
}
