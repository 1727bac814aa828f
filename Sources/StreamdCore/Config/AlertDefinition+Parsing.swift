import StreamKit

extension ConfigLoader {
    /// The `alert:` mapping of a stage. `hooks` are the names defined under the top-level `hooks:`.
    package static func alert(_ node: ConfigNode, path: String, hooks known: Set<String>, issues: inout [ConfigIssue]) -> AlertDefinition? {
        let before = issues.count
        var reader = ConfigReader(node, path: path, issues: &issues)
        var condition: Expression?
        if let source = reader.string("when") {
            do {
                condition = try Expression(source)
            } catch {
                reader.issue("when", "\(error) in '\(source)'")
            }
        } else if !reader.keys.contains("when") {
            reader.issue(nil, "an alert needs a condition, like when: 'avg_value > 75 && count >= 5'")
        }
        var hold = AlertHold.results(1)
        if let node = reader.node("for") {
            switch node.value {
            case .number(let number) where number.rounded() == number && number >= 1 && number <= 1_000_000:
                hold = .results(Int(number))
            case .string(let text) where Duration(configText: text) != nil:
                hold = .duration(Duration(configText: text)!)
            default:
                reader.issue("for", "expected a number of consecutive matching results (1 or more) or a duration like \"1m\"")
            }
        }
        let cooldown = reader.duration("cooldown") ?? .zero
        let repeatInterval = reader.duration("repeat_interval")
        if let repeatInterval, repeatInterval <= .zero { reader.issue("repeat_interval", "expected a positive duration") }
        var hooks: [String] = []
        if let node = reader.node("hooks") {
            if case .array(let items) = node.value {
                for (index, item) in items.enumerated() {
                    guard case .string(let name) = item.value else {
                        reader.issue(at: "\(reader.childPath("hooks"))[\(index)]", line: item.line, "expected a hook name, got \(item.typeName)")
                        continue
                    }
                    if known.contains(name) {
                        hooks.append(name)
                    } else {
                        let hint = ConfigReader.suggestion(for: name, among: Array(known)).map { "; did you mean '\($0)'?" } ?? ""
                        let defined = known.isEmpty ? "no hooks are defined under hooks:" : "defined: \(known.sorted().joined(separator: ", "))"
                        reader.issue(at: "\(reader.childPath("hooks"))[\(index)]", line: item.line, "unknown hook \"\(name)\" (\(defined))\(hint)")
                    }
                }
            } else {
                reader.issue("hooks", "expected a list of hook names")
            }
        }
        reader.finish(into: &issues, known: AlertStageKind.options.map(\.name))
        guard let condition, issues.count == before else { return nil }
        return AlertDefinition(condition: condition, hold: hold, cooldown: cooldown, repeatInterval: repeatInterval, hooks: hooks)
    }
}
