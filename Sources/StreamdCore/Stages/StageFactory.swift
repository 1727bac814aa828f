package import StreamKit

/// Builds the StreamKit stage for a configured stage. Expressions were compiled when the
/// configuration was validated, so a stage only evaluates them.
package enum StageFactory {
    /// Appends the stage for `definition`: a window stage (which emits result events) or a
    /// per-event stage from ``make(_:context:resources:)``.
    package static func append(
        _ definition: StageDefinition, to pipeline: Pipeline<Event, Event>, context: EvaluationContext, resources: StageResources
    ) -> Pipeline<Event, Event> {
        guard case .window(let window) = definition.kind, let monitor = resources.windows[definition.name] else {
            return pipeline.via(make(definition, context: context, resources: resources))
        }
        var eventTime: (@Sendable (Event) throws -> Timestamp)?
        if let path = window.timeField {
            eventTime = { @Sendable (event: Event) throws -> Timestamp in
                let value = path.get(in: event)
                guard !value.isNull else { throw StageError("no timestamp at \(path)") }
                return try TimestampParser.timestamp(value)
            }
        }
        let stage = WindowStage(
            definition.name, window: monitor.makeOperator(clock: resources.clock), capacity: definition.buffer,
            key: { window.key(of: $0) }, eventTime: eventTime)
        return pipeline.via(stage) { window.event(for: $0) }
    }

    package static func make(_ definition: StageDefinition, context: EvaluationContext, resources: StageResources = StageResources()) -> Stage<Event, Event> {
        let (name, workers, capacity, ordered) = (definition.name, definition.workers, definition.buffer, definition.ordered)
        switch definition.kind {
        case .filter(let expression):
            return .filter(name, workers: workers, capacity: capacity, ordered: ordered) { event in
                try expression.isTrue(event, context: context)
            }
        case .set(let assignments):
            // Sequential, like a script: a later expression sees the fields set before it.
            return Stage(name, workers: workers, capacity: capacity, ordered: ordered) { event in
                var event = event
                for (path, expression) in assignments {
                    try path.set(try expression.evaluate(event, context: context), in: &event)
                }
                return event
            }
        case .remove(let paths):
            return Stage(name, workers: workers, capacity: capacity, ordered: ordered) { event in
                var event = event
                for path in paths { _ = path.remove(from: &event) }
                return event
            }
        case .rename(let moves):
            return Stage(name, workers: workers, capacity: capacity, ordered: ordered) { event in
                var event = event
                for (from, to) in moves {
                    // A missing field is not renamed (and not created as null).
                    guard let value = from.remove(from: &event) else { continue }
                    try to.set(value, in: &event)
                }
                return event
            }
        case .parseTimestamp(let path):
            return Stage(name, workers: workers, capacity: capacity, ordered: ordered) { event in
                var event = event
                let value = path.get(in: event)
                guard !value.isNull else { throw StageError("no timestamp at \(path)") }
                try path.set(.number(try TimestampParser.timestamp(value).seconds), in: &event)
                return event
            }
        case .lookup(let key, let target, let table, let fallback):
            return Stage(name, workers: workers, capacity: capacity, ordered: ordered) { event in
                let value: String? = switch try key.evaluate(event, context: context) {
                case .string(let string): string
                case .number(let number): number.formatted
                case .bool(let bool): String(bool)
                default: nil
                }
                guard let found = value.flatMap({ table[$0] }) ?? fallback else { return event }
                var event = event
                try target.set(found, in: &event)
                return event
            }
        case .window:
            preconditionFailure("window stages are appended by append(_:to:context:resources:)")
        case .alert:
            guard let monitor = resources.alerts[name] else { preconditionFailure("no monitor for alert stage \(name)") }
            let (center, failures) = (resources.center, resources.failures)
            return Stage(name, workers: 1, capacity: capacity, ordered: ordered) { event in
                // The result passes on whatever the condition says; a condition that cannot be
                // evaluated is recorded as a failure of this stage without holding the result back.
                do {
                    if let payload = try monitor.evaluate(event, context: context) { center?.notify(payload, from: monitor) }
                } catch {
                    failures?.record(StageFailure(stage: name, input: event, error: error))
                }
                return event
            }
        case .custom(_, let process):
            return .compactMap(name, workers: workers, capacity: capacity, ordered: ordered) { event in
                try await process(event, context)
            }
        case .sample(let rate):
            return .filter(name, workers: workers, capacity: capacity, ordered: ordered) { _ in
                Double.random(in: 0..<1) < rate
            }
        case .dedupe(let keys, let window, let maxKeys):
            let seen = RecentKeys(window: window.seconds, maxKeys: maxKeys)
            return .filter(name, workers: workers, capacity: capacity, ordered: ordered) { event in
                let key = try keys.map { try $0.evaluate(event, context: context) }
                return seen.insert(key, at: context.now())
            }
        }
    }
}

/// What window and alert stages of one pipeline report to.
package struct StageResources: Sendable {
    package var windows: [String: WindowMonitor] = [:]
    package var alerts: [String: AlertMonitor] = [:]
    package var center: AlertCenter?
    /// Where alert stages record conditions they could not evaluate.
    package var failures: FailureLog?
    package var clock: WindowClock = .system
}

/// A stage's own failure with a readable message.
package struct StageError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
