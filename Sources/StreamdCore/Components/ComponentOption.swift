/// One option of a component kind: its key, the type of its value, its default, and whether it
/// must be given. Kinds read their options through these declarations (``ComponentOptions``),
/// so the default that `streamd components` shows is the one the decoder applies.
public struct ComponentOption: Sendable, Equatable {
    /// The shape of an option's value, as `streamd components` names it.
    public enum ValueType: String, Sendable {
        case string, integer, number, boolean, duration, url
        /// A whole number (of events or results) or a duration string.
        case countOrDuration = "count_or_duration"
        /// A boolean expression or a value expression (`.status >= 500`, `lower(.host)`).
        case expression
        /// An expression, or a list of them.
        case expressions
        /// A field path (`.user.id`).
        case fieldPath = "field_path"
        case fieldPaths = "field_paths"
        /// A mapping whose keys are the user's (`set: {field: expression}`, `headers:`).
        case mapping
        /// A list of strings (`argv`).
        case strings
        /// A nested structure described in the README (`aggregates`, window shapes).
        case object
    }

    public let name: String
    public let type: ValueType
    /// The value used when the option is absent, as it would be written in JSON; `nil`: none.
    public let defaultValue: JSONValue?
    public let required: Bool
    /// What the option does, in a few words.
    public let summary: String

    public init(_ name: String, _ type: ValueType, default defaultValue: JSONValue? = nil, required: Bool = false, _ summary: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.required = required
        self.summary = summary
    }

    package var catalogEntry: JSONValue {
        ["name": .string(name), "type": .string(type.rawValue), "default": defaultValue ?? .null, "required": .bool(required), "summary": .string(summary)]
    }
}
