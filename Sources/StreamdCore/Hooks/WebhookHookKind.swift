import Foundation

/// `webhook: { url: …, secret_env: STREAMD_WEBHOOK_SECRET, headers: {…} }`: POSTs the
/// notification as JSON, signed with HMAC-SHA256 when a secret is set.
package struct WebhookHookKind: HookKind {
    package static let name = "webhook"
    package static let summary = "POSTs the notification as JSON, signed with HMAC-SHA256 (X-Streamd-Signature) when a secret is set"
    static let url = ComponentOption("url", .url, required: true, "http:// or https://")
    static let timeout = ComponentOption("timeout", .duration, default: "5s", "per attempt")
    static let retries = ComponentOption("retries", .integer, default: 3, "attempts after the first (0 to 20)")
    static let secret = ComponentOption("secret", .string, "signs each body (or secret_env)")
    static let secretEnv = ComponentOption("secret_env", .string, "the environment variable holding the secret, read at start-up")
    static let headers = ComponentOption("headers", .mapping, default: [:], "extra request headers")
    package static let options = [url, timeout, retries, secret, secretEnv, headers]

    package var url: String
    /// The secret itself (read from `secret_env` at start-up).
    package var secret: String?
    package var headers: [String: String]
    package var timeout: Duration
    package var retries: Int

    package init(url: String, secret: String? = nil, headers: [String: String] = [:], timeout: Duration = .seconds(5), retries: Int = 3) {
        self.url = url
        self.secret = secret
        self.headers = headers
        self.timeout = timeout
        self.retries = retries
    }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        let url = options.read { $0.httpURL(Self.url.name, owner: "a webhook hook") }
        let timeout = options.read { $0.timeout(Self.timeout.name) } ?? .seconds(5)
        let retries = options.integer(retries, in: 0...20)
        let secret = options.read(webhookSecret)
        let path = options.path
        let headers = options.read { $0.node(Self.headers.name) }.map { ConfigLoader.httpHeaders($0, path: "\(path).headers", issues: &options.issues) } ?? [:]
        guard let url, let retries else { return nil }
        return Self(url: url, secret: secret, headers: headers, timeout: timeout, retries: retries)
    }

    /// `secret` in the file, or `secret_env`: the name of an environment variable read now, so a
    /// missing secret stops the daemon at start-up rather than sending unsigned notifications.
    private static func webhookSecret(_ reader: inout ConfigReader) -> String? {
        let literal = reader.string(secret.name)
        let variable = reader.string(secretEnv.name)
        if literal != nil, variable != nil {
            reader.issue(secretEnv.name, "use either secret or secret_env, not both")
            return nil
        }
        if let literal {
            if literal.isEmpty { reader.issue(secret.name, "a secret must not be empty") }
            return literal
        }
        guard let variable else { return nil }
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
            reader.issue(secretEnv.name, "the environment variable \(variable) is not set or empty")
            return nil
        }
        return value
    }

    package func makeTransport() -> any HookTransport {
        WebhookTransport(url: url, secret: secret, headers: headers, timeout: timeout)
    }
}

extension HookKind where Self == WebhookHookKind {
    package static func webhook(url: String, secret: String? = nil, headers: [String: String] = [:]) -> Self {
        WebhookHookKind(url: url, secret: secret, headers: headers)
    }
}
