/// What a token may do (SPEC §3.5): `ingest` posts events, `admin` controls pipelines, reloads
/// and reads them, `metrics` reads `/metrics` and `/v1/metrics` (as `admin` also may).
package enum Scope: String, Sendable, CaseIterable {
    case ingest, admin, metrics
}

/// One configured bearer token: kept only as its SHA-256, so the token itself is never in
/// memory longer than loading takes, and never in a log or an error message.
package struct TokenEntry: Sendable, Equatable {
    package var digest: [UInt8]
    package var scopes: Set<Scope>
    /// Where it came from (`token_file /etc/…`, `token_env NAME`), for messages.
    package var source: String
}

package struct AuthConfig: Sendable, Equatable {
    package var tokens: [TokenEntry]
    /// Whether the metric endpoints are readable without a token.
    package var publicMetrics = false
}
