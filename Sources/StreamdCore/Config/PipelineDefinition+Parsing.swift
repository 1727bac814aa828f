import OrderedCollections

extension ConfigLoader {
    /// Validates one pipeline definition (from YAML, or the JSON body of a `PUT`): its kinds come
    /// from `components`, so a kind registered from Swift is configured like a built-in one.
    package static func pipeline(
        named name: String,
        from node: ConfigNode,
        path: String,
        components: ComponentRegistry = .builtIn,
        hooks: Set<String> = [],
        issues: inout [ConfigIssue]
    ) -> PipelineDefinition? {
        let before = issues.count
        if !isValidName(name) {
            issues.append(ConfigIssue(path: path, line: node.line, message: "a pipeline name uses lowercase letters, digits, '-' and '_' (at most 64), got \"\(name)\""))
        }
        var definition = PipelineDefinition(name: name, source: node.json)
        var reader = ConfigReader(node, path: path, issues: &issues)
        if let autostart = reader.bool("autostart") { definition.autostart = autostart }
        if let buffer = reader.integer("buffer", in: 1...10_000_000) { definition.buffer = buffer }
        if let ingest = reader.node("ingest"), let configured = HTTPIngest.configured(from: ingest, path: reader.childPath("ingest"), issues: &issues) {
            definition.ingest = configured
        }
        if let inputs = reader.node("inputs") {
            definition.inputs = list(inputs, path: reader.childPath("inputs"), issues: &issues) { node, path, _, issues in
                input(node, path: path, components: components, issues: &issues)
            }
        }
        if let stages = reader.node("stages") {
            definition.stages = list(stages, path: reader.childPath("stages"), issues: &issues) { node, path, index, issues in
                stage(node, path: path, index: index, components: components, hooks: hooks, issues: &issues)
            }
            duplicateStageNames(stages, path: reader.childPath("stages"), kinds: components.stages.map { $0.name }, issues: &issues)
        }
        if let outputs = reader.node("outputs") {
            let configured = list(outputs, path: reader.childPath("outputs"), issues: &issues) { node, path, _, issues in
                output(node, path: path, components: components, issues: &issues)
            }
            if !configured.isEmpty { definition.outputs = configured }
        }
        reader.finish(into: &issues, known: ["autostart", "buffer", "ingest", "inputs", "stages", "outputs"])
        return issues.count == before ? definition : nil
    }

    /// Stage names are metric labels and must be unique; checked on the raw list so a stage that
    /// failed validation does not shift the reported index.
    private static func duplicateStageNames(_ stages: ConfigNode, path: String, kinds: [String], issues: inout [ConfigIssue]) {
        guard case .array(let items) = stages.value else { return }
        var seen = Set<String>()
        for (index, item) in items.enumerated() {
            guard case .object(let members) = item.value else { continue }
            // The name as the stage will have it: explicit, or the default KIND-N.
            let explicit = members.first { $0.key == "name" }
            let name: String
            if let explicit, case .string(let text) = explicit.value.value {
                name = text
            } else if let kind = members.first(where: { kinds.contains($0.key) }) {
                name = "\(kind.key)-\(index + 1)"
            } else {
                continue
            }
            if !seen.insert(name).inserted {
                let line = explicit?.value.line ?? item.line
                issues.append(ConfigIssue(path: "\(path)[\(index)].name", line: line, message: "duplicate stage name \"\(name)\""))
            }
        }
    }

    private static func list<T>(
        _ node: ConfigNode,
        path: String,
        issues: inout [ConfigIssue],
        _ element: (ConfigNode, String, Int, inout [ConfigIssue]) -> T?
    ) -> [T] {
        guard case .array(let items) = node.value else {
            issues.append(ConfigIssue(path: path, line: node.line, message: "expected a list, got \(node.typeName)"))
            return []
        }
        return items.enumerated().compactMap { index, item in element(item, "\(path)[\(index)]", index, &issues) }
    }

    /// The settings every stage has, besides its kind.
    private static let stageSettings = ["name", "workers", "buffer", "ordered"]

    private static func stage(
        _ node: ConfigNode, path: String, index: Int, components: ComponentRegistry, hooks: Set<String>,
        issues: inout [ConfigIssue]
    ) -> StageDefinition? {
        var reader = ConfigReader(node, path: path, issues: &issues)
        let available = components.stages.map { $0.name }
        let kinds = reader.keys.filter { available.contains($0) }
        guard kinds.count == 1, let kindName = kinds.first, let kind = components.stage(named: kindName) else {
            reader.issue(nil, kinds.isEmpty
                ? "a stage needs exactly one of \(available.joined(separator: ", "))"
                : "a stage has exactly one kind, found \(kinds.joined(separator: " and "))")
            // Read the keys that are right so that only the wrong ones are reported as unknown.
            for key in stageSettings + kinds { _ = reader.node(key) }
            reader.finish(into: &issues, known: stageSettings + available)
            return nil
        }
        let name = reader.string("name") ?? "\(kindName)-\(index + 1)"
        if !isValidName(name) { reader.issue("name", "a stage name uses lowercase letters, digits, '-' and '_', got \"\(name)\"") }
        let workers = reader.integer("workers", in: 1...256) ?? 1
        if workers > 1, kind.runsOnOneWorker {
            reader.issue("workers", "a \(kindName) stage keeps state in order and runs on one worker")
        }
        let buffer = reader.integer("buffer", in: 1...10_000_000) ?? 256
        let ordered = reader.bool("ordered") ?? false
        let configured = kind.configured(from: reader.node(kindName)!, path: reader.childPath(kindName), hookNames: hooks, issues: &issues)
        reader.finish(into: &issues, known: stageSettings + available)
        return configured.map { StageDefinition(name: name, workers: workers, buffer: buffer, ordered: ordered, kind: $0) }
    }

    private static func output(_ node: ConfigNode, path: String, components: ComponentRegistry, issues: inout [ConfigIssue]) -> (any OutputKind)? {
        var reader = ConfigReader(node, path: path, issues: &issues)
        let names = components.outputs.map { $0.name }
        let keys = reader.keys
        guard keys.count == 1, let name = keys.first else {
            // (A value that is not a mapping at all was already reported as such.)
            if case .object = node.value { reader.issue(nil, "an output has exactly one of \(names.joined(separator: ", "))") }
            reader.abandon(into: &issues)
            return nil
        }
        let body = reader.node(name)!
        guard let kind = components.output(named: name) else {
            reader.issue(name, "unknown output; use \(names.dropLast().joined(separator: ", ")) or \(names.last ?? "")")
            reader.finish(into: &issues)
            return nil
        }
        reader.finish(into: &issues)
        return kind.configured(from: body, path: reader.childPath(name), issues: &issues)
    }

    /// An entry of `inputs:`; HTTP ingest is every pipeline's already, configured under `ingest:`.
    private static func input(_ node: ConfigNode, path: String, components: ComponentRegistry, issues: inout [ConfigIssue]) -> (any InputKind)? {
        var reader = ConfigReader(node, path: path, issues: &issues)
        let names = components.inputs.map { $0.name }
        let keys = reader.keys
        guard keys.count == 1, let name = keys.first else {
            if case .object = node.value {
                reader.issue(nil, names.isEmpty
                    ? "an input has exactly one kind, and this streamd has no inputs besides HTTP ingest"
                    : "an input has exactly one of \(names.joined(separator: ", "))")
            }
            reader.abandon(into: &issues)
            return nil
        }
        let body = reader.node(name)!
        guard let kind = components.input(named: name) else {
            reader.issue(name, name == HTTPIngest.name
                ? "HTTP ingest is built into every pipeline; configure it under ingest:"
                : names.isEmpty ? "unknown input; this streamd has no inputs besides HTTP ingest" : "unknown input; use \(names.joined(separator: ", "))")
            reader.finish(into: &issues)
            return nil
        }
        reader.finish(into: &issues)
        return kind.configured(from: body, path: reader.childPath(name), issues: &issues)
    }
}

extension ConfigNode {
    /// Back to JSON, to echo and persist a definition as it was given.
    package var json: JSONValue {
        switch value {
        case .null: .null
        case .bool(let bool): .bool(bool)
        case .number(let number): .number(number)
        case .string(let string): .string(string)
        case .array(let items): .array(items.map(\.json))
        case .object(let members): .object(JSONObject(members.map { ($0.key, $0.value.json) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
