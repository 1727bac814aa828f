extension ConfigLoader {
    /// Validates the top-level `hooks:` mapping: name → exactly one hook kind.
    package static func hooks(_ node: ConfigNode, components: ComponentRegistry, issues: inout [ConfigIssue]) -> [HookDefinition] {
        var reader = ConfigReader(node, path: "hooks", issues: &issues)
        var hooks: [HookDefinition] = []
        for name in reader.keys {
            guard let hookNode = reader.node(name) else { continue }
            if !isValidName(name) {
                reader.issue(name, "a hook name uses lowercase letters, digits, '-' and '_' (at most 64), got \"\(name)\"")
            }
            if let kind = hook(hookNode, path: reader.childPath(name), components: components, issues: &issues) {
                hooks.append(HookDefinition(name: name, configured: kind))
            }
        }
        reader.finish(into: &issues)
        return hooks
    }

    private static func hook(_ node: ConfigNode, path: String, components: ComponentRegistry, issues: inout [ConfigIssue]) -> (any HookKind)? {
        var reader = ConfigReader(node, path: path, issues: &issues)
        let names = components.hooks.map { $0.name }
        let present = reader.keys.filter(names.contains)
        guard present.count == 1, let name = present.first, let kind = components.hook(named: name) else {
            if case .object = node.value {
                reader.issue(nil, present.isEmpty
                    ? "a hook needs exactly one of \(names.joined(separator: ", "))"
                    : "a hook has exactly one kind, found \(present.joined(separator: " and "))")
            }
            for kind in present { _ = reader.node(kind) }
            reader.finish(into: &issues, known: names)
            return nil
        }
        let body = reader.node(name)!
        reader.finish(into: &issues, known: names)
        return kind.configured(from: body, path: reader.childPath(name), issues: &issues)
    }
}
