import Foundation
import Testing

/// The real binary under a pretend systemd: its own `NOTIFY_SOCKET` and watchdog.
@Suite(.serialized) struct SystemdEndToEndTests {
    static let config = """
        server:
          listen: "LISTEN"
        state_dir: "STATE_DIR"
        pipelines:
          web:
            stages:
              - filter: 'exists(.user_id)'
          idle:
            autostart: false
        """

    @Test func readyStatusWatchdogAndStopping() throws {
        let systemd = try NotifySocket()
        defer { systemd.close() }
        // A 400 ms watchdog: streamd must ping every 200 ms.
        let daemon = try StreamdProcess(config: Self.config, environment: ["NOTIFY_SOCKET": systemd.path, "WATCHDOG_USEC": "400000"])

        let readyMessage = try #require(systemd.waitFor { $0.contains("READY=1") }, "no READY=1; log:\n\(daemon.logText)")
        #expect(readyMessage.contains("STATUS=ready: 1 of 2 pipelines running, 0 events accepted, 0 alerts firing"), "\(readyMessage)")
        #expect(!systemd.messages.prefix { !$0.contains("READY=1") }.contains { $0.contains("WATCHDOG=1") },
                "no watchdog ping before READY")
        // It reported READY only once it was listening: the port answers.
        #expect(try daemon.client.get("/healthz").status == 200)

        let posted = try daemon.client.post("/v1/pipelines/web/events", json: #"[{"user_id": "a"}, {"user_id": "b"}, {"x": 1}]"#)
        #expect(posted.status == 202)
        #expect(systemd.waitFor { $0.contains("STATUS=ready: 1 of 2 pipelines running, 3 events accepted") } != nil,
                "no live STATUS; got \(systemd.messages.suffix(3))")

        let start = Date()
        Thread.sleep(forTimeInterval: 1)
        let pings = systemd.messages.filter { $0 == "WATCHDOG=1" }.count
        #expect(pings >= 3, "\(pings) watchdog pings in \(Date().timeIntervalSince(start)) s")

        // A reload: RELOADING=1 (with the monotonic time it began), then READY=1 again.
        #expect(try daemon.client.post("/v1/reload", json: "").status == 200)

        #expect(daemon.terminate() == 0)
        let messages = systemd.messages
        let ready = try #require(messages.firstIndex { $0.contains("READY=1") })
        let reloading = try #require(messages.firstIndex { $0.contains("RELOADING=1") }, "no RELOADING=1")
        let readyAgain = try #require(messages.lastIndex { $0.contains("READY=1") })
        let stopping = try #require(messages.firstIndex { $0.contains("STOPPING=1") }, "no STOPPING=1")
        #expect(ready < reloading && reloading < readyAgain && readyAgain < stopping, "order: \(messages.filter { !$0.hasPrefix("WATCHDOG") })")
        #expect(messages[reloading].contains("MONOTONIC_USEC="))
        #expect(messages[stopping].contains("STATUS=draining"))
    }

    /// Hook programs never see the notify socket, nor any other socket of the daemon's.
    @Test func theNotifySocketIsNotPassedOn() throws {
        let systemd = try NotifySocket()
        defer { systemd.close() }
        let scratch = try ScratchDirectory("env")
        defer { scratch.remove() }
        let output = scratch.file("env.out")
        // The environment, then what every descriptor from 3 up points to.
        let script = try scratch.script("env.sh", """
            #!/bin/sh
            env > "\(output.path)"
            for f in /proc/$$/fd/*; do n=${f##*/}; [ "$n" -ge 3 ] && echo "fd $n $(readlink "$f")" >> "\(output.path)"; done
            echo done >> "\(output.path)"
            """)
        let config = """
            server:
              listen: "LISTEN"
            state_dir: "STATE_DIR"
            hooks:
              dump: { exec: { argv: ["\(script.path)"] } }
            pipelines:
              m:
                stages:
                  - window: { type: tumbling, size: 1, aggregates: { n: 'count()' } }
                  - alert: { when: 'n >= 1', hooks: [dump] }
            """
        let daemon = try StreamdProcess(config: config, environment: ["NOTIFY_SOCKET": systemd.path, "WATCHDOG_USEC": "400000"])
        #expect(try daemon.client.post("/v1/pipelines/m/events", json: #"{"a": 1}"#).status == 202)
        var environment = ""
        for _ in 0..<1000 where !environment.contains("done") {
            environment = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(environment.contains("STREAMD_ALERT_STATE=firing"), "\(environment)")
        #expect(!environment.contains("NOTIFY_SOCKET") && !environment.contains("WATCHDOG_USEC"))
        // No socket of the daemon's (listener, clients, notify) is open in the hook.
        let inherited = environment.split(separator: "\n").filter { $0.hasPrefix("fd ") && $0.contains("socket:") }
        #expect(inherited.isEmpty, "\(inherited)")
        #expect(daemon.terminate() == 0)
    }
}
