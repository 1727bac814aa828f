/// Expressions and field paths in a component's value, compiled while the configuration is
/// validated so that a running stage only evaluates them.
extension ComponentOptions {
    /// The expression string in `node`; `nil` (with an issue at `path`) when it is not one or
    /// does not compile.
    package mutating func expression(_ node: ConfigNode, path: String) -> Expression? {
        guard case .string(let source) = node.value else {
            issues.append(ConfigIssue(path: path, line: node.line, message: "expected an expression string, got \(node.typeName)"))
            return nil
        }
        do {
            return try Expression(source)
        } catch {
            issues.append(ConfigIssue(path: path, line: node.line, message: "\(error) in '\(source)'"))
            return nil
        }
    }

    package mutating func fieldPath(_ text: String, path: String, line: Int?) -> FieldPath? {
        do {
            return try FieldPath(text)
        } catch {
            issues.append(ConfigIssue(path: path, line: line, message: "\(error) in field path '\(text)'"))
            return nil
        }
    }

    /// A field path where a leading dot may be left out (`set: {host: …}`).
    package mutating func field(_ text: String, path: String, line: Int?) -> FieldPath? {
        fieldPath(text.hasPrefix(".") ? text : "." + text, path: path, line: line)
    }

    /// Records `message` against the whole value and returns `nil`.
    package mutating func fail<T>(_ message: String) -> T? {
        issues.append(ConfigIssue(path: path, line: node.line, message: message))
        return nil
    }
}
