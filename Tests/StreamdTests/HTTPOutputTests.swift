import Foundation
import OrderedCollections
import StreamKit
import Synchronization
import TestHTTPListener
import Testing

import StreamdCore
import StreamdHTTP

@Suite struct HTTPOutputTests {
    static let events: [Event] = [["a": 1], ["b": "x", "c": [true, nil]]]
    static let ndjson = "{\"a\":1}\n{\"b\":\"x\",\"c\":[true,null]}\n"

    static func output(port: Int, retries: Int, counters: OutputCounters) -> HTTPOutput {
        HTTPOutput(url: "http://127.0.0.1:\(port)/ingest", timeout: .seconds(5), retries: retries, headers: ["Authorization": "Bearer t"],
            initialBackoff: .milliseconds(10)) { counters.retries.add(1, ordering: .relaxed) }
    }

    @Test func aServerErrorIsRetriedWithTheSameBody() async throws {
        let listener = try TestHTTPListener(statuses: [500, 200])
        defer { listener.stop() }
        let counters = OutputCounters()
        let output = Self.output(port: listener.port, retries: 3, counters: counters)
        #expect(output.label == "http:http://127.0.0.1:\(listener.port)/ingest")
        try await output.write(Self.events)
        #expect(counters.retries.load(ordering: .relaxed) == 1)
        let requests = await listener.waitForRequests(count: 2)
        #expect(requests.count == 2)
        for request in requests {
            #expect(request.method == "POST")
            #expect(request.path == "/ingest")
            #expect(request.bodyText == Self.ndjson)
            #expect(request.headers["content-type"] == "application/x-ndjson")
            #expect(request.headers["authorization"] == "Bearer t")
            #expect(request.headers["user-agent"] == "streamd/\(StreamdVersion.current)")
        }
    }

    @Test func tooManyRequestsIsRetriedToo() async throws {
        let listener = try TestHTTPListener(statuses: [429, 503])
        defer { listener.stop() }
        let counters = OutputCounters()
        try await Self.output(port: listener.port, retries: 3, counters: counters).write(Self.events)
        #expect(counters.retries.load(ordering: .relaxed) == 2)
        #expect(listener.requests.count == 3)
    }

    @Test func givesUpAfterTheLastRetry() async throws {
        let listener = try TestHTTPListener(statuses: [500, 500, 500])
        defer { listener.stop() }
        let counters = OutputCounters()
        let output = Self.output(port: listener.port, retries: 1, counters: counters)
        let error = await #expect(throws: HTTPPostError.self) { try await output.write(Self.events) }
        #expect(error?.reason == .status(500))
        #expect(listener.requests.count == 2)
        #expect(counters.retries.load(ordering: .relaxed) == 1)
    }

    @Test func aClientErrorIsNotRetried() async throws {
        let listener = try TestHTTPListener(statuses: [400])
        defer { listener.stop() }
        let counters = OutputCounters()
        await #expect(throws: HTTPPostError.self) {
            try await Self.output(port: listener.port, retries: 3, counters: counters).write(Self.events)
        }
        #expect(listener.requests.count == 1)
        #expect(counters.retries.load(ordering: .relaxed) == 0)
    }

    @Test func anUnreachableReceiverIsRetriedThenFails() async throws {
        let counters = OutputCounters()
        let output = Self.output(port: unusedPort(), retries: 2, counters: counters)
        await #expect(throws: HTTPPostError.self) { try await output.write(Self.events) }
        #expect(counters.retries.load(ordering: .relaxed) == 2)
    }

    @Test func theRunnerCountsRetriesAndSentEvents() async throws {
        let listener = try TestHTTPListener(statuses: [502])
        defer { listener.stop() }
        let counters = OutputCounters()
        let kind = HTTPOutputKind(url: "http://127.0.0.1:\(listener.port)/", timeout: .seconds(5), retries: 3)
        let runner = OutputRunner(sink: kind.makeSink(OutputContext(pipeline: "p", counters: counters)), counters: counters)
        async let run: Void = runner.run()
        try await runner.queue.send(Self.events)
        runner.queue.close()
        await run
        #expect(runner.counters.sent.load(ordering: .relaxed) == 2)
        #expect(runner.counters.retries.load(ordering: .relaxed) == 1)
    }
}

@Suite struct HTTPOutputConfigTests {
    static func outputs(_ yaml: String) throws -> [HTTPOutputKind] {
        try #require(try ConfigLoader.parse(yaml: yaml).pipelines.first).outputs.compactMap { $0 as? HTTPOutputKind }
    }

    @Test func parsesWithDefaults() throws {
        let outputs = try Self.outputs("""
            pipelines:
              p:
                outputs:
                  - http: { url: "http://127.0.0.1:9000/ingest", timeout: "2s", retries: 5, headers: { Authorization: "Bearer x" } }
                  - http: { url: "https://collector.example.com/in" }
            """)
        #expect(outputs == [
            HTTPOutputKind(url: "http://127.0.0.1:9000/ingest", timeout: .seconds(2), retries: 5, headers: ["Authorization": "Bearer x"]),
            HTTPOutputKind(url: "https://collector.example.com/in", timeout: .seconds(5), retries: 3, headers: [:]),
        ])
    }

    static let errorCases: [(yaml: String, path: String, message: String)] = [
        ("- http: {}", "pipelines.p.outputs[0].http", "an http output needs a url: an http:// or https:// URL"),
        ("- http: { url: \"file:///tmp/x\" }", "pipelines.p.outputs[0].http.url", "expected an http:// or https:// URL, got \"file:///tmp/x\""),
        ("- http: { url: \"http://a/b\", retries: 21 }", "pipelines.p.outputs[0].http.retries", "expected a whole number from 0 to 20, got 21"),
        ("- http: { url: \"http://a/b\", timeout: \"0ms\" }", "pipelines.p.outputs[0].http.timeout", "a timeout must be longer than 0s"),
        ("- http: { url: \"http://a/b\", retrys: 1 }", "pipelines.p.outputs[0].http.retrys", "unknown key; did you mean 'retries'?"),
        ("- http: { url: \"http://a/b\", headers: { \"a b\": c } }", "pipelines.p.outputs[0].http.headers.a b",
            "a header name uses letters, digits and !#$%&'*+-.^_`|~, got \"a b\""),
        ("- htp: {}", "pipelines.p.outputs[0].htp", "unknown output; use memory, file, stdout or http"),
    ]

    @Test(arguments: 0..<errorCases.count)
    func validationError(index: Int) {
        let (output, path, message) = Self.errorCases[index]
        let yaml = "pipelines:\n  p:\n    outputs:\n      \(output)"
        #expect(ConfigLoaderTests.issues(yaml) == [ConfigIssue(path: path, line: 4, message: message)])
    }
}

@Suite struct URLRedactionTests {
    @Test func credentialsAndQueriesNeverShow() {
        #expect(HTTPPoster.redacted("https://user:pa55@example.com:8443/in?token=s3cret&x=1") == "https://***@example.com:8443/in?***")
        #expect(HTTPPoster.redacted("http://127.0.0.1:9000/alerts") == "http://127.0.0.1:9000/alerts")
        #expect(HTTPOutput(url: "https://user:pa55@example.com/in?token=s3cret").label == "http:https://***@example.com/in?***")
        #expect(HookDefinition(name: "ops", kind: .webhook(url: "http://a:b@h/x")).makeTransport().label == "webhook:http://***@h/x")
    }
}
