import Foundation
import Testing

/// `POST /v1/reload` and SIGHUP on the real binary: only what changed restarts, a broken file
/// changes nothing, and the listener is never re-bound.
@Suite(.serialized) struct ReloadEndToEndTests {
    static func config(_ pipelines: String) -> String {
        """
        server:
          listen: "LISTEN"
        state_dir: "STATE_DIR"
        pipelines:
        \(pipelines)
        """
    }

    static let before = config("""
          keep:
            stages:
              - filter: 'exists(.id)'
          change:
            stages:
              - filter: 'exists(.id)'
          drop:
            stages:
              - filter: 'exists(.id)'
        """)

    static let after = config("""
          keep:
            stages:
              - filter: 'exists(.id)'
          change:
            stages:
              - filter: 'exists(.id)'
              - set: { tagged: 'true' }
          fresh:
            stages:
              - set: { fresh: 'true' }
        """)

    static func accepted(_ client: HTTPTestClient, _ pipeline: String) throws -> Int? {
        let metrics = try client.get("/v1/metrics").json
        return (((metrics["pipelines"] as? [String: Any])?[pipeline] as? [String: Any])?["ingest"] as? [String: Any])?["events_accepted"] as? Int
    }

    @Test func onlyChangedPipelinesRestart() throws {
        let systemd = try NotifySocket()
        defer { systemd.close() }
        let daemon = try StreamdProcess(config: Self.before, environment: ["NOTIFY_SOCKET": systemd.path])
        let client = daemon.client
        #expect(try client.post("/v1/pipelines/keep/events", json: #"[{"id": 1}, {"id": 2}]"#).status == 202)
        #expect(try client.post("/v1/pipelines/change/events", json: #"{"id": 1}"#).status == 202)

        try daemon.rewriteConfig(Self.after)
        let reload = try client.post("/v1/reload", json: "")
        #expect(reload.status == 200, "\(reload.text)")
        #expect(reload.json["unchanged"] as? [String] == ["keep"])
        #expect(reload.json["changed"] as? [String] == ["change"])
        #expect(reload.json["added"] as? [String] == ["fresh"])
        #expect(reload.json["removed"] as? [String] == ["drop"])
        #expect(reload.json["restart_required"] as? [String] == [])

        // The unchanged pipeline kept its counters; the changed one is new; the port is the same.
        #expect(try Self.accepted(client, "keep") == 2)
        #expect(try Self.accepted(client, "change") == 0)
        #expect(try client.get("/v1/pipelines/drop").status == 404)
        #expect(try client.post("/v1/pipelines/change/events", json: #"{"id": 7}"#).status == 202)
        #expect(try client.post("/v1/pipelines/fresh/events", json: #"{"id": 8}"#).status == 202)
        var output: [[String: Any]] = []
        for _ in 0..<500 where output.isEmpty {
            output = try client.get("/v1/pipelines/change/output").json["events"] as? [[String: Any]] ?? []
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(output.last?["tagged"] as? Bool == true, "\(output)")

        // systemd was told: RELOADING=1 (with the monotonic time), then READY=1 again.
        let reloading = try #require(systemd.messages.firstIndex { $0.contains("RELOADING=1") }, "\(systemd.messages)")
        #expect(systemd.messages[reloading].contains("MONOTONIC_USEC="))
        #expect(systemd.messages[(reloading + 1)...].contains { $0.contains("READY=1") })
        #expect(daemon.terminate() == 0)
    }

    @Test func aBrokenFileChangesNothing() throws {
        let daemon = try StreamdProcess(config: Self.before)
        let client = daemon.client
        #expect(try client.post("/v1/pipelines/keep/events", json: #"{"id": 1}"#).status == 202)
        try daemon.rewriteConfig(Self.config("""
              keep:
                stages:
                  - filter: '.id >'
            """))
        let reload = try client.post("/v1/reload", json: "")
        #expect(reload.status == 400)
        #expect((reload.json["error"] as? [String: Any])?["code"] as? String == "invalid_config")
        let errors = (reload.json["error"] as? [String: Any])?["errors"] as? [[String: Any]] ?? []
        #expect(errors.first?["path"] as? String == "pipelines.keep.stages[0].filter", "\(reload.text)")
        // Traffic keeps flowing on the running configuration.
        #expect(try client.post("/v1/pipelines/drop/events", json: #"{"id": 1}"#).status == 202)
        #expect(try Self.accepted(client, "keep") == 1)
        #expect(daemon.terminate() == 0)
    }

    @Test func sighupReloadsToo() throws {
        let daemon = try StreamdProcess(config: Self.before)
        let client = daemon.client
        try daemon.rewriteConfig(Self.after)
        kill(daemon.process.processIdentifier, SIGHUP)
        var status = 0
        for _ in 0..<500 where status != 200 {
            status = try client.get("/v1/pipelines/fresh").status
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(status == 200)
        #expect(daemon.logText.contains("msg=reloaded"), "\(daemon.logText)")
        #expect(daemon.process.isRunning)
        #expect(daemon.terminate() == 0)
    }
}
