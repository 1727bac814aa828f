package import StreamKit

/// `rename: { src: .source }`: moves fields, `from: to`, in order.
package struct RenameStageKind: EventStageKind {
    package static let name = "rename"
    package static let summary = "moves fields, from: to (missing ones are skipped)"
    package static let options = [ComponentOption(name, .mapping, required: true, "from: to field paths, in order")]

    package let moves: [(from: FieldPath, to: FieldPath)]

    package init(_ moves: [(from: FieldPath, to: FieldPath)]) { self.moves = moves }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        guard case .object(let members) = options.node.value, !members.isEmpty else { return options.fail("expected a mapping of from: to field paths") }
        let path = options.path
        let pairs = members.compactMap { member -> (from: FieldPath, to: FieldPath)? in
            let memberPath = "\(path).\(member.key)"
            guard case .string(let to) = member.value.value else {
                options.issues.append(ConfigIssue(path: memberPath, line: member.value.line, message: "expected the new field path, got \(member.value.typeName)"))
                return nil
            }
            let fromPath = options.field(member.key, path: memberPath, line: member.value.line)
            let toPath = options.field(to, path: memberPath, line: member.value.line)
            guard let fromPath, let toPath else { return nil }
            return (fromPath, toPath)
        }
        return pairs.count == members.count ? Self(pairs) : nil
    }

    package func makeStage(_ settings: StageSettings, context: StageContext) -> Stage<Event, Event> {
        let moves = moves
        return Stage(settings.name, workers: settings.workers, capacity: settings.capacity, ordered: settings.ordered) { event in
            var event = event
            for (from, to) in moves {
                // A missing field is not renamed (and not created as null).
                guard let value = from.remove(from: &event) else { continue }
                try to.set(value, in: &event)
            }
            return event
        }
    }
}

extension StageKind where Self == RenameStageKind {
    package static func rename(_ moves: [(from: FieldPath, to: FieldPath)]) -> Self { Self(moves) }
}
