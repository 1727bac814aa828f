import Foundation

extension ConfigLoader {
    package static let hookKinds = ["webhook", "exec", "log"]

    /// Validates the top-level `hooks:` mapping: name → exactly one of `webhook`, `exec`, `log`.
    package static func hooks(_ node: ConfigNode, issues: inout [ConfigIssue]) -> [HookDefinition] {
        var reader = ConfigReader(node, path: "hooks", issues: &issues)
        var hooks: [HookDefinition] = []
        for name in reader.keys {
            guard let hookNode = reader.node(name) else { continue }
            if !isValidName(name) {
                reader.issue(name, "a hook name uses lowercase letters, digits, '-' and '_' (at most 64), got \"\(name)\"")
            }
            if let hook = hook(named: name, from: hookNode, path: reader.childPath(name), issues: &issues) {
                hooks.append(hook)
            }
        }
        reader.finish(into: &issues)
        return hooks
    }

    private static func hook(named name: String, from node: ConfigNode, path: String, issues: inout [ConfigIssue]) -> HookDefinition? {
        var reader = ConfigReader(node, path: path, issues: &issues)
        let kinds = reader.keys.filter(hookKinds.contains)
        guard kinds.count == 1, let kindName = kinds.first else {
            if case .object = node.value {
                reader.issue(nil, kinds.isEmpty
                    ? "a hook needs exactly one of \(hookKinds.joined(separator: ", "))"
                    : "a hook has exactly one kind, found \(kinds.joined(separator: " and "))")
            }
            for kind in kinds { _ = reader.node(kind) }
            reader.finish(into: &issues, known: hookKinds)
            return nil
        }
        let body = reader.node(kindName)!
        reader.finish(into: &issues, known: hookKinds)
        var kindReader = ConfigReader(body, path: "\(path).\(kindName)", issues: &issues)
        guard case .object = body.value else {
            kindReader.abandon(into: &issues)
            return nil
        }
        let before = issues.count + kindReader.issues.count
        let hook: HookDefinition?
        switch kindName {
        case "webhook": hook = webhook(named: name, &kindReader, issues: &issues)
        case "exec": hook = exec(named: name, &kindReader, issues: &issues)
        default: hook = log(named: name, &kindReader)
        }
        let valid = issues.count + kindReader.issues.count == before
        kindReader.finish(into: &issues, known: knownKeys(of: kindName))
        return valid ? hook : nil
    }

    private static func knownKeys(of kind: String) -> [String] {
        switch kind {
        case "webhook": ["url", "timeout", "retries", "secret", "secret_env", "headers"]
        case "exec": ["argv", "timeout", "retries", "concurrency"]
        default: ["level"]
        }
    }

    private static func webhook(named name: String, _ reader: inout ConfigReader, issues: inout [ConfigIssue]) -> HookDefinition? {
        let url = reader.httpURL("url", owner: "a webhook hook")
        let timeout = reader.timeout("timeout")
        let retries = reader.integer("retries", in: 0...20)
        let secret = webhookSecret(&reader)
        var headers: [String: String] = [:]
        if let node = reader.node("headers") {
            headers = httpHeaders(node, path: reader.childPath("headers"), issues: &issues)
        }
        guard let url else { return nil }
        return HookDefinition(name: name, kind: .webhook(url: url, secret: secret, headers: headers), timeout: timeout, retries: retries)
    }

    /// `secret` in the file, or `secret_env`: the name of an environment variable read now, so a
    /// missing secret stops the daemon at start-up rather than sending unsigned notifications.
    private static func webhookSecret(_ reader: inout ConfigReader) -> String? {
        let literal = reader.string("secret")
        let variable = reader.string("secret_env")
        if literal != nil, variable != nil {
            reader.issue("secret_env", "use either secret or secret_env, not both")
            return nil
        }
        if let literal {
            if literal.isEmpty { reader.issue("secret", "a secret must not be empty") }
            return literal
        }
        guard let variable else { return nil }
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
            reader.issue("secret_env", "the environment variable \(variable) is not set or empty")
            return nil
        }
        return value
    }

    private static func exec(named name: String, _ reader: inout ConfigReader, issues: inout [ConfigIssue]) -> HookDefinition? {
        let argv = execArgv(&reader, issues: &issues)
        let timeout = reader.timeout("timeout")
        let retries = reader.integer("retries", in: 0...20)
        let concurrency = reader.integer("concurrency", in: 1...64) ?? 1
        guard let argv else { return nil }
        return HookDefinition(name: name, kind: .exec(argv: argv, concurrency: concurrency), timeout: timeout, retries: retries)
    }

    /// The program (an absolute path: no shell and no `PATH` lookup) and its arguments.
    private static func execArgv(_ reader: inout ConfigReader, issues: inout [ConfigIssue]) -> [String]? {
        let expected = "expected a non-empty list of strings: the program (an absolute path) and its arguments"
        guard let node = reader.node("argv") else {
            reader.issue(nil, "an exec hook needs argv: the program (an absolute path) and its arguments")
            return nil
        }
        guard case .array(let items) = node.value, !items.isEmpty else {
            reader.issue("argv", "\(expected), got \(node.typeName == "list" ? "an empty list" : node.typeName)")
            return nil
        }
        var argv: [String] = []
        for (index, item) in items.enumerated() {
            let path = "\(reader.childPath("argv"))[\(index)]"
            guard case .string(let argument) = item.value else {
                issues.append(ConfigIssue(path: path, line: item.line ?? node.line, message: "expected a string, got \(item.typeName)"))
                continue
            }
            if index == 0, !argument.hasPrefix("/") {
                issues.append(ConfigIssue(path: path, line: item.line ?? node.line, message: "expected an absolute path to the program, got \"\(argument)\""))
            }
            argv.append(argument)
        }
        return argv.count == items.count ? argv : nil
    }

    private static func log(named name: String, _ reader: inout ConfigReader) -> HookDefinition? {
        let level = reader.string("level") ?? "warning"
        guard HookDefinition.logLevels.contains(level) else {
            reader.issue("level", "expected one of \(HookDefinition.logLevels.joined(separator: ", ")), got \"\(level)\"")
            return nil
        }
        return HookDefinition(name: name, kind: .log(level: level))
    }
}
