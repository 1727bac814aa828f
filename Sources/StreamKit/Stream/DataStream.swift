/// A cold, re-runnable description of an asynchronous computation that produces elements.
///
/// Nothing happens until a sink runs it (``collect()``, ``forEach(_:)``, `for try await`), and
/// running it twice runs it twice. Elements are pushed through the chain of operators, so every
/// task an operator starts is a child of the sink's task: cancelling the consumer, or stopping
/// early with ``take(_:)``, cancels them all.
///
/// The seed calls this `Stream`; the Swift name avoids Foundation's `Stream` class, so files that
/// import both compile without qualified names.
///
/// ```swift
/// let results = try await DataStream.range(1...5)
///     .map { $0 * 2 }
///     .filter { $0 > 5 }
///     .map { "Result: \($0)" }
///     .collect()            // ["Result: 6", "Result: 8", "Result: 10"]
/// ```
public struct DataStream<Element: Sendable>: Sendable {
    /// Runs the computation once, handing each element to `emit` in order.
    public typealias Body = @Sendable (_ emit: Emit) async throws -> Void
    /// Receives elements; throwing from it stops the producer.
    public typealias Emit = (Element) async throws -> Void

    @usableFromInline let body: Body

    /// Creates a stream from a function that emits its elements; the function runs once per run.
    ///
    /// ```swift
    /// let countdown = DataStream<Int> { emit in
    ///     for i in stride(from: 3, through: 1, by: -1) { try await emit(i) }
    /// }
    /// ```
    @inlinable
    public init(_ body: @escaping Body) {
        self.body = body
    }

    /// Runs the stream once, calling `emit` for every element.
    @inlinable
    public func run(_ emit: Emit) async throws {
        try await body(emit)
    }
}

// MARK: - Sources

extension DataStream {
    /// The seed's `Stream.range(start, end)`: integers from `start` up to, not including, `end`.
    public static func range(_ start: Int, _ end: Int) -> DataStream<Int> {
        DataStream<Int>.from(start..<end)
    }

    /// Integers of a range.
    public static func range<R: Sequence<Int> & Sendable>(_ range: R) -> DataStream<Int> {
        DataStream<Int>.from(range)
    }

    /// The elements of a sequence (the seed's `from_iterable`), anew on every run.
    public static func from<S: Sequence<Element> & Sendable>(_ sequence: S) -> DataStream {
        DataStream { emit in
            for element in sequence {
                try Task.checkCancellation()
                try await emit(element)
            }
        }
    }

    /// The elements of an async sequence. Each run makes a new iterator, so a sequence that can be
    /// iterated only once (like `AsyncStream`) continues where the previous run stopped.
    public static func from<S: AsyncSequence<Element, any Error> & Sendable>(_ sequence: S) -> DataStream {
        DataStream { emit in
            for try await element in sequence { try await emit(element) }
        }
    }

    /// The elements received from a channel until it is closed and drained (the seed's
    /// `from_channel`). A channel is hot: each element is consumed by exactly one run, and a run
    /// that stops early (``take(_:)``) leaves the rest in the channel.
    public static func from(_ channel: Channel<Element>) -> DataStream {
        DataStream { emit in
            while true {
                let element: Element
                do { element = try await channel.receive() } catch is ChannelClosed { return }
                try await emit(element)
            }
        }
    }

    /// Elements generated from a state: `next` returns the element and the following state, or
    /// `nil` to end the stream.
    public static func unfold<State: Sendable>(
        _ initial: State,
        _ next: @escaping @Sendable (State) async throws -> (Element, State)?
    ) -> DataStream {
        DataStream { emit in
            var state = initial
            while let (element, following) = try await next(state) {
                try await emit(element)
                state = following
            }
        }
    }

    /// A single element.
    public static func just(_ element: Element) -> DataStream {
        DataStream { emit in try await emit(element) }
    }

    /// No elements.
    public static var empty: DataStream { DataStream { _ in } }

    /// A stream that fails at once with `error`.
    public static func fail(_ error: any Error) -> DataStream {
        DataStream { _ in throw error }
    }
}

extension DataStream where Element == Int {
    /// 0, 1, 2, … one every `interval` of `clock`, the first after one interval. Endless: stop it
    /// with ``take(_:)`` or by cancelling the consumer.
    public static func tick<C: Clock>(every interval: C.Duration, clock: C) -> DataStream<Int> {
        DataStream { emit in
            var deadline = clock.now.advanced(by: interval)
            var index = 0
            while true {
                try await clock.sleep(until: deadline, tolerance: nil)
                try await emit(index)
                index += 1
                deadline = deadline.advanced(by: interval)
            }
        }
    }

    /// ``tick(every:clock:)`` on the continuous clock.
    public static func tick(every interval: Duration) -> DataStream<Int> {
        tick(every: interval, clock: ContinuousClock())
    }
}
