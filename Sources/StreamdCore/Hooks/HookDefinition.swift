/// A named alert hook from the top-level `hooks:` section (SPEC §3.2.1): where an alert stage
/// delivers its `firing`/`resolved` notifications.
package struct HookDefinition: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        /// POST the notification as JSON; signed with HMAC-SHA256 when `secret` is set.
        case webhook(url: String, secret: String?, headers: [String: String])
        /// Run a program (never a shell) with the notification on stdin and in `STREAMD_ALERT_*`.
        case exec(argv: [String], concurrency: Int)
        /// One structured log line at `level` (trace…critical).
        case log(level: String)
    }

    package var name: String
    package var kind: Kind
    /// Per attempt: 5 s for a webhook, 10 s for exec; a log line has none.
    package var timeout: Duration
    /// Retries after the first attempt: 3 for a webhook, 0 otherwise.
    package var retries: Int

    package init(name: String, kind: Kind, timeout: Duration? = nil, retries: Int? = nil) {
        self.name = name
        self.kind = kind
        self.timeout = timeout ?? Self.defaultTimeout(for: kind)
        self.retries = retries ?? Self.defaultRetries(for: kind)
    }

    package static func defaultTimeout(for kind: Kind) -> Duration {
        switch kind {
        case .webhook: .seconds(5)
        case .exec: .seconds(10)
        case .log: .seconds(1)
        }
    }

    package static func defaultRetries(for kind: Kind) -> Int {
        if case .webhook = kind { 3 } else { 0 }
    }

    /// The log levels a `log` hook accepts, lowest first.
    package static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
}
