import Foundation
import Testing

/// An output that cannot be opened — a FIFO with no reader, as a hung network mount would be —
/// blocks nothing: not start-up, not the control API or reload, not the other pipelines. It is
/// retried in the background and reported in metrics and logs; what its pipeline accepted waits
/// in the pipeline and comes out once the output opens, and a stop that waits for it in vain
/// gives up after `shutdown_timeout`, saying what was not delivered.
@Suite(.serialized) struct UnwritableOutputEndToEndTests {
    @Test func aFIFOWithoutReaderBlocksNothingAndLosesNothing() throws {
        let fifo = try UnreadFIFO("noreader")
        defer { withExtendedLifetime(fifo) {} }
        let launched = Date()
        let daemon = try StreamdProcess(config: """
            server:
              listen: "LISTEN"
            state_dir: "STATE_DIR"
            pipelines:
              blocked:
                buffer: 16
                ingest: { max_wait: "20ms" }
                outputs:
                  - file: { path: "\(fifo.path)" }
              other:
                outputs:
                  - memory: { capacity: 100 }
                  - file: { path: "STATE_DIR/other.ndjson" }
            """, directory: fifo.directory)
        let client = daemon.client
        #expect(try client.get("/healthz").status == 200)
        let startUp = Date().timeIntervalSince(launched)
        #expect(startUp < 2, "/healthz answered \(startUp) s after launch")

        // The metrics say the output is not writable, and why.
        let label = "file:\(fifo.path)"
        let reason = try DaemonEndToEndTests.eventually { () -> String? in
            guard let output = try Self.outputs(client, "blocked").first, output["writable"] as? Bool == false else { return nil }
            return output["not_writable_reason"] as? String
        }
        #expect(reason.contains("FIFO without a reader"), "\(reason)")
        let prometheus = try client.get("/metrics").text
        #expect(prometheus.contains(#"streamd_output_writable{pipeline="blocked",output="\#(label)"} 0"#), "\(prometheus)")
        #expect(prometheus.contains(#"streamd_output_writable{pipeline="other",output="memory"} 1"#), "\(prometheus)")
        #expect(prometheus.contains(#"streamd_output_writable{pipeline="other",output="file:"#))

        // The other pipeline takes events and delivers them meanwhile.
        #expect(try client.post("/v1/pipelines/other/events", json: #"{"id": -1}"#).status == 202)
        let delivered = try DaemonEndToEndTests.eventually { () -> [Any]? in
            let events = try client.get("/v1/pipelines/other/output").json["events"] as? [Any] ?? []
            return events.isEmpty ? nil : events
        }
        #expect(delivered.count == 1)

        // The blocked pipeline takes events (202) until its buffers are full (429)…
        var accepted: [Int] = []
        var next = 0
        var full = false
        let deadline = Date().addingTimeInterval(60)
        while !full, Date() < deadline {
            let ids = Array(next..<(next + 10))
            next += 10
            let body = ids.map { #"{"id": \#($0)}"# }.joined(separator: "\n")
            let response = try client.post("/v1/pipelines/blocked/events", json: body, contentType: "application/x-ndjson")
            switch response.status {
            case 202: accepted += ids
            case 429: full = true
            default:
                Issue.record("unexpected \(response.status): \(response.text)")
                return
            }
        }
        #expect(full, "the blocked pipeline never filled up")
        #expect(!accepted.isEmpty)
        let probe = Date()
        #expect(try client.get("/healthz").status == 200)
        #expect(Date().timeIntervalSince(probe) < 0.5)

        // …and once the FIFO has a reader, every accepted event comes out of it, once.
        let reader = try fifo.openReader()
        defer { close(reader) }
        let lines = LineCollector(descriptor: reader)
        Thread { lines.run() }.start()
        defer { lines.stop() }
        let received = try DaemonEndToEndTests.eventually(timeout: 30) { lines.ids.count >= accepted.count ? lines.ids : nil }
        #expect(received.sorted() == accepted, "accepted \(accepted.count), received \(received.count)")
        _ = try DaemonEndToEndTests.eventually { try Self.outputs(client, "blocked").first?["writable"] as? Bool == true ? true : nil }

        // One log line when the outage began and one when it ended, not one per retry.
        let log = daemon.logText
        #expect(log.components(separatedBy: "output \(label) not writable").count == 2, "\(log)")
        #expect(log.components(separatedBy: "output \(label) writable again").count == 2, "\(log)")
        #expect(daemon.terminate() == 0, "\(daemon.logText)")
    }

    @Test func aStopWaitingForAnUnwritableOutputGivesUpAfterShutdownTimeout() throws {
        let fifo = try UnreadFIFO("giveup")
        defer { withExtendedLifetime(fifo) {} }
        let second = try fifo.another("second")
        let daemon = try StreamdProcess(config: """
            server:
              listen: "LISTEN"
            state_dir: "STATE_DIR"
            shutdown_timeout: "1s"
            pipelines:
              first:
                outputs:
                  - file: { path: "\(fifo.path)" }
              second:
                outputs:
                  - file: { path: "\(second)" }
            """, directory: fifo.directory)
        let client = daemon.client
        let batch = (0..<20).map { #"{"id": \#($0)}"# }.joined(separator: "\n")
        for pipeline in ["first", "second"] {
            #expect(try client.post("/v1/pipelines/\(pipeline)/events", json: batch, contentType: "application/x-ndjson").status == 202)
        }

        // `stop` drains for at most shutdown_timeout, then says what it could not deliver.
        let start = Date()
        let stop = try client.request("POST", "/v1/pipelines/first/stop")
        let took = Date().timeIntervalSince(start)
        #expect(stop.status == 200)
        #expect(took > 0.9 && took < 4, "stop took \(took) s")
        #expect(stop.json["state"] as? String == "stopped", "\(stop.text)")
        #expect((stop.json["last_error"] as? String)?.contains("before it drained") == true, "\(stop.text)")
        #expect(daemon.logText.contains("output file:\(fifo.path) did not deliver 20 events"), "\(daemon.logText)")
        #expect(try client.post("/v1/pipelines/first/events", json: "{}").status == 409)

        // SIGTERM while a stop of the other one drains: both wait for the same drain, which gives
        // up once, within shutdown_timeout of the first; the exit status says not everything
        // was delivered.
        let statuses = StatusList()
        let stopping = Date()
        Thread { statuses.append((try? client.request("POST", "/v1/pipelines/second/stop"))?.status ?? 0) }.start()
        _ = try DaemonEndToEndTests.eventually { try client.get("/v1/pipelines/second").json["state"] as? String == "draining" ? true : nil }
        Thread.sleep(forTimeInterval: 0.5)  // SIGTERM well after the stop began: its deadline is the stop's
        let status = daemon.terminate(timeout: 10)
        let exited = Date().timeIntervalSince(stopping)
        #expect(status == 1, "\(daemon.logText)")
        #expect(exited < 3, "exit took \(exited) s after the stop began")
        #expect(try DaemonEndToEndTests.eventually { statuses.values.first } == 200, "the stop was answered before the daemon exited")
        let undelivered = "output file:\(second) did not deliver 20 events"
        #expect(daemon.logText.components(separatedBy: undelivered).count == 2, "logged once: \(daemon.logText)")
    }

    @Test func theControlAPIAndReloadNeverWaitForAnOutputToOpen() throws {
        let fifo = try UnreadFIFO("api")
        defer { withExtendedLifetime(fifo) {} }
        let reloaded = try fifo.another("reloaded")
        let config = """
            server:
              listen: "LISTEN"
            state_dir: "STATE_DIR"
            shutdown_timeout: "1s"
            pipelines:
              plain: {}
            """
        let daemon = try StreamdProcess(config: config, directory: fifo.directory)
        let client = daemon.client
        func timed(_ method: String, _ path: String, _ body: String = "") throws -> (HTTPTestClient.Response, TimeInterval) {
            let start = Date()
            let response = try client.request(method, path, headers: ["Content-Type": "application/json"], body: Data(body.utf8))
            return (response, Date().timeIntervalSince(start))
        }

        let definition = #"{"outputs": [{"file": {"path": "\#(fifo.path)"}}]}"#
        let (created, createTook) = try timed("PUT", "/v1/pipelines/made", definition)
        #expect(created.status == 201 && createTook < 2, "PUT: \(created.status) after \(createTook) s: \(created.text)")
        #expect(created.json["state"] as? String == "running")
        #expect(try client.post("/v1/pipelines/made/events", json: #"{"id": 1}"#).status == 202)
        // Restarting drains for at most shutdown_timeout (the event cannot be written), then starts.
        let (restarted, restartTook) = try timed("POST", "/v1/pipelines/made/restart")
        #expect(restarted.status == 200 && restartTook < 4, "restart: \(restarted.status) after \(restartTook) s")
        #expect(restarted.json["state"] as? String == "running")
        // Nothing inside: deleting does not wait for the output.
        let (deleted, deleteTook) = try timed("DELETE", "/v1/pipelines/made")
        #expect(deleted.status == 200 && deleteTook < 2, "DELETE: \(deleted.status) after \(deleteTook) s")

        try daemon.rewriteConfig(config + """

              reloaded:
                outputs:
                  - file: { path: "\(reloaded)" }
            """)
        let (reload, reloadTook) = try timed("POST", "/v1/reload")
        #expect(reload.status == 200 && reloadTook < 2, "reload: \(reload.status) after \(reloadTook) s: \(reload.text)")
        #expect(reload.json["added"] as? [String] == ["reloaded"], "\(reload.text)")
        #expect(try client.post("/v1/pipelines/reloaded/events", json: #"{"id": 2}"#).status == 202)
        #expect(try client.get("/healthz").status == 200)
        let output = try DaemonEndToEndTests.eventually { try Self.outputs(client, "reloaded").first.flatMap { $0["writable"] as? Bool == false ? $0 : nil } }
        #expect((output["not_writable_reason"] as? String)?.contains("FIFO without a reader") == true, "\(output)")
        #expect(daemon.terminate() == 1, "the reloaded pipeline's event was never delivered: \(daemon.logText)")
    }

    /// A stop that waits out `shutdown_timeout` for an unwritable output holds no HTTP thread:
    /// with a single one, `/healthz` and ingestion elsewhere still answer at once meanwhile.
    @Test func aDrainingStopHoldsNoHTTPThread() throws {
        let fifo = try UnreadFIFO("holdnothread")
        defer { withExtendedLifetime(fifo) {} }
        let daemon = try StreamdProcess(config: """
            server:
              listen: "LISTEN"
              threads: 1
            state_dir: "STATE_DIR"
            shutdown_timeout: "3s"
            pipelines:
              blocked:
                outputs:
                  - file: { path: "\(fifo.path)" }
              other: {}
            """, directory: fifo.directory)
        let client = daemon.client
        #expect(try client.post("/v1/pipelines/blocked/events", json: #"{"id": 1}"#).status == 202)
        let statuses = StatusList()
        let stopping = Thread { statuses.append((try? client.request("POST", "/v1/pipelines/blocked/stop"))?.status ?? 0) }
        stopping.start()
        _ = try DaemonEndToEndTests.eventually { try client.get("/v1/pipelines/blocked").json["state"] as? String == "draining" ? true : nil }
        let start = Date()
        #expect(try client.get("/healthz").status == 200)
        #expect(try client.post("/v1/pipelines/other/events", json: #"{"id": 2}"#).status == 202)
        let took = Date().timeIntervalSince(start)
        #expect(took < 1, "/healthz and ingestion took \(took) s while a stop drained")
        let stopped = try DaemonEndToEndTests.eventually(timeout: 10) { statuses.values.first }
        #expect(stopped == 200)
        #expect(daemon.terminate() == 0)
    }

    /// Eight pipelines stopping at once, each draining towards an output that cannot be opened:
    /// the stops are parked connections answered from tasks, so `/healthz` on the one HTTP
    /// thread stays prompt throughout, and every stop is answered after `shutdown_timeout`.
    @Test func healthStaysPromptWhileEightPipelinesDrain() throws {
        let fifo = try UnreadFIFO("eightdrains")
        defer { withExtendedLifetime(fifo) {} }
        let names = (1...8).map { "p\($0)" }
        var pipelines = ""
        for name in names {
            pipelines += "  \(name):\n    outputs:\n      - file: { path: \"\(try fifo.another(name))\" }\n"
        }
        let daemon = try StreamdProcess(config: """
            server:
              listen: "LISTEN"
              threads: 1
            state_dir: "STATE_DIR"
            shutdown_timeout: "3s"
            pipelines:
            \(pipelines)
            """, directory: fifo.directory)
        let client = daemon.client
        for name in names { #expect(try client.post("/v1/pipelines/\(name)/events", json: #"{"id": 1}"#).status == 202) }
        let statuses = StatusList()
        let began = Date()
        for name in names {
            Thread { statuses.append((try? client.request("POST", "/v1/pipelines/\(name)/stop"))?.status ?? 0) }.start()
        }
        _ = try DaemonEndToEndTests.eventually {
            try names.allSatisfy { try client.get("/v1/pipelines/\($0)").json["state"] as? String == "draining" } ? true : nil
        }
        var latencies: [Double] = []
        while Date().timeIntervalSince(began) < 2.5 {
            let start = Date()
            #expect(try client.get("/healthz").status == 200)
            latencies.append(Date().timeIntervalSince(start))
        }
        latencies.sort()
        let (median, worst) = (latencies[latencies.count / 2], latencies.last ?? 0)
        print("/healthz while 8 pipelines drained: \(latencies.count) requests, median \(Int(median * 1e6)) µs, max \(Int(worst * 1e6)) µs")
        #expect(worst < 0.25, "/healthz took up to \(worst) s while 8 pipelines drained")
        let answered = try DaemonEndToEndTests.eventually(timeout: 15) { statuses.values.count == 8 ? statuses.values : nil }
        #expect(answered == Array(repeating: 200, count: 8))
        #expect(Date().timeIntervalSince(began) > 2.9, "each stop waited out shutdown_timeout")
        #expect(daemon.terminate() == 0)
    }

    /// The `outputs` of one pipeline in `/v1/metrics`.
    static func outputs(_ client: HTTPTestClient, _ pipeline: String) throws -> [[String: Any]] {
        let pipelines = try client.get("/v1/metrics").json["pipelines"] as? [String: Any]
        return (pipelines?[pipeline] as? [String: Any])?["outputs"] as? [[String: Any]] ?? []
    }
}
