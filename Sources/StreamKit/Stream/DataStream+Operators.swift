// Element-by-element operators. None of them starts a task: each is a closure around the
// upstream's body, so they cost a function call per element.

extension DataStream {
    /// Transforms each element.
    @inlinable
    public func map<T: Sendable>(_ transform: @escaping @Sendable @concurrent (Element) async throws -> T) -> DataStream<T> {
        DataStream<T> { emit in try await self.body { try await emit(try await transform($0)) } }
    }

    /// Keeps the elements for which `isIncluded` is true.
    @inlinable
    public func filter(_ isIncluded: @escaping @Sendable @concurrent (Element) async throws -> Bool) -> DataStream {
        DataStream { emit in
            try await self.body { element in
                if try await isIncluded(element) { try await emit(element) }
            }
        }
    }

    /// Transforms each element and drops the `nil` results.
    @inlinable
    public func compactMap<T: Sendable>(
        _ transform: @escaping @Sendable @concurrent (Element) async throws -> T?
    ) -> DataStream<T> {
        DataStream<T> { emit in
            try await self.body { element in
                if let value = try await transform(element) { try await emit(value) }
            }
        }
    }

    /// Replaces each element with the elements of the stream `transform` returns, in order.
    public func flatMap<T: Sendable>(
        _ transform: @escaping @Sendable @concurrent (Element) async throws -> DataStream<T>
    ) -> DataStream<T> {
        DataStream<T> { emit in
            try await self.body { element in try await transform(element).body(emit) }
        }
    }

    /// The first `count` elements. Upstream work stops as soon as the last one is emitted: taken
    /// from a channel, exactly `count` elements are consumed and the rest stay in the channel.
    public func take(_ count: Int) -> DataStream {
        precondition(count >= 0, "take needs a non-negative count")
        guard count > 0 else { return .empty }
        return DataStream { emit in
            var taken = 0
            try await self.runStoppable { element, stop in
                taken += 1
                try await emit(element)
                if taken == count { throw StopSignal(stop) }
            }
        }
    }

    /// Elements while `predicate` holds; the first element that fails it ends the stream (it is
    /// consumed from upstream but not emitted).
    public func takeWhile(_ predicate: @escaping @Sendable (Element) async throws -> Bool) -> DataStream {
        DataStream { emit in
            try await self.runStoppable { element, stop in
                guard try await predicate(element) else { throw StopSignal(stop) }
                try await emit(element)
            }
        }
    }

    /// Skips the first `count` elements.
    public func drop(_ count: Int) -> DataStream {
        DataStream { emit in
            var dropped = 0
            try await self.body { element in
                if dropped < count { dropped += 1 } else { try await emit(element) }
            }
        }
    }

    /// Skips elements while `predicate` holds, then emits everything.
    public func dropWhile(_ predicate: @escaping @Sendable (Element) async throws -> Bool) -> DataStream {
        DataStream { emit in
            var dropping = true
            try await self.body { element in
                if dropping, try await predicate(element) { return }
                dropping = false
                try await emit(element)
            }
        }
    }

    /// Running accumulation: emits each intermediate result.
    public func scan<T: Sendable>(
        _ initial: T,
        _ combine: @escaping @Sendable (T, Element) async throws -> T
    ) -> DataStream<T> {
        DataStream<T> { emit in
            var accumulator = initial
            try await self.body { element in
                accumulator = try await combine(accumulator, element)
                try await emit(accumulator)
            }
        }
    }

    /// Groups elements into arrays of `count`; the last array may be shorter.
    public func chunked(count: Int) -> DataStream<[Element]> {
        precondition(count >= 1, "chunked(count:) needs a count of at least 1")
        return DataStream<[Element]> { emit in
            var chunk: [Element] = []
            chunk.reserveCapacity(count)
            try await self.body { element in
                chunk.append(element)
                if chunk.count == count {
                    let full = chunk
                    chunk.removeAll(keepingCapacity: true)
                    try await emit(full)
                }
            }
            if !chunk.isEmpty { try await emit(chunk) }
        }
    }

    /// Calls `action` with each element and passes it on unchanged.
    @inlinable
    public func tap(_ action: @escaping @Sendable (Element) async throws -> Void) -> DataStream {
        DataStream { emit in
            try await self.body { element in
                try await action(element)
                try await emit(element)
            }
        }
    }

    /// Runs `action` when a run ends, however it ends (completion, error, early stop, cancellation).
    public func onTermination(_ action: @escaping @Sendable () -> Void) -> DataStream {
        DataStream { emit in
            defer { action() }
            try await self.body(emit)
        }
    }

    /// This stream's elements, then `other`'s.
    public func concat(_ other: DataStream) -> DataStream {
        DataStream { emit in
            try await self.body(emit)
            try await other.body(emit)
        }
    }
}

// MARK: - Non-throwing overloads
//
// `DataStream` is an `AsyncSequence`, whose standard `map`/`filter`/`compactMap`/`flatMap` take
// `@concurrent` closures, throwing or not. Without exact-match overloads (`@concurrent`, and a
// non-throwing variant), a closure literal would pick the standard library's version and silently
// produce an `AsyncMapSequence` instead of a `DataStream`.
extension DataStream {
    @inlinable
    public func map<T: Sendable>(_ transform: @escaping @Sendable @concurrent (Element) async -> T) -> DataStream<T> {
        map { (element: Element) async throws -> T in await transform(element) }
    }

    @inlinable
    public func filter(_ isIncluded: @escaping @Sendable @concurrent (Element) async -> Bool) -> DataStream {
        filter { (element: Element) async throws -> Bool in await isIncluded(element) }
    }

    @inlinable
    public func compactMap<T: Sendable>(_ transform: @escaping @Sendable @concurrent (Element) async -> T?) -> DataStream<T> {
        compactMap { (element: Element) async throws -> T? in await transform(element) }
    }

    public func flatMap<T: Sendable>(_ transform: @escaping @Sendable @concurrent (Element) async -> DataStream<T>) -> DataStream<T> {
        flatMap { (element: Element) async throws -> DataStream<T> in await transform(element) }
    }
}
