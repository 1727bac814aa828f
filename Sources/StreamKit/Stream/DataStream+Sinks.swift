// Sinks run the stream. Errors from upstream end the run and are rethrown here.

extension DataStream {
    /// All elements, in order (the seed's `run_collect`).
    @inlinable
    public func collect() async throws -> [Element] {
        var elements: [Element] = []
        try await body { elements.append($0) }
        return elements
    }

    /// Combines all elements into one value.
    @inlinable
    public func fold<T>(_ initial: T, _ combine: (T, Element) async throws -> T) async throws -> T {
        var accumulator = initial
        try await body { accumulator = try await combine(accumulator, $0) }
        return accumulator
    }

    /// Calls `action` with each element.
    @inlinable
    public func forEach(_ action: (Element) async throws -> Void) async throws {
        try await body(action)
    }

    /// The first element, or `nil` if the stream is empty; upstream stops right after it.
    public func first() async throws -> Element? {
        var first: Element?
        try await runStoppable { element, stop in
            first = element
            throw StopSignal(stop)
        }
        return first
    }

    /// Runs the stream for its effects, discarding elements; returns how many there were.
    @discardableResult
    public func drain() async throws -> Int {
        var count = 0
        try await body { _ in count += 1 }
        return count
    }

    /// Sends every element into `channel`, waiting for room (backpressure). The channel is left
    /// open unless `closeWhenDone` is set, in which case it is closed however the run ends.
    public func run(into channel: Channel<Element>, closeWhenDone: Bool = false) async throws {
        defer { if closeWhenDone { channel.close() } }
        try await pump(into: channel)
    }
}
