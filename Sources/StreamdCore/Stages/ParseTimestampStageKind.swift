package import StreamKit

/// `parse_timestamp: .timestamp`: an RFC 3339 string or epoch seconds/milliseconds becomes
/// epoch seconds.
package struct ParseTimestampStageKind: EventStageKind {
    package static let name = "parse_timestamp"
    package static let summary = "RFC 3339 string or epoch seconds/milliseconds → epoch seconds"
    package static let options = [ComponentOption(name, .fieldPath, required: true, "the field holding the timestamp")]

    package let path: FieldPath

    package init(_ path: FieldPath) { self.path = path }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        guard case .string(let text) = options.node.value else { return options.fail("expected the field path of the timestamp") }
        return options.fieldPath(text, path: options.path, line: options.node.line).map(Self.init)
    }

    package func makeStage(_ settings: StageSettings, context: StageContext) -> Stage<Event, Event> {
        let path = path
        return Stage(settings.name, workers: settings.workers, capacity: settings.capacity, ordered: settings.ordered) { event in
            var event = event
            let value = path.get(in: event)
            guard !value.isNull else { throw StageError("no timestamp at \(path)") }
            try path.set(.number(try TimestampParser.timestamp(value).seconds), in: &event)
            return event
        }
    }
}

extension StageKind where Self == ParseTimestampStageKind {
    package static func parseTimestamp(_ path: FieldPath) -> Self { Self(path) }
}
