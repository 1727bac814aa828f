import StreamKit
import StreamKitTesting
import Testing

// Windows closing on the clock, with no further input: a `ManualClock` behind a `WindowClock`
// (manual time 0 is epoch second 1 000). Nothing here sleeps for real; the real clock only bounds
// how long a broken test may wait (generously: under the thread sanitizer, with the whole suite
// running in parallel on two cores, a test can be starved of the CPU for many seconds).

struct Reading: Sendable, Equatable {
    var key: String
    var time: Timestamp
    var value = 1.0
}

struct UnreadableTime: Error, Equatable {}

/// Polls until `condition` holds; records an issue after `limit` of real time.
func eventually(_ what: String, within limit: Duration = .seconds(60), _ condition: () -> Bool) async {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: limit)
    while !condition() {
        if clock.now >= deadline {
            Issue.record("timed out waiting for \(what)")
            return
        }
        // A short real sleep rather than a yield: polling must not hold a cooperative thread.
        try? await Task.sleep(for: .milliseconds(1))
    }
}

/// The next element of `channel`, or `nil` (and an issue) if none comes within `limit`.
func receiveSoon<T: Sendable>(_ channel: Channel<T>, within limit: Duration = .seconds(60)) async throws -> T? {
    let clock = ContinuousClock()
    let element = try await channel.receive(before: clock.now.advanced(by: limit), clock: clock)
    if element == nil { Issue.record("nothing received within \(limit)") }
    return element
}

@Suite struct WindowTimerTests {
    typealias CountStage = WindowStage<Reading, String, Aggregators.Count<Reading>>

    /// Processing time: the window [1000, 1001) closes when the clock reaches 1001.
    @Test func stageClosesProcessingTimeWindowOnTheClock() async throws {
        let manual = ManualClock()
        let stage = CountStage(
            "win", WindowSpec(.tumbling(size: .seconds(1))), aggregate: Aggregators.Count(),
            clock: WindowClock(manual, origin: 1_000), key: { $0.key })
        let input = Channel<Reading>(capacity: 16)
        let output = Channel<WindowResult<String, Int>>(capacity: 16)
        let errors = Channel<StageFailure>(capacity: 16)
        let pipeline = Pipeline.from(input).via(stage).to(output).withErrorChannel(errors)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run() }
            for key in ["a", "a", "b"] { try await input.send(Reading(key: key, time: 0)) }
            await eventually("3 aggregated") { pipeline.metrics().stages.first?.aggregated == 3 }
            await eventually("the stage to wait on the clock") { manual.sleeperCount == 1 }
            #expect(output.tryReceive() == .empty, "nothing closes before the clock moves")

            manual.advance(by: .milliseconds(500))
            #expect(manual.sleeperCount == 1, "the stage's timer is not due at 1000.5")
            manual.advance(by: .milliseconds(500))
            var results: [WindowResult<String, Int>] = []
            for _ in 0..<2 { if let result = try await receiveSoon(output) { results.append(result) } }
            results.sort { $0.key < $1.key }
            #expect(results == [
                WindowResult(key: "a", start: 1_000, end: 1_001, count: 2, value: 2, isFinal: true),
                WindowResult(key: "b", start: 1_000, end: 1_001, count: 1, value: 1, isFinal: true),
            ])
            #expect(stage.window.openWindows().isEmpty)

            input.close()
            try await group.waitForAll()
        }
        let metrics = try #require(pipeline.metrics().stages.first)
        #expect(metrics.received == 3 && metrics.aggregated == 3 && metrics.emitted == 2 && metrics.failed == 0)
        #expect(metrics.inFlight == 0 && metrics.liveWorkers == 0)
        #expect(output.isClosed && errors.isClosed)
    }

    /// Event time: with no input the watermark moves with the clock after the idle timeout (the
    /// window size), so [1000, 1001) closes at processing time 1001.75. Then a late element
    /// becomes a `StageFailure`, and the window open when the input ends is flushed as partial.
    @Test func eventTimeStageClosesAfterIdleReportsLateAndFlushes() async throws {
        let manual = ManualClock()
        let stage = CountStage(
            "win", WindowSpec(.tumbling(size: .seconds(1)), time: .event(maxOutOfOrderness: .milliseconds(500))),
            aggregate: Aggregators.Count(), clock: WindowClock(manual, origin: 1_000),
            key: { $0.key }, eventTime: { $0.time })
        let input = Channel<Reading>(capacity: 16)
        let output = Channel<WindowResult<String, Int>>(capacity: 16)
        let errors = Channel<StageFailure>(capacity: 16)
        let pipeline = Pipeline.from(input).via(stage).to(output).withErrorChannel(errors)
        let late = Reading(key: "a", time: 1_000.5)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run() }
            for (key, time): (String, Timestamp) in [("a", 1_000.25), ("a", 1_000.75), ("b", 1_000.5)] {
                try await input.send(Reading(key: key, time: time))
            }
            await eventually("3 aggregated") { pipeline.metrics().stages.first?.aggregated == 3 }
            await eventually("the stage to wait on the clock") { manual.sleeperCount == 1 }
            // Watermark 1000.25 from the data; idle after 1001; at 1001.75 it reaches 1001.
            manual.advance(by: .milliseconds(1_500))
            #expect(manual.sleeperCount == 1, "not due at 1001.5 (watermark 1000.75)")
            #expect(stage.window.openWindows().count == 2)
            manual.advance(by: .milliseconds(250))
            var results: [WindowResult<String, Int>] = []
            for _ in 0..<2 { if let result = try await receiveSoon(output) { results.append(result) } }
            results.sort { $0.key < $1.key }
            #expect(results == [
                WindowResult(key: "a", start: 1_000, end: 1_001, count: 2, value: 2, isFinal: true),
                WindowResult(key: "b", start: 1_000, end: 1_001, count: 1, value: 1, isFinal: true),
            ])
            #expect(stage.window.status().watermark == 1_001)

            // Late: its only window has closed.
            try await input.send(late)
            let failure = try #require(try await receiveSoon(errors))
            #expect(failure.stage == "win")
            #expect(failure.input as? Reading == late)
            let rejected = try #require(failure.error as? WindowRejected<Reading>)
            #expect(rejected.element == late)
            #expect(rejected.reason == .late(eventTime: 1_000.5, watermark: 1_001))

            // Open a window, then end the input: it comes out partial.
            try await input.send(Reading(key: "a", time: 1_002.25))
            await eventually("4 aggregated") { pipeline.metrics().stages.first?.aggregated == 4 }
            input.close()
            let partial = try #require(try await receiveSoon(output))
            #expect(partial == WindowResult(key: "a", start: 1_002, end: 1_003, count: 1, value: 1, isFinal: false))
            try await group.waitForAll()
        }
        let metrics = try #require(pipeline.metrics().stages.first)
        #expect(metrics.received == 5 && metrics.aggregated == 4 && metrics.failed == 1 && metrics.emitted == 3)
        #expect(metrics.inFlight == 0 && metrics.liveWorkers == 0)
        let status = stage.window.status()
        #expect(status.stats.late == 1 && status.stats.finalResults == 2 && status.stats.partialResults == 1)
        #expect(status.openWindows == 0 && status.openKeys == 0)
        #expect(stage.window.recentResults.count == 3)
    }

    /// A throwing `eventTime` (or `key`) becomes a failure with that error; the rest go on.
    @Test func throwingEventTimeFailsThatElementOnly() async throws {
        let manual = ManualClock()
        let stage = CountStage(
            "win", WindowSpec(.tumblingCount(size: 2), time: .event()), aggregate: Aggregators.Count(),
            clock: WindowClock(manual, origin: 1_000), key: { $0.key },
            eventTime: { reading in
                if reading.time < 0 { throw UnreadableTime() }
                return reading.time
            })
        let input = Channel<Reading>(capacity: 16)
        let output = Channel<WindowResult<String, Int>>(capacity: 16)
        let errors = Channel<StageFailure>(capacity: 16)
        let pipeline = Pipeline.from(input).via(stage).to(output).withErrorChannel(errors)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run() }
            for time: Timestamp in [5.0, -1, 7] { try await input.send(Reading(key: "k", time: time)) }
            input.close()
            let failure = try #require(try await receiveSoon(errors))
            #expect(failure.error as? UnreadableTime == UnreadableTime())
            let result = try #require(try await receiveSoon(output))
            #expect(result == WindowResult(key: "k", start: 5, end: 7, count: 2, value: 2, isFinal: true))
            try await group.waitForAll()
        }
        let metrics = try #require(pipeline.metrics().stages.first)
        #expect(metrics.received == 3 && metrics.aggregated == 2 && metrics.failed == 1 && metrics.emitted == 1)
        #expect(metrics.inFlight == 0)
    }

    /// A session closes on the clock once the gap (its idle timeout) has passed with no input.
    @Test func stageClosesSessionOnTheClock() async throws {
        let manual = ManualClock()
        let stage = WindowStage<Reading, String, Aggregators.Sum<Reading>>(
            "sessions", WindowSpec(.session(gap: .seconds(2)), time: .event()), aggregate: Aggregators.Sum { $0.value },
            clock: WindowClock(manual, origin: 1_000), key: { $0.key }, eventTime: { $0.time })
        let input = Channel<Reading>(capacity: 16)
        let output = Channel<WindowResult<String, Double>>(capacity: 16)
        let pipeline = Pipeline.from(input).via(stage).to(output)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run() }
            try await input.send(Reading(key: "s", time: 1_000, value: 2))
            try await input.send(Reading(key: "s", time: 1_001, value: 3))
            await eventually("2 aggregated") { pipeline.metrics().stages.first?.aggregated == 2 }
            await eventually("the stage to wait on the clock") { manual.sleeperCount == 1 }
            // Session [1000, 1003); watermark 1001 from the data, idle after 2 s: due at 1004.
            // (The timer may wake early, at 1003, for the entry the first element's session left
            // behind when the second one extended it; it finds nothing due and sleeps again.)
            manual.advance(by: .milliseconds(3_750))
            // Asleep again until exactly 1004 (awaited on the clock itself, not on real time).
            await manual.waitForSleeper(until: manual.now.advanced(by: .milliseconds(250)))
            #expect(output.tryReceive() == .empty && stage.window.openWindows().count == 1)
            manual.advance(by: .milliseconds(250))
            let result = try #require(try await receiveSoon(output))
            #expect(result == WindowResult(key: "s", start: 1_000, end: 1_003, count: 2, value: 5, isFinal: true))
            input.close()
            try await group.waitForAll()
        }
        #expect(pipeline.metrics().stages.first?.inFlight == 0)
    }

    /// `results:` maps each result as it is emitted.
    @Test func viaWithResultsTransform() async throws {
        let manual = ManualClock()
        let stage = CountStage(
            "win", WindowSpec(.tumblingCount(size: 2)), aggregate: Aggregators.Count(),
            clock: WindowClock(manual, origin: 1_000), key: { $0.key })
        let input = Channel<Reading>(capacity: 16)
        let output = Channel<String>(capacity: 16)
        let pipeline = Pipeline.from(input).via(stage) { "\($0.key)=\($0.value)" }.to(output)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await pipeline.run() }
            for key in ["x", "y", "x", "y", "x"] { try await input.send(Reading(key: key, time: 0)) }
            input.close()
            var outputs: [String] = []
            for await line in output { outputs.append(line) }
            #expect(outputs == ["x=2", "y=2", "x=1"])
            try await group.waitForAll()
        }
    }

    /// The same with `DataStream.window`: results on the clock, rejections in order, partial
    /// results when the stream ends.
    @Test func dataStreamWindowClosesOnTheClock() async throws {
        let manual = ManualClock()
        let input = Channel<Reading>(capacity: 16)
        let emissions = Channel<WindowEmission<Reading, String, Int>>(capacity: 16)
        let stream = DataStream.from(input).window(
            WindowSpec(.tumbling(size: .seconds(1)), time: .event()), aggregate: Aggregators.Count(),
            clock: WindowClock(manual, origin: 1_000), key: { $0.key }, eventTime: { $0.time })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await stream.run(into: emissions, closeWhenDone: true)
            }
            try await input.send(Reading(key: "k", time: 1_000.5))
            await eventually("the window to wait on the clock") { manual.sleeperCount == 1 }
            // Watermark 1000.5; idle after 1001; reaches the end 1001 at 1001.5.
            manual.advance(by: .seconds(1))
            #expect(manual.sleeperCount == 1)
            manual.advance(by: .milliseconds(500))
            let closed = try #require(try await receiveSoon(emissions)?.result)
            #expect(closed == WindowResult(key: "k", start: 1_000, end: 1_001, count: 1, value: 1, isFinal: true))

            let late = Reading(key: "k", time: 1_000.25)
            try await input.send(late)
            let rejected = try #require(try await receiveSoon(emissions)?.rejected)
            #expect(rejected.element == late && rejected.reason == .late(eventTime: 1_000.25, watermark: 1_001))

            try await input.send(Reading(key: "k", time: 1_003))
            try await input.send(Reading(key: "j", time: 1_003.5))
            input.close()
            var partial: [WindowResult<String, Int>] = []
            for _ in 0..<2 { if let result = try await receiveSoon(emissions)?.result { partial.append(result) } }
            #expect(partial.sorted { $0.key < $1.key } == [
                WindowResult(key: "j", start: 1_003, end: 1_004, count: 1, value: 1, isFinal: false),
                WindowResult(key: "k", start: 1_003, end: 1_004, count: 1, value: 1, isFinal: false),
            ])
            try await group.waitForAll()
        }
        #expect(emissions.isClosed)
    }

    /// Processing time with `DataStream.window`.
    @Test func dataStreamProcessingTimeWindow() async throws {
        let manual = ManualClock()
        let input = Channel<Reading>(capacity: 16)
        let emissions = Channel<WindowEmission<Reading, Unkeyed, Int>>(capacity: 16)
        let stream = DataStream.from(input).window(
            WindowSpec(.sliding(size: .seconds(2), slide: .seconds(1))), aggregate: Aggregators.Count(),
            clock: WindowClock(manual, origin: 1_000))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await stream.run(into: emissions, closeWhenDone: true) }
            // At 1000.5: windows [999, 1001) and [1000, 1002).
            manual.advance(by: .milliseconds(500))
            try await input.send(Reading(key: "-", time: 0))
            await eventually("the window to wait on the clock") { manual.sleeperCount == 1 }
            manual.advance(by: .milliseconds(500))
            let first = try #require(try await receiveSoon(emissions)?.result)
            #expect(first == WindowResult(key: Unkeyed(), start: 999, end: 1_001, count: 1, value: 1, isFinal: true))
            await eventually("the next timer") { manual.sleeperCount == 1 }
            manual.advance(by: .seconds(1))
            let second = try #require(try await receiveSoon(emissions)?.result)
            #expect(second == WindowResult(key: Unkeyed(), start: 1_000, end: 1_002, count: 1, value: 1, isFinal: true))
            input.close()
            try await group.waitForAll()
        }
    }
}
