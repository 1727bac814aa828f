import Yams

/// A configuration value with where it came from, so every error can name the line.
///
/// YAML files and JSON pipeline definitions (`PUT /v1/pipelines/{name}`) both become this one
/// tree, and one validator turns it into typed configuration: the two can never drift apart.
struct ConfigNode: Sendable {
    enum Value: Sendable {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([ConfigNode])
        /// Members in file order; duplicate keys are reported by the converter.
        case object([(key: String, value: ConfigNode)])
    }

    var value: Value
    /// 1-based line in the YAML file; `nil` for JSON input.
    var line: Int?

    var typeName: String {
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
    static func parseYAML(_ text: String) throws(ConfigError) -> ConfigNode {
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
                if node.null != nil {
                    value = .null
                } else if let bool = node.bool {
                    value = .bool(bool)
                } else if let int = node.int {
                    value = .number(Double(int))
                } else if let float = node.float, float.isFinite {
                    value = .number(float)
                } else {
                    value = .string(scalar.string)
                }
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
                members.append((key, convert(valueNode, path: childPath, issues: &issues)))
            }
            return ConfigNode(value: .object(members), line: line)
        }
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
    init(json: JSONValue) {
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
