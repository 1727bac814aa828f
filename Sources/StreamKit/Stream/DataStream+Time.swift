// Time-based operators. Each takes the clock as a parameter so tests can drive time by hand.

extension Channel {
    /// Receives an element if one arrives before `deadline`, or returns `nil` at the deadline.
    ///
    /// Never loses an element to the timeout: if an element is taken as the deadline passes, it is
    /// returned. Throws ``ChannelClosed`` once closed and drained.
    public func receive<C: Clock>(before deadline: C.Instant, clock: C) async throws -> Element? {
        if case .element(let element) = tryReceive() { return element }
        return try await withThrowingTaskGroup(of: Element?.self) { group in
            group.addTask { try await self.receive() }
            group.addTask {
                try? await clock.sleep(until: deadline, tolerance: nil)
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            if let element = first { return element }
            // The receive lost the race; it may still have taken an element while being cancelled.
            do {
                while let result = try await group.next() { if let element = result { return element } }
            } catch is CancellationError {}
            try Task.checkCancellation()
            return nil
        }
    }
}

/// What a timed operator's loop reacts to.
private enum Timed<Element: Sendable>: Sendable {
    case element(Element)
    case end
}

extension DataStream {
    /// Runs this stream in a child task and hands `handle` each element, or `nil` whenever
    /// `deadline()` passes first. The run ends when upstream ends (after `handle(nil)` for a last
    /// flush is *not* implied; callers flush themselves).
    func runTimed<C: Clock>(
        clock: C,
        deadline: () -> C.Instant?,
        _ handle: (Element?) async throws -> Void
    ) async throws {
        let channel = Channel<Timed<Element>>(capacity: 16)
        let failure = FirstError()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do { try await self.body { try await channel.send(.element($0)) } } catch { failure.record(error) }
                _ = try? await channel.send(.end)
                channel.close()
            }
            defer {
                channel.close()
                group.cancelAll()
            }
            loop: while true {
                let event: Timed<Element>?
                do {
                    if let deadline = deadline() {
                        event = try await channel.receive(before: deadline, clock: clock)
                    } else {
                        event = try await channel.receive()
                    }
                } catch is ChannelClosed {
                    break
                }
                switch event {
                case .element(let element): try await handle(element)
                case .end: break loop
                case nil: try await handle(nil)
                }
            }
            if let error = failure.error { throw error }
        }
    }

    /// Arrays of up to `count` elements, emitted early once `interval` has passed since the
    /// chunk's first element. No empty chunks.
    public func chunked<C: Clock>(count: Int, orWithin interval: C.Duration, clock: C) -> DataStream<[Element]> {
        precondition(count >= 1, "chunked(count:orWithin:) needs a count of at least 1")
        return DataStream<[Element]> { emit in
            var chunk: [Element] = []
            var deadline: C.Instant?
            try await self.runTimed(clock: clock, deadline: { deadline }) { element in
                if let element {
                    if chunk.isEmpty { deadline = clock.now.advanced(by: interval) }
                    chunk.append(element)
                    guard chunk.count == count else { return }
                }
                let full = chunk
                chunk.removeAll(keepingCapacity: true)
                deadline = nil
                if !full.isEmpty { try await emit(full) }
            }
            if !chunk.isEmpty { try await emit(chunk) }
        }
    }

    /// ``chunked(count:orWithin:clock:)`` on the continuous clock.
    public func chunked(count: Int, orWithin interval: Duration) -> DataStream<[Element]> {
        chunked(count: count, orWithin: interval, clock: ContinuousClock())
    }

    /// Emits an element only once `interval` has passed without a newer one; the last element is
    /// emitted when upstream ends.
    ///
    /// The quiet period is judged on `clock` when the next element is handled: if its deadline
    /// has passed by then (the timer woke late, or lost the race to the element), the pending
    /// element is emitted before the newer one takes its place, not dropped.
    public func debounce<C: Clock>(for interval: C.Duration, clock: C) -> DataStream {
        DataStream { emit in
            var pending: Element?
            var deadline: C.Instant?
            try await self.runTimed(clock: clock, deadline: { deadline }) { element in
                if let element {
                    if let ready = pending, let due = deadline, due <= clock.now { try await emit(ready) }
                    pending = element
                    deadline = clock.now.advanced(by: interval)
                } else if let ready = pending {
                    pending = nil
                    deadline = nil
                    try await emit(ready)
                }
            }
            if let pending { try await emit(pending) }
        }
    }

    /// ``debounce(for:clock:)`` on the continuous clock.
    public func debounce(for interval: Duration) -> DataStream {
        debounce(for: interval, clock: ContinuousClock())
    }

    /// Emits an element, then drops the elements that arrive within `interval` of it (leading edge).
    public func throttle<C: Clock>(for interval: C.Duration, clock: C) -> DataStream {
        DataStream { emit in
            var nextAllowed: C.Instant?
            try await self.body { element in
                let now = clock.now
                if let nextAllowed, now < nextAllowed { return }
                nextAllowed = now.advanced(by: interval)
                try await emit(element)
            }
        }
    }

    /// ``throttle(for:clock:)`` on the continuous clock.
    public func throttle(for interval: Duration) -> DataStream {
        throttle(for: interval, clock: ContinuousClock())
    }
}
