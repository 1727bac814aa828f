/// One delivery attempt of an alert notification; throws when it failed (the caller retries).
///
/// Must return promptly when the calling task is cancelled: the caller enforces timeouts by
/// cancelling too, and a hook must never hold back the pipeline that raised the alert.
package protocol HookTransport: Sendable {
    /// `webhook:<url>`, `exec:<argv0>` or `log`, for logs and metrics.
    var label: String { get }
    func deliver(_ notification: JSONValue) async throws
}

extension HookDefinition {
    /// The transport that delivers this hook's notifications (one per hook, reused for every
    /// delivery: it holds the webhook's connections and the exec hook's concurrency limit).
    package func makeTransport() -> any HookTransport {
        switch kind {
        case .webhook(let url, let secret, let headers):
            WebhookTransport(url: url, secret: secret, headers: headers, timeout: timeout)
        case .exec(let argv, let concurrency):
            ExecTransport(argv: argv, concurrency: concurrency, timeout: timeout)
        case .log(let level):
            LogTransport(level: level)
        }
    }
}
