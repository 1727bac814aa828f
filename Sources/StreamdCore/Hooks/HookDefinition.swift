/// A named alert hook from the top-level `hooks:` section: where an alert stage delivers its
/// `firing`/`resolved` notifications, through its kind (`webhook`, `exec`, `log`, or one
/// registered from Swift).
package struct HookDefinition: Sendable, Equatable {
    package var name: String
    package var kind: any HookKind

    /// `timeout` and `retries` override the kind's defaults.
    package init(name: String, kind: some HookKind, timeout: Duration? = nil, retries: Int? = nil) {
        var kind = kind
        if let timeout { kind.timeout = timeout }
        if let retries { kind.retries = retries }
        self.name = name
        self.kind = kind
    }

    package init(name: String, configured kind: any HookKind) {
        self.name = name
        self.kind = kind
    }

    /// Per attempt.
    package var timeout: Duration { kind.timeout }
    /// Attempts after the first that failed.
    package var retries: Int { kind.retries }

    /// The transport that delivers this hook's notifications (one per hook, reused for every
    /// delivery: it holds the webhook's connections and the exec hook's concurrency limit).
    package func makeTransport() -> any HookTransport { kind.makeTransport() }

    /// Reload replaces the hooks only when one of them changed.
    package static func == (left: Self, right: Self) -> Bool {
        left.name == right.name && left.kind.isEqual(to: right.kind)
    }
}
