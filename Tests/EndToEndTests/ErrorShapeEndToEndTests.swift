import Foundation
import Testing

/// Every error status streamd answers, on the real binary: each one in the API's JSON error shape
/// `{"error": {"code", "message"}}` with `Content-Type: application/json`, whether the API
/// answered or the HTTP bridge did before any handler ran. The few answers libmicrohttpd gives
/// itself, with an HTML page it offers no way to replace, are pinned by the second test exactly
/// as the README lists them, so that a change in them (a fix, or a new libmicrohttpd) is seen.
@Suite(.serialized) struct ErrorShapeEndToEndTests {
    static let maxHeaderBytes = 16384
    static let maxBodyBytes = 4096
    static let ingestToken = "ingest-token-0123456789abcdef"
    static let adminToken = "admin-token-0123456789abcdef"

    static func config(fifo: String) -> String {
        """
        server:
          listen: "LISTEN"
          max_header_bytes: \(maxHeaderBytes)
          max_body_bytes: \(maxBodyBytes)
          auth:
            tokens:
              - { token_env: E2E_INGEST_TOKEN, scopes: [ingest] }
              - { token_env: E2E_ADMIN_TOKEN, scopes: [admin] }
        state_dir: "STATE_DIR"
        shutdown_timeout: "15s"
        pipelines:
          sink:
            buffer: 4
            stages:
              - filter: 'exists(.n)'
          parked:
            autostart: false
            stages:
              - filter: 'exists(.n)'
          blocked:
            buffer: 2
            ingest: { max_wait: "50ms" }
            stages:
              - { filter: 'exists(.n)', buffer: 1 }
            outputs:
              - file: { path: "\(fifo)" }
        """
    }

    static func daemon(_ fifo: UnreadFIFO) throws -> StreamdProcess {
        try StreamdProcess(
            config: config(fifo: fifo.path), directory: fifo.directory,
            environment: ["E2E_INGEST_TOKEN": ingestToken, "E2E_ADMIN_TOKEN": adminToken])
    }

    static let events = "POST /v1/pipelines/sink/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(ingestToken)\r\nContent-Type: application/json\r\n"

    /// A GET of /healthz whose request line and headers are exactly `size` bytes.
    static func head(ofSize size: Int) -> String {
        let start = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ", end = "\r\n\r\n"
        return start + String(repeating: "p", count: size - start.utf8.count - end.utf8.count) + end
    }

    static func expectJSONError(
        _ response: HTTPTestClient.Response, _ status: Int, _ code: String, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, "\(what): \(response.status) \(response.text)", sourceLocation: sourceLocation)
        #expect(response.header("Content-Type")?.hasPrefix("application/json") == true, "\(what): Content-Type \(response.header("Content-Type") ?? "none")", sourceLocation: sourceLocation)
        let error = response.json["error"] as? [String: Any]
        #expect(error?["code"] as? String == code, "\(what): \(response.text)", sourceLocation: sourceLocation)
        #expect((error?["message"] as? String)?.isEmpty == false, "\(what): no message in \(response.text)", sourceLocation: sourceLocation)
    }

    /// Sends raw bytes on a fresh connection and reads one response.
    static func raw(_ daemon: StreamdProcess, _ bytes: Data) throws -> (HTTPTestClient.Response, RawConnection) {
        let connection = try RawConnection(port: daemon.port)
        try? connection.send(bytes)  // the server may answer and close before it has read everything
        return (try connection.readResponse(timeout: 5), connection)
    }

    @Test func everyErrorStreamdAnswersHasTheJSONShape() throws {
        let fifo = try UnreadFIFO("error-shape")
        let daemon = try Self.daemon(fifo)
        let client = daemon.client
        let ingest = ["Authorization": "Bearer \(Self.ingestToken)"]
        let admin = ["Authorization": "Bearer \(Self.adminToken)"]

        // Answered by the API.
        Self.expectJSONError(try client.post("/v1/pipelines/sink/events", json: "{not json", headers: ingest), 400, "no_valid_events", "invalid JSON")
        Self.expectJSONError(try client.post("/v1/pipelines/sink/events", json: #"{"n": 1}"#), 401, "unauthorized", "no token")
        Self.expectJSONError(try client.post("/v1/pipelines/sink/events", json: #"{"n": 1}"#, headers: admin), 403, "forbidden", "wrong scope")
        Self.expectJSONError(try client.request("GET", "/v1/pipelines/nothing", headers: admin), 404, "not_found", "unknown pipeline")
        Self.expectJSONError(try client.request("GET", "/no/such/route", headers: admin), 404, "not_found", "unknown route")
        Self.expectJSONError(try client.request("DELETE", "/v1/metrics", headers: admin), 405, "method_not_allowed", "wrong method")
        Self.expectJSONError(try client.post("/v1/pipelines/parked/events", json: #"{"n": 1}"#, headers: ingest), 409, "pipeline_stopped", "stopped pipeline")
        let batch = "[" + Array(repeating: #"{"n": 1}"#, count: 5).joined(separator: ",") + "]"
        Self.expectJSONError(try client.post("/v1/pipelines/sink/events", json: batch, headers: ingest), 413, "batch_too_large", "batch over the buffer")
        Self.expectJSONError(try client.post("/v1/pipelines/sink/events", json: #"{"n": 1}"#, contentType: "text/plain", headers: ingest), 415, "unsupported_media_type", "wrong content type")
        // The blocked pipeline's output never opens: its buffers fill, then ingest answers 429.
        var full: HTTPTestClient.Response?
        for _ in 0..<5_000 where full == nil {  // the output's queue holds 64 batches of up to 256 events
            let response = try client.post("/v1/pipelines/blocked/events", json: #"[{"n": 1}, {"n": 2}]"#, headers: ingest)
            if response.status != 202 { full = response }
        }
        if let full { Self.expectJSONError(full, 429, "backpressure", "full pipeline") } else { Issue.record("the blocked pipeline never answered 429") }

        // Answered by the HTTP bridge from the headers alone, before any handler runs.
        var (response, connection) = try Self.raw(daemon, Data((Self.events + "Content-Length: \(Self.maxBodyBytes + 1)\r\n\r\n").utf8))
        Self.expectJSONError(response, 413, "body_too_large", "Content-Length over max_body_bytes")
        let line = #"{"n": 2, "pad": "chunked-body-padding"}"# + "\n"
        let chunks = Array(repeating: String(repeating: line, count: 1024 / line.utf8.count), count: 2 * Self.maxBodyBytes / 1024)
        (response, connection) = try Self.raw(daemon, Data((Self.events + "Transfer-Encoding: chunked\r\n\r\n").utf8) + RawConnection.chunked(chunks))
        Self.expectJSONError(response, 413, "body_too_large", "chunked body over max_body_bytes")
        (response, connection) = try Self.raw(daemon, Data((Self.events + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").utf8))
        Self.expectJSONError(response, 400, "ambiguous_framing", "Content-Length with Transfer-Encoding")
        (response, connection) = try Self.raw(daemon, Data((Self.events + "Transfer-Encoding: gzip\r\n\r\n").utf8))
        Self.expectJSONError(response, 501, "unsupported_transfer_encoding", "Transfer-Encoding: gzip")
        #expect(connection.waitForClose(timeout: 2), "the unread body must not be taken for a next request")

        // server.max_header_bytes counts the request line and headers exactly.
        (response, connection) = try Self.raw(daemon, Data(Self.head(ofSize: Self.maxHeaderBytes).utf8))
        #expect(response.status == 200, "a head of exactly max_header_bytes: \(response.status) \(response.text)")
        (response, connection) = try Self.raw(daemon, Data(Self.head(ofSize: Self.maxHeaderBytes + 1).utf8))
        Self.expectJSONError(response, 431, "headers_too_large", "a head one byte over max_header_bytes")
        #expect(connection.waitForClose(timeout: 2), "the connection stays open after 431")
        (response, connection) = try Self.raw(daemon, Data(Self.head(ofSize: Self.maxHeaderBytes * 3 / 2).utf8))
        Self.expectJSONError(response, 431, "headers_too_large", "a head of 1.5 × max_header_bytes")
        let longPath = "/v1/pipelines/" + String(repeating: "x", count: Self.maxHeaderBytes)
        (response, connection) = try Self.raw(daemon, Data("GET \(longPath) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        Self.expectJSONError(response, 414, "uri_too_long", "a request line over max_header_bytes")

        let metrics = try client.request("GET", "/v1/metrics", headers: admin).json["http"] as? [String: Any]
        #expect(metrics?["requests_oversized"] as? Int == 5, "413 ×2, 431 ×2, 414 counted as oversized: \(String(describing: metrics))")
        #expect(metrics?["requests_malformed"] as? Int == 0, "\(String(describing: metrics))")
        // A reader lets the blocked pipeline deliver what it accepted, so the drain completes.
        let reader = try fifo.openReader()
        defer { close(reader) }
        #expect(daemon.terminate(timeout: 30) == 0, "\(daemon.logText)")
    }

    /// What libmicrohttpd 0.9.75 answers itself: it finds these errors before any handler runs
    /// and sends a fixed HTML page, with no option or callback to replace it. Each is listed in
    /// the README; the daemon stays up and counts them as `http.requests_malformed`.
    @Test func libmicrohttpdsOwnPagesArePinned() throws {
        let fifo = try UnreadFIFO("mhd-pages")
        let daemon = try Self.daemon(fifo)
        let overPool = Self.maxHeaderBytes * 2 + 1024
        let cases: [(what: String, status: Int, request: String)] = [
            ("request line of two words", 400, "GET /healthz\r\n\r\n"),
            ("HTTP version misspelt", 400, "GET /healthz HTTX/1.1\r\n\r\n"),
            ("header line without a colon", 400, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n"),
            ("Content-Length not a number", 400, Self.events + "Content-Length: ten\r\n\r\n"),
            ("malformed chunk size", 400, Self.events + "Transfer-Encoding: chunked\r\n\r\nzz\r\n"),
            ("Content-Length beyond 64 bits", 413, Self.events + "Content-Length: 99999999999999999999999\r\n\r\n"),
            ("chunk size beyond 64 bits", 413, Self.events + "Transfer-Encoding: chunked\r\n\r\n1FFFFFFFFFFFFFFFFF\r\n"),
            ("request line beyond twice max_header_bytes", 414, "GET /" + String(repeating: "x", count: overPool) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
            ("head beyond twice max_header_bytes", 431, Self.head(ofSize: overPool)),
            ("HTTP/2.0 request line", 505, "GET /healthz HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n"),
            ("HTTP/0.9 request line", 505, "GET /healthz HTTP/0.9\r\n\r\n"),
        ]
        for (what, status, request) in cases {
            let (response, connection) = try Self.raw(daemon, Data(request.utf8))
            #expect(response.status == status, "\(what): \(response.status) \(response.text)")
            // Its page, after (for a bad Content-Length) a second copy of the status line and headers.
            #expect(response.text.contains("<html><head><title>"), "\(what): libmicrohttpd's page changed (update the README): \(response.text)")
            #expect(connection.waitForClose(timeout: 2), "\(what): libmicrohttpd closes after its own error")
            #expect(try daemon.client.get("/healthz").status == 200, "after \(what)")
        }
        // A request line of one word: closed without any answer.
        let connection = try RawConnection(port: daemon.port)
        try connection.send("NOT-HTTP\r\n\r\n")
        #expect(connection.waitForClose(timeout: 2) && connection.unreadText.isEmpty, "a one-word request line: \(connection.unreadText)")

        let metrics = try daemon.client.request("GET", "/v1/metrics", headers: ["Authorization": "Bearer \(Self.adminToken)"]).json["http"] as? [String: Any]
        #expect(metrics?["requests_malformed"] as? Int == cases.count, "\(String(describing: metrics))")
        #expect(daemon.terminate() == 0, "\(daemon.logText)")
    }
}
