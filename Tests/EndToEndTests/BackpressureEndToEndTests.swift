import Foundation
import Testing

/// Ingestion's contract under backpressure and shutdown: 429 when full, nothing duplicated or
/// lost on retry, and everything accepted delivered when SIGTERM drains the pipeline.
@Suite(.serialized) struct BackpressureEndToEndTests {
    /// A pipeline whose only output is a FIFO the test reads only when it wants to: a truly slow
    /// consumer, so the pipeline backs up to its input and ingestion must answer 429.
    @Test func fullPipelineAnswers429AndRetriesNeitherLoseNorDuplicate() throws {
        let slow = try SlowOutput("bp")
        defer { withExtendedLifetime(slow) {} }  // the read end stays open until the test ends
        let (directory, fifo, reader) = (slow.directory, slow.path, slow.reader)
        let daemon = try StreamdProcess(config: """
            server:
              listen: "LISTEN"
            state_dir: "STATE_DIR"
            pipelines:
              slow:
                buffer: 4
                ingest: { max_wait: "20ms" }
                stages:
                  - name: pass
                    buffer: 1
                    filter: 'true'
                outputs:
                  - file: { path: "\(fifo)" }
            """, directory: directory)
        let client = daemon.client
        let padding = String(repeating: "x", count: 2000)
        var accepted: [Int] = []
        var next = 0
        var refused: (ids: [Int], response: HTTPTestClient.Response)?
        let deadline = Date().addingTimeInterval(60)
        while refused == nil, Date() < deadline {
            let ids = Array(next..<(next + 4))
            next += 4
            let body = "[" + ids.map { #"{"id": \#($0), "pad": "\#(padding)"}"# }.joined(separator: ",") + "]"
            let response = try client.post("/v1/pipelines/slow/events", json: body)
            switch response.status {
            case 202: accepted += ids
            case 429: refused = (ids, response)
            default: Issue.record("unexpected \(response.status): \(response.text)")
            }
        }
        guard let (retryIDs, rejection) = refused else {
            Issue.record("the pipeline never filled up")
            return
        }
        #expect(rejection.header("Retry-After") == "1")
        #expect((rejection.json["error"] as? [String: Any])?["code"] as? String == "backpressure")

        // Drain the FIFO in the background, then retry the refused batch until it is taken.
        let lines = LineCollector(descriptor: reader)
        let drainer = Thread { lines.run() }
        drainer.start()
        let body = "[" + retryIDs.map { #"{"id": \#($0), "pad": "\#(padding)"}"# }.joined(separator: ",") + "]"
        var retried = false
        while !retried, Date() < deadline {
            let response = try client.post("/v1/pipelines/slow/events", json: body)
            if response.status == 202 { retried = true } else { #expect(response.status == 429) }
        }
        #expect(retried)
        accepted += retryIDs
        #expect(try client.request("POST", "/v1/pipelines/slow/stop").status == 200)  // drains everything
        let received = try DaemonEndToEndTests.eventually { () -> [Int]? in
            let ids = lines.ids
            return ids.count >= accepted.count ? ids : nil
        }
        lines.stop()
        #expect(received.count == accepted.count, "no event lost or duplicated")
        #expect(Set(received) == Set(accepted))
        #expect(daemon.terminate() == 0)
    }

    /// Requests waiting for room in a full pipeline are parked, not slept on an HTTP thread:
    /// with 32 of them waiting out a 2 s `max_wait`, `/healthz` still answers at once, and each
    /// waiting request ends in 429 after about `max_wait`.
    @Test func waitingRequestsDoNotBlockTheHTTPThreads() throws {
        let slow = try SlowOutput("park")
        defer { withExtendedLifetime(slow) {} }  // the read end stays open until the test ends
        let (directory, fifo, reader) = (slow.directory, slow.path, slow.reader)
        let daemon = try StreamdProcess(config: """
            server:
              listen: "LISTEN"
            state_dir: "STATE_DIR"
            pipelines:
              stuck:
                buffer: 8
                ingest: { max_wait: "2s" }
                outputs:
                  - file: { path: "\(fifo)" }
            """, directory: directory)
        let client = daemon.client
        #expect(try SlowOutput.fill(client, pipeline: "stuck") != nil)
        let statuses = StatusList()
        let waiters = (0..<32).map { _ in
            Thread { statuses.append((try? client.post("/v1/pipelines/stuck/events", json: "{}"))?.status ?? 0) }
        }
        waiters.forEach { $0.start() }
        Thread.sleep(forTimeInterval: 0.3)  // they are all waiting now
        let start = Date()
        #expect(try client.get("/healthz").status == 200)
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 0.5, "/healthz took \(elapsed) s while 32 requests waited for room")
        let done = try DaemonEndToEndTests.eventually(timeout: 10) { statuses.values.count == 32 ? statuses.values : nil }
        #expect(done.allSatisfy { $0 == 429 }, "\(done)")
        let lines = LineCounter(descriptor: reader)
        #expect(daemon.terminate(timeout: 30) == 0)
        lines.drainRemaining()
    }

    /// SIGTERM while clients are ingesting: readiness and ingestion turn 503, the pipelines
    /// drain, the process exits 0, and every accepted event was delivered.
    @Test func sigtermDuringIngestionDrainsEverythingAccepted() throws {
        let daemon = try StreamdProcess(config: """
            server:
              listen: "LISTEN"
            state_dir: "STATE_DIR"
            shutdown_timeout: "20s"
            pipelines:
              busy:
                buffer: 4096
                stages:
                  - name: work
                    workers: 2
                    set: { seen: 'true' }
                outputs:
                  - file: { path: "STATE_DIR/out.ndjson" }
            """)
        let client = daemon.client
        let sent = Counter()
        let finished = Counter()
        let sender = Thread {
            defer { finished.add(1) }
            var id = 0
            while id < 200_000 {
                let body = (id..<(id + 100)).map { #"{"id": \#($0)}"# }.joined(separator: "\n")
                guard let response = try? client.post("/v1/pipelines/busy/events", json: body, contentType: "application/x-ndjson") else { break }
                if response.status == 202 { sent.add(100) } else if response.status != 429 { break }
                id += 100
            }
        }
        sender.start()
        let deadline = Date().addingTimeInterval(30)
        while sent.value < 5_000, finished.value == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        #expect(sent.value >= 5_000, "ingestion stalled or failed: \(daemon.logText)")
        let status = daemon.terminate()
        while finished.value == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(status == 0, "\(daemon.logText)")
        let output = try String(contentsOfFile: daemon.directory.appendingPathComponent("state/out.ndjson").path, encoding: .utf8)
        let delivered = output.split(separator: "\n").count
        #expect(delivered == sent.value, "accepted \(sent.value), delivered \(delivered)")
    }
}

/// Reads newline-separated JSON from a descriptor on its own thread and keeps the `id`s.
final class LineCollector: @unchecked Sendable {
    // @unchecked: `buffer` is touched only by the reading thread; `collected` and `running` are
    // behind the lock.
    private let descriptor: Int32
    private let lock = NSLock()
    private var collected: [Int] = []
    private var running = true
    private var buffer: [UInt8] = []

    init(descriptor: Int32) { self.descriptor = descriptor }

    var ids: [Int] { lock.withLock { collected } }
    func stop() { lock.withLock { running = false } }

    func run() {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while lock.withLock({ running }) {
            let count = read(descriptor, &chunk, chunk.count)
            if count > 0 {
                buffer += chunk[0..<count]
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = Data(buffer[..<newline])
                    buffer.removeSubrange(...newline)
                    if let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any], let id = object["id"] as? Int {
                        lock.withLock { collected.append(id) }
                    }
                }
            } else {
                Thread.sleep(forTimeInterval: 0.002)
            }
        }
    }
}

/// A thread-safe counter for test threads.
final class Counter: @unchecked Sendable {
    // @unchecked: every access goes through the lock.
    private let lock = NSLock()
    private var count = 0
    func add(_ amount: Int) { lock.withLock { count += amount } }
    var value: Int { lock.withLock { count } }
}

/// Statuses collected from client threads.
final class StatusList: @unchecked Sendable {
    // @unchecked: every access goes through the lock.
    private let lock = NSLock()
    private var list: [Int] = []
    func append(_ status: Int) { lock.withLock { list.append(status) } }
    var values: [Int] { lock.withLock { list } }
}
