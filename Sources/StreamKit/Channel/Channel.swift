/// A bounded, multi-producer multi-consumer async queue with backpressure.
///
/// `send` suspends while the buffer is full and `receive` suspends while it is empty; waiters are
/// served first come, first served. ``close()`` stops new sends at once, while receivers still
/// drain everything already buffered before they see ``ChannelClosed``.
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

    /// Closes the channel: later sends throw ``ChannelClosed``, parked senders wake and throw,
    /// receivers drain the buffer and then throw. Closing again does nothing.
    public func close() {
        let action = state.withLock { $0.close() }
        for sender in action.senders { sender.resume(throwing: ChannelClosed()) }
        for receiver in action.receivers { receiver.resume(throwing: ChannelClosed()) }
    }
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
            for sender in senders { sender.resume() }
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
                    for sender in senders { sender.resume() }
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
            for sender in senders { sender.resume() }
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
        for sender in senders { sender.resume() }
        return batch
    }
}
