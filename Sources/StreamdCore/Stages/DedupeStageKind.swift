package import StreamKit

/// `dedupe: { key: [.path, .status], within: "1m", max_keys: 100000 }`: drops an event whose key
/// was seen within the window.
package struct DedupeStageKind: EventStageKind {
    package static let name = "dedupe"
    package static let summary = "drops an event whose key was seen within the window (oldest keys evicted beyond max_keys)"
    static let key = ComponentOption("key", .expressions, required: true, "an expression or a list of them")
    static let within = ComponentOption("within", .duration, default: "60s", "how long a key is remembered")
    static let maxKeys = ComponentOption("max_keys", .integer, default: 100_000, "keys remembered at most")
    package static let options = [key, within, maxKeys]

    package let keys: [Expression]
    package let window: Duration
    package let maxKeys: Int

    package init(keys: [Expression], window: Duration, maxKeys: Int) {
        self.keys = keys
        self.window = window
        self.maxKeys = maxKeys
    }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        let path = options.path
        var keys: [Expression] = []
        if let keyNode = options.read({ $0.node(Self.key.name) }) {
            let nodes: [ConfigNode] = if case .array(let items) = keyNode.value { items } else { [keyNode] }
            keys = nodes.enumerated().compactMap { index, item in options.expression(item, path: "\(path).key[\(index)]") }
            if keys.count != nodes.count || keys.isEmpty { keys = [] }
        } else {
            options.issue("dedupe needs a key: an expression or a list of them")
        }
        let window = options.duration(within)
        let maxKeys = options.integer(maxKeys, in: 1...10_000_000)
        guard !keys.isEmpty, let window, let maxKeys else { return nil }
        return Self(keys: keys, window: window, maxKeys: maxKeys)
    }

    package func makeStage(_ settings: StageSettings, context: StageContext) -> Stage<Event, Event> {
        let (keys, evaluation) = (keys, context.evaluation)
        let seen = RecentKeys(window: window.seconds, maxKeys: maxKeys)
        return .filter(settings.name, workers: settings.workers, capacity: settings.capacity, ordered: settings.ordered) { event in
            let key = try keys.map { try $0.evaluate(event, context: evaluation) }
            return seen.insert(key, at: evaluation.now())
        }
    }
}

extension StageKind where Self == DedupeStageKind {
    package static func dedupe(key: [Expression], window: Duration, maxKeys: Int) -> Self {
        Self(keys: key, window: window, maxKeys: maxKeys)
    }
}
