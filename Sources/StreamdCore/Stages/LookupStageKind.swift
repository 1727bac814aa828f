package import StreamKit

/// `lookup: { key: .user_id, target: .segment, table: {u1: premium}, default: unknown }`: sets a
/// field from a static table, by the value of an expression.
package struct LookupStageKind: EventStageKind {
    package static let name = "lookup"
    package static let summary = "sets a field from a static table"
    static let key = ComponentOption("key", .expression, required: true, "the value looked up")
    static let target = ComponentOption("target", .fieldPath, required: true, "the field set to what was found")
    static let table = ComponentOption("table", .mapping, default: [:], "value: result")
    static let fallback = ComponentOption("default", .object, "the result for a value not in the table (none: the event is left as it is)")
    package static let options = [key, target, table, fallback]

    package let key: Expression
    package let target: FieldPath
    package let table: [String: JSONValue]
    package let fallback: JSONValue?

    package init(key: Expression, target: FieldPath, table: [String: JSONValue], fallback: JSONValue?) {
        self.key = key
        self.target = target
        self.table = table
        self.fallback = fallback
    }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        let (path, line) = (options.path, options.node.line)
        let key = options.read { $0.node(Self.key.name) }.flatMap { options.expression($0, path: "\(path).key") }
        let target = options.read { $0.string(Self.target.name) }.flatMap { options.field($0, path: "\(path).target", line: line) }
        var table: [String: JSONValue] = [:]
        if let tableNode = options.read({ $0.node(Self.table.name) }) {
            if case .object(let members) = tableNode.value {
                for member in members { table[member.key] = member.value.json }
            } else {
                options.issue("expected a mapping of key: value", option: Self.table)
            }
        }
        let fallback = options.read { $0.node(Self.fallback.name) }?.json
        if options.read({ $0.node(Self.key.name) }) == nil { options.issue("lookup needs a key expression") }
        if options.read({ $0.node(Self.target.name) }) == nil { options.issue("lookup needs a target field") }
        guard let key, let target else { return nil }
        return Self(key: key, target: target, table: table, fallback: fallback)
    }

    package func makeStage(_ settings: StageSettings, context: StageContext) -> Stage<Event, Event> {
        let (key, target, table, fallback, evaluation) = (key, target, table, fallback, context.evaluation)
        return Stage(settings.name, workers: settings.workers, capacity: settings.capacity, ordered: settings.ordered) { event in
            let value: String? = switch try key.evaluate(event, context: evaluation) {
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
    }
}

extension StageKind where Self == LookupStageKind {
    package static func lookup(key: Expression, target: FieldPath, table: [String: JSONValue], fallback: JSONValue?) -> Self {
        Self(key: key, target: target, table: table, fallback: fallback)
    }
}
