package import StreamKit

/// `window: { type: tumbling, size: "10s", group_by: [.source], aggregates: {…} }`: folds events
/// into per-key windows and emits one result event per closed window and key.
package struct WindowStageKind: StageKind {
    package static let name = "window"
    package static let summary = "aggregates events into windows; emits one result event per closed window and key"
    package static let options = [
        ComponentOption("type", .string, required: true, "tumbling, sliding or session"),
        ComponentOption("size", .countOrDuration, "a duration, or a whole number of events (tumbling, sliding)"),
        ComponentOption("slide", .countOrDuration, "how far a sliding window moves: a duration or a number of events"),
        ComponentOption("gap", .duration, "a session closes after this much time without events"),
        ComponentOption("time_field", .fieldPath, "the event time (none: processing time)"),
        ComponentOption("max_out_of_orderness", .duration, default: "0s", "how far event time may go back before the watermark moves"),
        ComponentOption("allowed_lateness", .duration, default: "0s", "how long a closed window still takes late events"),
        ComponentOption("idle_timeout", .duration, "closes windows when no events come for this long"),
        ComponentOption("group_by", .fieldPaths, default: [], "the key: these fields' values"),
        ComponentOption("max_keys", .integer, default: 100_000, "open keys at most"),
        ComponentOption("aggregates", .object, required: true, "result field: aggregate, like { avg_value: 'avg(.value)' }"),
    ]
    package static let runsOnOneWorker = true

    package let definition: WindowDefinition

    package init(_ definition: WindowDefinition) { self.definition = definition }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        ConfigLoader.window(options.node, path: options.path, issues: &options.issues).map(Self.init)
    }

    /// The monitor keeps the window figures across runs, for the API and the metrics.
    package func prepare(_ settings: StageSettings, resources: inout StageResources) {
        resources.windows[settings.name] = WindowMonitor(stage: settings.name, definition: definition)
    }

    package func append(to pipeline: Pipeline<Event, Event>, _ settings: StageSettings, context: StageContext) -> Pipeline<Event, Event> {
        guard let monitor = context.resources.windows[settings.name] else { preconditionFailure("window stage \(settings.name) was not prepared") }
        let window = definition
        var eventTime: (@Sendable (Event) throws -> Timestamp)?
        if let path = window.timeField {
            eventTime = { @Sendable (event: Event) throws -> Timestamp in
                let value = path.get(in: event)
                guard !value.isNull else { throw StageError("no timestamp at \(path)") }
                return try TimestampParser.timestamp(value)
            }
        }
        let stage = WindowStage(
            settings.name, window: monitor.makeOperator(clock: context.resources.clock), capacity: settings.capacity,
            key: { window.key(of: $0) }, eventTime: eventTime)
        return pipeline.via(stage) { window.event(for: $0) }
    }
}
