/// A bounded, multi-producer multi-consumer async queue with backpressure.
///
/// `send` suspends while the buffer is full and `receive` suspends while it is empty; waiters are
/// served first come, first served. ``close()`` stops new sends at once, while receivers still
/// drain everything already buffered before they see ``ChannelClosed``.
///
/// ``send(contentsOf:within:clock:)`` waits, up to a deadline, for room for a whole batch and
/// enqueues it all or nothing.
///
/// ```swift
/// let channel = Channel<String>(capacity: 3)
/// try await channel.send("hello")
/// channel.close()
/// for await message in channel { print(message) }   // "hello", then the loop ends
/// ```
public final class Channel<Element: Sendable>: Sendable {
    @usableFromInline let state: SpinLock<ChannelStateMachine<Element>>

    /// The buffer size, or `nil` for a channel made with ``unbounded()``.
    public let capacity: Int?

    /// Creates a channel that buffers up to `capacity` elements (at least 1).
    ///
    /// There is deliberately no "0 means unbounded": use ``unbounded()`` to say so.
    public init(capacity: Int) {
        precondition(capacity >= 1, "Channel capacity must be at least 1; use Channel.unbounded() for no bound")
        self.capacity = capacity
        self.state = SpinLock(ChannelStateMachine(capacity: capacity))
    }

    private init(unboundedMarker: Void) {
        self.capacity = nil
        self.state = SpinLock(ChannelStateMachine(capacity: .max))
    }

    /// A channel whose `send` never waits. Memory grows with the backlog: prefer a bound.
    public static func unbounded() -> Channel {
        Channel(unboundedMarker: ())
    }

    /// Number of buffered elements.
    public var count: Int { state.withLock { $0.buffer.count } }

    /// Whether ``close()`` has been called (buffered elements may still be waiting to be received).
    public var isClosed: Bool { state.withLock { $0.isClosed } }

    /// Closes the channel: later sends throw ``ChannelClosed``, parked senders wake and throw
    /// (parked batch senders return ``BatchSendOutcome/closed``), receivers drain the buffer and
    /// then throw. Closing again does nothing.
    public func close() {
        let action = state.withLock { $0.close() }
        for sender in action.senders { sender.resume(throwing: ChannelClosed()) }
        for sender in action.batchSenders { sender.resume(returning: .closed) }
        for receiver in action.receivers { receiver.resume(throwing: ChannelClosed()) }
    }

    /// Senders of single elements parked in ``send(_:)``, for tests that wait until one has parked.
    package var parkedSenderCount: Int { state.withLock { $0.parkedSenderCounts.elements } }

    /// Batches parked in ``send(contentsOf:within:clock:)``, for tests that wait until one has parked.
    package var parkedBatchSenderCount: Int { state.withLock { $0.parkedSenderCounts.batches } }

    /// Receivers parked in ``receive()``, for tests that wait until one has parked.
    package var parkedReceiverCount: Int { state.withLock { $0.receivers.count } }
}

// MARK: - Sending

/// Outcome of a non-suspending send.
public enum TrySendResult: Sendable, Equatable {
    /// The element (or the whole batch) was enqueued.
    case enqueued
    /// No room right now; nothing was enqueued.
    case full
    /// The channel is closed; nothing was enqueued.
    case closed
}

extension Channel {
    /// Sends `element`, suspending while the buffer is full.
    ///
    /// - Throws: ``ChannelClosed`` if the channel is or becomes closed before the element is taken
    ///   in; `CancellationError` if the task is cancelled while waiting. In both cases the element
    ///   was not delivered; if `send` returns, it was delivered exactly once.
    @inlinable
    public func send(_ element: Element) async throws {
        switch state.withLock({ $0.trySend(element) }) {
        case .enqueued: return
        case .resumeReceiver(let receiver): receiver.resume(returning: element)
        case .closed: throw ChannelClosed()
        case .full: try await sendSuspending(element)
        }
    }

    @usableFromInline
    func sendSuspending(_ element: Element) async throws {
        let id = state.withLock { $0.makeID() }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                let action = state.withLock {
                    $0.send(element, id: id, continuation: continuation, isCancelled: Task.isCancelled)
                }
                switch action {
                case .parked: break
                case .delivered(let receiver):
                    receiver?.resume(returning: element)
                    continuation.resume()
                case .fail(let error): continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            state.withLock { $0.cancelSender(id: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Enqueues `element` if that is possible without waiting.
    @inlinable
    public func trySend(_ element: Element) -> TrySendResult {
        switch state.withLock({ $0.trySend(element) }) {
        case .enqueued: return .enqueued
        case .resumeReceiver(let receiver):
            receiver.resume(returning: element)
            return .enqueued
        case .full: return .full
        case .closed: return .closed
        }
    }

    /// Enqueues all of `elements` or none of them, without waiting.
    ///
    /// The daemon's ingestion relies on this: a batch is accepted whole or refused whole, so a
    /// client that retries never duplicates or loses an event.
    @inlinable
    public func trySend(contentsOf elements: [Element]) -> TrySendResult {
        switch state.withLock({ $0.trySend(contentsOf: elements[...]) }) {
        case .enqueued(let receivers):
            for (receiver, element) in receivers { receiver.resume(returning: element) }
            return .enqueued
        case .full: return .full
        case .closed: return .closed
        }
    }

    /// Sends every element in order, suspending whenever the buffer is full.
    ///
    /// Elements are taken in as room appears, so other senders may interleave with a large batch.
    /// - Throws: ``ChannelClosed`` or `CancellationError`; the elements before the failing one were
    ///   delivered, the failing one and the rest were not.
    @inlinable
    public func send(contentsOf elements: some Sequence<Element>) async throws {
        var remaining = Array(elements)[...]
        while !remaining.isEmpty {
            let (taken, receivers) = state.withLock { $0.sendPrefix(of: remaining) }
            for (receiver, element) in receivers { receiver.resume(returning: element) }
            remaining = remaining.dropFirst(taken)
            if let next = remaining.first {
                try await send(next)
                remaining = remaining.dropFirst()
            }
        }
    }
}

// MARK: - Sending a batch with a deadline

/// Outcome of ``Channel/send(contentsOf:within:clock:)``.
public enum BatchSendOutcome: Sendable, Equatable {
    /// The whole batch was enqueued, its elements next to each other and in order.
    case enqueued
    /// No room for the whole batch before the deadline (or the waiting task was cancelled, or the
    /// batch is larger than the channel's capacity); nothing was enqueued.
    case timedOut
    /// The channel is or became closed; nothing was enqueued.
    case closed
}

extension Channel {
    /// Enqueues all of `elements` or none of them, waiting up to `maxWait` on `clock` for room.
    ///
    /// For a producer that must not block forever on a stalled consumer, yet must never leave half
    /// a batch behind: on any outcome but ``BatchSendOutcome/enqueued`` nothing was enqueued, and
    /// nothing will be later, so the caller may retry or drop the batch without duplicating or
    /// losing part of it.
    ///
    /// - When the whole batch fits now and no other sender is parked, it is enqueued without
    ///   suspending, handed straight to waiting receivers first, like ``trySend(contentsOf:)``.
    /// - Otherwise the caller parks in the queue of waiting senders, which is first come, first
    ///   served for whole batches and single elements alike: a parked batch goes in whole as soon
    ///   as room for all of it appears, and nobody overtakes it, neither a smaller batch parked
    ///   later nor a later ``send(_:)`` or ``trySend(_:)`` of a single element (those wait or
    ///   report `.full` while any sender is parked, as they do behind parked single senders). So a
    ///   large batch is not starved by a stream of small sends; the price is that room a parked
    ///   batch cannot use yet stays free until its deadline.
    /// - If the deadline passes first, the batch leaves the queue and the call returns
    ///   ``BatchSendOutcome/timedOut``; the senders behind it may then go in.
    /// - Cancelling the task ends the wait the same way (``BatchSendOutcome/timedOut``): like a
    ///   deadline, it means "stop waiting", not a fault in the channel. A batch that fits at once
    ///   is enqueued even by a cancelled task, as ``send(_:)`` does.
    /// - ``close()`` ends the wait with ``BatchSendOutcome/closed``, as does calling this on a
    ///   closed channel.
    /// - A batch with more elements than the ``capacity`` returns ``BatchSendOutcome/timedOut``
    ///   at once, without waiting: no amount of waiting makes room for it. It is refused even when
    ///   enough receivers are waiting to take it right now, so the outcome does not depend on
    ///   timing; split it, or use ``send(contentsOf:)`` if interleaving is acceptable.
    /// - An empty batch is enqueued at once (it takes no room, so it overtakes nobody).
    ///
    /// The deadline is `clock.now` plus `maxWait`, taken when the call has to wait; a zero or
    /// negative `maxWait` never waits. The wait ends by a timer racing the parked batch, never by
    /// polling, and the channel decides atomically whether the batch went in or timed out, so the
    /// returned outcome is always the true one.
    @inlinable
    public func send<C: Clock>(
        contentsOf elements: [Element],
        within maxWait: C.Duration,
        clock: C
    ) async -> BatchSendOutcome {
        switch state.withLock({ $0.trySendBatch(elements) }) {
        case .enqueued(let receivers):
            for (receiver, element) in receivers { receiver.resume(returning: element) }
            return .enqueued
        case .closed: return .closed
        case .tooLarge: return .timedOut
        case .wait:
            if maxWait <= .zero { return .timedOut }
            return await sendBatchSuspending(elements, deadline: clock.now.advanced(by: maxWait), clock: clock)
        }
    }

    /// ``send(contentsOf:within:clock:)`` on the `ContinuousClock`.
    @inlinable
    public func send(contentsOf elements: [Element], within maxWait: Duration) async -> BatchSendOutcome {
        await send(contentsOf: elements, within: maxWait, clock: ContinuousClock())
    }

    /// Parks the batch in one child task and sleeps until the deadline in another; whichever ends
    /// first cancels the other. Cancelling the parked child withdraws the batch unless it was
    /// let in meanwhile, so the parked child's outcome is the answer either way. Cancelling the
    /// calling task cancels both children: the timer ends early and the batch is withdrawn.
    @usableFromInline
    func sendBatchSuspending<C: Clock>(_ elements: [Element], deadline: C.Instant, clock: C) async -> BatchSendOutcome {
        await withTaskGroup(of: BatchSendOutcome?.self) { group in
            group.addTask { await self.parkBatch(elements) }
            group.addTask {
                try? await clock.sleep(until: deadline, tolerance: nil)
                return nil
            }
            while let finished = await group.next() {
                group.cancelAll()
                if let outcome = finished { return outcome }
            }
            return .timedOut  // not reached: the parked child always reports an outcome
        }
    }

    /// Waits in the senders' queue until the batch is let in, the channel closes, or the task is
    /// cancelled (which withdraws the batch: `.timedOut`).
    func parkBatch(_ elements: [Element]) async -> BatchSendOutcome {
        let id = state.withLock { $0.makeID() }
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<BatchSendOutcome, Never>) in
                let action = state.withLock {
                    $0.sendBatch(elements, id: id, continuation: continuation, isCancelled: Task.isCancelled)
                }
                switch action {
                case .parked: break
                case .settled(let outcome, let receivers):
                    for (receiver, element) in receivers { receiver.resume(returning: element) }
                    continuation.resume(returning: outcome)
                }
            }
        } onCancel: {
            guard let (sender, admitted) = state.withLock({ $0.cancelBatchSender(id: id) }) else { return }
            sender.resume(returning: .timedOut)
            admitted.resume()
        }
    }
}

// MARK: - Receiving

/// Outcome of a non-suspending receive.
public enum TryReceiveResult<Element: Sendable>: Sendable {
    case element(Element)
    /// Nothing buffered right now; the channel is still open.
    case empty
    /// Closed and fully drained.
    case closed
}

extension TryReceiveResult: Equatable where Element: Equatable {}

extension Channel {
    /// Receives the oldest element, suspending while the channel is empty.
    ///
    /// - Throws: ``ChannelClosed`` once the channel is closed and drained; `CancellationError` if the
    ///   task is cancelled while waiting (no element is consumed then).
    @inlinable
    public func receive() async throws -> Element {
        switch state.withLock({ $0.tryReceive() }) {
        case .element(let element, let senders):
            senders.resume()
            return element
        case .closed: throw ChannelClosed()
        case .empty: return try await receiveSuspending()
        }
    }

    @usableFromInline
    func receiveSuspending() async throws -> Element {
        let id = state.withLock { $0.makeID() }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Element, any Error>) in
                let action = state.withLock {
                    $0.receive(id: id, continuation: continuation, isCancelled: Task.isCancelled)
                }
                switch action {
                case .parked: break
                case .element(let element, let senders):
                    senders.resume()
                    continuation.resume(returning: element)
                case .fail(let error): continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            state.withLock { $0.cancelReceiver(id: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Takes the oldest element if one is buffered, without waiting.
    @inlinable
    public func tryReceive() -> TryReceiveResult<Element> {
        switch state.withLock({ $0.tryReceive() }) {
        case .element(let element, let senders):
            senders.resume()
            return .element(element)
        case .empty: return .empty
        case .closed: return .closed
        }
    }

    /// Waits for at least one element, then returns up to `maximum` elements in order.
    ///
    /// - Throws: ``ChannelClosed`` once closed and drained; `CancellationError` while waiting.
    @inlinable
    public func receive(upTo maximum: Int) async throws -> [Element] {
        precondition(maximum >= 1, "receive(upTo:) needs a maximum of at least 1")
        var batch: [Element] = []
        batch.reserveCapacity(Swift.min(maximum, 1024))
        var senders = state.withLock { $0.tryReceive(upTo: maximum, into: &batch) }
        if batch.isEmpty {
            batch.append(try await receive())
            if maximum > 1 { senders = state.withLock { $0.tryReceive(upTo: maximum - 1, into: &batch) } }
        }
        senders.resume()
        return batch
    }
}
