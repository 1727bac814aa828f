import OrderedCollections
package import StreamKit

extension WindowDefinition {
    /// The key of an event: the `group_by` value itself for one field (no allocation per
    /// event, the usual case), the values in order for several.
    package func key(of event: Event) -> JSONValue {
        switch groupBy.count {
        case 0: .null
        case 1: groupBy[0].get(in: event)
        default: .array(groupBy.map { $0.get(in: event) })
        }
    }

    /// The key as the result shows it: `{"source": "server1"}`.
    package func keyObject(_ key: JSONValue) -> JSONValue {
        let values: [JSONValue] = switch (groupBy.count, key) {
        case (0, _): []
        case (1, _): [key]
        case (_, .array(let values)): values
        default: []
        }
        var object = JSONObject(minimumCapacity: values.count)
        for (path, value) in zip(groupBy, values) { object[path.keyName] = value }
        return .object(object)
    }

    /// The result event (SPEC §3.2.1): key, window bounds in epoch seconds, count, the
    /// aggregates, and whether the window closed (`final`) or was flushed early. The bounds are
    /// exact microseconds; as doubles they print as the exact decimal (`1700000000.3`).
    package func event(for result: WindowResult<JSONValue, JSONObject>) -> Event {
        var event = Event(minimumCapacity: result.value.count + 5)
        event["key"] = keyObject(result.key)
        event["window_start"] = .number(result.start.seconds)
        event["window_end"] = .number(result.end.seconds)
        event["count"] = .number(Double(result.count))
        for (name, value) in result.value { event[name] = value }
        event["final"] = .bool(result.isFinal)
        return event
    }
}

extension FieldPath {
    /// The name a key field has in a result: the path without its leading dot.
    package var keyName: String {
        let text = description
        return text.hasPrefix(".") ? String(text.dropFirst()) : text
    }
}
