import Foundation
import Testing

/// `GET /metrics` on the real binary passes `promtool check metrics` with no complaint (SPEC §3.9;
/// issue 10, defect 4), with every family present: pipelines that have seen traffic, failures, a
/// window stage, an alert stage that fired to a hook, and outputs (one whose label needs escaping).
@Suite(.serialized) struct PrometheusEndToEndTests {
    static func config(outputPath: String) -> String {
        """
        server:
          listen: "LISTEN"
        state_dir: "STATE_DIR"
        shutdown_timeout: "10s"
        hooks:
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
                  aggregates: { count: 'count()', avg_value: 'avg(.value)' }
              - name: hot
                alert:
                  when: 'avg_value > 75 && count >= 5'
                  hooks: [note]
            outputs:
              - memory: { capacity: 100 }
              - file: { path: '\(outputPath)' }
          web:
            stages:
              - name: tag
                workers: 2
                set: { kind: 'lower(.kind)' }
        """
    }

    /// promtool from the Debian package `prometheus` (`make test-setup` installs it).
    static var promtool: String? {
        let candidates = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/promtool" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `promtool check metrics` on `text`; its exit status and everything it printed.
    static func check(_ text: String, promtool: String, scratch: ScratchDirectory) throws -> (status: Int32, output: String) {
        let input = scratch.file("metrics.txt")
        try text.write(to: input, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        process.standardInput = try FileHandle(forReadingFrom: input)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
    }

    /// Polls `condition` every 20 ms for at most `seconds`.
    static func wait(_ seconds: TimeInterval, until condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return try condition()
    }

    @Test func metricsPassPromtoolWithEveryFamilyPresent() throws {
        let promtool = try #require(Self.promtool, "promtool not found: install the Debian package prometheus (make test-setup)")
        let scratch = try ScratchDirectory("prometheus")
        defer { scratch.remove() }
        // A quote and a backslash in a label value (the file output's label is its path).
        let outputPath = scratch.file(#"out "q" \ x.ndjson"#).path
        let daemon = try StreamdProcess(config: Self.config(outputPath: outputPath))
        let client = daemon.client

        // Traffic: accepted, partly rejected (207) and all-bad (400) batches; filter failures.
        let base = (Date().timeIntervalSince1970 - 10).rounded(.down)
        let metrics = (0..<6).map { #"{"timestamp": \#(base + 0.1 + Double($0) * 0.1), "source": "hot", "value": 90}"# }
            + [#"{"source": "hot", "value": "not a number"}"#, "not json"]
        let posted = try client.post("/v1/pipelines/metrics/events", json: metrics.joined(separator: "\n"), contentType: "application/x-ndjson")
        #expect(posted.status == 207, "\(posted.text)")
        #expect(try client.post("/v1/pipelines/web/events", json: #"[{"kind": "A"}, {"kind": "B"}]"#).status == 202)
        #expect(try client.post("/v1/pipelines/web/events", json: "nope").status == 400)

        // The window closes on its idle timer; the alert fires and the log hook delivers it.
        let fired = try Self.wait(10) {
            let hooks = try client.get("/v1/metrics").json["hooks"] as? [[String: Any]] ?? []
            return hooks.first { $0["hook"] as? String == "note" }?["delivered"] as? Int == 1
        }
        try #require(fired, "the alert never reached its hook; log:\n\(daemon.logText.suffix(2000))")
        #expect(try Self.wait(5) { (try client.get("/v1/pipelines/web/output").json["events"] as? [Any])?.count == 2 })

        let response = try client.get("/metrics")
        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = response.text
        let (status, complaints) = try Self.check(text, promtool: promtool, scratch: scratch)
        #expect(status == 0 && complaints.isEmpty, "promtool check metrics exited \(status):\n\(complaints)")

        // Every family: HELP and TYPE, counters named _total, latency a histogram in seconds.
        let families = Self.families(in: text)
        for family in [
            "pipeline_up", "ingest_requests_total", "ingest_events_accepted_total", "ingest_events_rejected_total",
            "ingest_bytes_total", "stage_received_total", "stage_emitted_total", "stage_filtered_total",
            "stage_failed_total", "stage_aggregated_total", "stage_in_flight", "stage_queue_depth", "stage_workers",
            "stage_backpressure_seconds_total", "stage_latency_seconds", "window_open", "window_open_keys",
            "window_late_events_total", "window_results_total", "window_watermark_lag_seconds", "alert_firing_keys",
            "alert_firings_total", "alert_hook_deliveries_total", "output_sent_total", "output_failed_total",
            "output_retries_total", "http_requests_oversized_total", "http_connections_open", "hook_delivered_total",
            "hook_queued",
        ] {
            #expect(families["streamd_" + family] != nil, "no family streamd_\(family) in:\n\(text)")
        }
        for (name, family) in families {
            #expect(family.help, "\(name) has no HELP")
            #expect(family.type != "counter" || name.hasSuffix("_total"), "counter \(name) is not named _total")
        }
        #expect(families["streamd_stage_latency_seconds"]?.type == "histogram")
        #expect(text.contains(#"output="file:\#(outputPath.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))""#), "label not escaped:\n\(text)")

        // The filter stage timed each of the 7 events it received (the 8th line is not JSON): the
        // histogram counts all of them, its buckets are cumulative, and +Inf equals _count.
        let stage = #"pipeline="metrics",stage="valid""#
        let buckets = Self.samples(in: text, named: "streamd_stage_latency_seconds_bucket", containing: stage)
        #expect(buckets.count >= 10, "\(buckets)")
        #expect(buckets.map(\.value) == buckets.map(\.value).sorted(), "buckets not cumulative: \(buckets)")
        #expect(buckets.last?.labels.contains(#"le="+Inf""#) == true)
        let count = Self.samples(in: text, named: "streamd_stage_latency_seconds_count", containing: stage).first?.value
        #expect(count == 7 && buckets.last?.value == count, "\(buckets) count \(String(describing: count))")
        let sum = Self.samples(in: text, named: "streamd_stage_latency_seconds_sum", containing: stage).first?.value ?? -1
        #expect(sum > 0 && sum < 7, "sum \(sum) s")

        // The JSON metrics keep their latency shape.
        let json = try client.get("/v1/metrics").json
        let stages = ((json["pipelines"] as? [String: Any])?["metrics"] as? [String: Any])?["stages"] as? [[String: Any]]
        let latency = stages?.first?["latency_ms"] as? [String: Any]
        #expect(Set(latency?.keys.map { $0 } ?? []) == ["p50", "p90", "p99", "max"], "\(String(describing: latency))")
        #expect(daemon.terminate() == 0)
    }

    // MARK: Reading the exposition

    struct Family {
        var help = false
        var type: String?
    }

    /// The families of an exposition by name, with whether each has HELP and its TYPE.
    static func families(in text: String) -> [String: Family] {
        var families: [String: Family] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("# ") {
            let parts = line.split(separator: " ", maxSplits: 3)
            guard parts.count >= 3 else { continue }
            let name = String(parts[2])
            if parts[1] == "HELP" { families[name, default: Family()].help = parts.count == 4 }
            if parts[1] == "TYPE" { families[name, default: Family()].type = parts.count == 4 ? String(parts[3]) : nil }
        }
        return families
    }

    /// Samples of `name` whose labels contain `labels`, in order: their label text and value.
    static func samples(in text: String, named name: String, containing labels: String) -> [(labels: String, value: Double)] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix(name + "{"), line.contains(labels), let space = line.lastIndex(of: " ") else { return nil }
            return (String(line[..<space]), Double(line[line.index(after: space)...]) ?? .nan)
        }
    }
}
