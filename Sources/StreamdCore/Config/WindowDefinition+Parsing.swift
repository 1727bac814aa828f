import StreamKit

extension ConfigLoader {
    /// The `window:` mapping of a stage.
    package static func window(_ node: ConfigNode, path: String, issues: inout [ConfigIssue]) -> WindowDefinition? {
        let before = issues.count
        var reader = ConfigReader(node, path: path, issues: &issues)
        let type = reader.string("type")
        let size = reader.node("size").flatMap { windowLength($0, key: "size", reader: &reader) }
        let slide = reader.node("slide").flatMap { windowLength($0, key: "slide", reader: &reader) }
        let gap = windowDuration("gap", reader: &reader)
        let timeField = reader.string("time_field").flatMap { text in
            fieldPath(text, path: reader.childPath("time_field"), line: node.line, issues: &reader)
        }
        let disorder = windowDuration("max_out_of_orderness", reader: &reader) ?? .zero
        let lateness = windowDuration("allowed_lateness", reader: &reader) ?? .zero
        let idle = windowDuration("idle_timeout", reader: &reader)
        let maxKeys = reader.integer("max_keys", in: 1...10_000_000) ?? 100_000
        var groupBy: [FieldPath] = []
        if let keys = reader.node("group_by") {
            let items: [ConfigNode] = if case .array(let items) = keys.value { items } else { [keys] }
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item.value else {
                    reader.issue("group_by", "expected field paths like .source, got \(item.typeName)", line: item.line)
                    continue
                }
                if let path = fieldPath(text, path: "\(reader.childPath("group_by"))[\(index)]", line: item.line, issues: &reader) {
                    groupBy.append(path)
                }
            }
        }
        var aggregates: [NamedAggregate] = []
        if let node = reader.node("aggregates") {
            if case .object(let members) = node.value, !members.isEmpty {
                for member in members {
                    if let aggregate = aggregate(member.value, name: member.key, path: "\(reader.childPath("aggregates")).\(member.key)", issues: &reader) {
                        aggregates.append(aggregate)
                    }
                }
            } else {
                reader.issue("aggregates", "expected a mapping of result field: aggregate, like { avg_value: 'avg(.value)' }")
            }
        } else {
            reader.issue(nil, "a window needs aggregates, like { count: 'count()', avg_value: 'avg(.value)' }")
        }
        if timeField == nil, reader.keys.contains("max_out_of_orderness") || reader.keys.contains("allowed_lateness") {
            reader.issue(nil, "max_out_of_orderness and allowed_lateness apply to event time: set time_field")
        }
        let shape = windowShape(type: type, size: size, slide: slide, gap: gap, reader: &reader)
        reader.finish(into: &issues, known: WindowStageKind.options.map(\.name))
        guard let shape, issues.count == before else { return nil }
        let time: WindowSpec.Time = timeField == nil ? .processing : .event(maxOutOfOrderness: disorder, allowedLateness: lateness)
        return WindowDefinition(
            spec: WindowSpec(shape, time: time, maxKeys: maxKeys, idleTimeout: idle),
            timeField: timeField, groupBy: groupBy, aggregates: aggregates
        )
    }

    /// A window length: a duration string (`"2s"`) or a whole number of events.
    private enum WindowLength: Equatable {
        case time(Duration)
        case events(Int)
    }

    /// The longest window duration: a century (window arithmetic has room for far more).
    package static let longestWindowDuration = Duration.seconds(100 * 366 * 86_400)

    /// Windows compute in whole microseconds: a window duration must be one, up to a century.
    private static func windowDurationProblem(_ duration: Duration) -> String? {
        if duration.components.attoseconds % 1_000_000_000_000 != 0 { return "window durations are whole microseconds" }
        if duration > longestWindowDuration { return "window durations are at most 100 years" }
        return nil
    }

    private static func windowDuration(_ key: String, reader: inout ConfigReader) -> Duration? {
        guard let duration = reader.duration(key) else { return nil }
        if let problem = windowDurationProblem(duration) {
            reader.issue(key, problem)
            return nil
        }
        return duration
    }

    private static func windowLength(_ node: ConfigNode, key: String, reader: inout ConfigReader) -> WindowLength? {
        switch node.value {
        case .string(let text):
            if let duration = Duration(configText: text), duration > .zero {
                if let problem = windowDurationProblem(duration) {
                    reader.issue(key, problem)
                    return nil
                }
                return .time(duration)
            }
        case .number(let number):
            if number.rounded() == number, number >= 1, number <= 10_000_000 { return .events(Int(number)) }
        default: break
        }
        reader.issue(key, "expected a positive duration like \"2s\" or a whole number of events")
        return nil
    }

    private static func windowShape(
        type: String?, size: WindowLength?, slide: WindowLength?, gap: Duration?, reader: inout ConfigReader
    ) -> WindowSpec.Shape? {
        func refuse(_ key: String, _ message: String) -> WindowSpec.Shape? {
            reader.issue(key, message)
            return nil
        }
        switch type {
        case "tumbling":
            if slide != nil { return refuse("slide", "only sliding windows have a slide") }
            if gap != nil { return refuse("gap", "only session windows have a gap") }
            switch size {
            case .time(let duration): return .tumbling(size: duration)
            case .events(let count): return .tumblingCount(size: count)
            case nil: return refuse("type", "a tumbling window needs a size")
            }
        case "sliding":
            if gap != nil { return refuse("gap", "only session windows have a gap") }
            switch (size, slide) {
            case (.time(let size), .time(let slide)):
                guard slide <= size else { return refuse("slide", "the slide must not be longer than the size") }
                guard size / slide <= 1000 else { return refuse("slide", "an event would be in more than 1000 windows: use a longer slide") }
                return .sliding(size: size, slide: slide)
            case (.events(let size), .events(let slide)):
                guard slide <= size else { return refuse("slide", "the slide must not be longer than the size") }
                guard size / slide <= 1000 else { return refuse("slide", "an event would be in more than 1000 windows: use a longer slide") }
                return .slidingCount(size: size, slide: slide)
            case (nil, _), (_, nil):
                return refuse("type", "a sliding window needs a size and a slide")
            default:
                return refuse("slide", "size and slide must both be durations or both be event counts")
            }
        case "session":
            if size != nil { return refuse("size", "a session window has a gap, not a size") }
            if slide != nil { return refuse("slide", "only sliding windows have a slide") }
            guard let gap, gap > .zero else { return refuse("type", "a session window needs a positive gap, like gap: \"30s\"") }
            return .session(gap: gap)
        case nil:
            return refuse("type", "a window needs a type: tumbling, sliding or session")
        case let other?:
            return refuse("type", "expected tumbling, sliding or session, got \"\(other)\"")
        }
    }

    /// One `name: 'function(argument)'` of `aggregates:`.
    private static func aggregate(_ node: ConfigNode, name: String, path: String, issues reader: inout ConfigReader) -> NamedAggregate? {
        func refuse(_ message: String) -> NamedAggregate? {
            reader.issue(at: path, line: node.line, message)
            return nil
        }
        let reserved = ["key", "window_start", "window_end", "final"]
        if reserved.contains(name) { return refuse("\"\(name)\" is a field of every window result; choose another name") }
        guard case .string(let source) = node.value else { return refuse("expected an aggregate like 'avg(.value)', got \(node.typeName)") }
        let parsed: ExpressionNode
        do {
            parsed = try ExpressionParser.parse(source)
        } catch {
            return refuse("\(error) in '\(source)'")
        }
        let functions = AggregateFunction.names.joined(separator: ", ")
        guard case .call(let function, let arguments, let column) = parsed else {
            return refuse("expected an aggregate call, one of \(functions), like 'avg(.value)', got '\(source)'")
        }
        func argument(_ index: Int) -> Expression? {
            do {
                return try Expression(arguments[index], source: arguments[index].description)
            } catch {
                reader.issue(at: path, line: node.line, "\(error) in '\(source)'")
                return nil
            }
        }
        let expected: Int
        let aggregateFunction: AggregateFunction
        switch function {
        case "count": (expected, aggregateFunction) = (0, .count)
        case "sum": (expected, aggregateFunction) = (1, .sum)
        case "avg": (expected, aggregateFunction) = (1, .avg)
        case "min": (expected, aggregateFunction) = (1, .min)
        case "max": (expected, aggregateFunction) = (1, .max)
        case "first": (expected, aggregateFunction) = (1, .first)
        case "last": (expected, aggregateFunction) = (1, .last)
        case "distinct_count": (expected, aggregateFunction) = (1, .distinctCount)
        case "p50": (expected, aggregateFunction) = (1, .quantile(0.5))
        case "p90": (expected, aggregateFunction) = (1, .quantile(0.9))
        case "p95": (expected, aggregateFunction) = (1, .quantile(0.95))
        case "p99": (expected, aggregateFunction) = (1, .quantile(0.99))
        case "quantile":
            guard arguments.count == 2, case .literal(.number(let q)) = arguments[1], (0...1).contains(q) else {
                return refuse("quantile takes a value and a number from 0 to 1, like 'quantile(.value, 0.99)' (column \(column))")
            }
            return argument(0).map { NamedAggregate(name: name, function: .quantile(q), argument: $0) }
        default:
            return refuse("unknown aggregate '\(function)' at column \(column); use one of \(functions)")
        }
        if name == "count", aggregateFunction != .count {
            return refuse("\"count\" is the number of events in every window result; only 'count()' may use that name")
        }
        guard arguments.count == expected else {
            return refuse("\(function) takes \(expected == 0 ? "no arguments" : "one argument"), like '\(expected == 0 ? "count()" : "\(function)(.value)")'")
        }
        if expected == 0 { return NamedAggregate(name: name, function: aggregateFunction, argument: nil) }
        return argument(0).map { NamedAggregate(name: name, function: aggregateFunction, argument: $0) }
    }

    private static func fieldPath(_ text: String, path: String, line: Int?, issues reader: inout ConfigReader) -> FieldPath? {
        do {
            return try FieldPath(text.hasPrefix(".") ? text : "." + text)
        } catch {
            reader.issue(at: path, line: line, "\(error) in field path '\(text)'")
            return nil
        }
    }
}

