/// What every component kind declares about itself: the key it has in configuration, one line
/// saying what it does, and its options. `streamd components`, the configuration decoder's
/// messages ("a stage needs exactly one of …") and unknown-key checks all read these.
///
/// A kind is one type: its static members describe and configure it, and a configured
/// instance (a value of the type) is what a pipeline definition holds.
public protocol Component: Sendable {
    /// The configuration key: `filter`, `file`, `webhook`.
    static var name: String { get }
    /// One line for `streamd components`.
    static var summary: String { get }
    /// For a kind configured with a mapping, its keys; for a kind configured with one value
    /// (`filter: '.status >= 500'`), one option named after the kind.
    static var options: [ComponentOption] { get }

    /// Reads the configured value through `options`; `nil` after recording at least one issue
    /// there. Unknown keys are reported for the kind.
    static func configure(_ options: inout ComponentOptions) -> Self?
}

extension Component {
    /// Whether the kind is configured with one value rather than a mapping of options.
    static var takesOneValue: Bool { options.count == 1 && options[0].name == name }

    /// The configured value in `node`, or `nil` with every problem added to `issues`. A kind with
    /// options other than its own name takes a mapping, and a value that is not one is reported
    /// as such alone; a kind without options takes any value (`stdout: {}`, `stdout:`).
    package static func configured(from node: ConfigNode, path: String, hookNames: Set<String> = [], issues: inout [ConfigIssue]) -> Self? {
        if !options.isEmpty, !takesOneValue, !node.isMapping {
            issues.append(ConfigIssue(path: path, line: node.line, message: "expected a mapping, got \(node.typeName)"))
            return nil
        }
        var reader = ComponentOptions(node, path: path, hookNames: hookNames)
        let value = configure(&reader)
        let found = reader.finish(known: options.map(\.name))
        issues += found
        return found.isEmpty ? value : nil
    }

    /// The kind as `streamd components --json` lists it.
    package static var catalogEntry: JSONValue {
        ["name": .string(name), "summary": .string(summary), "options": .array(options.map(\.catalogEntry))]
    }
}

extension ConfigNode {
    fileprivate var isMapping: Bool { if case .object = value { true } else { false } }
}
