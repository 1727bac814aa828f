import Foundation
import Testing

/// `/readyz` and ingestion while a pipeline cannot run or the daemon drains.
@Suite(.serialized) struct ReadinessEndToEndTests {
    /// An output that cannot be opened does not fail its pipeline: it is retried in the
    /// background and reported (metrics, log), the pipeline runs and holds what it accepts, and
    /// the daemon is ready. At shutdown the event it could not write is given up on after
    /// `shutdown_timeout`, and said so.
    @Test func anOutputThatCannotBeOpenedIsRetriedNotFatal() throws {
        let daemon = try StreamdProcess(config: """
            server:
              listen: "LISTEN"
            state_dir: "STATE_DIR"
            shutdown_timeout: "1s"
            pipelines:
              broken:
                outputs:
                  - file: { path: "/proc/streamd-cannot-write-here/out.ndjson" }
              fine: {}
            """)
        let client = daemon.client
        #expect(try client.get("/readyz").status == 200)
        let broken = try client.get("/v1/pipelines/broken").json
        #expect(broken["state"] as? String == "running", "\(broken)")
        let output = try DaemonEndToEndTests.eventually { () -> [String: Any]? in
            let output = try UnwritableOutputEndToEndTests.outputs(client, "broken").first
            return output?["writable"] as? Bool == false ? output : nil
        }
        #expect((output["not_writable_reason"] as? String)?.contains("cannot open") == true, "\(output)")
        #expect(try client.post("/v1/pipelines/broken/events", json: "{}").status == 202)
        #expect(try client.post("/v1/pipelines/fine/events", json: "{}").status == 202)
        #expect(daemon.terminate() == 1)
        #expect(daemon.logText.contains("output file:/proc/streamd-cannot-write-here/out.ndjson did not deliver 1 event"), "\(daemon.logText)")
    }

    /// An autostart pipeline that does not run (here: stopped over the API) makes the daemon not
    /// ready, with the reason; starting it again makes it ready.
    @Test func anAutostartPipelineThatDoesNotRunMakesTheDaemonNotReady() throws {
        let daemon = try StreamdProcess(config: """
            server:
              listen: "LISTEN"
            state_dir: "STATE_DIR"
            pipelines:
              first: {}
              second: {}
            """)
        let client = daemon.client
        #expect(try client.get("/readyz").status == 200)
        #expect(try client.request("POST", "/v1/pipelines/second/stop").status == 200)
        let notReady = try client.get("/readyz")
        #expect(notReady.status == 503 && notReady.header("Retry-After") != nil)
        #expect(notReady.json["reasons"] as? [String] == ["pipeline second is stopped"], "\(notReady.text)")
        #expect(try client.request("POST", "/v1/pipelines/second/start").status == 200)
        #expect(try client.get("/readyz").status == 200)
        #expect(daemon.terminate() == 0)
    }

    /// While SIGTERM drains a pipeline stuck on a slow output, readiness and ingestion answer
    /// 503; once the output catches up, the drain completes and the process exits 0.
    @Test func drainingDaemonAnswers503UntilItExits() throws {
        let slow = try SlowOutput("drain")
        defer { withExtendedLifetime(slow) {} }  // the read end stays open until the test ends
        let (directory, fifo, reader) = (slow.directory, slow.path, slow.reader)
        let daemon = try StreamdProcess(config: """
            server:
              listen: "LISTEN"
            state_dir: "STATE_DIR"
            shutdown_timeout: "30s"
            pipelines:
              stuck:
                buffer: 64
                outputs:
                  - file: { path: "\(fifo)" }
            """, directory: directory)
        let client = daemon.client
        // Fill the FIFO (64 KiB) and the pipeline's buffers with events nobody reads yet.
        let accepted = try #require(try SlowOutput.fill(client, pipeline: "stuck"))
        kill(daemon.process.processIdentifier, SIGTERM)
        let notReady = try DaemonEndToEndTests.eventually { () -> HTTPTestClient.Response? in
            let response = try client.get("/readyz")
            return response.status == 503 ? response : nil
        }
        #expect((notReady.json["reasons"] as? [String])?.contains("shutting down") == true, "\(notReady.text)")
        let refused = try client.post("/v1/pipelines/stuck/events", json: "{}")
        #expect(refused.status == 503 && refused.header("Retry-After") != nil, "\(refused.text)")
        #expect(try client.get("/healthz").status == 200, "liveness holds while draining")
        #expect(daemon.process.isRunning, "the drain waits for the slow output")

        // Let the output catch up: the drain finishes and every accepted event came out.
        let lines = LineCounter(descriptor: reader)
        let status = daemon.terminate(timeout: 30)
        lines.drainRemaining()
        #expect(status == 0, "\(daemon.logText)")
        #expect(lines.count == accepted)
    }
}

/// Counts newline-terminated lines read from a non-blocking descriptor.
final class LineCounter: @unchecked Sendable {
    // @unchecked: `count` is written by the reading thread and read after it has stopped.
    private let descriptor: Int32
    private(set) var count = 0
    private var thread: Thread?
    private let done = NSLock()
    private var stopping = false

    init(descriptor: Int32) {
        self.descriptor = descriptor
        let thread = Thread { [unowned self] in self.run() }
        self.thread = thread
        thread.start()
    }

    private func run() {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let read = Foundation.read(descriptor, &chunk, chunk.count)
            if read > 0 {
                count += chunk[0..<read].filter { $0 == UInt8(ascii: "\n") }.count
            } else {
                if done.withLock({ stopping }) { return }
                Thread.sleep(forTimeInterval: 0.002)
            }
        }
    }

    /// Reads what is left (the writer has exited), then stops the thread.
    func drainRemaining() {
        Thread.sleep(forTimeInterval: 0.05)
        done.withLock { stopping = true }
        while thread?.isFinished == false { Thread.sleep(forTimeInterval: 0.005) }
    }
}
