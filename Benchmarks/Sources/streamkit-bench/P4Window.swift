import StreamKit

/// P4: a keyed tumbling window (1 s, event time, 1 000 keys) aggregating count, average,
/// maximum and p99 — one worker. Two regimes: 1 000 000 events per window (1 000 per key: at the
/// 5 M events/s target a 1 s window holds 5 M, so per-window costs are amortised as in use), and
/// "churn", 10 000 events per window (10 per key: every tenth event opens a window, the worst
/// case for per-window costs such as the sketch's allocation and the p99 at close). Measured on the `WindowEngine`
/// directly and through a `Pipeline` with one `WindowStage`; the baseline is a plain dictionary
/// of (count, sum, max) per key over the same events, emitting per window the same way.
enum P4 {
    static let keys = 1_000

    struct Event: Sendable {
        var key: Int
        var time: Timestamp
        var value: Double
    }

    struct Summary: Sendable {
        var count: Int
        var average: Double?
        var maximum: Double?
        var p99: Double?
    }

    /// The four aggregates composed from the built-ins.
    struct Stats: Aggregator {
        struct State: Sendable {
            var count: Int
            var average: Aggregators.Average<Event>.State
            var maximum: Double?
            var p99: QuantileSketch
        }

        let count = Aggregators.Count<Event>()
        let average = Aggregators.Average<Event> { $0.value }
        let maximum = Aggregators.Maximum<Event> { $0.value }
        let p99 = Aggregators.Quantile<Event>(0.99) { $0.value }

        func makeState() -> State {
            State(count: count.makeState(), average: average.makeState(), maximum: maximum.makeState(), p99: p99.makeState())
        }

        func add(_ input: Event, at time: Timestamp, to state: inout State) {
            count.add(input, at: time, to: &state.count)
            average.add(input, at: time, to: &state.average)
            maximum.add(input, at: time, to: &state.maximum)
            p99.add(input, at: time, to: &state.p99)
        }

        func merge(_ other: State, into state: inout State) {
            count.merge(other.count, into: &state.count)
            average.merge(other.average, into: &state.average)
            maximum.merge(other.maximum, into: &state.maximum)
            p99.merge(other.p99, into: &state.p99)
        }

        func result(_ state: State) -> Summary {
            Summary(
                count: count.result(state.count), average: average.result(state.average),
                maximum: maximum.result(state.maximum), p99: p99.result(state.p99))
        }
    }

    static var spec: WindowSpec { WindowSpec(.tumbling(size: .seconds(1)), time: .event()) }

    static func run(events count: Int, runs: Int) async throws {
        try await run(events: count, perWindow: 1_000_000, runs: runs, suffix: "")
        try await run(events: count, perWindow: 10_000, runs: runs, suffix: "_churn")
    }

    static func run(events count: Int, perWindow eventsPerWindow: Int, runs: Int, suffix: String) async throws {
        let events = generate(count, perWindow: eventsPerWindow)
        let windows = count / eventsPerWindow

        let baseline = await best(of: runs) { dictionaryLoop(events) }
        let sketchBaseline = await best(of: runs) { dictionaryWithSketchLoop(events) }
        let engine = await best(of: runs) { engineLoop(events) }
        let pipeline = try await best(of: runs) { try await pipelineRun(events) }

        let baselines = [("dict_loop", Double(count) / baseline), ("dict_sketch_loop", Double(count) / sketchBaseline)]
        let extra = "keys=\(keys) window=1s events_per_window=\(eventsPerWindow) windows=\(windows) aggregates=count,avg,max,p99 target=5000000"
        report("P4", "window_engine_tumbling" + suffix, value: Double(count) / engine, unit: "events/s", baselines: baselines, extra: extra)
        report(
            "P4", "window_stage_pipeline" + suffix, value: Double(count) / pipeline, unit: "events/s", baselines: baselines,
            extra: extra + " workers=1")
    }

    /// Event time increasing steadily (`perWindow` events per 1 s window), random keys and values.
    static func generate(_ count: Int, perWindow eventsPerWindow: Int) -> [Event] {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        return (0..<count).map { index in
            Event(
                key: Int(next() % UInt64(keys)), time: Timestamp(microseconds: Int64(index) * 1_000_000 / Int64(eventsPerWindow)),
                value: Double(next() % 1_000_000) / 1_000)
        }
    }

    /// Every result of a run must account for every event exactly once.
    static func check(_ counted: Int, _ total: Int, _ what: String) {
        precondition(counted == total, "P4 \(what) aggregated \(counted) of \(total) events")
    }

    static func engineLoop(_ events: [Event]) {
        var engine = WindowEngine<Event, Int, Stats>(spec: spec, aggregator: Stats())
        var results: [WindowResult<Int, Summary>] = []
        var counted = 0
        for event in events {
            _ = engine.insert(event, key: event.key, eventTime: event.time, now: event.time, into: &results)
            if results.count >= 4_096 {
                for result in results { counted += result.value.count }
                results.removeAll(keepingCapacity: true)
            }
        }
        engine.flush(into: &results)
        for result in results { counted += result.value.count }
        check(counted, events.count, "engine")
    }

    static func pipelineRun(_ events: [Event]) async throws {
        let input = Channel<Event>(capacity: 4_096)
        let output = Channel<WindowResult<Int, Summary>>(capacity: 4_096)
        let stage = WindowStage<Event, Int, Stats>(
            "window", spec, capacity: 4_096, aggregate: Stats(), key: { $0.key }, eventTime: { $0.time })
        let pipeline = Pipeline.from(input).via(stage).to(output)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run() }
            group.addTask {
                var start = 0
                while start < events.count {
                    let end = min(start + 256, events.count)
                    try await input.send(contentsOf: events[start..<end])
                    start = end
                }
                input.close()
            }
            group.addTask {
                var counted = 0
                while let results = try? await output.receive(upTo: 1_024) {
                    for result in results { counted += result.value.count }
                }
                check(counted, events.count, "pipeline")
            }
            try await group.waitForAll()
        }
    }

    /// Baseline: (count, sum, max) per key in a dictionary, emptied into a result list whenever
    /// the event time enters the next window.
    static func dictionaryLoop(_ events: [Event]) {
        var open: [Int: (count: Int, sum: Double, max: Double)] = [:]
        var results: [(key: Int, window: Int, count: Int, average: Double, max: Double)] = []
        var window = Int.min
        var counted = 0
        func emit() {
            for (key, value) in open { results.append((key, window, value.count, value.sum / Double(value.count), value.max)) }
            open.removeAll(keepingCapacity: true)
            for result in results { counted += result.count }
            results.removeAll(keepingCapacity: true)
        }
        for event in events {
            let index = Int(event.time.microseconds / 1_000_000)
            if index != window {
                emit()
                window = index
            }
            open[event.key, default: (0, 0, -.infinity)].count += 1
            open[event.key]!.sum += event.value
            if event.value > open[event.key]!.max { open[event.key]!.max = event.value }
        }
        emit()
        check(counted, events.count, "baseline")
    }

    /// Second baseline: the same plus a `QuantileSketch` per key (what p99 costs by itself).
    static func dictionaryWithSketchLoop(_ events: [Event]) {
        struct Entry {
            var count = 0, sum = 0.0, max = -Double.infinity
            var sketch = QuantileSketch()

            mutating func add(_ value: Double) {
                count += 1
                sum += value
                if value > max { max = value }
                sketch.add(value)
            }
        }
        var open: [Int: Entry] = [:]
        var window = Int.min
        var counted = 0
        var p99s = 0.0
        func emit() {
            for (_, entry) in open {
                counted += entry.count
                p99s += entry.sketch.quantile(0.99) ?? 0
            }
            open.removeAll(keepingCapacity: true)
        }
        for event in events {
            let index = Int(event.time.microseconds / 1_000_000)
            if index != window {
                emit()
                window = index
            }
            open[event.key, default: Entry()].add(event.value)
        }
        emit()
        check(counted, events.count, "sketch baseline")
        precondition(p99s > 0)
    }
}
