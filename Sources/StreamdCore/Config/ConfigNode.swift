import Yams

/// A configuration value with where it came from, so every error can name the line.
///
/// YAML files and JSON pipeline definitions (`PUT /v1/pipelines/{name}`) both become this one
/// tree, and one validator turns it into typed configuration: the two can never drift apart.
package struct ConfigNode: Sendable {
    package enum Value: Sendable {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([ConfigNode])
        /// Members in file order; duplicate keys are reported by the converter.
        case object([(key: String, value: ConfigNode)])
    }

    package var value: Value
    /// 1-based line in the YAML file; `nil` for JSON input.
    package var line: Int?

    package var typeName: String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "list"
        case .object: "mapping"
        }
    }
}

extension ConfigNode {
    /// Parses YAML text. Scalars are typed by YAML's core schema (`true`, `42`, `1.5`, `null`);
    /// quoted scalars stay strings.
    package static func parseYAML(_ text: String) throws(ConfigError) -> ConfigNode {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError([ConfigIssue(path: "", line: Self.line(of: error), message: "invalid YAML: \(error)")])
        } catch {
            throw ConfigError([ConfigIssue(path: "", line: nil, message: "invalid YAML: \(error)")])
        }
        guard let node else { return ConfigNode(value: .object([]), line: 1) }
        var issues: [ConfigIssue] = []
        let converted = convert(node, path: "", issues: &issues)
        if !issues.isEmpty { throw ConfigError(issues) }
        return converted
    }

    private static func convert(_ node: Node, path: String, issues: inout [ConfigIssue]) -> ConfigNode {
        let line = node.mark.map { $0.line }
        switch node {
        case .scalar(let scalar):
            let value: Value
            switch scalar.style {
            case .singleQuoted, .doubleQuoted, .literal, .folded:
                value = .string(scalar.string)
            default:
                value = Self.coreSchema(scalar.string)
            }
            return ConfigNode(value: value, line: line)
        case .sequence(let sequence):
            let items = sequence.enumerated().map { index, item in
                convert(item, path: "\(path)[\(index)]", issues: &issues)
            }
            return ConfigNode(value: .array(items), line: line)
        case .mapping(let mapping):
            var members: [(key: String, value: ConfigNode)] = []
            var seen = Set<String>()
            for (keyNode, valueNode) in mapping {
                let key = keyNode.string ?? "\(keyNode)"
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if !seen.insert(key).inserted {
                    issues.append(ConfigIssue(path: childPath, line: keyNode.mark?.line, message: "duplicate key"))
                    continue
                }
                var child = convert(valueNode, path: childPath, issues: &issues)
                // A block mapping or list starts on the line after its key: point at the key.
                switch child.value {
                case .object, .array: child.line = keyNode.mark?.line ?? child.line
                default: break
                }
                members.append((key, child))
            }
            return ConfigNode(value: .object(members), line: line)
        }
    }

    /// YAML 1.2 core schema for plain scalars: `null`/`~`/empty, `true`/`false`, decimal, `0o`
    /// octal and `0x` hex integers, floats, `.inf`, `.nan`. Everything else is a string — so
    /// `no`, `on` and `010` stay what they look like (YAML 1.1 would make them false, true and 8).
    package static func coreSchema(_ text: String) -> Value {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        let body = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        let sign: Double = text.hasPrefix("-") ? -1 : 1
        if !body.isEmpty, body.allSatisfy(\.isASCIIDigit), let number = Double(body) { return .number(sign * number) }
        if text.hasPrefix("0o"), let number = Int(text.dropFirst(2), radix: 8) { return .number(Double(number)) }
        if text.hasPrefix("0x"), let number = Int(text.dropFirst(2), radix: 16) { return .number(Double(number)) }
        switch body.lowercased() {
        case ".inf": return .number(sign * .infinity)
        case ".nan": return .number(.nan)
        default: break
        }
        let isFloat = body.contains { $0 == "." || $0 == "e" || $0 == "E" }
            && body.allSatisfy { $0.isASCIIDigit || $0 == "." || $0 == "e" || $0 == "E" || $0 == "-" || $0 == "+" }
        if isFloat, let number = Double(body), body.first?.isASCIIDigit == true || body.first == "." {
            return .number(sign * number)
        }
        return .string(text)
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    /// A JSON value (from the API) as a configuration tree without line numbers.
    package init(json: JSONValue) {
        switch json {
        case .null: self.init(value: .null, line: nil)
        case .bool(let bool): self.init(value: .bool(bool), line: nil)
        case .number(let number): self.init(value: .number(number), line: nil)
        case .string(let string): self.init(value: .string(string), line: nil)
        case .array(let array): self.init(value: .array(array.map(ConfigNode.init(json:))), line: nil)
        case .object(let object):
            self.init(value: .object(object.map { (key: $0.key, value: ConfigNode(json: $0.value)) }), line: nil)
        }
    }
}

extension Character {
    package var isASCIIDigit: Bool { isASCII && isNumber }
}
