import Foundation
import Testing

/// Bearer tokens on the real binary: every endpoint with no token, a wrong one, one of the wrong
/// scope and the right one (SPEC §3.5).
@Suite(.serialized) struct AuthEndToEndTests {
    static let ingestToken = "ingest-token-0123456789abcdef"
    static let adminToken = "admin-token-0123456789abcdef"
    static let metricsToken = "metrics-token-0123456789abcdef"
    static let environment = [
        "E2E_INGEST_TOKEN": ingestToken, "E2E_ADMIN_TOKEN": adminToken, "E2E_METRICS_TOKEN": metricsToken,
    ]

    static func config(publicMetrics: Bool = false) -> String {
        """
        server:
          listen: "LISTEN"
          auth:
            tokens:
              - { token_env: E2E_INGEST_TOKEN, scopes: [ingest] }
              - { token_env: E2E_ADMIN_TOKEN, scopes: [admin] }
              - { token_env: E2E_METRICS_TOKEN, scopes: [metrics] }
            public_metrics: \(publicMetrics)
        state_dir: "STATE_DIR"
        pipelines:
          web:
            stages:
              - filter: 'exists(.id)'
        """
    }

    enum Need { case open, ingest, admin, metrics }

    /// Every endpoint, with a body where it needs one, and what it needs.
    static let endpoints: [(method: String, path: String, body: String, need: Need)] = [
        ("GET", "/healthz", "", .open),
        ("GET", "/readyz", "", .open),
        ("POST", "/v1/pipelines/web/events", #"{"id": 1}"#, .ingest),
        ("GET", "/v1/metrics", "", .metrics),
        ("GET", "/metrics", "", .metrics),
        ("GET", "/v1/pipelines", "", .admin),
        ("GET", "/v1/pipelines/web", "", .admin),
        ("GET", "/v1/pipelines/web/output", "", .admin),
        ("GET", "/v1/pipelines/web/errors", "", .admin),
        ("GET", "/v1/pipelines/web/windows", "", .admin),
        ("GET", "/v1/alerts", "", .admin),
        ("PUT", "/v1/pipelines/extra?dry_run=true", #"{"stages": []}"#, .admin),
        ("POST", "/v1/pipelines/web/restart", "", .admin),
        ("POST", "/v1/reload", "", .admin),
        ("DELETE", "/v1/pipelines/nothing-here", "", .admin),
    ]

    static func call(_ client: HTTPTestClient, _ endpoint: (method: String, path: String, body: String, need: Need), token: String?) throws -> HTTPTestClient.Response {
        var headers: [String: String] = ["Content-Type": "application/json"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        return try client.request(endpoint.method, endpoint.path, headers: headers, body: Data(endpoint.body.utf8))
    }

    @Test func everyEndpointChecksItsScope() throws {
        let daemon = try StreamdProcess(config: Self.config(), environment: Self.environment)
        let client = daemon.client
        for endpoint in Self.endpoints {
            let name = "\(endpoint.method) \(endpoint.path)"
            let right: String? = switch endpoint.need {
            case .open: nil
            case .ingest: Self.ingestToken
            case .admin: Self.adminToken
            case .metrics: Self.metricsToken
            }
            let wrongScope = endpoint.need == .ingest ? Self.metricsToken : Self.ingestToken
            let none = try Self.call(client, endpoint, token: nil)
            let wrong = try Self.call(client, endpoint, token: "not-the-token-0123456789abcdef")
            let scoped = try Self.call(client, endpoint, token: wrongScope)
            let allowed = try Self.call(client, endpoint, token: right)
            if endpoint.need == .open {
                #expect([none, wrong, scoped].allSatisfy { $0.status == 200 }, "\(name) must never need a token")
                continue
            }
            #expect(none.status == 401 && none.header("WWW-Authenticate") == #"Bearer realm="streamd""#, "\(name) without a token: \(none.status)")
            #expect((none.json["error"] as? [String: Any])?["code"] as? String == "unauthorized")
            #expect(wrong.status == 401, "\(name) with a wrong token: \(wrong.status)")
            #expect(scoped.status == 403, "\(name) with a token of the wrong scope: \(scoped.status)")
            #expect((scoped.json["error"] as? [String: Any])?["code"] as? String == "forbidden")
            #expect(![401, 403].contains(allowed.status), "\(name) with the right token: \(allowed.status) \(allowed.text)")
        }
        // The admin token also reads metrics; lowercase "bearer" works too.
        #expect(try client.request("GET", "/metrics", headers: ["Authorization": "bearer \(Self.adminToken)"]).status == 200)
        #expect(daemon.terminate() == 0)
        for token in [Self.ingestToken, Self.adminToken, Self.metricsToken] { #expect(!daemon.logText.contains(token)) }
    }

    @Test func publicMetricsAndNonLoopbackListening() throws {
        let daemon = try StreamdProcess(config: Self.config(publicMetrics: true), environment: Self.environment)
        #expect(try daemon.client.get("/metrics").status == 200)
        #expect(try daemon.client.get("/v1/metrics").status == 200)
        #expect(try daemon.client.get("/v1/pipelines").status == 401)
        #expect(daemon.terminate() == 0)

        // With tokens, a non-loopback address is accepted (streamd check validates the file).
        let check = Process()
        check.executableURL = StreamdProcess.binary
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("auth-\(UUID().uuidString).yaml")
        try Self.config().replacingOccurrences(of: "LISTEN", with: "0.0.0.0:8080").replacingOccurrences(of: "STATE_DIR", with: "/tmp/x")
            .write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        check.arguments = ["check", "--config", file.path]
        check.environment = ProcessInfo.processInfo.environment.merging(Self.environment) { _, new in new }
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        try check.run()
        check.waitUntilExit()
        #expect(check.terminationStatus == 0)
    }
}
