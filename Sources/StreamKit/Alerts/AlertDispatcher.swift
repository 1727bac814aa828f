import Synchronization

/// Where a dispatcher delivers notifications: one attempt per call, which throws on failure.
public struct AlertHook<Notification: Sendable>: Sendable {
    public var name: String
    /// Per-attempt limit; the attempt's task is cancelled when it passes.
    public var timeout: Duration
    /// When to retry a failed attempt (attempts include the first).
    public var retry: RetrySchedule
    /// Deliveries in flight at once for this hook (1 keeps them in order).
    public var concurrency: Int
    public var deliver: @Sendable (Notification) async throws -> Void

    public init(
        name: String,
        timeout: Duration,
        retry: RetrySchedule = .exponential(initial: .milliseconds(200), maxDelay: .seconds(10), maxAttempts: 4).jittered(0.2),
        concurrency: Int = 1,
        deliver: @escaping @Sendable (Notification) async throws -> Void
    ) {
        precondition(concurrency >= 1, "a hook needs a concurrency of at least 1")
        self.name = name
        self.timeout = timeout
        self.retry = retry
        self.concurrency = concurrency
        self.deliver = deliver
    }
}

/// Counters of one hook.
public struct AlertHookStats: Sendable, Equatable, Codable {
    public var name: String
    /// Notifications delivered (possibly after retries).
    public var delivered: Int
    /// Notifications given up on after the last retry (or left undelivered at shutdown).
    public var failed: Int
    /// Attempts that failed and were retried.
    public var retries: Int
    /// Notifications refused because the hook's queue was full.
    public var dropped: Int
    /// Waiting in the queue now.
    public var queued: Int
}

/// Delivers alert notifications to hooks off the hot path (SPEC §2.5): each hook has a bounded
/// queue and its own workers; ``notify(_:hooks:)`` never waits, a full queue drops the
/// notification and counts it. Attempts time out, failures are retried with backoff and jitter.
///
/// Every wait — an attempt's timeout, the delay before a retry, ``finish(within:)``'s deadline —
/// is on `clock` (the continuous clock by default), so tests drive them with a manual clock.
///
/// ```swift
/// let dispatcher = AlertDispatcher<Payload, ContinuousClock>(
///     hooks: [AlertHook(name: "ops", timeout: .seconds(2)) { try await post($0) }])
/// async let running: Void = dispatcher.run()
/// dispatcher.notify(payload, hooks: ["ops"])
/// await dispatcher.finish(within: .seconds(5))   // at shutdown, then: await running
/// ```
public final class AlertDispatcher<Notification: Sendable, C: Clock>: Sendable where C.Duration == Duration {
    private struct Lane: Sendable {
        let hook: AlertHook<Notification>
        let queue: Channel<Notification>
        let counters = AtomicCounters(count: Counter.allCases.count)

        func add(_ counter: Counter, _ amount: Int = 1) { counters.add(amount, at: counter.rawValue) }
        func load(_ counter: Counter) -> Int { counters.load(counter.rawValue) }
    }

    private enum Counter: Int, CaseIterable {
        case delivered, failed, retries, dropped
    }

    private let lanes: [String: Lane]
    private let order: [String]
    private let clock: C
    /// Notifications accepted and not yet finished, over all hooks: queued, handed to a worker,
    /// or being attempted.
    private let pending = PendingWork()
    private let stopping = Atomic<Bool>(false)
    /// Closed at the end of ``finish(within:)``: ``run()`` then cancels what is still in flight.
    private let abandoned = Channel<Void>(capacity: 1)
    private let onOutcome: (@Sendable (_ notification: Notification, _ hook: String, _ delivered: Bool) -> Void)?

    /// `onOutcome` is told how each notification ended for each hook (delivered, or failed after
    /// its retries), e.g. to count deliveries per alert rule.
    public init(
        hooks: [AlertHook<Notification>],
        queueCapacity: Int = 1024,
        clock: C,
        onOutcome: (@Sendable (_ notification: Notification, _ hook: String, _ delivered: Bool) -> Void)? = nil
    ) {
        self.onOutcome = onOutcome
        var lanes: [String: Lane] = [:]
        for hook in hooks { lanes[hook.name] = Lane(hook: hook, queue: Channel(capacity: queueCapacity)) }
        self.lanes = lanes
        self.order = hooks.map(\.name)
        self.clock = clock
    }

    /// Queues `notification` for each named hook; returns at once. Unknown names are ignored.
    public func notify(_ notification: Notification, hooks names: [String]) {
        for name in names {
            guard let lane = lanes[name] else { continue }
            // Counted before a waiting worker can take it, so `finish` never misses it.
            pending.begin()
            if lane.queue.trySend(notification) != .enqueued {
                pending.end()
                lane.add(.dropped)
            }
        }
    }

    /// Runs the hooks' workers until ``finish(within:)``.
    public func run() async {
        await withTaskGroup(of: Bool.self) { group in
            for lane in lanes.values {
                for _ in 0..<lane.hook.concurrency {
                    group.addTask {
                        await self.work(lane)
                        return false
                    }
                }
            }
            group.addTask {
                _ = try? await self.abandoned.receive()
                return true
            }
            // Past finish's deadline: cancel attempts and retry waits still going.
            while let abandon = await group.next() {
                if abandon { group.cancelAll() }
            }
        }
    }

    /// Stops taking notifications and lets the queued ones be attempted for up to `deadline`
    /// (on the dispatcher's clock); what is still queued or in flight after it is abandoned and
    /// counted as failed. Returns as soon as nothing is left, or at the deadline, when ``run()``
    /// may end; the caller then awaits it.
    public func finish(within deadline: Duration) async {
        for lane in lanes.values { lane.queue.close() }
        let end = clock.now.advanced(by: deadline)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.pending.waitUntilIdle() }
            group.addTask { try? await self.clock.sleep(until: end, tolerance: nil) }
            await group.next()
            group.cancelAll()
        }
        stopping.store(true, ordering: .relaxed)
        abandoned.close()
    }

    public var stats: [AlertHookStats] {
        order.compactMap { lanes[$0] }.map { lane in
            AlertHookStats(
                name: lane.hook.name, delivered: lane.load(.delivered), failed: lane.load(.failed),
                retries: lane.load(.retries), dropped: lane.load(.dropped), queued: lane.queue.count
            )
        }
    }

    private func work(_ lane: Lane) async {
        var generator = SystemRandomNumberGenerator()
        while let notification = try? await lane.queue.receive() {
            defer { pending.end() }
            var attempt = 1
            while true {
                if stopping.load(ordering: .relaxed) {
                    lane.add(.failed)
                    onOutcome?(notification, lane.hook.name, false)
                    break
                }
                if await attemptDelivery(notification, hook: lane.hook) {
                    lane.add(.delivered)
                    onOutcome?(notification, lane.hook.name, true)
                    break
                }
                guard let delay = lane.hook.retry.delay(afterAttempt: attempt, using: &generator), !stopping.load(ordering: .relaxed) else {
                    lane.add(.failed)
                    onOutcome?(notification, lane.hook.name, false)
                    break
                }
                lane.add(.retries)
                attempt += 1
                try? await clock.sleep(until: clock.now.advanced(by: delay), tolerance: nil)
            }
        }
    }

    /// One attempt, cancelled at the hook's timeout. Returns whether it succeeded.
    private func attemptDelivery(_ notification: Notification, hook: AlertHook<Notification>) async -> Bool {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                do {
                    try await hook.deliver(notification)
                    return true
                } catch {
                    return false
                }
            }
            group.addTask {
                try? await self.clock.sleep(until: self.clock.now.advanced(by: hook.timeout), tolerance: nil)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? false
        }
    }
}

extension AlertDispatcher where C == ContinuousClock {
    /// A dispatcher whose timeouts, retry delays and `finish` deadline are on the continuous clock.
    public convenience init(
        hooks: [AlertHook<Notification>],
        queueCapacity: Int = 1024,
        onOutcome: (@Sendable (_ notification: Notification, _ hook: String, _ delivered: Bool) -> Void)? = nil
    ) {
        self.init(hooks: hooks, queueCapacity: queueCapacity, clock: ContinuousClock(), onOutcome: onOutcome)
    }
}
