public import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A test-and-test-and-set spin lock that yields the thread after a short spin, for state whose
/// critical sections are a handful of instructions (a channel's deque push or pop).
///
/// Why not `Mutex`: on Linux it is a priority-inheritance futex, so a contended acquisition or
/// release goes through the kernel. With one producer and one consumer on different cores a
/// channel's lock is contended on nearly every element, and spinning for the few nanoseconds the
/// holder needs is far cheaper than a system call (P1 went from 6 M to 23 M items/s). The kernel
/// hand-over is also invisible to the thread sanitizer, which then reports false races.
/// Nothing slow ever runs under this lock: continuations are resumed after it is released.
///
/// `@unchecked Sendable`: `value` is reached only through `withLock`, which holds the lock.
@usableFromInline
final class SpinLock<Value>: @unchecked Sendable {
    @usableFromInline let flag = Atomic<Bool>(false)
    @usableFromInline let value: UnsafeMutablePointer<Value>

    @inlinable
    init(_ initial: Value) {
        value = .allocate(capacity: 1)
        value.initialize(to: initial)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
    }

    @inlinable
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        if !flag.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged { lockSlowly() }
        defer { flag.store(false, ordering: .releasing) }
        return try body(&value.pointee)
    }

    @usableFromInline
    func lockSlowly() {
        var spins = 0
        while true {
            if !flag.load(ordering: .relaxed),
                flag.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
            {
                return
            }
            spins += 1
            // The holder is probably descheduled: let it run.
            if spins >= 100 { sched_yield() }
        }
    }
}
