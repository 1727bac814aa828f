import Foundation
import TestHTTPListener
import Testing

import Crypto

/// Windows and alerts on the real binary: metrics posted over HTTP, results read back, alerts
/// delivered to a real webhook listener, an exec hook and the log; partial windows at SIGTERM.
@Suite(.serialized) struct WindowAlertEndToEndTests {
    /// A tumbling 1 s window per source by event time, closing 300 ms after input goes quiet,
    /// and the seed's alert (average over 75 across at least 5 metrics).
    static func config(webhookPort: Int, script: String, extraOutputs: String = "") -> String {
        """
        server:
          listen: "LISTEN"
        state_dir: "STATE_DIR"
        shutdown_timeout: "10s"
        hooks:
          ops: { webhook: { url: "http://127.0.0.1:\(webhookPort)/alerts", timeout: "2s", retries: 2, secret: "s3cret" } }
          page: { exec: { argv: ["\(script)", "page-arg"], timeout: "5s" } }
          note: { log: { level: warning } }
        pipelines:
          metrics:
            stages:
              - name: valid
                filter: 'exists(.source) && .value >= 0'
              - name: per-source
                window:
                  type: tumbling
                  size: "1s"
                  time_field: .timestamp
                  idle_timeout: "300ms"
                  group_by: [.source]
                  aggregates: { count: 'count()', avg_value: 'avg(.value)', max_value: 'max(.value)', p99_value: 'quantile(.value, 0.99)' }
              - name: hot
                alert:
                  when: 'avg_value > 75 && count >= 5'
                  cooldown: "30s"
                  hooks: [ops, page, note]
            outputs:
              - memory: { capacity: 100 }
        \(extraOutputs)
        """
    }

    /// A script that appends its stdin, its first argument and the alert state to a file.
    static func writeScript(in scratch: ScratchDirectory, output: URL) throws -> URL {
        try scratch.script("hook.sh", """
            #!/bin/sh
            cat >> "\(output.path)"
            echo "arg=$1 state=$STREAMD_ALERT_STATE alert=$STREAMD_ALERT_NAME" >> "\(output.path)"
            """)
    }

    /// NDJSON metrics: `hot` averages 90 over 6 metrics, `cool` 10 over 6, all in [base, base + 1).
    static func metrics(base: Double) -> String {
        (0..<6).flatMap { i in
            [
                #"{"timestamp": \#(base + 0.1 + Double(i) * 0.1), "source": "hot", "value": \#(85 + i * 2)}"#,
                #"{"timestamp": \#(base + 0.1 + Double(i) * 0.1), "source": "cool", "value": \#(10)}"#,
            ]
        }.joined(separator: "\n")
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    @Test func metricsWindowFiresAlertToEveryHook() async throws {
        let webhook = try TestHTTPListener()
        defer { webhook.stop() }
        let scratch = try ScratchDirectory("alert")
        defer { scratch.remove() }
        let execOutput = scratch.file("exec.out")
        let script = try Self.writeScript(in: scratch, output: execOutput)
        let daemon = try StreamdProcess(config: Self.config(webhookPort: webhook.port, script: script.path))
        let client = daemon.client

        let base = (Date().timeIntervalSince1970 - 10).rounded(.down)
        let posted = try client.post("/v1/pipelines/metrics/events", json: Self.metrics(base: base), contentType: "application/x-ndjson")
        #expect(posted.status == 202, "\(posted.text)")

        // The window closes on the timer (no further events); the webhook gets the firing alert.
        let requests = await webhook.waitForRequests(count: 1, timeout: .seconds(10))
        try #require(requests.count == 1, "no webhook call; log:\n\(daemon.logText)")
        let request = requests[0]
        #expect(request.method == "POST" && request.path == "/alerts")
        #expect(request.headers["content-type"] == "application/json")
        let mac = HMAC<SHA256>.authenticationCode(for: request.body, using: SymmetricKey(data: Array("s3cret".utf8)))
        let signature = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        #expect(request.headers["x-streamd-signature"] == signature)
        let payload = Self.json(request.bodyText)
        #expect(payload["alert"] as? String == "hot")
        #expect(payload["pipeline"] as? String == "metrics")
        #expect(payload["state"] as? String == "firing")
        #expect(payload["key"] as? [String: String] == ["source": "hot"])
        let result = payload["result"] as? [String: Any] ?? [:]
        #expect(result["count"] as? Int == 6)
        #expect(result["avg_value"] as? Double == 90)
        #expect(result["max_value"] as? Int == 95)
        #expect(result["window_start"] as? Double == base && result["window_end"] as? Double == base + 1)
        #expect(result["final"] as? Bool == true)
        #expect((payload["at"] as? Double ?? 0) > base)

        // The exec hook got the same payload on stdin, its argument, and the environment.
        var execText = ""
        for _ in 0..<500 where !execText.contains("state=firing") {
            execText = (try? String(contentsOf: execOutput, encoding: .utf8)) ?? ""
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(execText.contains(#""alert":"hot""#) && execText.contains(#""state":"firing""#), "\(execText)")
        #expect(execText.contains("arg=page-arg state=firing alert=hot"), "\(execText)")
        #expect(daemon.logText.contains("logger=streamd.alert msg=alert alert=hot"), "\(daemon.logText)")

        // Both windows are results; the alert is firing for `hot` only.
        let output = try client.get("/v1/pipelines/metrics/output?limit=10").json["events"] as? [[String: Any]] ?? []
        #expect(Set(output.compactMap { ($0["key"] as? [String: String])?["source"] }) == ["hot", "cool"])
        #expect(output.first { ($0["key"] as? [String: String])?["source"] == "cool" }?["avg_value"] as? Int == 10)
        let alerts = try client.get("/v1/alerts")
        #expect(alerts.status == 200)
        let firing = alerts.json["firing"] as? [[String: Any]] ?? []
        #expect(firing.count == 1 && (firing.first?["key"] as? [String: String]) == ["source": "hot"], "\(alerts.text)")
        #expect((alerts.json["recent"] as? [[String: Any]])?.count == 1)

        // A late metric is refused to the errors log, counted, never silently dropped.
        let late = try client.post("/v1/pipelines/metrics/events", json: #"{"timestamp": \#(base - 100), "source": "hot", "value": 1}"#)
        #expect(late.status == 202)
        var lateErrors: [[String: Any]] = []
        for _ in 0..<300 where lateErrors.isEmpty {
            lateErrors = try client.get("/v1/pipelines/metrics/errors").json["errors"] as? [[String: Any]] ?? []
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect((lateErrors.first?["error"] as? String)?.contains("late event") == true, "\(lateErrors)")

        let windows = try client.get("/v1/pipelines/metrics/windows")
        #expect(windows.status == 200)
        let stage = (windows.json["windows"] as? [[String: Any]])?.first ?? [:]
        #expect(stage["stage"] as? String == "per-source")
        #expect(stage["late_events"] as? Int == 1)
        #expect((stage["recent"] as? [[String: Any]])?.count == 2)
        #expect(try client.get("/v1/pipelines/nope/windows").status == 404)

        // Metrics, JSON and Prometheus.
        var hooks: [[String: Any]] = []
        for _ in 0..<500 {
            hooks = try client.get("/v1/metrics").json["hooks"] as? [[String: Any]] ?? []
            if hooks.allSatisfy({ $0["delivered"] as? Int == 1 }) { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(hooks.map { $0["hook"] as? String } == ["ops", "page", "note"])
        #expect(hooks.allSatisfy { $0["delivered"] as? Int == 1 && $0["failed"] as? Int == 0 }, "\(hooks)")
        let metrics = try client.get("/v1/metrics").json
        let stages = ((metrics["pipelines"] as? [String: Any])?["metrics"] as? [String: Any])?["stages"] as? [[String: Any]] ?? []
        let window = stages.first { $0["name"] as? String == "per-source" }
        #expect(window?["aggregated"] as? Int == 12 && window?["emitted"] as? Int == 2 && window?["in_flight"] as? Int == 0)
        #expect((window?["window"] as? [String: Any])?["late_events"] as? Int == 1)
        let alert = stages.first { $0["name"] as? String == "hot" }?["alert"] as? [String: Any]
        #expect(alert?["state"] as? String == "firing" && alert?["firings"] as? Int == 1 && alert?["hook_deliveries"] as? Int == 3)
        let prometheus = try client.get("/metrics").text
        #expect(prometheus.contains(#"streamd_window_late_events_total{pipeline="metrics",stage="per-source"} 1"#))
        #expect(prometheus.contains(#"streamd_alert_firings_total{pipeline="metrics",stage="hot"} 1"#))
        #expect(prometheus.contains(#"streamd_hook_delivered_total{hook="ops"} 1"#))
        #expect(daemon.terminate() == 0)
    }

    /// The issue's "done when": the example configuration's `metrics` pipeline (the seed's
    /// windowing scenario) fires its alert on its `log` hook when a source runs hot.
    @Test func exampleConfigurationFiresTheSeedAlert() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = try String(contentsOf: root.appendingPathComponent("config/streamd.yaml"), encoding: .utf8)
            .replacingOccurrences(of: #""127.0.0.1:8080""#, with: #""LISTEN""#)
            .replacingOccurrences(of: #"".state/http-errors.ndjson""#, with: #""STATE_DIR/http-errors.ndjson""#)
            .replacingOccurrences(of: #"".state""#, with: #""STATE_DIR""#)
        let daemon = try StreamdProcess(config: example)
        // Like the seed: a metric every 200 ms per source, server1 hot (80–89), server2 cool.
        let now = Date().timeIntervalSince1970
        let lines = (0..<10).flatMap { i in
            [
                #"{"timestamp": \#(now + Double(i) * 0.2), "source": "server1", "value": \#(80 + i)}"#,
                #"{"timestamp": \#(now + Double(i) * 0.2), "source": "server2", "value": \#(20 + i)}"#,
            ]
        }
        let posted = try daemon.client.post("/v1/pipelines/metrics/events", json: lines.joined(separator: "\n"), contentType: "application/x-ndjson")
        #expect(posted.status == 202, "\(posted.text)")
        var firing = ""
        for _ in 0..<1500 where firing.isEmpty {
            firing = daemon.logText.split(separator: "\n").first { $0.contains("logger=streamd.alert") && $0.contains("state=firing") }.map(String.init) ?? ""
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(firing.contains("alert=hot") && firing.contains("pipeline=metrics"), "\(daemon.logText)")
        #expect(firing.contains(#"source\":\"server1"#) && !daemon.logText.contains(#"key="{\"source\":\"server2"#))
        let windows = try daemon.client.get("/v1/pipelines/metrics/windows").json["windows"] as? [[String: Any]] ?? []
        #expect(windows.first?["stage"] as? String == "per-source")
        #expect(daemon.terminate() == 0)
    }

    @Test func openWindowsAreFlushedAsPartialResultsAtShutdown() throws {
        let webhook = try TestHTTPListener()
        defer { webhook.stop() }
        let scratch = try ScratchDirectory("flush")
        defer { scratch.remove() }
        let results = scratch.file("results.ndjson")
        let config = Self.config(webhookPort: webhook.port, script: "/bin/true")
            .replacingOccurrences(of: #"size: "1s""#, with: #"size: "1h""#)
            .replacingOccurrences(of: "      - memory: { capacity: 100 }", with: "      - file: { path: \"\(results.path)\" }")
        let daemon = try StreamdProcess(config: config)
        let base = (Date().timeIntervalSince1970 / 3600).rounded(.down) * 3600
        let posted = try daemon.client.post("/v1/pipelines/metrics/events", json: Self.metrics(base: base), contentType: "application/x-ndjson")
        #expect(posted.status == 202)
        #expect(daemon.terminate() == 0)

        let lines = try String(contentsOf: results, encoding: .utf8).split(separator: "\n").map { Self.json(String($0)) }
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.allSatisfy { $0["final"] as? Bool == false && $0["count"] as? Int == 6 })
        #expect(Set(lines.compactMap { ($0["key"] as? [String: String])?["source"] }) == ["hot", "cool"])
        // Partial windows are not judged: no alert.
        #expect(webhook.requests.isEmpty)
    }

    /// SIGTERM while a webhook delivery waits to be retried: the retry still happens before exit.
    @Test func pendingHookDeliveriesAreAttemptedAtShutdown() async throws {
        let webhook = try TestHTTPListener(statuses: [503])
        defer { webhook.stop() }
        let daemon = try StreamdProcess(config: Self.config(webhookPort: webhook.port, script: "/bin/true"))
        let base = (Date().timeIntervalSince1970 - 10).rounded(.down)
        let posted = try daemon.client.post("/v1/pipelines/metrics/events", json: Self.metrics(base: base), contentType: "application/x-ndjson")
        #expect(posted.status == 202)
        let first = await webhook.waitForRequests(count: 1, timeout: .seconds(10))
        try #require(first.count == 1, "no webhook call; log:\n\(daemon.logText)")
        // The first attempt got 503; the retry waits about 0.5 s. Stop now.
        #expect(daemon.terminate() == 0)
        let all = webhook.requests
        #expect(all.count == 2, "the retry was not attempted before exit: \(all.count) requests")
        #expect(all.count == 2 && all[0].body == all[1].body)
    }

    @Test func httpOutputPostsResultBatches() async throws {
        let sink = try TestHTTPListener()
        defer { sink.stop() }
        let config = """
            server:
              listen: "LISTEN"
            state_dir: "STATE_DIR"
            pipelines:
              forward:
                stages:
                  - name: tag
                    set: { tagged: 'true' }
                outputs:
                  - http: { url: "http://127.0.0.1:\(sink.port)/ingest", timeout: "2s", retries: 2 }
            """
        let daemon = try StreamdProcess(config: config)
        let posted = try daemon.client.post("/v1/pipelines/forward/events", json: #"[{"n": 1}, {"n": 2}, {"n": 3}]"#)
        #expect(posted.status == 202)
        var received: [[String: Any]] = []
        for _ in 0..<500 where received.count < 3 {
            received = sink.requests.flatMap { $0.bodyText.split(separator: "\n").map { Self.json(String($0)) } }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(received.compactMap { $0["n"] as? Int } == [1, 2, 3])
        #expect(received.allSatisfy { $0["tagged"] as? Bool == true })
        #expect(sink.requests.first?.headers["content-type"] == "application/x-ndjson")
        #expect(daemon.terminate() == 0)
    }
}
