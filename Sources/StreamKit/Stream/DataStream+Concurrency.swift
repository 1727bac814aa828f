// Operators that run work concurrently. Every task they start is a child of a task group inside
// the run, so the run cannot return while one is alive, and cancelling or stopping the consumer
// cancels them all.

extension DataStream {
    /// Runs this stream, sending each element into `channel`.
    func pump(into channel: Channel<Element>) async throws {
        try await body { try await channel.send($0) }
    }

    /// Runs `producers` as child tasks writing into one channel and emits what they write, in
    /// arrival order. The channel closes when the last producer finishes, or at the first error,
    /// which is then rethrown once everything buffered before it was emitted.
    static func merging(
        capacity: Int,
        _ producers: [@Sendable (Channel<Element>) async throws -> Void],
        into emit: Emit
    ) async throws {
        let channel = Channel<Element>(capacity: capacity)
        let failure = FirstError()
        let live = Countdown(producers.count)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in producers {
                group.addTask {
                    do {
                        try await producer(channel)
                    } catch {
                        failure.record(error)
                        channel.close()
                        return
                    }
                    if live.decrement() { channel.close() }
                }
            }
            do {
                for await element in channel { try await emit(element) }
                try Task.checkCancellation()
            } catch {
                channel.close()
                group.cancelAll()
                throw error
            }
            if let error = failure.error { throw error }
        }
    }

    /// Elements of both streams as they arrive. Ends when both end; the first error ends it.
    public func merge(_ other: DataStream) -> DataStream {
        merge([other])
    }

    /// Elements of this stream and `others` as they arrive.
    public func merge(_ others: [DataStream]) -> DataStream {
        let streams = [self] + others
        return DataStream { emit in
            try await Self.merging(capacity: 16, streams.map { stream in { try await stream.pump(into: $0) } }, into: emit)
        }
    }

    /// Decouples producer and consumer: upstream runs ahead in its own task by up to `capacity`
    /// elements. (Prefetched elements are discarded if the consumer stops early.)
    public func buffer(capacity: Int) -> DataStream {
        DataStream { emit in
            try await Self.merging(capacity: capacity, [{ try await self.pump(into: $0) }], into: emit)
        }
    }

    /// Pairs the n-th elements of both streams; ends with the shorter one.
    public func zip<Other: Sendable>(_ other: DataStream<Other>) -> DataStream<(Element, Other)> {
        DataStream<(Element, Other)> { emit in
            let left = Channel<Element>(capacity: 1)
            let right = Channel<Other>(capacity: 1)
            let failure = FirstError()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do { try await self.pump(into: left) } catch { failure.record(error) }
                    left.close()
                }
                group.addTask {
                    do { try await other.pump(into: right) } catch { failure.record(error) }
                    right.close()
                }
                defer {
                    left.close()
                    right.close()
                    group.cancelAll()
                }
                while true {
                    let pair: (Element, Other)
                    do {
                        pair = (try await left.receive(), try await right.receive())
                    } catch is ChannelClosed {
                        break
                    }
                    try await emit(pair)
                }
                if let error = failure.error { throw error }
            }
        }
    }

    /// Transforms elements with up to `concurrency` calls of `transform` running at once.
    ///
    /// With `ordered: false` results are emitted as they complete; with `ordered: true` in input
    /// order (at most `2 × concurrency` results wait for a slow predecessor).
    public func mapAsync<T: Sendable>(
        concurrency: Int,
        ordered: Bool = false,
        _ transform: @escaping @Sendable (Element) async throws -> T
    ) -> DataStream<T> {
        precondition(concurrency >= 1, "mapAsync needs a concurrency of at least 1")
        return DataStream<T> { emit in
            let inputs = Channel<(Int, Element)>(capacity: concurrency)
            let window = ordered ? Channel<Void>(capacity: 2 * concurrency) : nil
            if let window { for _ in 0..<(2 * concurrency) { _ = window.trySend(()) } }

            let feeder: @Sendable (Channel<(Int, T)>) async throws -> Void = { _ in
                defer { inputs.close() }
                var index = 0
                try await self.body { element in
                    if let window { try await window.receive() }
                    try await inputs.send((index, element))
                    index += 1
                }
            }
            let worker: @Sendable (Channel<(Int, T)>) async throws -> Void = { results in
                for await (index, element) in inputs { try await results.send((index, try await transform(element))) }
                try Task.checkCancellation()
            }
            let producers = [feeder] + Array(repeating: worker, count: concurrency)

            guard let window else {
                try await DataStream<(Int, T)>.merging(capacity: concurrency, producers) { try await emit($0.1) }
                return
            }
            var pending: [Int: T] = [:]
            var next = 0
            try await DataStream<(Int, T)>.merging(capacity: concurrency, producers) { index, value in
                pending[index] = value
                while let ready = pending.removeValue(forKey: next) {
                    next += 1
                    _ = window.trySend(())
                    try await emit(ready)
                }
            }
        }
    }
}
