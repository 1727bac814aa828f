import OrderedCollections

extension ConfigLoader {
    /// Validates one pipeline definition (from YAML, or the JSON body of a `PUT`).
    package static func pipeline(
        named name: String,
        from node: ConfigNode,
        path: String,
        kinds: StageKindRegistry = StageKindRegistry(),
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
        if let ingest = reader.node("ingest") {
            var ingestReader = ConfigReader(ingest, path: reader.childPath("ingest"), issues: &issues)
            if let wait = ingestReader.duration("max_wait") { definition.ingestMaxWait = wait }
            ingestReader.finish(into: &issues, known: ["max_wait"])
        }
        if let stages = reader.node("stages") {
            definition.stages = list(stages, path: reader.childPath("stages"), issues: &issues) { node, path, index, issues in
                stage(node, path: path, index: index, kinds: kinds, hooks: hooks, issues: &issues)
            }
            duplicateStageNames(stages, path: reader.childPath("stages"), issues: &issues)
        }
        if let outputs = reader.node("outputs") {
            definition.outputs = list(outputs, path: reader.childPath("outputs"), issues: &issues) { node, path, _, issues in
                output(node, path: path, issues: &issues)
            }
        }
        if definition.outputs.isEmpty { definition.outputs = [.memory(capacity: 1000)] }
        reader.finish(into: &issues, known: ["autostart", "buffer", "ingest", "stages", "outputs"])
        return issues.count == before ? definition : nil
    }

    /// Stage names are metric labels and must be unique; checked on the raw list so a stage that
    /// failed validation does not shift the reported index.
    private static func duplicateStageNames(_ stages: ConfigNode, path: String, issues: inout [ConfigIssue]) {
        guard case .array(let items) = stages.value else { return }
        var seen = Set<String>()
        for (index, item) in items.enumerated() {
            guard case .object(let members) = item.value else { continue }
            // The name as the stage will have it: explicit, or the default KIND-N.
            let explicit = members.first { $0.key == "name" }
            let name: String
            if let explicit, case .string(let text) = explicit.value.value {
                name = text
            } else if let kind = members.first(where: { stageKinds.contains($0.key) }) {
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

    package static let stageKinds = ["filter", "set", "remove", "rename", "parse_timestamp", "lookup", "sample", "dedupe", "window", "alert"]

    private static func stage(
        _ node: ConfigNode, path: String, index: Int, kinds registry: StageKindRegistry, hooks: Set<String>,
        issues: inout [ConfigIssue]
    ) -> StageDefinition? {
        var reader = ConfigReader(node, path: path, issues: &issues)
        let available = stageKinds + registry.names
        let kinds = reader.keys.filter { available.contains($0) }
        guard kinds.count == 1, let kindName = kinds.first else {
            reader.issue(nil, kinds.isEmpty
                ? "a stage needs exactly one of \(available.joined(separator: ", "))"
                : "a stage has exactly one kind, found \(kinds.joined(separator: " and "))")
            // Read the keys that are right so that only the wrong ones are reported as unknown.
            for key in ["name", "workers", "buffer", "ordered"] + kinds { _ = reader.node(key) }
            reader.finish(into: &issues, known: ["name", "workers", "buffer", "ordered"] + available)
            return nil
        }
        let name = reader.string("name") ?? "\(kindName)-\(index + 1)"
        if !isValidName(name) { reader.issue("name", "a stage name uses lowercase letters, digits, '-' and '_', got \"\(name)\"") }
        let workers = reader.integer("workers", in: 1...256) ?? 1
        if workers > 1, kindName == "window" || kindName == "alert" {
            reader.issue("workers", "a \(kindName) stage keeps state in order and runs on one worker")
        }
        let buffer = reader.integer("buffer", in: 1...10_000_000) ?? 256
        let ordered = reader.bool("ordered") ?? false
        let kindNode = reader.node(kindName)!
        let kindPath = reader.childPath(kindName)
        let kind: StageKind?
        if let factory = registry.factories[kindName] {
            do {
                kind = .custom(kind: kindName, process: try factory(kindNode.json))
            } catch {
                issues.append(ConfigIssue(path: kindPath, line: kindNode.line, message: "\(error)"))
                kind = nil
            }
        } else if kindName == "window" {
            kind = window(kindNode, path: kindPath, issues: &issues).map(StageKind.window)
        } else if kindName == "alert" {
            kind = alert(kindNode, path: kindPath, hooks: hooks, issues: &issues).map(StageKind.alert)
        } else {
            kind = stageKind(kindName, kindNode, path: kindPath, issues: &issues)
        }
        reader.finish(into: &issues, known: ["name", "workers", "buffer", "ordered"] + available)
        return kind.map { StageDefinition(name: name, workers: workers, buffer: buffer, ordered: ordered, kind: $0) }
    }

    private static func stageKind(_ kind: String, _ node: ConfigNode, path: String, issues: inout [ConfigIssue]) -> StageKind? {
        func fail(_ message: String) -> StageKind? {
            issues.append(ConfigIssue(path: path, line: node.line, message: message))
            return nil
        }
        func expression(_ node: ConfigNode, path: String) -> Expression? {
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
        func fieldPath(_ text: String, path: String, line: Int?) -> FieldPath? {
            do {
                return try FieldPath(text)
            } catch {
                issues.append(ConfigIssue(path: path, line: line, message: "\(error) in field path '\(text)'"))
                return nil
            }
        }
        switch kind {
        case "filter":
            return expression(node, path: path).map(StageKind.filter)
        case "set":
            guard case .object(let members) = node.value, !members.isEmpty else { return fail("expected a mapping of field: expression") }
            let pairs = members.compactMap { member -> (FieldPath, Expression)? in
                let memberPath = "\(path).\(member.key)"
                let target = fieldPath(member.key.hasPrefix(".") ? member.key : "." + member.key, path: memberPath, line: member.value.line)
                let value = expression(member.value, path: memberPath)
                guard let target, let value else { return nil }
                return (target, value)
            }
            return pairs.count == members.count ? StageKind.set(pairs) : nil
        case "remove":
            guard case .array(let items) = node.value, !items.isEmpty else { return fail("expected a list of field paths") }
            let paths = items.enumerated().compactMap { index, item -> FieldPath? in
                guard case .string(let text) = item.value else {
                    issues.append(ConfigIssue(path: "\(path)[\(index)]", line: item.line, message: "expected a field path string, got \(item.typeName)"))
                    return nil
                }
                return fieldPath(text, path: "\(path)[\(index)]", line: item.line)
            }
            return paths.count == items.count ? StageKind.remove(paths) : nil
        case "rename":
            guard case .object(let members) = node.value, !members.isEmpty else { return fail("expected a mapping of from: to field paths") }
            let pairs = members.compactMap { member -> (from: FieldPath, to: FieldPath)? in
                let memberPath = "\(path).\(member.key)"
                guard case .string(let to) = member.value.value else {
                    issues.append(ConfigIssue(path: memberPath, line: member.value.line, message: "expected the new field path, got \(member.value.typeName)"))
                    return nil
                }
                let fromPath = fieldPath(member.key.hasPrefix(".") ? member.key : "." + member.key, path: memberPath, line: member.value.line)
                let toPath = fieldPath(to.hasPrefix(".") ? to : "." + to, path: memberPath, line: member.value.line)
                guard let fromPath, let toPath else { return nil }
                return (fromPath, toPath)
            }
            return pairs.count == members.count ? StageKind.rename(pairs) : nil
        case "parse_timestamp":
            guard case .string(let text) = node.value else { return fail("expected the field path of the timestamp") }
            return fieldPath(text, path: path, line: node.line).map(StageKind.parseTimestamp)
        case "lookup":
            var reader = ConfigReader(node, path: path, issues: &issues)
            let key = reader.node("key").flatMap { expression($0, path: "\(path).key") }
            let target = reader.string("target").flatMap { fieldPath($0.hasPrefix(".") ? $0 : "." + $0, path: "\(path).target", line: node.line) }
            var table: [String: JSONValue] = [:]
            if let tableNode = reader.node("table") {
                if case .object(let members) = tableNode.value {
                    for member in members { table[member.key] = member.value.json }
                } else {
                    reader.issue("table", "expected a mapping of key: value")
                }
            }
            let fallback = reader.node("default")?.json
            if reader.node("key") == nil { reader.issue(nil, "lookup needs a key expression") }
            if reader.node("target") == nil { reader.issue(nil, "lookup needs a target field") }
            reader.finish(into: &issues, known: ["key", "target", "table", "default"])
            guard let key, let target else { return nil }
            return StageKind.lookup(key: key, target: target, table: table, fallback: fallback)
        case "sample":
            guard case .number(let rate) = node.value, rate > 0, rate <= 1 else {
                return fail("expected the fraction of events to keep, above 0 and at most 1")
            }
            return .sample(rate: rate)
        case "dedupe":
            var reader = ConfigReader(node, path: path, issues: &issues)
            var keys: [Expression] = []
            if let keyNode = reader.node("key") {
                let nodes: [ConfigNode] = if case .array(let items) = keyNode.value { items } else { [keyNode] }
                keys = nodes.enumerated().compactMap { index, item in expression(item, path: "\(path).key[\(index)]") }
                if keys.count != nodes.count || keys.isEmpty { keys = [] }
            } else {
                reader.issue(nil, "dedupe needs a key: an expression or a list of them")
            }
            let window = reader.duration("within") ?? .seconds(60)
            let maxKeys = reader.integer("max_keys", in: 1...10_000_000) ?? 100_000
            reader.finish(into: &issues, known: ["key", "within", "max_keys"])
            return keys.isEmpty ? nil : StageKind.dedupe(key: keys, window: window, maxKeys: maxKeys)
        default:
            return fail("the \(kind) stage kind is not available in this version of streamd")
        }
    }

    private static func output(_ node: ConfigNode, path: String, issues: inout [ConfigIssue]) -> OutputDefinition? {
        var reader = ConfigReader(node, path: path, issues: &issues)
        let kinds = reader.keys
        guard kinds.count == 1, let kind = kinds.first else {
            // (A value that is not a mapping at all was already reported as such.)
            if case .object = node.value { reader.issue(nil, "an output has exactly one of memory, file, stdout, http") }
            reader.abandon(into: &issues)
            return nil
        }
        let body = reader.node(kind)!
        var output: OutputDefinition?
        switch kind {
        case "memory":
            var memory = ConfigReader(body, path: reader.childPath(kind), issues: &issues)
            output = .memory(capacity: memory.integer("capacity", in: 1...1_000_000) ?? 1000)
            memory.finish(into: &issues, known: ["capacity"])
        case "file":
            var file = ConfigReader(body, path: reader.childPath(kind), issues: &issues)
            if let filePath = file.string("path") { output = .file(path: filePath) } else {
                file.issue(nil, "a file output needs a path")
            }
            file.finish(into: &issues, known: ["path"])
        case "stdout":
            output = .stdout
        case "http":
            var http = ConfigReader(body, path: reader.childPath(kind), issues: &issues)
            let url = http.httpURL("url", owner: "an http output")
            let timeout = http.timeout("timeout") ?? .seconds(5)
            let retries = http.integer("retries", in: 0...20) ?? 3
            let headers = http.node("headers").map { httpHeaders($0, path: http.childPath("headers"), issues: &issues) } ?? [:]
            if let url { output = .http(url: url, timeout: timeout, retries: retries, headers: headers) }
            http.finish(into: &issues, known: ["url", "timeout", "retries", "headers"])
        default:
            reader.issue(kind, "unknown output; use memory, file, stdout or http")
        }
        reader.finish(into: &issues)
        return output
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
