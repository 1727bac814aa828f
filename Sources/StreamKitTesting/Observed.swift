import StreamKit

/// A value that the code under test updates (from a hook, a stage, a callback) and that the
/// test awaits conditions on: ``wait(until:)`` returns as soon as an update makes the condition
/// true, so a test waits for what happened instead of sleeping or polling against a deadline.
///
/// ```swift
/// let delivered = Observed([Int]())
/// let hook = AlertHook<Int>(name: "ops", timeout: .seconds(5)) { n in delivered.update { $0.append(n) } }
/// …
/// await delivered.wait { $0.count == 20 }
/// ```
public final class Observed<Value: Sendable>: Sendable {
    private struct Waiter {
        let condition: @Sendable (Value) -> Bool
        let continuation: UnsafeContinuation<Void, Never>
    }

    private struct State {
        var value: Value
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0
    }

    private let state: Locked<State>

    public init(_ value: Value) {
        state = Locked(State(value: value))
    }

    public var value: Value { state.withLock { $0.value } }

    /// Changes the value and wakes the waiters whose condition now holds.
    @discardableResult
    public func update<Result>(_ body: (inout Value) -> Result) -> Result {
        let (result, woken) = state.withLock { state -> (Result, [UnsafeContinuation<Void, Never>]) in
            let result = body(&state.value)
            let value = state.value
            let satisfied = state.waiters.filter { $0.value.condition(value) }
            for id in satisfied.keys { state.waiters[id] = nil }
            return (result, satisfied.values.map(\.continuation))
        }
        for continuation in woken { continuation.resume() }
        return result
    }

    /// Returns once `condition` holds (at once if it does now), or early if the waiting task is
    /// cancelled (a test's time limit, say): check the value afterwards.
    public func wait(until condition: @escaping @Sendable (Value) -> Bool) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if Task.isCancelled || condition(state.value) { return true }
                    state.waiters[id] = Waiter(condition: condition, continuation: continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }
}
