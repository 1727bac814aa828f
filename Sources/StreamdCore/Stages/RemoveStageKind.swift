package import StreamKit

/// `remove: [.password, .debug]`: removes fields.
package struct RemoveStageKind: EventStageKind {
    package static let name = "remove"
    package static let summary = "removes fields"
    package static let options = [ComponentOption(name, .fieldPaths, required: true, "the fields to remove")]

    package let paths: [FieldPath]

    package init(_ paths: [FieldPath]) { self.paths = paths }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        guard case .array(let items) = options.node.value, !items.isEmpty else { return options.fail("expected a list of field paths") }
        let path = options.path
        let paths = items.enumerated().compactMap { index, item -> FieldPath? in
            guard case .string(let text) = item.value else {
                options.issues.append(ConfigIssue(path: "\(path)[\(index)]", line: item.line, message: "expected a field path string, got \(item.typeName)"))
                return nil
            }
            return options.fieldPath(text, path: "\(path)[\(index)]", line: item.line)
        }
        return paths.count == items.count ? Self(paths) : nil
    }

    package func makeStage(_ settings: StageSettings, context: StageContext) -> Stage<Event, Event> {
        let paths = paths
        return Stage(settings.name, workers: settings.workers, capacity: settings.capacity, ordered: settings.ordered) { event in
            var event = event
            for path in paths { _ = path.remove(from: &event) }
            return event
        }
    }
}

extension StageKind where Self == RemoveStageKind {
    package static func remove(_ paths: [FieldPath]) -> Self { Self(paths) }
}
