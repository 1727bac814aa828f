public import DequeModule

/// The pure state of a ``Channel``: buffer, waiting senders, waiting receivers, closed flag.
///
/// Every mutating method returns an action that names what the caller must do once the lock is
/// released (resume this continuation, throw, suspend). Continuations are never resumed here,
/// so the machine can be unit-tested without threads.
///
/// Invariants: waiting receivers exist only while the buffer is empty; waiting senders exist
/// only while the buffer is full.
@usableFromInline
struct ChannelStateMachine<Element: Sendable> {
    @usableFromInline typealias SendContinuation = UnsafeContinuation<Void, any Error>
    @usableFromInline typealias ReceiveContinuation = UnsafeContinuation<Element, any Error>

    @usableFromInline
    struct Sender {
        @usableFromInline var id: UInt64
        @usableFromInline var element: Element
        @usableFromInline var continuation: SendContinuation

        @inlinable
        init(id: UInt64, element: Element, continuation: SendContinuation) {
            self.id = id
            self.element = element
            self.continuation = continuation
        }
    }

    @usableFromInline
    struct Receiver {
        @usableFromInline var id: UInt64
        @usableFromInline var continuation: ReceiveContinuation

        @inlinable
        init(id: UInt64, continuation: ReceiveContinuation) {
            self.id = id
            self.continuation = continuation
        }
    }

    @usableFromInline var buffer: Deque<Element> = []
    @usableFromInline var senders: Deque<Sender> = []
    @usableFromInline var receivers: Deque<Receiver> = []
    /// `Int.max` for an unbounded channel.
    @usableFromInline let capacity: Int
    @usableFromInline var isClosed = false
    @usableFromInline var nextID: UInt64 = 0

    @usableFromInline
    init(capacity: Int) {
        self.capacity = capacity
        if capacity != .max { buffer.reserveCapacity(Swift.min(capacity, 4096)) }
    }

    // MARK: - Sending

    @usableFromInline
    enum TrySendAction {
        case enqueued
        case resumeReceiver(ReceiveContinuation)
        case full
        case closed
    }

    /// Delivers without waiting if a receiver waits or the buffer has room.
    @inlinable
    mutating func trySend(_ element: Element) -> TrySendAction {
        if isClosed { return .closed }
        if let receiver = receivers.popFirst() { return .resumeReceiver(receiver.continuation) }
        if buffer.count < capacity && senders.isEmpty {
            buffer.append(element)
            return .enqueued
        }
        return .full
    }

    @usableFromInline
    enum SuspendedSendAction {
        /// The sender was parked; its continuation is resumed later.
        case parked
        /// Delivered on the spot: resume the sender (and a receiver, if one took the element).
        case delivered(receiver: ReceiveContinuation?)
        case fail(any Error)
    }

    /// Second attempt of a send that found the channel full, now with its continuation.
    @inlinable
    mutating func send(
        _ element: Element,
        id: UInt64,
        continuation: SendContinuation,
        isCancelled: Bool
    ) -> SuspendedSendAction {
        switch trySend(element) {
        case .enqueued: return .delivered(receiver: nil)
        case .resumeReceiver(let receiver): return .delivered(receiver: receiver)
        case .closed: return .fail(ChannelClosed())
        case .full:
            if isCancelled { return .fail(CancellationError()) }
            senders.append(Sender(id: id, element: element, continuation: continuation))
            return .parked
        }
    }

    /// Removes a parked sender whose task was cancelled. `nil` if it was already let in, in which
    /// case its element was delivered and the send completes normally.
    @inlinable
    mutating func cancelSender(id: UInt64) -> SendContinuation? {
        guard let index = senders.firstIndex(where: { $0.id == id }) else { return nil }
        return senders.remove(at: index).continuation
    }

    @usableFromInline
    enum TrySendBatchAction {
        case enqueued(receivers: [(ReceiveContinuation, Element)])
        case full
        case closed
    }

    /// All-or-nothing: enqueues every element, or none if they do not all fit right now.
    @inlinable
    mutating func trySend(contentsOf elements: ArraySlice<Element>) -> TrySendBatchAction {
        if isClosed { return .closed }
        let count = elements.count
        guard senders.isEmpty, count <= receivers.count + (capacity - buffer.count) else { return .full }
        return .enqueued(receivers: place(elements))
    }

    /// Enqueues as many of `elements` as fit without waiting; returns the handed-off receivers
    /// and how many elements were taken.
    @inlinable
    mutating func sendPrefix(
        of elements: ArraySlice<Element>
    ) -> (taken: Int, receivers: [(ReceiveContinuation, Element)]) {
        guard !isClosed, senders.isEmpty else { return (0, []) }
        let room = receivers.count + (capacity - buffer.count)
        let taken = Swift.min(room, elements.count)
        return (taken, place(elements.prefix(taken)))
    }

    @inlinable
    mutating func place(_ elements: ArraySlice<Element>) -> [(ReceiveContinuation, Element)] {
        var handedOff: [(ReceiveContinuation, Element)] = []
        var iterator = elements.makeIterator()
        while !receivers.isEmpty, let element = iterator.next() {
            handedOff.append((receivers.removeFirst().continuation, element))
        }
        while let element = iterator.next() { buffer.append(element) }
        return handedOff
    }

    // MARK: - Receiving

    @usableFromInline
    enum TryReceiveAction {
        case element(Element, resumeSenders: [SendContinuation])
        case empty
        case closed
    }

    @inlinable
    mutating func tryReceive() -> TryReceiveAction {
        if let element = buffer.popFirst() {
            return .element(element, resumeSenders: resumeWaitingSenders())
        }
        return isClosed ? .closed : .empty
    }

    @usableFromInline
    enum SuspendedReceiveAction {
        case parked
        case element(Element, resumeSenders: [SendContinuation])
        case fail(any Error)
    }

    @inlinable
    mutating func receive(
        id: UInt64,
        continuation: ReceiveContinuation,
        isCancelled: Bool
    ) -> SuspendedReceiveAction {
        switch tryReceive() {
        case .element(let element, let senders): return .element(element, resumeSenders: senders)
        case .closed: return .fail(ChannelClosed())
        case .empty:
            if isCancelled { return .fail(CancellationError()) }
            receivers.append(Receiver(id: id, continuation: continuation))
            return .parked
        }
    }

    @inlinable
    mutating func cancelReceiver(id: UInt64) -> ReceiveContinuation? {
        guard let index = receivers.firstIndex(where: { $0.id == id }) else { return nil }
        return receivers.remove(at: index).continuation
    }

    /// Takes up to `maximum` buffered elements without waiting.
    @inlinable
    mutating func tryReceive(upTo maximum: Int, into result: inout [Element]) -> [SendContinuation] {
        var taken = 0
        while taken < maximum {
            guard let element = buffer.popFirst() else { break }
            result.append(element)
            taken += 1
        }
        return taken > 0 ? resumeWaitingSenders() : []
    }

    /// Moves parked senders' elements into the room just made, in order, and returns their
    /// continuations to resume.
    @inlinable
    mutating func resumeWaitingSenders() -> [SendContinuation] {
        guard !senders.isEmpty else { return [] }
        var resumed: [SendContinuation] = []
        while buffer.count < capacity, let sender = senders.popFirst() {
            buffer.append(sender.element)
            resumed.append(sender.continuation)
        }
        return resumed
    }

    // MARK: - Closing

    @usableFromInline
    struct CloseAction {
        @usableFromInline var senders: [SendContinuation] = []
        @usableFromInline var receivers: [ReceiveContinuation] = []

        @inlinable
        init(senders: [SendContinuation] = [], receivers: [ReceiveContinuation] = []) {
            self.senders = senders
            self.receivers = receivers
        }
    }

    /// Marks the channel closed. Parked senders fail (their elements were never delivered);
    /// parked receivers fail only because the buffer is empty whenever receivers wait.
    @inlinable
    mutating func close() -> CloseAction {
        guard !isClosed else { return CloseAction() }
        isClosed = true
        let action = CloseAction(senders: senders.map(\.continuation), receivers: receivers.map(\.continuation))
        senders.removeAll()
        receivers.removeAll()
        return action
    }

    @inlinable
    mutating func makeID() -> UInt64 {
        nextID &+= 1
        return nextID
    }
}
