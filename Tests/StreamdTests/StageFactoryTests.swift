import OrderedCollections
import StreamKit
import Synchronization
import Testing

import StreamdCore
import StreamdHTTP

/// 2021-10-18T14:38:10Z in epoch seconds.
private let epoch = 1_634_567_890.0
private let rfc3339Epoch = epoch

/// Timestamps `parse_timestamp` accepts, and the epoch seconds they give.
private let timestampCases: [(JSONValue, Double)] = [
    (.string("2021-10-18T14:38:10Z"), epoch),
    (.string("2021-10-18T14:38:10.250Z"), epoch + 0.25),
    (.string("2021-10-18T16:38:10.250+02:00"), epoch + 0.25),
    (.string("2021-10-18T16:38:10+02:00"), epoch),
    (.string("2021-10-18T09:08:10-05:30"), epoch),
    (.string("2021-10-18T14:38:10+00:00"), epoch),
    (.string("2021-10-18T14:38:10.5Z"), epoch + 0.5),
    (.number(epoch), epoch),
    (.number(epoch + 0.25), epoch + 0.25),
    (.number(1_634_567_890_250), epoch + 0.25),
    (.number(0), 0),
    (.string("1634567890"), epoch),
    (.string("1634567890250"), epoch + 0.25),
]

/// Each built-in stage kind (SPEC §3.2) run through a real StreamKit pipeline on
/// sample events, with failures collected from the pipeline's error channel; and `RecentKeys`,
/// the memory of the `dedupe` stage.
@Suite struct StageFactoryTests {
    /// What a stage emitted and where it failed, for one batch of events.
    struct Run {
        var output: [Event]
        var failures: [StageFailure]

        /// The failure messages, in input order.
        var errors: [String] { failures.map { "\($0.error)" } }
    }

    /// A clock the test moves: `now()` in expressions and the `dedupe` window read it.
    final class TestClock: Sendable {
        private let seconds: Mutex<Double>
        init(_ seconds: Double) { self.seconds = Mutex(seconds) }
        var now: Double {
            get { seconds.withLock { $0 } }
            set { seconds.withLock { $0 = newValue } }
        }
        var context: EvaluationContext { EvaluationContext(now: { self.now }) }
    }

    static func definition(_ kind: some StageKind, name: String = "under-test") -> StageDefinition {
        StageDefinition(name: name, workers: 1, buffer: 16, ordered: true, kind: kind)
    }

    static func stage(_ kind: some EventStageKind, context: EvaluationContext = .system) -> Stage<Event, Event> {
        stage(definition(kind), context: context)
    }

    /// The stage a per-event kind makes for `definition`'s settings.
    static func stage(_ definition: StageDefinition, context: EvaluationContext = .system) -> Stage<Event, Event> {
        guard let kind = definition.kind as? any EventStageKind else { preconditionFailure("\(definition.name) is not a per-event stage") }
        return kind.makeStage(definition.settings(pipeline: "test"), context: StageContext(evaluation: context))
    }

    /// Runs `stage` over `events` in a pipeline of its own (a stage value may be run again: its
    /// state, such as dedupe's keys, lives in the stage).
    static func run(_ stage: Stage<Event, Event>, _ events: [Event]) async throws -> Run {
        try await run([stage], events)
    }

    static func run(_ stages: [Stage<Event, Event>], _ events: [Event]) async throws -> Run {
        let input = Channel<Event>(capacity: max(1, events.count))
        for event in events { try await input.send(event) }
        input.close()
        let output = Channel<Event>.unbounded()
        let errors = Channel<StageFailure>.unbounded()
        var pipeline = Pipeline.from(input)
        for stage in stages { pipeline = pipeline.via(stage) }
        try await pipeline.to(output).withErrorChannel(errors).run()
        var run = Run(output: [], failures: [])
        for await event in output { run.output.append(event) }
        for await failure in errors { run.failures.append(failure) }
        return run
    }

    static func run(_ kind: some EventStageKind, _ events: [Event], context: EvaluationContext = .system) async throws -> Run {
        try await run(stage(kind, context: context), events)
    }

    static func expression(_ source: String) throws -> StreamdCore.Expression { try Expression(source) }
    static func path(_ source: String) throws -> FieldPath { try FieldPath(source) }

    // MARK: - Stage settings

    @Test func stageCarriesNameWorkersBufferAndOrdering() throws {
        let definition = StageDefinition(name: "enrich", workers: 3, buffer: 64, ordered: true, kind: FilterStageKind(try Self.expression("true")))
        let stage = Self.stage(definition)
        #expect(stage.name == "enrich")
        #expect(stage.workers == 3)
        #expect(stage.capacity == 64)
        #expect(stage.ordered == true)
    }

    // MARK: - filter

    @Test func filterKeepsEventsWhereTheExpressionIsTrue() async throws {
        let run = try await Self.run(.filter(try Self.expression(".status >= 500")), [
            ["status": 500, "n": 1], ["status": 200, "n": 2], ["status": 503, "n": 3], ["status": 499, "n": 4],
        ])
        #expect(run.output == [["status": 500, "n": 1], ["status": 503, "n": 3]])
        #expect(run.failures.isEmpty)
    }

    @Test func filterWithAConstant() async throws {
        let events: [Event] = [["a": 1], ["a": 2]]
        #expect(try await Self.run(.filter(try Self.expression("true")), events).output == events)
        #expect(try await Self.run(.filter(try Self.expression("false")), events).output.isEmpty)
    }

    @Test func filterOnANonBooleanIsAStageFailure() async throws {
        let run = try await Self.run(.filter(try Self.expression(".value")), [["value": 1], ["value": true], ["value": false]])
        #expect(run.output == [["value": true]])
        #expect(run.failures.count == 1)
        let failure = try #require(run.failures.first)
        #expect(failure.stage == "under-test")
        #expect(failure.error as? ExpressionError == .runtime("filter must be a boolean, got number"))
        #expect(failure.input as? Event == ["value": 1])
    }

    @Test func filterRuntimeTypeErrorIsAStageFailureAndTheRestGoOn() async throws {
        let run = try await Self.run(.filter(try Self.expression(".value > 10")), [["value": "high"], ["value": 11], ["value": 3]])
        #expect(run.output == [["value": 11]])
        #expect(run.failures.count == 1)
        #expect((run.failures.first?.error as? ExpressionError)?.kind == .runtime)
    }

    @Test func filterMissingFieldIsNullNotAFailure() async throws {
        let run = try await Self.run(.filter(try Self.expression("exists(.user) && .user != \"\"")), [["user": "ann"], [:], ["user": ""]])
        #expect(run.output == [["user": "ann"]])
        #expect(run.failures.isEmpty)
    }

    // MARK: - set

    @Test func setIsSequentialALaterExpressionSeesAnEarlierField() async throws {
        let run = try await Self.run(.set([
            (try Self.path(".x"), try Self.expression(".a + 1")),
            (try Self.path(".y"), try Self.expression(".x * 2")),
            (try Self.path(".a"), try Self.expression(".y + .x")),
        ]), [["a": 1]])
        #expect(run.output == [["a": 6, "x": 2, "y": 4]])
    }

    @Test func setCreatesNestedObjects() async throws {
        let run = try await Self.run(.set([
            (try Self.path(".data.user.segment"), try Self.expression("\"premium\"")),
            (try Self.path(".data.count"), try Self.expression("len(.items)")),
        ]), [["items": [1, 2, 3]], ["items": [], "data": ["keep": true]]])
        #expect(run.output == [
            ["items": [1, 2, 3], "data": ["user": ["segment": "premium"], "count": 3]],
            ["items": [], "data": ["keep": true, "user": ["segment": "premium"], "count": 0]],
        ])
        #expect(run.failures.isEmpty)
    }

    @Test func setReplacesAnExistingValueInPlace() async throws {
        let run = try await Self.run(.set([(try Self.path(".host"), try Self.expression("lower(.host)"))]), [["host": "WEB1", "n": 1]])
        #expect(run.output == [["host": "web1", "n": 1]])
        #expect(run.output.first?.keys.elementsEqual(["host", "n"]) == true, "key order is kept")
    }

    @Test func setUsesTheInjectedClock() async throws {
        let clock = TestClock(1_700_000_000)
        let run = try await Self.run(.set([(try Self.path(".processed_at"), try Self.expression("now()"))]), [[:]], context: clock.context)
        #expect(run.output == [["processed_at": 1_700_000_000]])
    }

    @Test func setFailsTheWholeEventWhenOneAssignmentFails() async throws {
        let run = try await Self.run(.set([
            (try Self.path(".ok"), try Self.expression("1")),
            (try Self.path(".bad"), try Self.expression(".text * 2")),
        ]), [["text": "abc"], ["text": 2]])
        #expect(run.output == [["text": 2, "ok": 1, "bad": 4]])
        #expect(run.failures.count == 1)
        #expect(run.failures.first?.input as? Event == ["text": "abc"], "the failure carries the event as it came in")
    }

    @Test func setThroughAScalarIsAStageFailure() async throws {
        let run = try await Self.run(.set([(try Self.path(".a.b"), try Self.expression("1"))]), [["a": 5]])
        #expect(run.output.isEmpty)
        #expect(run.failures.count == 1)
        #expect(run.errors.first?.contains("not an object") == true)
    }

    // MARK: - remove

    @Test func removeDeletesFieldsAndIgnoresMissingOnes() async throws {
        let run = try await Self.run(.remove([try Self.path(".a"), try Self.path(".b.c"), try Self.path(".missing"), try Self.path(".x.y.z"), try Self.path(".list[0]")]), [
            ["a": 1, "b": ["c": 2, "d": 3], "e": 4, "list": [10, 20]],
            ["e": 5],
        ])
        #expect(run.output == [["b": ["d": 3], "e": 4, "list": [20]], ["e": 5]])
        #expect(run.failures.isEmpty)
    }

    // MARK: - rename

    @Test func renameMovesFields() async throws {
        let run = try await Self.run(.rename([
            (from: try Self.path(".a"), to: try Self.path(".z")),
            (from: try Self.path(".b.c"), to: try Self.path(".top")),
            (from: try Self.path(".u"), to: try Self.path(".user.name")),
        ]), [["a": 1, "b": ["c": 2], "u": "ann"]])
        #expect(run.output == [["b": [:], "z": 1, "top": 2, "user": ["name": "ann"]]])
    }

    @Test func renameOfAMissingFieldCreatesNothing() async throws {
        let run = try await Self.run(.rename([
            (from: try Self.path(".missing"), to: try Self.path(".target")),
            (from: try Self.path(".nested.missing"), to: try Self.path(".other.target")),
        ]), [["a": 1]])
        #expect(run.output == [["a": 1]])
        #expect(run.output.first?["target"] == nil)
        #expect(run.output.first?["other"] == nil)
        #expect(run.failures.isEmpty)
    }

    @Test func renameOfANullFieldKeepsTheNull() async throws {
        let run = try await Self.run(.rename([(from: try Self.path(".a"), to: try Self.path(".b"))]), [["a": nil]])
        #expect(run.output == [["b": nil]])
    }

    @Test func renamesApplyInOrder() async throws {
        // Swap through a temporary field.
        let run = try await Self.run(.rename([
            (from: try Self.path(".a"), to: try Self.path(".tmp")),
            (from: try Self.path(".b"), to: try Self.path(".a")),
            (from: try Self.path(".tmp"), to: try Self.path(".b")),
        ]), [["a": 1, "b": 2]])
        #expect(run.output == [["a": 2, "b": 1]])
    }

    // MARK: - parse_timestamp

    static let epoch = rfc3339Epoch

    @Test(arguments: timestampCases)
    func parseTimestamp(value: JSONValue, seconds: Double) async throws {
        let run = try await Self.run(.parseTimestamp(try Self.path(".timestamp")), [["timestamp": value, "n": 1]])
        #expect(run.failures.isEmpty, "\(run.errors)")
        let event = try #require(run.output.first)
        let parsed = try #require(event["timestamp"]?.numberValue)
        #expect(abs(parsed - seconds) < 0.001, "\(value) → \(parsed)")
        #expect(event.keys.elementsEqual(["timestamp", "n"]))
    }

    @Test func parseTimestampWithMicroseconds() async throws {
        let run = try await Self.run(.parseTimestamp(try Self.path(".ts")), [["ts": "2021-10-18T14:38:10.123456Z"]])
        #expect(run.failures.isEmpty, "\(run.errors)")
        let parsed = try #require(run.output.first?["ts"]?.numberValue)
        #expect(abs(parsed - (Self.epoch + 0.123456)) < 0.001)
    }

    @Test func parseTimestampAtANestedPath() async throws {
        let run = try await Self.run(.parseTimestamp(try Self.path(".meta.at")), [["meta": ["at": "2021-10-18T14:38:10Z"]]])
        #expect(run.output == [["meta": ["at": .number(Self.epoch)]]])
    }

    @Test(arguments: [
        JSONValue.string("yesterday"), "", "2021-10-18", "2021-10-18 14:38", "18/10/2021 14:38:10", "2021-13-45T99:99:99Z",
        true, [1, 2], ["at": 1],
    ])
    func parseTimestampOfGarbageIsAStageFailure(value: JSONValue) async throws {
        let run = try await Self.run(.parseTimestamp(try Self.path(".timestamp")), [["timestamp": value], ["timestamp": 5]])
        #expect(run.output == [["timestamp": 5]], "the next event still goes through")
        #expect(run.failures.count == 1)
        #expect(run.failures.first?.error is StageError)
    }

    @Test(arguments: ["nan", "NaN", "inf", "-infinity"])
    func parseTimestampNeverProducesANonFiniteNumber(text: String) async throws {
        let run = try await Self.run(.parseTimestamp(try Self.path(".timestamp")), [["timestamp": .string(text)]])
        let produced = run.output.first?["timestamp"]?.numberValue
        #expect(produced == nil, "'\(text)' became \(produced.map { "\($0)" } ?? "-")")
        #expect(run.failures.count == 1)
    }

    @Test func parseTimestampOfAMissingOrNullFieldIsAStageFailure() async throws {
        let run = try await Self.run(.parseTimestamp(try Self.path(".timestamp")), [[:], ["timestamp": nil]])
        #expect(run.output.isEmpty)
        #expect(run.errors == ["no timestamp at .timestamp", "no timestamp at .timestamp"])
    }

    // MARK: - lookup

    static let segments: [String: JSONValue] = ["user1": "premium", "user2": "standard", "42": "answer", "true": "yes", "1.5": "one and a half"]

    static func lookup(fallback: JSONValue?) throws -> LookupStageKind {
        .lookup(key: try expression(".user_id"), target: try path(".data.user_segment"), table: segments, fallback: fallback)
    }

    @Test func lookupHit() async throws {
        let run = try await Self.run(try Self.lookup(fallback: "unknown"), [["user_id": "user1"], ["user_id": "user2", "data": ["x": 1]]])
        #expect(run.output == [
            ["user_id": "user1", "data": ["user_segment": "premium"]],
            ["user_id": "user2", "data": ["x": 1, "user_segment": "standard"]],
        ])
    }

    @Test func lookupMissUsesTheDefault() async throws {
        let run = try await Self.run(try Self.lookup(fallback: "unknown"), [["user_id": "nobody"], [:], ["user_id": [1]]])
        #expect(run.output == [
            ["user_id": "nobody", "data": ["user_segment": "unknown"]],
            ["data": ["user_segment": "unknown"]],
            ["user_id": [1], "data": ["user_segment": "unknown"]],
        ])
    }

    @Test func lookupDefaultMayBeAnyJSON() async throws {
        let run = try await Self.run(try Self.lookup(fallback: ["tier": 0]), [["user_id": "nobody"]])
        #expect(run.output == [["user_id": "nobody", "data": ["user_segment": ["tier": 0]]]])
    }

    @Test func lookupMissWithoutDefaultLeavesTheEventUnchanged() async throws {
        let events: [Event] = [["user_id": "nobody"], [:], ["user_id": nil, "data": ["a": 1]]]
        let run = try await Self.run(try Self.lookup(fallback: nil), events)
        #expect(run.output == events)
        #expect(run.failures.isEmpty)
    }

    @Test func lookupByNumberAndBooleanKey() async throws {
        let run = try await Self.run(try Self.lookup(fallback: nil), [["user_id": 42], ["user_id": 42.0], ["user_id": 1.5], ["user_id": true], ["user_id": 43]])
        #expect(run.output.map { $0["data"]?.objectValue?["user_segment"] } == ["answer", "answer", "one and a half", "yes", nil])
    }

    @Test func lookupKeyIsAnExpression() async throws {
        let kind = LookupStageKind.lookup(key: try Self.expression("lower(.user)"), target: try Self.path(".segment"), table: Self.segments, fallback: nil)
        let run = try await Self.run(kind, [["user": "USER1"]])
        #expect(run.output == [["user": "USER1", "segment": "premium"]])
    }

    @Test func lookupKeyErrorIsAStageFailure() async throws {
        let kind = LookupStageKind.lookup(key: try Self.expression("lower(.user)"), target: try Self.path(".segment"), table: Self.segments, fallback: "x")
        let run = try await Self.run(kind, [["user": 5]])
        #expect(run.output.isEmpty)
        #expect(run.failures.count == 1)
    }

    // MARK: - sample

    static func numbered(_ count: Int) -> [Event] { (0..<count).map { ["n": .number(Double($0))] } }

    @Test func sampleRateOneKeepsEverything() async throws {
        let events = Self.numbered(500)
        let run = try await Self.run(.sample(rate: 1), events)
        #expect(run.output == events)
    }

    @Test(arguments: [0.1, 0.5])
    func sampleKeepsRoughlyTheFraction(rate: Double) async throws {
        let count = 4000
        let run = try await Self.run(.sample(rate: rate), Self.numbered(count))
        let expected = Double(count) * rate
        // Many standard deviations wide (σ ≈ 19 for 0.1, 32 for 0.5): never flaky, still catches a wrong rate.
        #expect(Double(run.output.count) > expected * 0.6)
        #expect(Double(run.output.count) < expected * 1.4)
        #expect(run.failures.isEmpty)
        // Kept events are unchanged and in order.
        let kept = run.output.compactMap { $0["n"]?.numberValue }
        #expect(kept == kept.sorted())
    }

    // MARK: - dedupe

    static func dedupe(window: Duration = .seconds(60), maxKeys: Int = 100) throws -> DedupeStageKind {
        .dedupe(key: [try expression(".path"), try expression(".status")], window: window, maxKeys: maxKeys)
    }

    @Test func dedupeDropsARepeatWithinTheWindow() async throws {
        let clock = TestClock(1000)
        let stage = Self.stage(try Self.dedupe(), context: clock.context)
        let first = try await Self.run(stage, [
            ["path": "/a", "status": 500, "n": 1],
            ["path": "/a", "status": 500, "n": 2],
            ["path": "/a", "status": 502, "n": 3],
            ["path": "/b", "status": 500, "n": 4],
            ["path": "/a", "status": "500", "n": 5],
        ])
        #expect(first.output.map { $0["n"] } == [1, 3, 4, 5], "the key is every expression's value, types included")

        clock.now = 1059
        let later = try await Self.run(stage, [["path": "/a", "status": 500, "n": 6]])
        #expect(later.output.isEmpty, "59 s later is still within the 60 s window")
    }

    @Test func dedupePassesAgainAfterTheWindow() async throws {
        let clock = TestClock(1000)
        let stage = Self.stage(try Self.dedupe(window: .seconds(60)), context: clock.context)
        #expect(try await Self.run(stage, [["path": "/a", "status": 500]]).output.count == 1)
        clock.now = 1030
        #expect(try await Self.run(stage, [["path": "/a", "status": 500]]).output.isEmpty)
        clock.now = 1061
        #expect(try await Self.run(stage, [["path": "/a", "status": 500]]).output.count == 1, "61 s after the first")
        clock.now = 1100
        #expect(try await Self.run(stage, [["path": "/a", "status": 500]]).output.isEmpty, "the pass at 1061 opened a new window")
    }

    @Test func dedupeTreatsMissingKeyFieldsAsNull() async throws {
        let stage = Self.stage(try Self.dedupe(), context: TestClock(0).context)
        let run = try await Self.run(stage, [["n": 1], ["n": 2], ["path": nil, "status": nil, "n": 3], ["path": "/a", "n": 4]])
        #expect(run.output.map { $0["n"] } == [1, 4])
    }

    @Test func dedupeMaxKeysEvictsTheOldestKey() async throws {
        let clock = TestClock(0)
        let stage = Self.stage(try Self.dedupe(maxKeys: 2), context: clock.context)
        let first = try await Self.run(stage, [
            ["path": "/a", "status": 1], ["path": "/b", "status": 1], ["path": "/c", "status": 1],
        ])
        #expect(first.output.count == 3)
        clock.now = 1
        // /a was evicted to make room for /c, so it passes again (and evicts /b); /c is remembered.
        let second = try await Self.run(stage, [["path": "/c", "status": 1], ["path": "/a", "status": 1], ["path": "/b", "status": 1]])
        #expect(second.output.map { $0["path"] } == ["/a", "/b"])
    }

    @Test func dedupeKeyErrorIsAStageFailure() async throws {
        let kind = DedupeStageKind.dedupe(key: [try Self.expression(".n + 1")], window: .seconds(60), maxKeys: 10)
        let run = try await Self.run(kind, [["n": "x"], ["n": 1]], context: TestClock(0).context)
        #expect(run.output == [["n": 1]])
        #expect(run.failures.count == 1)
    }

    // MARK: - The example configuration's pipelines, end to end through the stages

    static func exampleConfig() throws -> DaemonConfig {
        // <repository>/Tests/StreamdTests/StageFactoryTests.swift → <repository>/config/streamd.yaml
        let root = #filePath.split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")
        return try ConfigLoader.load(file: root + "/config/streamd.yaml")
    }

    @Test func exampleWebEventsPipeline() async throws {
        let config = try Self.exampleConfig()
        let definition = try #require(config.pipelines.first { $0.name == "web-events" })
        let clock = TestClock(1_700_000_000)
        let stages = definition.stages.map { Self.stage($0, context: clock.context) }
        let run = try await Self.run(stages, [
            ["user_id": "user1", "event_type": "click", "timestamp": "2021-10-18T14:38:10Z"],
            ["user_id": "", "event_type": "click", "timestamp": 1_634_567_890],
            ["user_id": "user9", "event_type": "view", "timestamp": 1_634_567_890_500],
            ["event_type": "view", "timestamp": 1],
            ["user_id": "user2", "event_type": "view", "timestamp": "not a time"],
        ])
        #expect(run.output.count == 2)
        let byUser = Dictionary(uniqueKeysWithValues: run.output.map { ($0["user_id"]?.stringValue ?? "", $0) })
        #expect(byUser["user1"] == [
            "user_id": "user1", "event_type": "click", "timestamp": .number(Self.epoch),
            "data": ["user_segment": "premium", "processing_pipeline": "v1.0"], "processed_at": 1_700_000_000,
        ])
        #expect(byUser["user9"]?["data"]?.objectValue?["user_segment"] == "unknown")
        #expect(byUser["user9"]?["timestamp"] == .number(Self.epoch + 0.5))
        #expect(run.failures.count == 1, "the unparseable timestamp")
        #expect(run.failures.first?.stage == "parse")
    }

    @Test func exampleHTTPErrorsPipeline() async throws {
        let config = try Self.exampleConfig()
        let definition = try #require(config.pipelines.first { $0.name == "http-errors" })
        let stages = definition.stages.map { Self.stage($0, context: TestClock(0).context) }
        let run = try await Self.run(stages, [
            ["path": "/a", "status": 503, "service": "web"],
            ["path": "/a", "status": 200],
            ["path": "/a", "status": 503],
            ["path": "/b", "status": 500],
        ])
        #expect(run.failures.isEmpty, "\(run.errors)")
        #expect(run.output.count == 2)
        let byPath = Dictionary(uniqueKeysWithValues: run.output.map { ($0["path"]?.stringValue ?? "", $0) })
        #expect(byPath["/a"]?["status_class"] == "5xx")
        #expect(byPath["/b"]?["service"] == "unknown")
    }

    // MARK: - RecentKeys

    @Test func recentKeysRemembersWithinTheWindow() {
        let keys = RecentKeys(window: 10, maxKeys: 100)
        #expect(keys.insert(["a"], at: 0))
        #expect(!keys.insert(["a"], at: 0))
        #expect(!keys.insert(["a"], at: 9.999))
        #expect(keys.insert(["b"], at: 5))
        #expect(keys.insert(["a"], at: 10), "the window is half-open: seen at 0, gone at 10")
        #expect(!keys.insert(["b"], at: 14.9))
        #expect(keys.insert(["b"], at: 15))
        #expect(keys.evictions == 0)
    }

    @Test func recentKeysARepeatDoesNotExtendTheWindow() {
        let keys = RecentKeys(window: 10, maxKeys: 100)
        #expect(keys.insert(["a"], at: 0))
        #expect(!keys.insert(["a"], at: 8))
        #expect(keys.insert(["a"], at: 10))
    }

    @Test func recentKeysComparesWholeKeys() {
        let keys = RecentKeys(window: 10, maxKeys: 100)
        #expect(keys.insert(["a", 1], at: 0))
        #expect(keys.insert(["a", "1"], at: 0))
        #expect(keys.insert(["a"], at: 0))
        #expect(keys.insert([1, "a"], at: 0))
        #expect(keys.insert([nil], at: 0))
        #expect(keys.insert([], at: 0))
        #expect(!keys.insert(["a", 1.0], at: 1))
        #expect(!keys.insert([], at: 1))
    }

    @Test func recentKeysEvictsTheOldestWhenFull() {
        let keys = RecentKeys(window: 100, maxKeys: 3)
        for (index, key) in ["a", "b", "c"].enumerated() { #expect(keys.insert([.string(key)], at: Double(index))) }
        #expect(keys.evictions == 0)
        #expect(keys.insert(["d"], at: 3), "evicts a")
        #expect(keys.evictions == 1)
        #expect(!keys.insert(["b"], at: 4))
        #expect(!keys.insert(["c"], at: 4))
        #expect(!keys.insert(["d"], at: 4))
        #expect(keys.insert(["a"], at: 5), "a was evicted, so it passes (and evicts b)")
        #expect(keys.evictions == 2)
        #expect(keys.insert(["b"], at: 6))
        #expect(keys.evictions == 3)
    }

    @Test func recentKeysExpiredKeysDoNotCountTowardsTheBound() {
        let keys = RecentKeys(window: 10, maxKeys: 2)
        #expect(keys.insert(["a"], at: 0))
        #expect(keys.insert(["b"], at: 1))
        #expect(keys.insert(["c"], at: 11), "a and b expired: no eviction needed")
        #expect(keys.insert(["d"], at: 12))
        #expect(keys.evictions == 0)
        #expect(!keys.insert(["c"], at: 12))
        #expect(!keys.insert(["d"], at: 12))
    }

    @Test func recentKeysMaxKeysOne() {
        let keys = RecentKeys(window: 100, maxKeys: 1)
        #expect(keys.insert(["a"], at: 0))
        #expect(!keys.insert(["a"], at: 1))
        #expect(keys.insert(["b"], at: 2))
        #expect(keys.insert(["a"], at: 3))
        #expect(keys.evictions == 2)
    }

    @Test func recentKeysClockGoingBackDoesNotEvictAKeyInWindow() {
        // Workers read the clock before taking the lock, and the wall clock can step back: times
        // may arrive slightly out of order. A key already stored must not push another one out.
        let keys = RecentKeys(window: 10, maxKeys: 2)
        #expect(keys.insert(["a"], at: 5))  // expires at 15
        #expect(keys.insert(["b"], at: 0))  // expires at 10 (behind a)
        #expect(keys.insert(["b"], at: 12), "b's window is over")
        #expect(keys.evictions == 0)
        #expect(!keys.insert(["a"], at: 13), "a was seen at 5, within 10 s")
    }

    @Test func recentKeysIsSafeUnderConcurrentUse() async {
        let keys = RecentKeys(window: 1000, maxKeys: 10_000)
        let passed = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var count = 0
                    for index in 0..<500 where keys.insert([.number(Double(index))], at: 1) { count += 1 }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(passed == 500, "each key passes exactly once")
    }
}
