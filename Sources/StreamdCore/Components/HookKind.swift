/// A kind of alert hook: where alert stages deliver their `firing`/`resolved` notifications
/// (`webhook`, `exec`, `log`, or one registered from Swift). Hooks are named in the top-level
/// `hooks:` section; a value of the type is a configured hook. Equatable so that a reload that
/// leaves the hooks as they were keeps their queues and running alerts.
public protocol HookKind: Component, Equatable {
    /// How long one delivery attempt may take.
    var timeout: Duration { get set }
    /// Attempts after the first that failed.
    var retries: Int { get set }
    /// Deliveries in flight at once.
    var concurrency: Int { get }

    /// The transport for all of this hook's deliveries (it may hold connections or a limit).
    func makeTransport() -> any HookTransport
}

extension HookKind {
    public var concurrency: Int { 1 }

    /// Whether `other` is this hook, configured the same way.
    func isEqual(to other: any HookKind) -> Bool { (other as? Self) == self }
}

/// One delivery attempt of an alert notification; throws when it failed (the caller retries).
///
/// Must return promptly when the calling task is cancelled: the caller enforces timeouts by
/// cancelling too, and a hook must never hold back the pipeline that raised the alert.
public protocol HookTransport: Sendable {
    /// `webhook:<url>`, `exec:<argv0>` or `log`, for logs and metrics.
    var label: String { get }
    func deliver(_ notification: JSONValue) async throws
}
