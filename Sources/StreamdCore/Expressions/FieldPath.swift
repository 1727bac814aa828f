public import OrderedCollections

/// A location in an event, written in expression syntax: `.a.b`, `.items[0]`, `.["odd key"]`,
/// or a bare `host` (same as `.host`). The `set`, `remove` and `rename` stages, window `group_by`
/// and `time_field` use it.
///
/// Reading follows the expression language (a missing field is `null`); writing creates the
/// objects it needs on the way, but never grows an array or writes through a scalar.
///
///     var event: Event = ["a": 1]
///     try FieldPath(".b.c").set("x", in: &event)      // {"a": 1, "b": {"c": "x"}}
///     FieldPath(".a").remove(from: &event)            // {"b": {"c": "x"}}
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    public enum Segment: Sendable, Hashable {
        /// An object field.
        case key(String)
        /// An array position; negative counts from the end.
        case index(Int)
    }

    /// Never empty: a path always names something inside the event.
    public let segments: [Segment]

    /// Parses a path; errors point at the column like expression errors do.
    public init(_ source: String) throws(ExpressionError) {
        segments = try FieldPathParser.parse(source)
    }

    /// A path from segments already known (e.g. from a compiled expression); `nil` when empty.
    package init?(segments: [Segment]) {
        guard !segments.isEmpty else { return nil }
        self.segments = segments
    }

    /// The canonical spelling, e.g. `.a.b[0]` or `.["odd key"]`.
    public var description: String {
        var text = ""
        for segment in segments {
            switch segment {
            case .key(let key) where ExpressionText.isIdentifier(key): text += ".\(key)"
            case .key(let key): text += (text.isEmpty ? "." : "") + "[\(ExpressionText.quoted(key))]"
            case .index(let index): text += (text.isEmpty ? "." : "") + "[\(index)]"
            }
        }
        return text
    }

    // MARK: - Reading

    /// The value at this path, or `null` when any step is missing or of the wrong kind.
    public func get(in event: Event) -> JSONValue {
        var value: JSONValue
        switch segments[0] {
        case .key(let key): value = event[key] ?? .null
        case .index: return .null
        }
        for segment in segments.dropFirst() {
            switch segment {
            case .key(let key): value = ExpressionOperators.member(value, key)
            case .index(let index): value = ExpressionOperators.element(value, index)
            }
        }
        return value
    }

    // MARK: - Writing

    /// Stores `value` at this path, creating missing (or `null`) intermediate objects.
    /// Throws, leaving `event` unchanged, when a step is an index out of range, an index into a
    /// non-array, or a field of a non-object.
    public func set(_ value: JSONValue, in event: inout Event) throws(ExpressionError) {
        try checkSettable(in: event)
        guard case .key(let first) = segments[0] else { return }  // checkSettable rejected it
        Self.store(value, at: segments.dropFirst(), in: &event[first, default: .null])
    }

    /// Removes what this path names and returns it; a missing path is a no-op returning `nil`.
    @discardableResult
    public func remove(from event: inout Event) -> JSONValue? {
        guard case .key(let first) = segments[0] else { return nil }
        if segments.count == 1 { return event.removeValue(forKey: first) }
        guard event[first] != nil else { return nil }
        return Self.remove(at: segments.dropFirst(), in: &event[first, default: .null])
    }

    /// Walks the path read-only and throws the error `set` would hit, before anything changes.
    private func checkSettable(in event: Event) throws(ExpressionError) {
        var current = JSONValue.object(event)
        for (offset, segment) in segments.enumerated() {
            switch (segment, current) {
            case (.key(let key), .object(let object)):
                guard let child = object[key], !child.isNull else {
                    // Everything from here on is created, and only objects can be.
                    let rest = segments[(offset + 1)...]
                    if let index = rest.firstIndex(where: { if case .index = $0 { true } else { false } }) {
                        throw .runtime("cannot set \(self): \(prefix(index)) is missing and only objects are created")
                    }
                    return
                }
                current = child
            case (.index(let index), .array(let array)):
                guard let position = ExpressionOperators.position(of: index, count: array.count) else {
                    let container = "\(prefix(offset)) of \(array.count) elements"
                    throw .runtime("cannot set \(self): index \(index) is out of range for \(container)")
                }
                current = array[position]
            case (.key, _):
                throw .runtime("cannot set \(self): \(prefix(offset)) is \(Self.described(current)), not an object")
            case (.index, _):
                throw .runtime("cannot set \(self): \(prefix(offset)) is \(Self.described(current)), not an array")
            }
        }
    }

    /// The first `count` segments, spelled for an error message.
    private func prefix(_ count: Int) -> String {
        FieldPath(segments: Array(segments[..<count]))?.description ?? "the event"
    }

    private static func described(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .array, .object: "an \(value.typeName)"
        default: "a \(value.typeName)"
        }
    }

    /// Writes after `checkSettable` passed, so every step is known to be possible.
    private static func store(_ value: JSONValue, at segments: ArraySlice<Segment>, in target: inout JSONValue) {
        guard let segment = segments.first else {
            target = value
            return
        }
        switch (segment, target) {
        case (.key(let key), .object(var object)):
            target = .null  // `object` is now the only reference, so the write below is in place
            store(value, at: segments.dropFirst(), in: &object[key, default: .null])
            target = .object(object)
        case (.key(let key), .null):
            var child = JSONValue.null
            store(value, at: segments.dropFirst(), in: &child)
            target = .object([key: child])
        case (.index(let index), .array(var array)):
            guard let position = ExpressionOperators.position(of: index, count: array.count) else { return }
            target = .null
            store(value, at: segments.dropFirst(), in: &array[position])
            target = .array(array)
        default:
            return
        }
    }

    private static func remove(at segments: ArraySlice<Segment>, in target: inout JSONValue) -> JSONValue? {
        guard let segment = segments.first else { return nil }
        let isLast = segments.count == 1
        switch (segment, target) {
        case (.key(let key), .object(var object)):
            guard object[key] != nil else { return nil }
            target = .null
            defer { target = .object(object) }
            if isLast { return object.removeValue(forKey: key) }
            return remove(at: segments.dropFirst(), in: &object[key, default: .null])
        case (.index(let index), .array(var array)):
            guard let position = ExpressionOperators.position(of: index, count: array.count) else { return nil }
            target = .null
            defer { target = .array(array) }
            if isLast { return array.remove(at: position) }
            return remove(at: segments.dropFirst(), in: &array[position])
        default:
            return nil
        }
    }
}
