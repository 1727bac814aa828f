import StreamKit
import Testing

// Exact window boundaries and session lateness, on the examples that showed the defects: an
// element exactly on a decimal boundary (…0.3 s) belongs to the window starting there, and a late
// element beside an emitted session is late instead of opening a second, overlapping session.

@Suite struct ExactWindowTimeTests {
    typealias Engine = WindowEngine<Int, String, Aggregators.Count<Int>>
    typealias Result = WindowResult<String, Int>

    static func engine(_ shape: WindowSpec.Shape, disorder: Duration = .zero) -> Engine {
        Engine(spec: WindowSpec(shape, time: .event(maxOutOfOrderness: disorder)), aggregator: Aggregators.Count())
    }

    /// Inserts `times` (one key, arrival = event time), then closes everything on the clock.
    static func results(_ shape: WindowSpec.Shape, _ times: [Timestamp]) -> [Result] {
        var engine = engine(shape)
        var results: [Result] = []
        for time in times { _ = engine.insert(0, key: "k", eventTime: time, now: time, into: &results) }
        engine.advance(now: Timestamp(microseconds: Timestamp.limit / 2), into: &results)
        return results
    }

    @Test func timestampsAreExactMicroseconds() {
        #expect(Timestamp(milliseconds: 1_700_000_000_300).microseconds == 1_700_000_000_300_000)
        #expect(Timestamp(seconds: 1_700_000_000.3)?.microseconds == 1_700_000_000_300_000)
        #expect(Timestamp(seconds: 0.1)?.microseconds == 100_000)
        #expect(Timestamp(seconds: -0.3)?.microseconds == -300_000)
        #expect(Timestamp(seconds: .nan) == nil && Timestamp(seconds: 1e300) == nil)
        let literal: Timestamp = 1_700_000_000.3
        #expect(literal.microseconds == 1_700_000_000_300_000)
        #expect(literal.description == "1700000000.3")
        #expect(Timestamp(microseconds: -1).description == "-0.000001")
        #expect(Timestamp(microseconds: 2_000_000).description == "2")
        // Shown as a double, the exact boundary prints as its decimal.
        #expect(literal.seconds.description == "1700000000.3")
        #expect(Duration.milliseconds(300).wholeMicroseconds == 300_000)
    }

    /// Every 100 ms boundary of a second of epoch milliseconds starts its own window, which
    /// holds exactly the element on it (in floating point about 40 % fell into the window before).
    @Test(arguments: [Int64(100), 250, 300])
    func elementOnADecimalBoundaryOpensTheWindowStartingThere(sizeMilliseconds: Int64) {
        // Windows align to the epoch: start on a multiple of the size.
        let base: Int64 = 1_700_000_000_000 / sizeMilliseconds * sizeMilliseconds
        let boundaries = (0..<40).map { base + $0 * sizeMilliseconds }
        let results = Self.results(.tumbling(size: .milliseconds(sizeMilliseconds)), boundaries.map { Timestamp(milliseconds: $0) })
        #expect(results.count == boundaries.count)
        for (result, boundary) in zip(results, boundaries) {
            #expect(result.start == Timestamp(milliseconds: boundary), "window of the element at \(boundary) ms")
            #expect(result.end == Timestamp(milliseconds: boundary + sizeMilliseconds))
            #expect(result.count == 1)
        }
    }

    /// Sliding windows of 300 ms every 100 ms: an element exactly at …0.3 is in [0.1, 0.4),
    /// [0.2, 0.5) and [0.3, 0.6), not in [0.0, 0.3).
    @Test func slidingWindowsOnDecimalBoundaries() {
        let results = Self.results(.sliding(size: .milliseconds(300), slide: .milliseconds(100)), [1_700_000_000.3])
        #expect(results.map(\.start.description) == ["1700000000.1", "1700000000.2", "1700000000.3"])
        #expect(results.map(\.end.description) == ["1700000000.4", "1700000000.5", "1700000000.6"])
    }

    /// Sessions measure the gap exactly: elements exactly `gap` apart are two sessions, a
    /// microsecond less is one.
    @Test func sessionGapIsExact() {
        let gap = Duration.milliseconds(300)
        let apart = Self.results(.session(gap: gap), [1_700_000_000.1, 1_700_000_000.4])
        #expect(apart.map { [$0.start.description, $0.end.description] } == [
            ["1700000000.1", "1700000000.4"], ["1700000000.4", "1700000000.7"],
        ])
        let within = Self.results(.session(gap: gap), [1_700_000_000.1, 1_700_000_000.399999])
        #expect(within.map { [$0.start.description, $0.end.description] } == [["1700000000.1", "1700000000.699999"]])
    }

    /// Gap 1 s, no disorder: `a@0.0`, `a@1.2` (the watermark passes 1.0, so `[0, 1)` is emitted),
    /// then `a@0.5`: it is less than the gap from 0.0, so it belongs to the emitted session and is
    /// late; it does not open `[0.5, 2.2)` beside it.
    @Test func lateElementBesideAnEmittedSessionIsLate() {
        var engine = Self.engine(.session(gap: .seconds(1)))
        var results: [Result] = []
        #expect(engine.insert(0, key: "a", eventTime: 0.0, now: 0.0, into: &results) == .added)
        #expect(engine.insert(1, key: "a", eventTime: 1.2, now: 1.2, into: &results) == .added)
        #expect(results.map { [$0.start, $0.end] } == [[0, 1]])
        #expect(engine.insert(2, key: "a", eventTime: 0.5, now: 1.3, into: &results) == .rejected(.late(eventTime: 0.5, watermark: 1.2)))
        engine.advance(now: 100, into: &results)
        #expect(results.map { [$0.start, $0.end] } == [[0, 1], [1.2, 2.2]])
        #expect(results.map(\.count) == [1, 1])
        #expect(engine.stats.late == 1)
    }

    /// An element may still reach back from an open session (it is less than the gap before its
    /// start, and its own session would not have closed yet), and one inside an open session is
    /// never late; but reaching back from one to where the watermark has passed is late.
    @Test func sessionLatenessRule() {
        var engine = Self.engine(.session(gap: .seconds(1)), disorder: .seconds(2))
        var results: [Result] = []
        for time: Timestamp in [10, 10.5, 11, 13] { _ = engine.insert(0, key: "a", eventTime: time, now: 0, into: &results) }
        // Watermark 11 (13 − 2): [10, 12) is still open (closes at 12).
        #expect(results.isEmpty)
        #expect(engine.insert(0, key: "a", eventTime: 10.2, now: 0, into: &results) == .added, "inside an open session")
        #expect(engine.insert(0, key: "a", eventTime: 9.8, now: 0, into: &results) == .rejected(.late(eventTime: 9.8, watermark: 11)),
                "reaching back from [10, 12) to 9.8, whose own session [9.8, 10.8) has closed")
        #expect(engine.insert(0, key: "a", eventTime: 12.5, now: 0, into: &results) == .added,
                "reaching back from [13, 14), its own session [12.5, 13.5) still open")
        engine.advance(now: 100, into: &results)
        #expect(results.map { [$0.start, $0.end] } == [[10, 12], [12.5, 14]])
        #expect(results.map(\.count) == [4, 2])
    }
}
