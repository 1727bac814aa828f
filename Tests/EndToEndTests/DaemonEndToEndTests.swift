import Foundation
import Testing

/// The real binary over HTTP: endpoints, statuses and bodies as a `curl` user sees them.
@Suite(.serialized) struct DaemonEndToEndTests {
    static let config = """
        server:
          listen: "LISTEN"
          max_body_bytes: 65536
        state_dir: "STATE_DIR"
        shutdown_timeout: "10s"
        pipelines:
          web:
            buffer: 16
            stages:
              - name: validate
                filter: 'exists(.user_id)'
              - name: enrich
                workers: 2
                set: { kind: '"web"', user: 'upper(.user_id)' }
              - name: strict
                set: { double: '.n * 2' }
            outputs:
              - memory: { capacity: 100 }
          idle:
            autostart: false
        """

    @Test func healthReadinessAndListing() throws {
        let daemon = try StreamdProcess(config: Self.config)
        let client = daemon.client
        #expect(try client.get("/healthz").status == 200)
        let ready = try client.get("/readyz")
        #expect(ready.status == 200, "\(ready.text)")
        let list = try client.get("/v1/pipelines")
        #expect(list.status == 200)
        let pipelines = list.json["pipelines"] as? [[String: Any]] ?? []
        #expect(pipelines.map { $0["name"] as? String } == ["web", "idle"])
        #expect(pipelines.map { $0["state"] as? String } == ["running", "stopped"])
        let one = try client.get("/v1/pipelines/web")
        #expect(one.status == 200)
        #expect((one.json["definition"] as? [String: Any])?["buffer"] as? Int == 16)
        #expect(try client.get("/v1/pipelines/nope").status == 404)
        #expect(try client.get("/v1/pipelines/nope/output").status == 404)
        #expect(try client.get("/v1/pipelines/nope/errors").status == 404)
        let badLimit = try client.get("/v1/pipelines/web/output?limit=lots")
        #expect(badLimit.status == 400 && (badLimit.json["error"] as? [String: Any])?["code"] as? String == "invalid_limit")
        #expect(try client.get("/v1/pipelines/web/errors?limit=2").status == 200)
        let notFound = try client.get("/v2/whatever")
        #expect(notFound.status == 404)
        #expect((notFound.json["error"] as? [String: Any])?["code"] as? String == "not_found")
        let wrongMethod = try client.request("DELETE", "/healthz")
        #expect(wrongMethod.status == 405 && wrongMethod.header("Allow") == "GET")
        #expect(daemon.terminate() == 0)
    }

    @Test func ingestionStatusesAndOutput() throws {
        let daemon = try StreamdProcess(config: Self.config)
        let client = daemon.client
        let events = "/v1/pipelines/web/events"

        let one = try client.post(events, json: #"{"user_id": "u1", "n": 1}"#)
        #expect(one.status == 202 && one.json["accepted"] as? Int == 1, "\(one.text)")
        let array = try client.post(events, json: #"[{"user_id": "u2", "n": 2}, {"nope": true}, {"user_id": "u3", "n": "x"}]"#)
        #expect(array.status == 202 && array.json["accepted"] as? Int == 3, "\(array.text)")

        let ndjson = "{\"user_id\": \"u4\", \"n\": 4}\nnot json\n\n[1]\n{\"user_id\": \"u5\", \"n\": 5}\n"
        let partial = try client.post(events, json: ndjson, contentType: "application/x-ndjson")
        #expect(partial.status == 207, "\(partial.text)")
        #expect(partial.json["accepted"] as? Int == 2)
        let rejected = partial.json["rejected"] as? [[String: Any]] ?? []
        #expect(rejected.map { $0["index"] as? Int } == [1, 3], "each bad line named by its index")

        let none = try client.post(events, json: "not json at all")
        #expect(none.status == 400 && (none.json["error"] as? [String: Any])?["code"] as? String == "no_valid_events")
        #expect(try client.post(events, json: "{}", contentType: "text/plain").status == 415)
        #expect(try client.post("/v1/pipelines/nope/events", json: "{}").status == 404)
        #expect(try client.post("/v1/pipelines/idle/events", json: "{}").status == 409)
        let tooMany = "[" + Array(repeating: #"{"user_id": "x", "n": 1}"#, count: 17).joined(separator: ",") + "]"
        #expect(try client.post(events, json: tooMany).status == 413, "more events than the pipeline buffer")
        let huge = "[" + Array(repeating: #"{"user_id": "x", "n": 1}"#, count: 5000).joined(separator: ",") + "]"
        #expect(try client.post(events, json: huge).status == 413, "over max_body_bytes")

        let gzipped = try Self.gzip(#"{"user_id": "gz", "n": 6}"#)
        let zipped = try client.request("POST", events, headers: ["Content-Type": "application/json", "Content-Encoding": "gzip"], body: gzipped)
        #expect(zipped.status == 202, "\(zipped.text)")
        #expect(try client.request("POST", events, headers: ["Content-Encoding": "gzip"], body: Data("nope".utf8)).status == 400)

        // Everything accepted reaches the output or the error list.
        let outputs = try Self.eventually { () -> [[String: Any]]? in
            let events = try client.get("/v1/pipelines/web/output?limit=50").json["events"] as? [[String: Any]] ?? []
            return events.count == 5 ? events : nil
        }
        #expect(Set(outputs.compactMap { $0["user"] as? String }) == ["U1", "U2", "U4", "U5", "GZ"])
        #expect(outputs.allSatisfy { $0["kind"] as? String == "web" })
        let errors = try client.get("/v1/pipelines/web/errors").json["errors"] as? [[String: Any]] ?? []
        #expect(errors.count == 1 && errors.first?["stage"] as? String == "strict", "\(errors)")
        #expect((errors.first?["input"] as? [String: Any])?["n"] as? String == "x")

        let metrics = try client.get("/v1/metrics").json
        let web = (metrics["pipelines"] as? [String: Any])?["web"] as? [String: Any] ?? [:]
        let stages = web["stages"] as? [[String: Any]] ?? []
        #expect(stages.map { $0["name"] as? String } == ["validate", "enrich", "strict"])
        // 7 accepted: 1 + 3 (array) + 2 (NDJSON) + 1 (gzip); 1 filtered, 1 failed, 5 delivered.
        #expect(stages.first?["received"] as? Int == 7 && stages.first?["filtered"] as? Int == 1)
        #expect(stages.last?["emitted"] as? Int == 5 && stages.last?["failed"] as? Int == 1)
        let ingest = web["ingest"] as? [String: Any] ?? [:]
        #expect(ingest["events_accepted"] as? Int == 7)
        // The oversized body never reached the pipeline: the HTTP bridge refused it (413) unread.
        #expect((ingest["requests"] as? [String: Any])?["413"] as? Int == 1)

        let prometheus = try client.get("/metrics")
        #expect(prometheus.status == 200 && prometheus.header("Content-Type")?.hasPrefix("text/plain") == true)
        #expect(prometheus.text.contains(#"streamd_stage_received_total{pipeline="web",stage="validate"} 7"#), "\(prometheus.text)")
        #expect(daemon.terminate() == 0)
    }

    @Test func controlEndpointsAreIdempotent() throws {
        let daemon = try StreamdProcess(config: Self.config)
        let client = daemon.client
        for _ in 0..<2 {
            let started = try client.request("POST", "/v1/pipelines/idle/start")
            #expect(started.status == 200 && started.json["state"] as? String == "running")
        }
        #expect(try client.post("/v1/pipelines/idle/events", json: #"{"a": 1}"#).status == 202)
        for _ in 0..<2 {
            let stopped = try client.request("POST", "/v1/pipelines/idle/stop")
            #expect(stopped.status == 200 && stopped.json["state"] as? String == "stopped")
        }
        #expect(try client.post("/v1/pipelines/idle/events", json: #"{"a": 2}"#).status == 409)
        let restarted = try client.request("POST", "/v1/pipelines/idle/restart")
        #expect(restarted.status == 200 && restarted.json["state"] as? String == "running")
        #expect(try client.post("/v1/pipelines/idle/events", json: #"{"a": 3}"#).status == 202)
        // Counters keep growing across restarts; both accepted events were delivered.
        let summary = try Self.eventually { () -> [String: Any]? in
            let body = try client.get("/v1/pipelines/idle").json
            return body["delivered"] as? Int == 2 ? body : nil
        }
        #expect(summary["accepted"] as? Int == 2)
        #expect(try client.request("POST", "/v1/pipelines/nope/stop").status == 404)
        #expect(daemon.terminate() == 0)
    }

    @Test func invalidConfigurationIsRefusedWithFieldPaths() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("streamd-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.yaml")
        try """
            server:
              listen: "127.0.0.1:0"
              max_conections: 5
            pipelines:
              web:
                stages:
                  - name: broken
                    filter: 'exists(.a) &&'
                  - workers: 0
                    set: { a: '1' }
            """.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = StreamdProcess.binary
        process.arguments = ["check", "--config", file.path]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let output = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 2)
        #expect(output.contains("bad.yaml: line 3, server.max_conections: unknown key; did you mean 'max_connections'?"), "\(output)")
        #expect(output.contains("pipelines.web.stages[0].filter"), "\(output)")
        #expect(output.contains("pipelines.web.stages[1].workers"), "\(output)")
    }

    /// Polls `probe` until it returns a value (at most `timeout` seconds).
    static func eventually<T>(timeout: TimeInterval = 5, _ probe: () throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let value = try probe() { return value }
            Thread.sleep(forTimeInterval: 0.01)
        }
        if let value = try probe() { return value }
        throw HTTPTestClient.ClientError(description: "condition not reached within \(timeout) s")
    }

    static func gzip(_ text: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
}
