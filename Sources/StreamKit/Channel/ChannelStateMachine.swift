public import DequeModule

/// The pure state of a ``Channel``: buffer, waiting senders, waiting receivers, closed flag.
///
/// Every mutating method returns an action that names what the caller must do once the lock is
/// released (resume this continuation, throw, suspend). Continuations are never resumed here,
/// so the machine can be unit-tested without threads.
///
/// Waiting senders, single elements and whole batches alike, form one FIFO queue, and only its
/// head is ever let in: a single element when one slot is free, a batch when all of it fits.
///
/// Invariants: waiting receivers exist only while the buffer is empty; waiting senders exist
/// only while the head of their queue does not fit (so the buffer is full, or holds too much
/// for the head batch; never empty, because a batch larger than the capacity is never parked).
@usableFromInline
struct ChannelStateMachine<Element: Sendable> {
    @usableFromInline typealias SendContinuation = UnsafeContinuation<Void, any Error>
    @usableFromInline typealias ReceiveContinuation = UnsafeContinuation<Element, any Error>
    @usableFromInline typealias BatchSendContinuation = UnsafeContinuation<BatchSendOutcome, Never>

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

    /// A parked ``Channel/send(contentsOf:within:clock:)``: its elements go in together or not at all.
    @usableFromInline
    struct BatchSender {
        @usableFromInline var id: UInt64
        @usableFromInline var elements: [Element]
        @usableFromInline var continuation: BatchSendContinuation

        @inlinable
        init(id: UInt64, elements: [Element], continuation: BatchSendContinuation) {
            self.id = id
            self.elements = elements
            self.continuation = continuation
        }
    }

    /// One entry of the senders' queue.
    @usableFromInline
    enum WaitingSender {
        case element(Sender)
        case batch(BatchSender)

        @inlinable
        var isBatch: Bool {
            if case .batch = self { true } else { false }
        }
    }

    /// Parked senders whose elements have just been taken in: resume them once the lock is released.
    @usableFromInline
    struct AdmittedSenders {
        @usableFromInline var senders: [SendContinuation] = []
        @usableFromInline var batchSenders: [BatchSendContinuation] = []

        @inlinable
        init() {}

        @inlinable
        var isEmpty: Bool { senders.isEmpty && batchSenders.isEmpty }

        @inlinable
        func resume() {
            for sender in senders { sender.resume() }
            for sender in batchSenders { sender.resume(returning: .enqueued) }
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
    /// Single-element and batch senders in the order they parked.
    @usableFromInline var senders: Deque<WaitingSender> = []
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
            senders.append(.element(Sender(id: id, element: element, continuation: continuation)))
            return .parked
        }
    }

    /// Removes a parked sender whose task was cancelled. `nil` if it was already let in, in which
    /// case its element was delivered and the send completes normally.
    ///
    /// Nothing behind it can be let in instead: a parked single sender at the head means the
    /// buffer is full.
    @inlinable
    mutating func cancelSender(id: UInt64) -> SendContinuation? {
        let index = senders.firstIndex { waiting in
            if case .element(let sender) = waiting { sender.id == id } else { false }
        }
        guard let index, case .element(let sender) = senders.remove(at: index) else { return nil }
        return sender.continuation
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
        guard senders.isEmpty, fitsNow(elements.count) else { return .full }
        return .enqueued(receivers: place(elements))
    }

    /// Whether `count` elements fit right now, handed to waiting receivers or buffered.
    /// (Written so that an unbounded channel's `Int.max` capacity cannot overflow.)
    @inlinable
    func fitsNow(_ count: Int) -> Bool {
        let free = capacity - buffer.count
        return count <= free || count - free <= receivers.count
    }

    @usableFromInline
    enum BatchSendAction {
        /// Taken in whole: hand these elements to these receivers.
        case enqueued(receivers: [(ReceiveContinuation, Element)])
        case closed
        /// More elements than the capacity: no amount of waiting makes room.
        case tooLarge
        /// No room for the whole batch now, or other senders are parked ahead: it has to wait.
        case wait
    }

    /// First attempt of ``Channel/send(contentsOf:within:clock:)``, before any waiting.
    @inlinable
    mutating func trySendBatch(_ elements: [Element]) -> BatchSendAction {
        if isClosed { return .closed }
        if elements.isEmpty { return .enqueued(receivers: []) }
        if elements.count > capacity { return .tooLarge }
        guard senders.isEmpty, fitsNow(elements.count) else { return .wait }
        return .enqueued(receivers: place(elements[...]))
    }

    @usableFromInline
    enum SuspendedBatchSendAction {
        case parked
        /// Settled on the spot: resume the batch sender with this outcome (and these receivers).
        case settled(BatchSendOutcome, receivers: [(ReceiveContinuation, Element)])
    }

    /// Second attempt of a batch send that had to wait, now with its continuation.
    @inlinable
    mutating func sendBatch(
        _ elements: [Element],
        id: UInt64,
        continuation: BatchSendContinuation,
        isCancelled: Bool
    ) -> SuspendedBatchSendAction {
        switch trySendBatch(elements) {
        case .enqueued(let receivers): return .settled(.enqueued, receivers: receivers)
        case .closed: return .settled(.closed, receivers: [])
        case .tooLarge: return .settled(.timedOut, receivers: [])
        case .wait:
            if isCancelled { return .settled(.timedOut, receivers: []) }
            senders.append(.batch(BatchSender(id: id, elements: elements, continuation: continuation)))
            return .parked
        }
    }

    /// Removes a parked batch whose deadline passed or whose task was cancelled: `nil` if it was
    /// already let in (or failed by `close`), in which case that outcome stands. Removing the
    /// head may let the senders behind it in, so those are returned too.
    @inlinable
    mutating func cancelBatchSender(id: UInt64) -> (BatchSendContinuation, admitted: AdmittedSenders)? {
        let index = senders.firstIndex { waiting in
            if case .batch(let sender) = waiting { sender.id == id } else { false }
        }
        guard let index, case .batch(let sender) = senders.remove(at: index) else { return nil }
        return (sender.continuation, resumeWaitingSenders())
    }

    /// Parked senders, for tests: single-element senders and batch senders.
    @inlinable
    var parkedSenderCounts: (elements: Int, batches: Int) {
        let batches = senders.reduce(0) { $0 + ($1.isBatch ? 1 : 0) }
        return (senders.count - batches, batches)
    }

    /// Enqueues as many of `elements` as fit without waiting; returns the handed-off receivers
    /// and how many elements were taken.
    @inlinable
    mutating func sendPrefix(
        of elements: ArraySlice<Element>
    ) -> (taken: Int, receivers: [(ReceiveContinuation, Element)]) {
        guard !isClosed, senders.isEmpty else { return (0, []) }
        let free = capacity - buffer.count
        let taken = elements.count <= free ? elements.count : Swift.min(elements.count, free + receivers.count)
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
        case element(Element, resumeSenders: AdmittedSenders)
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
        case element(Element, resumeSenders: AdmittedSenders)
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
    mutating func tryReceive(upTo maximum: Int, into result: inout [Element]) -> AdmittedSenders {
        var taken = 0
        while taken < maximum {
            guard let element = buffer.popFirst() else { break }
            result.append(element)
            taken += 1
        }
        return taken > 0 ? resumeWaitingSenders() : AdmittedSenders()
    }

    /// Moves parked senders' elements into the room just made, in order, and returns their
    /// continuations to resume.
    ///
    /// Strictly first come, first served: it stops at the first sender that does not fit, so a
    /// small batch (or a single element) never overtakes a larger batch parked before it, and
    /// each batch goes in whole, its elements next to each other.
    @inlinable
    mutating func resumeWaitingSenders() -> AdmittedSenders {
        var admitted = AdmittedSenders()
        while let head = senders.first {
            switch head {
            case .element(let sender):
                guard buffer.count < capacity else { return admitted }
                buffer.append(sender.element)
                admitted.senders.append(sender.continuation)
            case .batch(let sender):
                guard sender.elements.count <= capacity - buffer.count else { return admitted }
                buffer.append(contentsOf: sender.elements)
                admitted.batchSenders.append(sender.continuation)
            }
            senders.removeFirst()
        }
        return admitted
    }

    // MARK: - Closing

    @usableFromInline
    struct CloseAction {
        @usableFromInline var senders: [SendContinuation] = []
        @usableFromInline var batchSenders: [BatchSendContinuation] = []
        @usableFromInline var receivers: [ReceiveContinuation] = []

        @inlinable
        init(
            senders: [SendContinuation] = [],
            batchSenders: [BatchSendContinuation] = [],
            receivers: [ReceiveContinuation] = []
        ) {
            self.senders = senders
            self.batchSenders = batchSenders
            self.receivers = receivers
        }
    }

    /// Marks the channel closed. Parked senders fail, batch senders with `.closed` (their
    /// elements were never delivered); parked receivers fail only because the buffer is empty
    /// whenever receivers wait.
    @inlinable
    mutating func close() -> CloseAction {
        guard !isClosed else { return CloseAction() }
        isClosed = true
        var action = CloseAction(receivers: receivers.map(\.continuation))
        for waiting in senders {
            switch waiting {
            case .element(let sender): action.senders.append(sender.continuation)
            case .batch(let sender): action.batchSenders.append(sender.continuation)
            }
        }
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
