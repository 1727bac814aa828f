import Foundation
import Testing

/// Malformed input and abusive clients against the real binary (SPEC §3.5 limits, §5): none of
/// them may crash, stall or hang the daemon. Each test ends by checking that `/healthz` still
/// answers within a second and that SIGTERM still exits 0.
///
/// Serialized: the tests measure latency on two shared cores and must not load each other.
@Suite(.serialized) struct HostileClientTests {
    static let timeoutSeconds: TimeInterval = 2
    /// How late after the connection timeout a close still counts as "on time" (MHD checks
    /// timeouts with second granularity; the machine is shared).
    static let closeSlack: TimeInterval = 2.5

    static func config(maxConnections: Int = 512, maxBodyBytes: Int = 65536, buffer: Int = 100_000) -> String {
        """
        server:
          listen: "LISTEN"
          max_body_bytes: \(maxBodyBytes)
          max_connections: \(maxConnections)
          connection_timeout: "\(Int(timeoutSeconds))s"
          request_timeout: "\(Int(timeoutSeconds))s"
          max_header_bytes: 16384
        state_dir: "STATE_DIR"
        shutdown_timeout: "10s"
        pipelines:
          sink:
            buffer: \(buffer)
            ingest: { max_wait: "2s" }
            stages:
              - name: keep
                buffer: 4096
                filter: 'exists(.n)'
        """
    }

    // MARK: 1. Many simultaneous keep-alive clients

    @Test func manyKeepAliveClientsAreAllServedWithoutLoss() throws {
        let daemon = try StreamdProcess(config: Self.config())
        let port = daemon.port
        // More than 128 on purpose: MHD 0.9.75's epoll loop stalls at exactly 128 ready
        // connections (shared notes); streamd must use poll.
        let clients = 256, perClient = 20
        let connected = ThreadedClients.Counter(), gaveUp = ThreadedClients.Counter(), accepted = ThreadedClients.Counter()
        let failures = ThreadedClients.Messages()
        let started = Date()
        let deadline = started.addingTimeInterval(60)

        let finished = ThreadedClients.run(clients, deadline: deadline.addingTimeInterval(1)) { index in
            let connection: RawConnection
            do {
                connection = try RawConnection(port: port)
            } catch {
                gaveUp.increment()
                failures.append("client \(index): \(error)")
                return
            }
            defer { connection.close() }
            connected.increment()
            // Nobody sends before everyone is connected: all 256 connections are open at once.
            while connected.value + gaveUp.value < clients, Date() < deadline { Thread.sleep(forTimeInterval: 0.002) }
            for n in 0..<perClient {
                do {
                    let body = Data(#"{"client": \#(index), "n": \#(n)}"#.utf8)
                    try connection.sendRequest("POST", "/v1/pipelines/sink/events", headers: [("Content-Type", "application/json")], body: body)
                    let response = try connection.readResponse(timeout: min(10, max(0.1, deadline.timeIntervalSinceNow)))
                    guard response.status == 202, response.json["accepted"] as? Int == 1 else {
                        failures.append("client \(index) request \(n): \(response.status) \(response.text)")
                        return
                    }
                    accepted.increment()
                } catch {
                    failures.append("client \(index) request \(n) (same keep-alive connection): \(error)")
                    return
                }
            }
        }
        let elapsed = Date().timeIntervalSince(started)

        #expect(finished == clients, "stalled: only \(finished) of \(clients) clients finished within 60 s")
        #expect(failures.all.isEmpty, "\(failures.all.count) clients failed, e.g. \(failures.all.prefix(5))")
        #expect(accepted.value == clients * perClient, "\(accepted.value) of \(clients * perClient) requests answered 202 in \(elapsed) s")
        let ingest = try Self.ingestMetrics(daemon)
        #expect(ingest["events_accepted"] as? Int == clients * perClient, "the pipeline counted \(ingest)")
        #expect((ingest["requests"] as? [String: Any])?["202"] as? Int == clients * perClient, "\(ingest)")
        Self.expectHealthy(daemon, "after \(clients) keep-alive clients")
        #expect(daemon.terminate() == 0)
    }

    // MARK: 2. Random bytes and truncated requests

    enum Ending: CaseIterable {
        /// close(): an orderly FIN right after the bytes.
        case close
        /// An abortive close (RST).
        case reset
        /// FIN for the sending side only, then read what the server does (bounded).
        case halfClose
    }

    struct HostileInput: Sendable {
        let label: String
        let bytes: Data
        let ending: Ending
    }

    /// A small seeded generator (SplitMix64): the same "random" input on every run.
    struct SeededGenerator: RandomNumberGenerator {
        private var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// 200 garbage inputs from a seeded generator: the same bytes on every run.
    static func garbageInputs() -> [HostileInput] {
        var random = SeededGenerator(seed: 0x5EED_0BAD_F00D)
        func bytes(_ count: Int) -> Data { Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }) }
        func text(_ count: Int, from alphabet: String) -> String {
            let characters = Array(alphabet)
            return String((0..<count).map { _ in characters.randomElement(using: &random)! })
        }
        let endings = Ending.allCases
        return (0..<200).map { i in
            let data: Data
            let label: String
            switch i % 5 {
            case 0:
                label = "random bytes"
                data = bytes(Int.random(in: 1...4096, using: &random))
            case 1:
                label = "random header-like text"
                data = Data(text(Int.random(in: 1...2048, using: &random), from: "GETPOST /:HTTP1.\r\n\r\n\t abcxyz0189%").utf8)
            case 2:
                label = "request line, then random bytes"
                data = Data("GET /healthz HTTP/1.1\r\n".utf8) + bytes(Int.random(in: 1...1024, using: &random))
            case 3:
                label = "random request line"
                let method = text(Int.random(in: 1...12, using: &random), from: "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                let version = "HTTP/\(Int.random(in: 0...9, using: &random)).\(Int.random(in: 0...9, using: &random))"
                data = Data("\(method) /".utf8) + bytes(Int.random(in: 0...64, using: &random)).map { $0 == 32 || $0 == 10 || $0 == 13 ? 65 : $0 }
                    + Data(" \(version)\r\nHost: 127.0.0.1\r\n\r\n".utf8)
            default:
                label = "events POST with a random body"
                let body = bytes(Int.random(in: 1...2048, using: &random))
                data = Data("POST /v1/pipelines/sink/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
            }
            return HostileInput(label: "garbage #\(i) (\(label))", bytes: data, ending: endings[(i / 5) % endings.count])
        }
    }

    /// Requests cut short: headers ending mid-line, bodies shorter than announced, chunked bodies
    /// without their last chunk. None of them may enqueue an event.
    static func truncatedInputs() -> [HostileInput] {
        let events = "POST /v1/pipelines/sink/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        let cases: [(String, String, Ending)] = [
            ("header cut mid-line", events + "Content-Ty", .close),
            ("header cut mid-line, half-closed", "GET /healthz HTTP/1.1\r\nHos", .halfClose),
            ("request line cut", "GET /heal", .close),
            ("Content-Length 100, 8 bytes sent", events + "Content-Length: 100\r\n\r\n{\"n\": 1}", .close),
            ("Content-Length 100, 8 bytes sent, reset", events + "Content-Length: 100\r\n\r\n{\"n\": 1}", .reset),
            ("Content-Length 100, 8 bytes sent, half-closed", events + "Content-Length: 100\r\n\r\n{\"n\": 1}", .halfClose),
            ("chunk cut", events + "Transfer-Encoding: chunked\r\n\r\n8\r\n{\"n\": 1", .close),
            ("chunked without the last chunk, half-closed", events + "Transfer-Encoding: chunked\r\n\r\n8\r\n{\"n\": 1}\r\n", .halfClose),
        ]
        return (0..<10).flatMap { round in
            cases.map { HostileInput(label: "truncated: \($0.0) (round \(round))", bytes: Data($0.1.utf8), ending: $0.2) }
        }
    }

    @Test func randomBytesAndTruncatedRequestsLeaveTheDaemonServing() throws {
        let daemon = try StreamdProcess(config: Self.config())
        let port = daemon.port
        let inputs = Self.garbageInputs() + Self.truncatedInputs()
        let answers = ThreadedClients.Messages()
        let problems = ThreadedClients.Messages()
        let bound = Self.timeoutSeconds + Self.closeSlack
        var healthChecks = 0
        var lastCheck = Date.distantPast

        // One thread per connection, starts staggered over ~1.4 s so that /healthz is probed
        // throughout the storm; the half-closed ones overlap while the server ends them.
        let start = Date().addingTimeInterval(0.05)
        let finished = ThreadedClients.run(inputs.count, deadline: start.addingTimeInterval(30), whileWaiting: {
            guard Date().timeIntervalSince(lastCheck) > 0.02 else { return }
            Self.expectHealthy(daemon, "while garbage is being sent")
            healthChecks += 1
            lastCheck = Date()
        }) { index in
            let input = inputs[index]
            Thread.sleep(until: start.addingTimeInterval(0.005 * Double(index)))
            do {
                let connection = try RawConnection(port: port)
                // The server may give up on the connection before everything is sent.
                try? connection.send(input.bytes)
                switch input.ending {
                case .close: connection.close()
                case .reset: connection.reset()
                case .halfClose:
                    connection.shutdownWrite()
                    // Whatever it answers, the server must end the connection: a client that has
                    // stopped sending cannot pin it.
                    if let response = try? connection.readResponse(timeout: bound) {
                        answers.append("\(response.status) for \(input.label)")
                    }
                    if !connection.waitForClose(timeout: bound) {
                        problems.append("\(input.label): still open \(bound) s after the client stopped sending")
                    }
                    connection.close()
                }
            } catch {
                problems.append("\(input.label): \(error)")
            }
        }
        #expect(finished == inputs.count, "only \(finished) of \(inputs.count) hostile connections ended within 30 s")
        #expect(problems.all.isEmpty, "\(problems.all)")
        #expect(healthChecks >= 20, "/healthz was probed only \(healthChecks) times during the storm")
        // Any answer is an error status (4xx, or 505 for a made-up HTTP version) and never a 500, a
        // request the handler failed to answer. Only a valid request line followed by garbage that
        // happens to end the head may get its 200.
        let badAnswers = answers.all.filter {
            !($0.hasPrefix("4") || $0.hasPrefix("505") || ($0.hasPrefix("200") && $0.contains("request line, then random bytes")))
        }
        #expect(badAnswers.isEmpty, "\(badAnswers)")
        #expect(!answers.all.contains { $0.contains("truncated") && $0.hasPrefix("2") }, "a truncated request was processed: \(answers.all)")

        Self.expectHealthy(daemon, "after garbage and truncated requests")
        #expect(try Self.ingestMetrics(daemon)["events_accepted"] as? Int == 0, "garbage or a truncated request enqueued an event")
        let valid = try daemon.client.post("/v1/pipelines/sink/events", json: #"{"n": 1}"#)
        #expect(valid.status == 202, "\(valid.text)")
        #expect(try Self.ingestMetrics(daemon)["events_accepted"] as? Int == 1)
        #expect(daemon.terminate() == 0)
    }

    // MARK: 3. Slow clients

    @Test func slowClientsAreDroppedAfterTheConnectionTimeout() throws {
        let daemon = try StreamdProcess(config: Self.config())
        let events = "POST /v1/pipelines/sink/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        // Slowloris: headers that never end, one byte every 200 ms.
        let slowloris = try RawConnection(port: daemon.port)
        try slowloris.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        // A body that never finishes: 10 of the announced 1000 bytes, then nothing.
        let stalled = try RawConnection(port: daemon.port)
        try stalled.send(events + "Content-Length: 1000\r\n\r\n" + #"{"n": 1, ""#)
        // A body trickle: one more body byte every 200 ms, never reaching the announced length.
        let trickle = try RawConnection(port: daemon.port)
        try trickle.send(events + "Content-Length: 1000\r\n\r\n" + #"{"n": 1, "pad": ""#)

        let start = Date()
        let limit = Self.timeoutSeconds + Self.closeSlack
        var closedAfter: [String: TimeInterval] = [:]
        let connections = [("slowloris", slowloris), ("stalled body", stalled), ("body trickle", trickle)]
        var tick = 0
        while closedAfter.count < connections.count, Date().timeIntervalSince(start) < limit {
            for (name, connection) in connections where closedAfter[name] == nil {
                if name != "stalled body", !connection.isClosedByServer { try? connection.send("x") }
                if connection.isClosedByServer { closedAfter[name] = Date().timeIntervalSince(start) }
            }
            Self.expectHealthy(daemon, "with slow clients connected (\(Date().timeIntervalSince(start)) s)")
            tick += 1
            let next = start.addingTimeInterval(0.2 * Double(tick))
            if next > Date() { Thread.sleep(until: next) }
        }

        let stalledClose = closedAfter["stalled body"]
        #expect(stalledClose != nil, "a body stalled for \(limit) s is still open; the timeout is \(Self.timeoutSeconds) s")
        #expect((stalledClose ?? .infinity) >= Self.timeoutSeconds - 1, "closed before the timeout: \(closedAfter)")
        // request_timeout bounds the whole request, however steadily it trickles in.
        #expect(closedAfter["slowloris"] != nil, "a slowloris header trickle is still open after \(limit) s")
        #expect(closedAfter["body trickle"] != nil, "a body trickle is still open after \(limit) s")
        #expect((closedAfter["slowloris"] ?? 0) >= Self.timeoutSeconds - 1, "closed before the request timeout: \(closedAfter)")
        let http = try daemon.client.get("/v1/metrics").json["http"] as? [String: Any]
        #expect((http?["requests_timed_out"] as? Int ?? 0) >= 2, "\(String(describing: http))")
        Self.expectHealthy(daemon, "after the slow clients")
        #expect(daemon.terminate() == 0)
    }

    // MARK: 4. Idle connections

    @Test func idleConnectionsAreDroppedAfterTheConnectionTimeout() throws {
        let daemon = try StreamdProcess(config: Self.config(maxConnections: 200))
        var idle: [RawConnection] = []
        // Half never send a byte; half finish a keep-alive request and then go quiet.
        for _ in 0..<50 { idle.append(try RawConnection(port: daemon.port)) }
        for _ in 0..<50 {
            let connection = try RawConnection(port: daemon.port)
            try connection.sendRequest("GET", "/healthz")
            #expect(try connection.readResponse(timeout: 2).status == 200)
            idle.append(connection)
        }
        let opened = Date()
        for round in 0..<3 { Self.expectHealthy(daemon, "with 100 idle connections (\(round))") }
        // The open connections are visible in the metrics (100 idle, plus the one asking).
        let http = try daemon.client.get("/v1/metrics").json["http"] as? [String: Any]
        #expect((http?["connections_open"] as? Int ?? 0) >= 100 && http?["max_connections"] as? Int == 200, "\(String(describing: http))")
        #expect(idle.filter(\.isClosedByServer).isEmpty, "idle connections closed well before the timeout")

        let deadline = opened.addingTimeInterval(Self.timeoutSeconds + Self.closeSlack)
        let stillOpen = idle.indices.filter { !idle[$0].waitForClose(timeout: max(0, deadline.timeIntervalSinceNow)) }
        #expect(stillOpen.isEmpty, "\(stillOpen.count) of 100 idle connections still open after \(Self.timeoutSeconds + Self.closeSlack) s: \(stillOpen.prefix(10))")
        idle.forEach { $0.close() }
        Self.expectHealthy(daemon, "after the idle connections were dropped")
        let after = try daemon.client.get("/v1/metrics").json["http"] as? [String: Any]
        #expect((after?["connections_open"] as? Int ?? .max) <= 2, "\(String(describing: after))")
        #expect(daemon.terminate() == 0)
    }

    @Test func idleConnectionsCannotHoldTheConnectionLimitForever() throws {
        let limit = 16
        let daemon = try StreamdProcess(config: Self.config(maxConnections: limit))
        let idle = try (0..<limit).map { _ in try RawConnection(port: daemon.port) }
        // Every slot is taken by a silent client: a new one waits (in the backlog) until the idle
        // ones time out, then is served.
        let start = Date()
        let connection = try RawConnection(port: daemon.port)
        try connection.sendRequest("GET", "/healthz", headers: [("Connection", "close")])
        let response = try? connection.readResponse(timeout: Self.timeoutSeconds + Self.closeSlack + 1)
        let waited = Date().timeIntervalSince(start)
        #expect(response?.status == 200, "a client behind \(limit) idle connections got no answer within \(waited) s")
        idle.forEach { $0.close() }
        Self.expectHealthy(daemon, "after the connection limit was freed")
        #expect(daemon.terminate() == 0)
    }

    // MARK: 5. Oversized headers and bodies

    @Test func oversizedHeadersAndBodiesAreRefused() throws {
        let maxBody = 65536
        let daemon = try StreamdProcess(config: Self.config(maxBodyBytes: maxBody))
        let port = daemon.port
        let events = "POST /v1/pipelines/sink/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"

        // A 100 KiB header value, and 3000 small headers: 431, or the connection is closed.
        let bigValue = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + String(repeating: "a", count: 100 * 1024) + "\r\n\r\n"
        let manyHeaders = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + (0..<3000).map { "X-H\($0): value-\($0)\r\n" }.joined() + "\r\n"
        for (name, request) in [("100 KiB header value", bigValue), ("3000 headers", manyHeaders)] {
            let connection = try RawConnection(port: port)
            try? connection.send(request)
            do {
                let response = try connection.readResponse(timeout: 3)
                #expect(response.status == 431, "\(name): \(response.status) \(response.text)")
            } catch {
                #expect(connection.isClosedByServer, "\(name): neither 431 nor closed within 3 s: \(error)")
            }
            Self.expectHealthy(daemon, "after \(name)")
        }
        // server.max_header_bytes (16 KiB here) is the limit: 12 KiB of headers pass, 20 KiB do not.
        for (size, expected) in [(12 * 1024, 200), (20 * 1024, 431)] {
            let connection = try RawConnection(port: port)
            try? connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + String(repeating: "p", count: size) + "\r\n\r\n")
            let status = (try? connection.readResponse(timeout: 3))?.status
            #expect(status == expected || (expected == 431 && connection.isClosedByServer), "\(size) bytes of headers: \(String(describing: status))")
        }

        // Over max_body_bytes by Content-Length: 413 at once, before any body byte is sent; with
        // `Expect: 100-continue` the answer is 413, not "100 Continue".
        for (name, headers) in [
            ("Content-Length max+1", "Content-Length: \(maxBody + 1)\r\n"),
            ("Content-Length 1 GiB, Expect: 100-continue", "Content-Length: \(1 << 30)\r\nExpect: 100-continue\r\n"),
            ("Content-Length beyond 64 bits", "Content-Length: 99999999999999999999999\r\n"),
        ] {
            let connection = try RawConnection(port: port)
            let start = Date()
            try connection.send(events + headers + "\r\n")
            do {
                let response = try connection.readResponse(timeout: 1)
                #expect(response.status == 413, "\(name): \(response.status) \(response.text)")
                #expect(Date().timeIntervalSince(start) < 1, "\(name): the 413 waited for the body")
                // The body was never read, so it must not be taken for a next request.
                #expect(connection.waitForClose(timeout: 1), "\(name): the connection stayed open after an early 413")
                withKnownIssue(
                    """
                    libmicrohttpd itself refuses a Content-Length it cannot parse into 64 bits with an \
                    HTML 413 page; the bridge's handler never sees it, so the body is not the API's \
                    JSON error shape (SPEC §3.3)
                    """
                ) {
                    #expect((response.json["error"] as? [String: Any])?["code"] as? String == "body_too_large", "\(name): \(response.text)")
                } when: { name == "Content-Length beyond 64 bits" }
            } catch {
                Issue.record("\(name): no 413 within 1 s without the body: \(error)")
            }
            connection.close()
        }

        // Exactly max_body_bytes is still accepted (the limit is inclusive).
        let prefix = #"{"n": 1, "pad": ""#, suffix = #""}"#
        let exact = prefix + String(repeating: "p", count: maxBody - prefix.utf8.count - suffix.utf8.count) + suffix
        let atLimit = try daemon.client.post("/v1/pipelines/sink/events", json: exact)
        #expect(atLimit.status == 202, "a body of exactly max_body_bytes: \(atLimit.status) \(atLimit.text)")

        // A chunked body (no Content-Length) that grows past the limit: 413 once it ends, and
        // nothing of it is enqueued. Its lines are valid events, so only the limit can refuse it.
        let line = #"{"n": 2, "pad": "chunked-body-padding-chunked-body-padding"}"# + "\n"
        let chunk = String(repeating: line, count: 8192 / line.utf8.count)
        let chunked = RawConnection.chunked(Array(repeating: chunk, count: (maxBody + 32 * 1024) / chunk.utf8.count))
        let connection = try RawConnection(port: port)
        let header = "POST /v1/pipelines/sink/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
        try? connection.send(Data(header.utf8) + chunked)
        do {
            let response = try connection.readResponse(timeout: 3)
            #expect(response.status == 413, "chunked body over the limit: \(response.status) \(response.text)")
        } catch {
            Issue.record("chunked body over the limit: no answer within 3 s: \(error)")
        }
        connection.close()

        #expect(try Self.ingestMetrics(daemon)["events_accepted"] as? Int == 1, "only the body at the limit was enqueued")
        Self.expectHealthy(daemon, "after oversized requests")
        let small = try daemon.client.post("/v1/pipelines/sink/events", json: #"{"n": 3}"#)
        #expect(small.status == 202, "\(small.text)")
        #expect(daemon.terminate() == 0)
    }

    // MARK: 6. Pipelining, ambiguous framing and odd URLs

    @Test func pipeliningAmbiguousFramingAndOddURLs() throws {
        let daemon = try StreamdProcess(config: Self.config())
        let port = daemon.port
        let events = "POST /v1/pipelines/sink/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"

        // Pipelining: three requests in one write get three answers, in order, on one connection.
        let pipelined = try RawConnection(port: port)
        try pipelined.send(String(repeating: events + "Content-Length: 8\r\n\r\n{\"n\": 1}", count: 3))
        for index in 0..<3 {
            let response = try pipelined.readResponse(timeout: 2)
            #expect(response.status == 202, "pipelined request \(index): \(response.status) \(response.text)")
        }
        pipelined.close()
        #expect(try Self.ingestMetrics(daemon)["events_accepted"] as? Int == 3)

        // A Content-Length that is not a number: one well-formed 400, then the server closes.
        for value in ["abc", "-1"] {
            let connection = try RawConnection(port: port)
            try connection.send(events + "Content-Length: \(value)\r\n\r\n{\"n\": 1}")
            let response = try connection.readResponse(timeout: 2)
            #expect(response.status == 400, "Content-Length: \(value): \(response.status)")
            #expect(connection.waitForClose(timeout: 1), "Content-Length: \(value): still open after the 400")
            withKnownIssue(
                """
                libmicrohttpd 0.9.75 answers an unparsable Content-Length with its 400 head sent twice: \
                the second "HTTP/1.1 400 Bad Request" head is the start of the announced body, so the \
                body is not the error page (nor the API's JSON error shape)
                """
            ) {
                #expect(!response.text.contains("HTTP/1.1 400"), "Content-Length: \(value): body \(response.text)")
            }
        }

        // Conflicting Content-Length headers are invalid framing (RFC 9112 §6.3): 400, then close.
        // Content-Length with Transfer-Encoding: refuse, or answer and close (RFC 9112 §6.1), so
        // that the two cannot be read differently by a proxy in front.
        let ambiguous = [
            ("two different Content-Length headers", events + "Content-Length: 8\r\nContent-Length: 3\r\n\r\n{\"n\": 1}"),
            ("Content-Length and Transfer-Encoding", events + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n{\"n\": 1}\r\n0\r\n\r\n"),
        ]
        for (name, request) in ambiguous {
            let connection = try RawConnection(port: port)
            try connection.send(request)
            let response = try? connection.readResponse(timeout: 2)
            let closed = connection.waitForClose(timeout: 1)
            // The bridge refuses both before reading the body (chttp.c, is_ambiguous), so a proxy
            // in front cannot disagree with us about where the request ends.
            #expect(response?.status == 400, "\(name): \(response?.status ?? 0) \(response?.text ?? "")")
            #expect(closed, "\(name): the connection stayed open after \(response?.status ?? 0)")
        }

        // A chunk size beyond 64 bits and a transfer coding streamd does not know: an error status
        // or a closed connection, never an event.
        let before = try Self.ingestMetrics(daemon)["events_accepted"] as? Int
        for (name, request) in [
            ("chunk size beyond 64 bits", events + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFF\r\n{\"n\": 1}"),
            ("Transfer-Encoding: gzip, chunked", events + "Transfer-Encoding: gzip, chunked\r\n\r\n8\r\n{\"n\": 1}\r\n0\r\n\r\n"),
        ] {
            let connection = try RawConnection(port: port)
            try connection.send(request)
            connection.shutdownWrite()
            if let response = try? connection.readResponse(timeout: Self.timeoutSeconds + Self.closeSlack) {
                #expect(response.status >= 400, "\(name): \(response.status) \(response.text)")
            }
            #expect(connection.waitForClose(timeout: Self.timeoutSeconds + Self.closeSlack), "\(name): never closed")
        }
        #expect(try Self.ingestMetrics(daemon)["events_accepted"] as? Int == before, "a malformed request enqueued an event")

        // The path reaches the router already percent-decoded by libmicrohttpd. It must not be
        // decoded again ("s%2569nk" names the pipeline "s%69nk", not "sink"), and an encoded NUL
        // must not cut it short ("sink%00zzz" is not "sink").
        let unknown = try daemon.client.get("/v1/pipelines/%ZZ")
        #expect(unknown.status == 404, "\(unknown.status) \(unknown.text)")
        for path in ["/v1/pipelines/s%2569nk", "/v1/pipelines/sink%00zzz"] {
            let response = try daemon.client.get(path)
            #expect(response.status == 404 || response.status == 400, "GET \(path): \(response.status) \(response.text.prefix(80))")
        }

        Self.expectHealthy(daemon, "after ambiguous requests")
        #expect(daemon.terminate() == 0)
    }

    // MARK: Helpers

    /// `/healthz` on a fresh connection: 200 within a second (a stall fails after 2 s, never hangs).
    @discardableResult
    static func expectHealthy(_ daemon: StreamdProcess, _ when: String, sourceLocation: SourceLocation = #_sourceLocation) -> TimeInterval {
        let start = Date()
        do {
            let connection = try RawConnection(port: daemon.port)
            defer { connection.close() }
            try connection.sendRequest("GET", "/healthz", headers: [("Connection", "close")])
            let response = try connection.readResponse(timeout: 2)
            let elapsed = Date().timeIntervalSince(start)
            #expect(response.status == 200, "/healthz \(when): \(response.status) \(response.text)", sourceLocation: sourceLocation)
            #expect(elapsed < 1, "/healthz \(when) took \(elapsed) s", sourceLocation: sourceLocation)
            return elapsed
        } catch {
            let state = daemon.process.isRunning ? "running" : "exited with \(daemon.process.terminationStatus)"
            Issue.record(
                "/healthz \(when) failed after \(Date().timeIntervalSince(start)) s: \(error); streamd \(state); log:\n\(daemon.logText.suffix(2000))",
                sourceLocation: sourceLocation)
            return .infinity
        }
    }

    /// `pipelines.<name>.ingest` from `GET /v1/metrics`.
    static func ingestMetrics(_ daemon: StreamdProcess, pipeline: String = "sink") throws -> [String: Any] {
        let metrics = try daemon.client.get("/v1/metrics").json
        return ((metrics["pipelines"] as? [String: Any])?[pipeline] as? [String: Any])?["ingest"] as? [String: Any] ?? [:]
    }
}

extension RawConnection {
    /// `chunks` in chunked transfer coding, with the terminating zero-length chunk.
    static func chunked(_ chunks: [String]) -> Data {
        var data = Data()
        for chunk in chunks { data += Data("\(String(chunk.utf8.count, radix: 16))\r\n\(chunk)\r\n".utf8) }
        return data + Data("0\r\n\r\n".utf8)
    }
}
