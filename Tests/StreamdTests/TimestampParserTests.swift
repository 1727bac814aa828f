import Foundation
import OrderedCollections
import StreamKit
import StreamKitTesting
import Testing

import StreamdCore
import StreamdHTTP

/// Event timestamps are read into exact microseconds, in every accepted form, so that window
/// boundaries such as …0.3 s are exact.
@Suite struct TimestampParserTests {
    /// 2023-11-14T22:13:20Z.
    static let base: Int64 = 1_700_000_000

    @Test(arguments: [
        (JSONValue.number(1_700_000_000.3), Int64(1_700_000_000_300_000)),  // epoch seconds with a fraction
        (.number(1_700_000_000_300), 1_700_000_000_300_000),  // epoch milliseconds
        (.number(1_700_000_000_300.5), 1_700_000_000_300_500),
        (.number(1_700_000_000.000_001), 1_700_000_000_000_001),
        (.number(0.1), 100_000),
        (.string("1700000000.3"), 1_700_000_000_300_000),
        (.string("2023-11-14T22:13:20.3Z"), 1_700_000_000_300_000),  // RFC 3339 with fractional seconds
        (.string("2023-11-14T22:13:20.300000Z"), 1_700_000_000_300_000),
        (.string("2023-11-15T00:13:20.25+02:00"), 1_700_000_000_250_000),
        (.string("2023-11-14T21:13:20.1-01:00"), 1_700_000_000_100_000),
        (.string("2023-11-14t22:13:20z"), 1_700_000_000_000_000),
        (.string("2023-11-14 22:13:20Z"), 1_700_000_000_000_000),
        // Beyond the microsecond, digits are dropped, never rounded up into the next window.
        (.string("2023-11-14T22:13:20.299999999Z"), 1_700_000_000_299_999),
        (.string("1970-01-01T00:00:00Z"), 0),
        (.string("1969-12-31T23:59:59.5Z"), -500_000),
        (.string("2024-02-29T12:00:00Z"), 1_709_208_000_000_000),
    ])
    func exactMicroseconds(value: JSONValue, microseconds: Int64) throws {
        #expect(try TimestampParser.timestamp(value).microseconds == microseconds)
    }

    @Test(arguments: [
        "2023-02-29T00:00:00Z", "2023-11-14T24:00:00Z", "2023-11-14T22:60:00Z", "2023-13-01T00:00:00Z",
        "2023-11-14T22:13:20", "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20Zx", "2023-11-14", "23-11-14T22:13:20Z",
        "2023-11-14T22:13:20+0200", "2023-11-14T22:13:20+24:00", "yesterday", "",
    ])
    func refusesWhatIsNotATime(text: String) {
        #expect(TimestampParser.rfc3339(text) == nil)
        #expect(throws: StageError.self) { try TimestampParser.timestamp(.string(text)) }
    }

    @Test func refusesTimesOutOfRange() {
        #expect(throws: StageError.self) { try TimestampParser.timestamp(.number(1e300)) }
        #expect(throws: StageError.self) { try TimestampParser.timestamp(.string("1e300")) }
        #expect(throws: StageError.self) { try TimestampParser.timestamp(.bool(true)) }
    }

    /// The calendar arithmetic against Foundation's formatter over random instants from 1900 to
    /// 2200, with random offsets: the same instant to the millisecond.
    @Test func agreesWithFoundationOnRandomInstants() throws {
        var generator = SeededGenerator(seed: 11)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for _ in 0..<2_000 {
            let milliseconds = Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator)
            let offsetMinutes = Int.random(in: -14 * 60...14 * 60, using: &generator)
            formatter.timeZone = TimeZone(secondsFromGMT: offsetMinutes * 60)
            let text = formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
            let parsed = try #require(TimestampParser.rfc3339(text), "\(text)")
            #expect(parsed.microseconds == milliseconds * 1000, "\(text)")
        }
    }

    /// A 100 ms tumbling window in a running pipeline: an event exactly on each boundary, in
    /// each timestamp form, opens the window starting there, and the result shows the exact
    /// boundary (`"window_start":1700000000.3`).
    @Test func windowResultsCarryExactBoundaries() async throws {
        let yaml = """
            pipelines:
              m:
                stages:
                  - name: w
                    window: { type: tumbling, size: "100ms", time_field: .ts, aggregates: { n: 'count()' } }
            """
        let definition = try #require(try ConfigLoader.parse(yaml: yaml).pipelines.first)
        let runtime = PipelineRuntime(definition: definition, context: .system, windowClock: WindowClock(ManualClock(), origin: 0))
        runtime.start()
        let input = try #require(runtime.input)
        var expected: [String] = []
        for tenth in 0..<30 {
            let milliseconds = Self.base * 1000 + Int64(tenth) * 100
            let decimal = "\(Self.base + Int64(tenth / 10))" + (tenth % 10 == 0 ? "" : ".\(tenth % 10)")
            let timestamp: JSONValue = switch tenth % 3 {
            case 0: .number(Double(milliseconds))
            case 1: .number(Double(milliseconds) / 1000)
            default: .string(Self.rfc3339(milliseconds: milliseconds))
            }
            try await input.send(["ts": timestamp])
            expected.append(decimal)
        }
        await runtime.stop()
        let results = try #require(runtime.memory?.latest(100))
        #expect(results.count == 30, "one window per event")
        let texts = results.map { JSONWriter.string(.object($0)) }
        for (text, start) in zip(texts, expected) {
            #expect(text.contains("\"window_start\":\(start),"), "\(text)")
            #expect(text.contains("\"n\":1"), "\(text)")
        }
        #expect(runtime.windows.first?.status()?.stats.late == 0)
    }

    static func rfc3339(milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
