import Foundation

extension ConfigLoader {
    /// `server.auth`: bearer tokens from files or environment variables, with scopes.
    package static func authConfig(_ node: ConfigNode, environment: [String: String], issues: inout [ConfigIssue]) -> AuthConfig? {
        let before = issues.count
        var reader = ConfigReader(node, path: "server.auth", issues: &issues)
        var tokens: [TokenEntry] = []
        if let list = reader.node("tokens") {
            if case .array(let items) = list.value, !items.isEmpty {
                for (index, item) in items.enumerated() {
                    if let entry = token(item, path: "server.auth.tokens[\(index)]", environment: environment, issues: &issues) {
                        tokens.append(entry)
                    }
                }
            } else {
                reader.issue("tokens", "expected a list of tokens, like - { token_file: /etc/streamd/ingest.token, scopes: [ingest] }")
            }
        } else {
            reader.issue(nil, "auth needs tokens: a list of { token_file: PATH | token_env: NAME, scopes: [ingest, admin, metrics] }")
        }
        let publicMetrics = reader.bool("public_metrics") ?? false
        reader.finish(into: &issues, known: ["tokens", "public_metrics"])
        return issues.count == before ? AuthConfig(tokens: tokens, publicMetrics: publicMetrics) : nil
    }

    /// Shortest token accepted: a guessable token is no protection.
    package static let minimumTokenLength = 16

    private static func token(_ node: ConfigNode, path: String, environment: [String: String], issues: inout [ConfigIssue]) -> TokenEntry? {
        var reader = ConfigReader(node, path: path, issues: &issues)
        let file = reader.string("token_file")
        let variable = reader.string("token_env")
        var scopes = Set<Scope>()
        if let list = reader.node("scopes"), case .array(let items) = list.value, !items.isEmpty {
            for item in items {
                if case .string(let name) = item.value, let scope = Scope(rawValue: name) {
                    scopes.insert(scope)
                } else {
                    reader.issue("scopes", "scopes are ingest, admin and metrics, got \(item.json)")
                }
            }
        } else {
            reader.issue("scopes", "a token needs scopes: a list of ingest, admin, metrics")
        }
        var secret: String?
        var source = ""
        switch (file, variable) {
        case (let file?, nil):
            source = "token_file \(file)"
            if !FileManager.default.fileExists(atPath: file) {
                reader.issue("token_file", "cannot read \(file): no such file")
            } else if let data = FileManager.default.contents(atPath: file) {
                secret = String(decoding: data, as: UTF8.self)
            } else {
                reader.issue("token_file", "cannot read \(file): permission denied (or not a file)")
            }
        case (nil, let variable?):
            source = "token_env \(variable)"
            secret = environment[variable]
            if secret == nil { reader.issue("token_env", "the environment variable \(variable) is not set") }
        case (nil, nil):
            reader.issue(nil, "a token comes from token_file: PATH or token_env: NAME (never written in the configuration)")
        case (_?, _?):
            reader.issue(nil, "a token has one of token_file and token_env, not both")
        }
        reader.finish(into: &issues, known: ["token_file", "token_env", "scopes"])
        guard let text = secret?.trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
        guard text.count >= minimumTokenLength else {
            issues.append(ConfigIssue(path: path, line: node.line, message: "the token from \(source) is shorter than \(minimumTokenLength) characters"))
            return nil
        }
        guard !scopes.isEmpty else { return nil }
        return TokenEntry(digest: TokenDigest.of(text.utf8), scopes: scopes, source: source)
    }
}
