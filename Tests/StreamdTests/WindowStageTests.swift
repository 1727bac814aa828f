import OrderedCollections
import StreamKit
import StreamKitTesting
import Synchronization
import Testing

import StreamdCore
import StreamdHTTP

/// The daemon's side of windows and alerts: the JSON aggregator, result events, a window stage
/// in a running pipeline driven by a manual clock, and alert stages.
@Suite struct WindowStageTests {
    static func aggregates(_ spec: [(String, String)]) throws -> [NamedAggregate] {
        let yaml = "pipelines:\n  p:\n    stages:\n      - window:\n          type: tumbling\n          size: \"1s\"\n          aggregates:\n"
            + spec.map { "            \($0.0): '\($0.1)'" }.joined(separator: "\n")
        let definition = try #require(try ConfigLoader.parse(yaml: yaml).pipelines.first)
        guard let window = definition.stages[0].kind as? WindowStageKind else { throw StageError("not a window") }
        return window.definition.aggregates
    }

    static let everyFunction = [
        ("count", "count()"), ("total", "sum(.v)"), ("mean", "avg(.v)"), ("low", "min(.v)"), ("high", "max(.v)"),
        ("opening", "first(.tag)"), ("closing", "last(.tag)"), ("users", "distinct_count(.user)"),
        ("median", "quantile(.v, 0.5)"), ("tail", "p99(.v * 10)"),
    ]

    @Test func everyAggregateFunction() throws {
        let counter = InvalidValueCounter()
        let aggregator = EventAggregator(try Self.aggregates(Self.everyFunction), invalidValues: counter)
        var state = aggregator.makeState()
        let events: [(Timestamp, Event)] = [
            (3, ["v": 4, "tag": "c", "user": "u1"]),
            (1, ["v": 1, "tag": "a", "user": "u2"]),
            (2, ["v": 10, "tag": "b", "user": "u1"]),
            (4, ["v": nil, "user": "u3"]),            // null: skipped by numeric aggregates
            (5, ["v": "seven", "tag": "e"]),          // wrong type: skipped and counted
        ]
        for (time, event) in events { aggregator.add(event, at: time, to: &state) }
        let result = aggregator.result(state)
        #expect(result["count"] == 5)
        #expect(result["total"] == 15)
        #expect(result["mean"] == 5)
        #expect(result["low"] == 1 && result["high"] == 10)
        #expect(result["opening"] == "a" && result["closing"] == "e", "first/last by event time, not arrival")
        #expect(result["users"] == 3)
        let median = try #require(result["median"]?.numberValue)
        #expect(abs(median - 4) <= 0.04)
        // p99 of [10, 40, 100] is the value at rank ⌊0.99 · 2⌋ = 1 (README: the quantile bound).
        let tail = try #require(result["tail"]?.numberValue)
        #expect(abs(tail - 40) <= 0.4)
        // "seven" is skipped by the five aggregates of .v; `.v * 10` fails to evaluate (null).
        #expect(counter.value == 5)
    }

    @Test func emptyNumericAggregatesAreNull() throws {
        let aggregator = EventAggregator(try Self.aggregates(Self.everyFunction), invalidValues: InvalidValueCounter())
        var state = aggregator.makeState()
        aggregator.add(["other": 1], at: 1, to: &state)
        let result = aggregator.result(state)
        #expect(result["count"] == 1 && result["total"] == 0 && result["users"] == 0)
        for name in ["mean", "low", "high", "opening", "closing", "median", "tail"] { #expect(result[name] == .null, "\(name)") }
    }

    @Test func mergingHalvesEqualsAddingAll() throws {
        let aggregator = EventAggregator(try Self.aggregates(Self.everyFunction), invalidValues: InvalidValueCounter())
        var generator = SeededGenerator(seed: 7)
        let events: [Event] = (0..<200).map { i in
            ["v": .number(Double.random(in: -50...500, using: &generator).rounded()), "tag": .string("t\(i)"), "user": .string("u\(i % 17)")]
        }
        var all = aggregator.makeState(), first = aggregator.makeState(), second = aggregator.makeState()
        for (index, event) in events.enumerated() {
            aggregator.add(event, at: Timestamp(integerLiteral: Int64(index)), to: &all)
            if index % 2 == 0 {
                aggregator.add(event, at: Timestamp(integerLiteral: Int64(index)), to: &first)
            } else {
                aggregator.add(event, at: Timestamp(integerLiteral: Int64(index)), to: &second)
            }
        }
        aggregator.merge(second, into: &first)
        #expect(aggregator.result(first) == aggregator.result(all))
    }

    @Test func resultEventShape() throws {
        let definition = WindowDefinition(
            spec: WindowSpec(.tumbling(size: .seconds(2))), timeField: nil,
            groupBy: [try FieldPath(".source"), try FieldPath(".data.host")], aggregates: [])
        let result = WindowResult<JSONValue, JSONObject>(
            key: ["s1", "h1"], start: 10, end: 12, count: 3, value: ["avg_value": 2.5], isFinal: false)
        let event = definition.event(for: result)
        #expect(Array(event.keys) == ["key", "window_start", "window_end", "count", "avg_value", "final"])
        #expect(event["key"] == ["source": "s1", "data.host": "h1"])
        #expect(event["window_start"] == 10 && event["window_end"] == 12 && event["count"] == 3 && event["final"] == false)

        // One group_by field: the key is the value itself (no array per event); an array value
        // stays an array; no group_by: one key for everything.
        let single = WindowDefinition(spec: definition.spec, timeField: nil, groupBy: [try FieldPath(".source")], aggregates: [])
        #expect(single.key(of: ["source": "s1", "x": 1]) == "s1")
        #expect(single.keyObject(single.key(of: ["source": ["a", "b"]])) == ["source": ["a", "b"]])
        #expect(single.keyObject(single.key(of: [:])) == ["source": nil])
        let none = WindowDefinition(spec: definition.spec, timeField: nil, groupBy: [], aggregates: [])
        #expect(none.key(of: ["source": "s1"]) == .null && none.keyObject(.null) == [:])
    }

    /// A window stage of a running pipeline closes its window on the (manual) clock, with no
    /// further events, and rejects a late event to the errors log.
    @Test func windowStageClosesOnTheClockInARunningPipeline() async throws {
        let yaml = """
            pipelines:
              m:
                stages:
                  - name: w
                    window:
                      type: tumbling
                      size: "10s"
                      time_field: .t
                      idle_timeout: "1s"
                      group_by: [.k]
                      aggregates: { count: 'count()', top: 'max(.v)' }
            """
        let definition = try #require(try ConfigLoader.parse(yaml: yaml).pipelines.first)
        let manual = ManualClock()
        let runtime = PipelineRuntime(definition: definition, context: .system, windowClock: WindowClock(manual, origin: 1_000))
        runtime.start()
        let input = try #require(runtime.input)
        for (t, k, v) in [(1_000.5, "a", 3.0), (1_001.0, "b", 4), (1_002.0, "a", 9)] {
            try await input.send(["t": .number(t), "k": .string(k), "v": .number(v)])
        }
        // The watermark is 1002; with no more events it moves with the clock after 1 s of
        // idleness, so the window [1000, 1010) closes 1 + 8 s after the last event.
        for _ in 0..<1000 where runtime.windows.first?.status()?.stats.elements != 3 { try await Task.sleep(for: .milliseconds(1)) }
        await manual.waitForSleepers()
        #expect(runtime.memory?.latest(10).isEmpty == true)
        manual.advance(by: .seconds(8))
        await manual.waitForSleepers()
        #expect(runtime.memory?.latest(10).isEmpty == true)
        manual.advance(by: .seconds(1))
        var results: [Event] = []
        for _ in 0..<1000 where results.count < 2 {
            results = runtime.memory?.latest(10) ?? []
            await Task.yield()
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(results.count == 2)
        #expect(results.first { $0["key"] == ["k": "a"] }?["top"] == 9)
        #expect(results.allSatisfy { $0["final"] == true && $0["window_start"] == 1_000 && $0["window_end"] == 1_010 })

        try await input.send(["t": 1_003, "k": "a", "v": 1])
        await runtime.stop()
        #expect(runtime.errors.latest(10).first?.error.hasPrefix("late event") == true)
        let status = try #require(runtime.windows.first?.status())
        #expect(status.stats.late == 1 && status.stats.finalResults == 2 && status.stats.elements == 3)
        // The watermark went on with the clock while idle (1002 + 8 s), and is not behind it.
        #expect(status.watermark == 1_010 && status.watermarkLag == .zero, "\(status)")
        let stage = try #require(runtime.metrics().stages.first)
        #expect(stage.received == 4 && stage.aggregated == 3 && stage.failed == 1 && stage.emitted == 2 && stage.inFlight == 0)
    }

    static func monitor(_ alert: String, hook: String = "h") throws -> AlertMonitor {
        let yaml = "hooks:\n  \(hook): { log: {} }\npipelines:\n  p:\n    stages:\n      - name: a\n        alert: \(alert)\n"
        let definition = try #require(try ConfigLoader.parse(yaml: yaml).pipelines.first)
        guard let alert = definition.stages[0].kind as? AlertStageKind else { throw StageError("not an alert") }
        return AlertMonitor(pipeline: "p", stage: "a", definition: alert.definition)
    }

    @Test func alertPayloadsAndPartialResults() throws {
        let monitor = try Self.monitor("{ when: 'avg_value > 75', for: 2, hooks: [h] }")
        let clock = Mutex(100.0)
        let context = EvaluationContext(now: { clock.withLock { $0 } })
        func result(_ average: Double, final: Bool = true) -> Event {
            ["key": ["source": "s1"], "window_start": 0, "window_end": 2, "count": 5, "avg_value": .number(average), "final": .bool(final)]
        }
        #expect(try monitor.evaluate(result(90), context: context) == nil, "for: 2 needs a second match")
        #expect(try monitor.evaluate(result(99, final: false), context: context) == nil, "partial results are not judged")
        clock.withLock { $0 = 101.5 }
        let firing = try #require(try monitor.evaluate(result(95), context: context))
        #expect(firing == [
            "alert": "a", "pipeline": "p", "state": "firing", "key": ["source": "s1"], "result": .object(result(95)), "at": 101.5,
        ])
        #expect(try monitor.evaluate(result(96), context: context) == nil, "no repeat while firing")
        #expect(try monitor.evaluate(result(10), context: context)?.objectValue?["state"] == "resolved")
        #expect(throws: ExpressionError.self) { try monitor.evaluate(["key": ["source": "s1"], "avg_value": "high"], context: context) }
        let snapshot = monitor.snapshot
        #expect(snapshot.firings == 1 && snapshot.resolutions == 1 && snapshot.firing.isEmpty)
        #expect(snapshot.counters.evaluations == 4 && snapshot.counters.evaluationErrors == 1)
    }

    /// A hook that keeps failing: the alert stage's `hook_failures` and the hook's `failed` count
    /// it once, after its retries (SPEC §3.4).
    @Test func failedDeliveriesAreCountedPerAlertAndPerHook() async throws {
        // Port 1 on loopback refuses connections at once.
        let hook = HookDefinition(
            name: "down", kind: .webhook(url: "http://127.0.0.1:1/alerts"),
            timeout: .seconds(2), retries: 0)
        let center = AlertCenter(hooks: [hook])
        let delivering = Task { await center.run() }
        let monitor = try Self.monitor("{ when: 'avg_value > 75', hooks: [down] }", hook: "down")
        let payload = try #require(try monitor.evaluate(["key": ["source": "s1"], "avg_value": 90, "final": true], context: .system))
        center.notify(payload, from: monitor)
        await center.finish(within: .seconds(10))
        await delivering.value
        #expect(monitor.snapshot.counters.deliveryFailures == 1 && monitor.snapshot.counters.deliveries == 0)
        #expect(center.hookStats.first?.failed == 1 && center.hookStats.first?.delivered == 0)
        #expect(center.recentTransitions(limit: 10) == [payload])
    }
}
