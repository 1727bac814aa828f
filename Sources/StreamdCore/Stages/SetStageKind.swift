package import StreamKit

/// `set: { host: 'lower(.source)' }`: sets fields to the values of expressions, in order.
package struct SetStageKind: EventStageKind {
    package static let name = "set"
    package static let summary = "sets fields, in order (a later expression sees earlier fields)"
    package static let options = [ComponentOption(name, .mapping, required: true, "field: expression, in order")]

    package let assignments: [(FieldPath, Expression)]

    package init(_ assignments: [(FieldPath, Expression)]) { self.assignments = assignments }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        guard case .object(let members) = options.node.value, !members.isEmpty else { return options.fail("expected a mapping of field: expression") }
        let path = options.path
        let pairs = members.compactMap { member -> (FieldPath, Expression)? in
            let memberPath = "\(path).\(member.key)"
            let target = options.field(member.key, path: memberPath, line: member.value.line)
            let value = options.expression(member.value, path: memberPath)
            guard let target, let value else { return nil }
            return (target, value)
        }
        return pairs.count == members.count ? Self(pairs) : nil
    }

    package func makeStage(_ settings: StageSettings, context: StageContext) -> Stage<Event, Event> {
        let (assignments, evaluation) = (assignments, context.evaluation)
        // Sequential, like a script: a later expression sees the fields set before it.
        return Stage(settings.name, workers: settings.workers, capacity: settings.capacity, ordered: settings.ordered) { event in
            var event = event
            for (path, expression) in assignments {
                try path.set(try expression.evaluate(event, context: evaluation), in: &event)
            }
            return event
        }
    }
}

extension StageKind where Self == SetStageKind {
    package static func set(_ assignments: [(FieldPath, Expression)]) -> Self { Self(assignments) }
}
