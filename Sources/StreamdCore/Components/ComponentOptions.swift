/// The configured value of one component (what follows its kind's key), read through the kind's
/// declared options. Problems are collected with their field path and line, never thrown, so a
/// configuration reports all of them at once.
///
/// ```swift
/// static let field = ComponentOption("field", .string, required: true, "the field to blank out")
/// static func configure(_ options: inout ComponentOptions) -> Redact? {
///     guard let field = options.string(field) else { options.issue("redact needs a field"); return nil }
///     return Redact(field: field)
/// }
/// ```
public struct ComponentOptions {
    /// The value as configured.
    package let node: ConfigNode
    /// Its field path (`pipelines.web.stages[2].lookup`).
    package let path: String
    /// Names of the configured hooks, for alert stages.
    package let hookNames: Set<String>
    package var issues: [ConfigIssue] = []
    /// The reader of a mapping value, made at the first option read.
    private var mapping: ConfigReader?

    package init(_ node: ConfigNode, path: String, hookNames: Set<String> = []) {
        self.node = node
        self.path = path
        self.hookNames = hookNames
    }

    /// The whole value, as JSON.
    public var json: JSONValue { node.json }

    /// The reader of a mapping value; reports once that the value is not a mapping.
    package var reader: ConfigReader {
        mutating get {
            if let mapping { return mapping }
            let made = ConfigReader(node, path: path, issues: &issues)
            mapping = made
            return made
        }
        set { mapping = newValue }
    }

    /// Runs `read` on the mapping reader (which it may mutate).
    package mutating func read<T>(_ read: (inout ConfigReader) -> T) -> T {
        var current = reader
        defer { mapping = current }
        return read(&current)
    }

    public mutating func string(_ option: ComponentOption) -> String? {
        read { $0.string(option.name) } ?? option.defaultValue.flatMap { if case .string(let text) = $0 { text } else { nil } }
    }

    public mutating func bool(_ option: ComponentOption) -> Bool? {
        read { $0.bool(option.name) } ?? option.defaultValue.flatMap { if case .bool(let value) = $0 { value } else { nil } }
    }

    public mutating func number(_ option: ComponentOption) -> Double? {
        read { $0.number(option.name) } ?? option.defaultNumber
    }

    /// A whole number within `range`; an absent one is the option's default.
    public mutating func integer(_ option: ComponentOption, in range: ClosedRange<Int>) -> Int? {
        if read({ $0.isPresent(option.name) }) { return read { $0.integer(option.name, in: range) } }
        return option.defaultNumber.map { Int($0) }
    }

    /// A duration string (`"250ms"`, `"2s"`); an absent one is the option's default.
    public mutating func duration(_ option: ComponentOption) -> Duration? {
        if read({ $0.isPresent(option.name) }) { return read { $0.duration(option.name) } }
        return option.defaultValue.flatMap { if case .string(let text) = $0 { Duration(configText: text) } else { nil } }
    }

    /// The option's value as JSON, for kinds that interpret it themselves.
    public mutating func value(_ option: ComponentOption) -> JSONValue? {
        read { $0.node(option.name) }?.json ?? option.defaultValue
    }

    /// Reports a problem with the whole value, or with one option of it.
    public mutating func issue(_ message: String, option: ComponentOption? = nil) {
        if let option {
            read { $0.issue(option.name, message) }
        } else if mapping != nil {
            // After the problems already found in the mapping, in the order they were found.
            read { $0.issue(nil, message) }
        } else {
            issues.append(ConfigIssue(path: path, line: node.line, message: message))
        }
    }

    /// Hands over every problem found, including keys that no option declares (unknown keys are
    /// errors). Only a mapping that was read is judged.
    package mutating func finish(known: [String]) -> [ConfigIssue] {
        if var mapping {
            mapping.finish(into: &issues, known: known)
            self.mapping = mapping
        }
        return issues
    }
}

extension ComponentOption {
    fileprivate var defaultNumber: Double? {
        if case .number(let number) = defaultValue { number } else { nil }
    }
}

extension ConfigReader {
    /// Whether `key` is given (without marking it read).
    fileprivate func isPresent(_ key: String) -> Bool { keys.contains(key) }
}
