import Foundation
import Testing

/// Pipelines defined at runtime: `PUT` (with `?dry_run=true`), `DELETE`, persistence.
@Suite(.serialized) struct DefinitionEndToEndTests {
    static let config = """
        server:
          listen: "LISTEN"
        state_dir: "STATE_DIR"
        pipelines:
          from-file:
            stages:
              - filter: 'true'
        """

    static let definition = #"{"buffer": 64, "stages": [{"name": "keep", "filter": ".ok == true"}, {"name": "tag", "set": {"via": "\"api\""}}]}"#

    @Test func createReplaceDeleteAndPersist() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("streamd-def-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let daemon = try StreamdProcess(config: Self.config, directory: directory)
            let client = daemon.client
            let put = { (body: String, query: String) in
                try client.request("PUT", "/v1/pipelines/made\(query)", headers: ["Content-Type": "application/json"], body: Data(body.utf8))
            }
            let dry = try put(Self.definition, "?dry_run=true")
            #expect(dry.status == 200 && dry.json["valid"] as? Bool == true)
            #expect(try client.get("/v1/pipelines/made").status == 404, "a dry run creates nothing")

            let invalid = try put(#"{"buffer": 0, "stages": [{"filter": "1 +"}, {"bogus": 1}], "extra": true}"#, "")
            #expect(invalid.status == 400, "\(invalid.text)")
            let errors = (invalid.json["error"] as? [String: Any])?["errors"] as? [[String: Any]] ?? []
            let paths = Set(errors.compactMap { $0["path"] as? String })
            #expect(paths.isSuperset(of: ["buffer", "stages[0].filter", "stages[1]", "extra"]), "\(errors)")

            let created = try put(Self.definition, "")
            #expect(created.status == 201 && created.json["state"] as? String == "running", "\(created.text)")
            #expect(try client.post("/v1/pipelines/made/events", json: #"[{"ok": true}, {"ok": false}]"#).status == 202)
            let replaced = try put(Self.definition, "")
            #expect(replaced.status == 200)
            #expect(try put(Self.definition, "").status == 200, "PUT is idempotent")

            let fileOwned = try client.request("PUT", "/v1/pipelines/from-file", headers: [:], body: Data(Self.definition.utf8))
            #expect(fileOwned.status == 409)
            #expect(try client.request("DELETE", "/v1/pipelines/from-file").status == 409)
            #expect(daemon.terminate() == 0)
        }
        do {
            // A new process with the same state directory brings the API pipeline back.
            let daemon = try StreamdProcess(config: Self.config, directory: directory)
            let client = daemon.client
            let restored = try client.get("/v1/pipelines/made")
            #expect(restored.status == 200 && restored.json["state"] as? String == "running", "\(restored.text)")
            #expect((restored.json["definition"] as? [String: Any])?["buffer"] as? Int == 64)
            #expect(try client.post("/v1/pipelines/made/events", json: #"{"ok": true}"#).status == 202)
            let output = try DaemonEndToEndTests.eventually { () -> [[String: Any]]? in
                let events = try client.get("/v1/pipelines/made/output").json["events"] as? [[String: Any]] ?? []
                return events.isEmpty ? nil : events
            }
            #expect(output.first?["via"] as? String == "api")
            let deleted = try client.request("DELETE", "/v1/pipelines/made")
            #expect(deleted.status == 200, "\(deleted.text)")
            #expect(try client.get("/v1/pipelines/made").status == 404)
            #expect(try client.request("DELETE", "/v1/pipelines/made").status == 404)
            #expect(daemon.terminate() == 0)
        }
        do {
            let daemon = try StreamdProcess(config: Self.config, directory: directory)
            #expect(try daemon.client.get("/v1/pipelines/made").status == 404, "a deleted pipeline stays deleted")
            #expect(daemon.terminate() == 0)
        }
    }
}
