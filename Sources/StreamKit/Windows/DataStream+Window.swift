/// What ``DataStream/window(_:aggregate:clock:key:eventTime:)`` emits: results, and the elements
/// no window took (the side output), in the order they happened.
public enum WindowEmission<Element: Sendable, Key: Hashable & Sendable, Value: Sendable>: Sendable {
    case result(WindowResult<Key, Value>)
    case rejected(WindowRejected<Element>)

    public var result: WindowResult<Key, Value>? {
        if case .result(let result) = self { result } else { nil }
    }

    public var rejected: WindowRejected<Element>? {
        if case .rejected(let rejected) = self { rejected } else { nil }
    }
}

extension DataStream {
    /// Groups elements into windows per key and emits each window's aggregate when it closes —
    /// when the watermark passes it, or on the clock when input goes quiet — and the open windows
    /// as partial results when the stream ends.
    ///
    /// ```swift
    /// metrics.window(WindowSpec(.tumbling(size: .seconds(1))), aggregate: Aggregators.Average { $0.value },
    ///                key: { $0.source })
    ///     .compactMap(\.result)
    /// ```
    public func window<Key: Hashable & Sendable, Agg: Aggregator>(
        _ spec: WindowSpec,
        aggregate: Agg,
        clock: WindowClock = .system,
        key: @escaping @Sendable (Element) throws -> Key,
        eventTime: (@Sendable (Element) throws -> Timestamp)? = nil
    ) -> DataStream<WindowEmission<Element, Key, Agg.Output>> where Agg.Input == Element {
        precondition(!spec.isEventTime || eventTime != nil, "event-time windows need an eventTime function")
        return DataStream<WindowEmission<Element, Key, Agg.Output>> { emit in
            var engine = WindowEngine<Element, Key, Agg>(spec: spec, aggregator: aggregate)
            var results: [WindowResult<Key, Agg.Output>] = []
            func emitResults() async throws {
                let ready = results
                results.removeAll(keepingCapacity: true)
                for result in ready { try await emit(.result(result)) }
            }
            try await self.runTimed(clock: clock, deadline: { engine.nextDeadline(now: clock.now) }) { element in
                let now = clock.now
                if let element {
                    let outcome = engine.insert(
                        element, key: try key(element), eventTime: try eventTime?(element), now: now, into: &results)
                    try await emitResults()
                    if case .rejected(let reason) = outcome { try await emit(.rejected(WindowRejected(element: element, reason: reason))) }
                } else {
                    engine.advance(now: now, into: &results)
                    try await emitResults()
                }
            }
            engine.flush(into: &results)
            try await emitResults()
        }
    }

    /// An unkeyed ``window(_:aggregate:clock:key:eventTime:)``.
    public func window<Agg: Aggregator>(
        _ spec: WindowSpec,
        aggregate: Agg,
        clock: WindowClock = .system,
        eventTime: (@Sendable (Element) throws -> Timestamp)? = nil
    ) -> DataStream<WindowEmission<Element, Unkeyed, Agg.Output>> where Agg.Input == Element {
        window(spec, aggregate: aggregate, clock: clock, key: { _ in Unkeyed() }, eventTime: eventTime)
    }
}
