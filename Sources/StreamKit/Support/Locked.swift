#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a pthread mutex: for state that several tasks or threads read and write
/// outside the per-element hot path (window and alert monitors, clocks in tests, rate windows).
///
/// Why not `Synchronization.Mutex`: on Linux it is a priority-inheritance futex whose contended
/// hand-over happens in the kernel, where the thread sanitizer cannot see it, so contended use
/// is reported as a race and `--sanitize=thread` runs stop meaning anything. Per-element paths
/// use `SpinLock` instead (no system call when contended briefly).
///
/// `@unchecked Sendable`: the value is reached only inside `withLock`, which holds the mutex.
public final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var stored: Value

    public init(_ value: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        stored = value
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&stored)
    }

    /// A copy of the value.
    public var value: Value { withLock { $0 } }
}
