import Synchronization

/// Keeps the first error reported by concurrent child tasks; later ones are consequences of it
/// (a closed channel, a cancellation) and are discarded.
final class FirstError: Sendable {
    private let storage = Mutex<(any Error)?>(nil)

    func record(_ error: any Error) {
        storage.withLock { if $0 == nil { $0 = error } }
    }

    var error: (any Error)? { storage.withLock { $0 } }
}

/// Counts live producers so that the last one to finish closes the shared channel.
final class Countdown: Sendable {
    private let remaining: Atomic<Int>

    init(_ count: Int) { remaining = Atomic(count) }

    /// Returns `true` for the call that brings the count to zero.
    func decrement() -> Bool {
        remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0
    }
}
