package import StreamKit

/// The window operator behind one `window` stage of a pipeline, across restarts: what
/// `GET /v1/pipelines/{name}/windows` and the metrics read.
package final class WindowMonitor: Sendable {
    package typealias Operator = WindowOperator<Event, JSONValue, EventAggregator>

    package let stage: String
    package let definition: WindowDefinition
    package let invalidValues = InvalidValueCounter()
    private let state = Locked<(current: Operator?, finished: WindowStats)>((nil, WindowStats()))

    package init(stage: String, definition: WindowDefinition) {
        self.stage = stage
        self.definition = definition
    }

    /// A fresh operator for a new run (the previous run's counters are kept).
    package func makeOperator(clock: WindowClock) -> Operator {
        let window = Operator(
            spec: definition.spec, aggregator: EventAggregator(definition.aggregates, invalidValues: invalidValues), clock: clock)
        state.withLock { state in
            if let previous = state.current { state.finished.add(previous.status().stats) }
            state.current = window
        }
        return window
    }

    /// Counters of every run and gauges of the current (or last) one.
    package func status() -> WindowStatus? {
        let (current, finished) = state.withLock { ($0.current, $0.finished) }
        guard var status = current?.status() else { return nil }
        status.stats.add(finished)
        return status
    }

    /// Open windows (as partial result events) and the latest closed results.
    package func windows(limit: Int) -> (open: [Event], recent: [Event]) {
        guard let current = state.withLock({ $0.current }) else { return ([], []) }
        return (current.openWindows(limit: limit).map(definition.event(for:)),
                current.recentResults.suffix(limit).map(definition.event(for:)))
    }
}

extension WindowStats {
    package mutating func add(_ other: WindowStats) {
        elements += other.elements
        late += other.late
        keyLimitRejections += other.keyLimitRejections
        finalResults += other.finalResults
        partialResults += other.partialResults
    }
}
