import Foundation
import StreamKit
import StreamKitTesting
import Testing

// A brute-force model of the window contract, written from the README's rules independently of
// `WindowEngine`: every window keeps the raw elements it got and aggregates are recomputed from
// those lists (sorting for quantiles); every emitted session is kept for good. Randomized keyed
// streams with bounded disorder and late elements are fed to both; every outcome, every emitted
// result (in order, at the call that emitted it), the open windows/keys and the stats must agree.
//
// Times are exact integers (microseconds) around epoch second 1.7e9, on a 50 ms grid, and window
// lengths include decimal ones (100 ms, 250 ms, 300 ms), so elements often land exactly on a
// boundary that binary floating point cannot represent, or share a time.

// MARK: - Elements and the all-aggregates aggregator

struct RefEvent: Sendable {
    /// Arrival order (ids increase in the order elements are inserted).
    let id: Int
    let key: Int
    /// Microseconds since the epoch.
    let time: Int64
    let value: Double
    /// What DistinctCount counts.
    var bucket: Int { Int(value.rounded(.down)) }
}

/// Every built-in aggregate of one window.
struct Summary: Sendable {
    var count: Int
    var sum: Double
    var average: Double?
    var minimum: Double?
    var maximum: Double?
    var first: Int?
    var last: Int?
    var distinct: Int
    var quantiles: [Double?]
}

/// One `CustomAggregator` composing all built-ins (so a single engine checks every aggregate).
enum AllAggregates {
    struct State: Sendable {
        var count: Int
        var sum: Double
        var average: Aggregators.Average<RefEvent>.State
        var minimum: Double?
        var maximum: Double?
        var first: TimedValue<Int>?
        var last: TimedValue<Int>?
        var distinct: Set<Int>
        var sketch: QuantileSketch
    }

    static let count = Aggregators.Count<RefEvent>()
    static let sum = Aggregators.Sum<RefEvent> { $0.value }
    static let average = Aggregators.Average<RefEvent> { $0.value }
    static let minimum = Aggregators.Minimum<RefEvent> { $0.value }
    static let maximum = Aggregators.Maximum<RefEvent> { $0.value }
    static let first = Aggregators.First<RefEvent, Int> { $0.id }
    static let last = Aggregators.Last<RefEvent, Int> { $0.id }
    static let distinct = Aggregators.DistinctCount<RefEvent, Int> { $0.bucket }
    /// (The sketch itself is tested in depth in QuantileSketchTests; a few q keep this fast.)
    static let qs: [Double] = [0, 0.1, 0.5, 0.9, 0.99, 1]
    /// One quantile aggregator per q; they share one sketch state (their states are identical).
    static let quantiles = qs.map { q in Aggregators.Quantile<RefEvent>(q) { $0.value } }

    static let aggregator = CustomAggregator<RefEvent, State, Summary>(
        initial: State(
            count: count.makeState(), sum: sum.makeState(), average: average.makeState(),
            minimum: minimum.makeState(), maximum: maximum.makeState(), first: first.makeState(),
            last: last.makeState(), distinct: distinct.makeState(), sketch: quantiles[0].makeState()),
        add: { element, time, state in
            count.add(element, at: time, to: &state.count)
            sum.add(element, at: time, to: &state.sum)
            average.add(element, at: time, to: &state.average)
            minimum.add(element, at: time, to: &state.minimum)
            maximum.add(element, at: time, to: &state.maximum)
            first.add(element, at: time, to: &state.first)
            last.add(element, at: time, to: &state.last)
            distinct.add(element, at: time, to: &state.distinct)
            quantiles[0].add(element, at: time, to: &state.sketch)
        },
        merge: { other, state in
            count.merge(other.count, into: &state.count)
            sum.merge(other.sum, into: &state.sum)
            average.merge(other.average, into: &state.average)
            minimum.merge(other.minimum, into: &state.minimum)
            maximum.merge(other.maximum, into: &state.maximum)
            first.merge(other.first, into: &state.first)
            last.merge(other.last, into: &state.last)
            distinct.merge(other.distinct, into: &state.distinct)
            quantiles[0].merge(other.sketch, into: &state.sketch)
        },
        result: { state in
            Summary(
                count: count.result(state.count), sum: sum.result(state.sum), average: average.result(state.average),
                minimum: minimum.result(state.minimum), maximum: maximum.result(state.maximum),
                first: first.result(state.first), last: last.result(state.last),
                distinct: distinct.result(state.distinct), quantiles: quantiles.map { $0.result(state.sketch) })
        })
}

typealias RefEngine = WindowEngine<RefEvent, Int, CustomAggregator<RefEvent, AllAggregates.State, Summary>>
typealias EngineResult = WindowResult<Int, Summary>

// MARK: - Configurations

/// Microseconds in a millisecond and a second.
let ms: Int64 = 1_000
let second: Int64 = 1_000_000

/// Lengths in microseconds.
enum RefShape: Sendable, CustomStringConvertible {
    case tumbling(Int64)
    case sliding(Int64, Int64)
    case session(Int64)
    case tumblingCount(Int)
    case slidingCount(Int, Int)

    var description: String {
        switch self {
        case .tumbling(let s): "tumbling(\(s))"
        case .sliding(let s, let p): "sliding(\(s), \(p))"
        case .session(let g): "session(\(g))"
        case .tumblingCount(let n): "tumblingCount(\(n))"
        case .slidingCount(let n, let m): "slidingCount(\(n), \(m))"
        }
    }

    /// A typical time scale of the shape, for gaps and lateness in the generator.
    var scale: Int64 {
        switch self {
        case .tumbling(let s), .sliding(let s, _): s
        case .session(let g): g
        case .tumblingCount, .slidingCount: second
        }
    }

    var isCount: Bool {
        switch self {
        case .tumblingCount, .slidingCount: true
        default: false
        }
    }
}

struct RefConfig: Sendable, CustomStringConvertible {
    var shape: RefShape
    /// `nil`: processing time. Otherwise (maxOutOfOrderness, allowedLateness), in µs.
    var event: (disorder: Int64, lateness: Int64)?
    var idleTimeout: Int64? = nil
    var keys = 4
    /// `nil`: chosen per seed among 1, 2, 3 and 100.
    var maxKeys: Int? = nil

    var description: String {
        let time = event.map { "event(D: \($0.disorder), L: \($0.lateness))" } ?? "processing"
        return "\(shape) \(time)" + (idleTimeout.map { " idle \($0)" } ?? "")
    }

    func spec(maxKeys: Int) -> WindowSpec {
        let shape: WindowSpec.Shape = switch self.shape {
        case .tumbling(let s): .tumbling(size: .microseconds(s))
        case .sliding(let s, let p): .sliding(size: .microseconds(s), slide: .microseconds(p))
        case .session(let g): .session(gap: .microseconds(g))
        case .tumblingCount(let n): .tumblingCount(size: n)
        case .slidingCount(let n, let m): .slidingCount(size: n, slide: m)
        }
        let time: WindowSpec.Time = event.map {
            .event(maxOutOfOrderness: .microseconds($0.disorder), allowedLateness: .microseconds($0.lateness))
        } ?? .processing
        return WindowSpec(shape, time: time, maxKeys: maxKeys, idleTimeout: idleTimeout.map { .microseconds($0) })
    }

    static let all: [RefConfig] = [
        RefConfig(shape: .tumbling(second), event: (500 * ms, 0)),
        RefConfig(shape: .tumbling(second), event: (250 * ms, 1_500 * ms)),
        RefConfig(shape: .tumbling(2 * second), event: (0, 0), idleTimeout: 500 * ms),
        RefConfig(shape: .tumbling(500 * ms), event: nil),
        RefConfig(shape: .sliding(2 * second, 500 * ms), event: (500 * ms, 0)),
        RefConfig(shape: .sliding(1_500 * ms, 500 * ms), event: (second, 750 * ms), idleTimeout: 3 * second),
        RefConfig(shape: .sliding(second, second), event: (250 * ms, 250 * ms)),
        RefConfig(shape: .sliding(2 * second, 500 * ms), event: nil),
        RefConfig(shape: .session(750 * ms), event: (500 * ms, 0)),
        RefConfig(shape: .session(second), event: (second, second)),
        RefConfig(shape: .session(500 * ms), event: (250 * ms, 500 * ms), idleTimeout: 2 * second),
        RefConfig(shape: .session(250 * ms), event: nil),
        // Decimal lengths: boundaries such as …0.3 s that no binary fraction represents.
        RefConfig(shape: .tumbling(100 * ms), event: (0, 0)),
        RefConfig(shape: .tumbling(300 * ms), event: (200 * ms, 100 * ms)),
        RefConfig(shape: .tumbling(250 * ms), event: nil),
        RefConfig(shape: .sliding(300 * ms, 100 * ms), event: (100 * ms, 0)),
        RefConfig(shape: .sliding(second, 300 * ms), event: (300 * ms, 200 * ms)),
        RefConfig(shape: .session(second), event: (0, 0)),
        RefConfig(shape: .session(300 * ms), event: (100 * ms, 0)),
        RefConfig(shape: .session(100 * ms), event: (50 * ms, 100 * ms)),
        RefConfig(shape: .tumblingCount(5), event: (second, 0)),
        RefConfig(shape: .tumblingCount(1), event: nil),
        RefConfig(shape: .tumblingCount(7), event: nil),
        RefConfig(shape: .slidingCount(5, 2), event: (500 * ms, 500 * ms)),
        RefConfig(shape: .slidingCount(4, 4), event: nil),
        RefConfig(shape: .slidingCount(3, 1), event: (second, 0)),
        RefConfig(shape: .slidingCount(6, 4), event: nil),
    ]
}

// MARK: - The reference model

struct RefElement {
    let event: RefEvent
    /// The element time the window uses (the event time, or `now` with processing time).
    let time: Int64
}

struct RefWindow {
    let key: Int
    var start: Int64
    var end: Int64
    /// Creation order: ties in closing time close in this order.
    var seq: Int
    var elements: [RefElement] = []
}

struct RefResult {
    let key: Int
    let start: Int64
    let end: Int64
    let isFinal: Bool
    let elements: [RefElement]
}

enum RefOutcome: Equatable {
    case added
    case late(time: Int64, watermark: Int64)
    case keyLimit
}

struct ReferenceWindows {
    let config: RefConfig
    let maxKeys: Int
    var open: [RefWindow] = []
    /// Every session emitted so far (sessions only), never forgotten.
    var emittedSessions: [RefWindow] = []
    var seq = 0
    var storedWatermark = Int64.min
    var maxTime = Int64.min
    var lastArrival: Int64?
    /// Per key, elements seen (count windows).
    var seen: [Int: Int] = [:]
    var added = 0, late = 0, keyLimit = 0, finals = 0, partials = 0

    init(config: RefConfig, maxKeys: Int) {
        self.config = config
        self.maxKeys = maxKeys
    }

    var disorder: Int64 { config.event?.disorder ?? 0 }
    var lateness: Int64 { config.event?.lateness ?? 0 }
    /// The idle timeout; count windows never go idle.
    var idle: Int64? {
        if let idle = config.idleTimeout { return idle }
        return config.shape.isCount ? nil : config.shape.scale
    }

    mutating func watermark(now: Int64) -> Int64 {
        if config.event == nil {
            storedWatermark = max(storedWatermark, now)
        } else if let lastArrival {
            let idleFor = idle.map { max(0, now - lastArrival - $0) } ?? 0
            storedWatermark = max(storedWatermark, maxTime - disorder + idleFor)
        }
        return storedWatermark
    }

    var keysWithWindows: Set<Int> { Set(open.map(\.key)) }

    func admits(_ key: Int) -> Bool {
        keysWithWindows.contains(key) || keysWithWindows.count < maxKeys
    }

    mutating func nextSeq() -> Int {
        seq += 1
        return seq
    }

    mutating func insert(_ event: RefEvent, now: Int64, into results: inout [RefResult]) -> RefOutcome {
        let time = config.event == nil ? now : event.time
        let element = RefElement(event: event, time: time)
        // Windows the watermark has passed close first: the element cannot join them.
        advance(now: now, into: &results)
        let outcome: RefOutcome
        switch config.shape {
        case .tumbling(let size): outcome = insertAligned(element, key: event.key, size: size, slide: size, now: now)
        case .sliding(let size, let slide): outcome = insertAligned(element, key: event.key, size: size, slide: slide, now: now)
        case .session(let gap): outcome = insertSession(element, key: event.key, gap: gap, now: now)
        case .tumblingCount(let n): outcome = insertCounted(element, key: event.key, size: n, slide: n, into: &results)
        case .slidingCount(let n, let m): outcome = insertCounted(element, key: event.key, size: n, slide: m, into: &results)
        }
        switch outcome {
        case .added: added += 1
        case .late: late += 1
        case .keyLimit: keyLimit += 1
        }
        maxTime = max(maxTime, time)
        lastArrival = now
        advance(now: now, into: &results)
        return outcome
    }

    mutating func insertAligned(_ element: RefElement, key: Int, size: Int64, slide: Int64, now: Int64) -> RefOutcome {
        let watermark = watermark(now: now)
        // Every window [k·slide, k·slide + size) holding the element, by brute force around it
        // (the element's time divided by the slide, rounded either way, plus a margin).
        let around = element.time / slide
        let span = size / slide + 3
        var starts: [Int64] = []
        for k in (around - span)...(around + 3) {
            let start = k * slide
            if start <= element.time && element.time < start + size && start + size + lateness > watermark {
                starts.append(start)
            }
        }
        if starts.isEmpty { return .late(time: element.time, watermark: watermark) }
        if !admits(key) { return .keyLimit }
        for start in starts {
            if let index = open.firstIndex(where: { $0.key == key && $0.start == start }) {
                open[index].elements.append(element)
            } else {
                open.append(RefWindow(key: key, start: start, end: start + size, seq: nextSeq(), elements: [element]))
            }
        }
        return .added
    }

    /// The README's rules: sessions of a key merge elements less than `gap` apart (a session
    /// `[start, end)` holds elements from `start` to `end - gap`, so an element at `t` joins it
    /// when `start - gap < t < end`). An element is late if it would join a session already
    /// emitted, or if its own session would already have closed (`t + gap + lateness <=
    /// watermark`) and it does not fall inside an open session (`start <= t`).
    mutating func insertSession(_ element: RefElement, key: Int, gap: Int64, now: Int64) -> RefOutcome {
        let watermark = watermark(now: now)
        let lateness = self.lateness
        let t = element.time
        func joins(_ session: RefWindow) -> Bool { session.key == key && session.start - gap < t && t < session.end }
        if emittedSessions.contains(where: joins) { return .late(time: t, watermark: watermark) }
        let overlapping = open.filter(joins)
        if t + gap + lateness <= watermark, !overlapping.contains(where: { $0.start <= t }) {
            return .late(time: t, watermark: watermark)
        }
        if overlapping.isEmpty, !admits(key) { return .keyLimit }
        var merged = RefWindow(key: key, start: t, end: t + gap, seq: nextSeq())
        for session in overlapping {
            merged.start = min(merged.start, session.start)
            merged.end = max(merged.end, session.end)
            merged.elements += session.elements
        }
        merged.elements.append(element)
        open.removeAll(where: joins)
        open.append(merged)
        return .added
    }

    mutating func insertCounted(_ element: RefElement, key: Int, size: Int, slide: Int, into results: inout [RefResult]) -> RefOutcome {
        if !admits(key) { return .keyLimit }
        let count = seen[key, default: 0]
        if count % slide == 0 { open.append(RefWindow(key: key, start: 0, end: 0, seq: nextSeq())) }
        seen[key] = count + 1
        for index in open.indices where open[index].key == key { open[index].elements.append(element) }
        if let index = open.firstIndex(where: { $0.key == key && $0.elements.count == size }) {
            let window = open.remove(at: index)
            let times = window.elements.map(\.time)
            results.append(RefResult(key: key, start: times.min()!, end: times.max()!, isFinal: true, elements: window.elements))
            finals += 1
        }
        return .added
    }

    mutating func advance(now: Int64, into results: inout [RefResult]) {
        guard !config.shape.isCount else { return }
        let watermark = watermark(now: now)
        let lateness = self.lateness
        let due = open.filter { $0.end + lateness <= watermark }
            .sorted { ($0.end + lateness, $0.seq) < ($1.end + lateness, $1.seq) }
        open.removeAll { $0.end + lateness <= watermark }
        for window in due {
            results.append(RefResult(key: window.key, start: window.start, end: window.end, isFinal: true, elements: window.elements))
            finals += 1
            if case .session = config.shape { emittedSessions.append(window) }
        }
    }

    mutating func flush(into results: inout [RefResult]) {
        for window in open {
            let times = window.elements.map(\.time)
            let (start, end) = config.shape.isCount ? (times.min()!, times.max()!) : (window.start, window.end)
            results.append(RefResult(key: window.key, start: start, end: end, isFinal: false, elements: window.elements))
            partials += 1
        }
        open.removeAll()
    }
}

// MARK: - Expected aggregates and comparison

/// The exact value at rank ⌊q·(n−1)⌋ of the sorted values.
func exactQuantile(_ sorted: [Double], _ q: Double) -> Double {
    sorted[Int((q * Double(sorted.count - 1)).rounded(.down))]
}

func withinSketchBound(_ estimate: Double?, _ exact: Double, accuracy: Double = 0.01) -> Bool {
    guard let estimate else { return false }
    return abs(estimate - exact) <= accuracy * abs(exact) * (1 + 1e-9) + 1e-9
}

/// `nil` if `actual` matches `expected`, else what differs.
func mismatch(_ actual: EngineResult, _ expected: RefResult) -> String? {
    func describe(_ what: String) -> String {
        "\(what): got key \(actual.key) [\(actual.start), \(actual.end)) n=\(actual.count) final=\(actual.isFinal), "
            + "expected key \(expected.key) [\(expected.start), \(expected.end)) n=\(expected.elements.count) final=\(expected.isFinal)"
    }
    guard actual.key == expected.key, actual.start.microseconds == expected.start, actual.end.microseconds == expected.end,
        actual.isFinal == expected.isFinal, actual.count == expected.elements.count
    else { return describe("window differs") }
    let elements = expected.elements
    let values = elements.map(\.event.value)
    let summary = actual.value
    let n = elements.count
    let sum = values.reduce(0, +)
    let magnitude = values.reduce(0) { $0 + abs($1) }
    if summary.count != n { return describe("count \(summary.count)") }
    if abs(summary.sum - sum) > 1e-9 * max(1, magnitude) { return describe("sum \(summary.sum) vs \(sum)") }
    guard let average = summary.average, abs(average - sum / Double(n)) <= 1e-9 * max(1, magnitude / Double(n)) else {
        return describe("average \(String(describing: summary.average)) vs \(sum / Double(n))")
    }
    if summary.minimum != values.min() { return describe("minimum \(String(describing: summary.minimum))") }
    if summary.maximum != values.max() { return describe("maximum \(String(describing: summary.maximum))") }
    // First: earliest time, the earliest arrival among equal times. Last: latest time, the latest
    // arrival among equal times (ids grow with arrival).
    let first = elements.min { ($0.time, $0.event.id) < ($1.time, $1.event.id) }!.event.id
    let last = elements.max { ($0.time, $0.event.id) < ($1.time, $1.event.id) }!.event.id
    if summary.first != first { return describe("first \(String(describing: summary.first)) vs \(first)") }
    if summary.last != last { return describe("last \(String(describing: summary.last)) vs \(last)") }
    let distinct = Set(elements.map(\.event.bucket)).count
    if summary.distinct != distinct { return describe("distinct \(summary.distinct) vs \(distinct)") }
    let sorted = values.sorted()
    for (q, estimate) in zip(AllAggregates.qs, summary.quantiles) {
        let exact = exactQuantile(sorted, q)
        if q == 0 || q == 1 {
            if estimate != exact { return describe("q\(q) \(String(describing: estimate)) vs exact \(exact)") }
        } else if !withinSketchBound(estimate, exact) {
            return describe("q\(q) \(String(describing: estimate)) vs \(exact)")
        }
    }
    return nil
}

func mismatch(_ actual: [EngineResult], _ expected: [RefResult]) -> String? {
    guard actual.count == expected.count else {
        let got = actual.map { "k\($0.key)[\($0.start),\($0.end))" }.joined(separator: " ")
        let want = expected.map { "k\($0.key)[\($0.start),\($0.end))" }.joined(separator: " ")
        return "\(actual.count) results, expected \(expected.count): got \(got); expected \(want)"
    }
    for (a, e) in zip(actual, expected) {
        if let difference = mismatch(a, e) { return difference }
    }
    return nil
}

/// What every result must satisfy whatever the model says: aligned windows sit exactly on
/// `k·slide` with length `size`; no two sessions emitted for a key overlap.
struct ResultInvariants {
    var sessions: [Int: [(start: Int64, end: Int64)]] = [:]

    mutating func check(_ results: [EngineResult], _ shape: RefShape) -> String? {
        for result in results {
            let (start, end) = (result.start.microseconds, result.end.microseconds)
            switch shape {
            case .tumbling(let size), .sliding(let size, _):
                let slide = if case .sliding(_, let slide) = shape { slide } else { size }
                if start % slide != 0 || end - start != size { return "window [\(result.start), \(result.end)) is not on the grid" }
            case .session:
                if sessions[result.key, default: []].contains(where: { $0.start < end && start < $0.end }) {
                    return "session [\(result.start), \(result.end)) of key \(result.key) overlaps one emitted before"
                }
                sessions[result.key, default: []].append((start, end))
            case .tumblingCount, .slidingCount:
                break
            }
        }
        return nil
    }
}

// MARK: - Stream generation

enum RefOp {
    case insert(RefEvent, now: Int64)
    case advance(now: Int64)
}

/// A multiple of 50 ms in `0...upper`: on many boundaries of every configuration.
func grid(upTo upper: Int64, using generator: inout SeededGenerator) -> Int64 {
    Int64.random(in: 0...(upper / (50 * ms)), using: &generator) * 50 * ms
}

/// Events whose time trails `now` by up to the disorder bound (so they arrive shuffled within
/// it), a few deliberately late ones, plain advances, and idle gaps with advances inside them.
func generateOps(_ config: RefConfig, count: Int, using generator: inout SeededGenerator) -> [RefOp] {
    var ops: [RefOp] = []
    // Processing time starts at epoch second 1.7e9 + 500 (event times trail it by 500 s).
    var now = 1_700_000_500 * second
    let scale = config.shape.scale
    let disorder = config.event?.disorder ?? 0
    var id = 0
    while id < count {
        let roll = Int.random(in: 0..<100, using: &generator)
        if roll < 3 {
            // Idle: time runs on with no element; the watermark follows the clock after the idle
            // timeout, so windows close (and later elements of them become late).
            let gap = scale / 2 + grid(upTo: 4 * scale, using: &generator)
            let stops = Int64.random(in: 1...3, using: &generator)
            var at = now
            for _ in 0..<stops {
                at += grid(upTo: gap / stops, using: &generator)
                ops.append(.advance(now: at))
            }
            now += gap
            ops.append(.advance(now: now))
        } else if roll < 7 {
            now += grid(upTo: 250 * ms, using: &generator)
            ops.append(.advance(now: now))
        } else {
            now += grid(upTo: 250 * ms, using: &generator)
            var time = now - 500 * second - grid(upTo: disorder, using: &generator)
            if roll < 13 {
                // Deliberately behind the watermark: late unless the allowed lateness covers it.
                time = now - 500 * second - disorder - grid(upTo: 3 * scale, using: &generator)
            }
            let value = Double(Int.random(in: -160...800, using: &generator)) / 4
            let key = Int.random(in: 0..<config.keys, using: &generator)
            ops.append(.insert(RefEvent(id: id, key: key, time: time, value: value), now: now))
            id += 1
        }
    }
    return ops
}

// MARK: - Tests

/// Serialized: the comparisons are CPU-bound, and run side by side they would hold every thread
/// of the cooperative pool and starve the timing-sensitive suites running alongside.
@Suite(.serialized) struct WindowReferenceTests {
    static let seeds: ClosedRange<UInt64> = 1...30

    /// Runs one seed of one configuration through the engine and the model; `nil` when they agree.
    static func compare(_ config: RefConfig, seed: UInt64) -> String? {
        var generator = SeededGenerator(seed: seed &* 0x9E37_79B9 &+ 17)
        let maxKeys = config.maxKeys ?? [1, 2, 3, 100][Int.random(in: 0..<4, using: &generator)]
        let spec = config.spec(maxKeys: maxKeys)
        var engine = RefEngine(spec: spec, aggregator: AllAggregates.aggregator)
        var model = ReferenceWindows(config: config, maxKeys: maxKeys)
        let ops = generateOps(config, count: Int.random(in: 120...300, using: &generator), using: &generator)
        let context = "seed \(seed) maxKeys \(maxKeys)"
        var invariants = ResultInvariants()

        for (step, op) in ops.enumerated() {
            var actual: [EngineResult] = []
            var expected: [RefResult] = []
            let now: Int64
            switch op {
            case .insert(let event, let at):
                now = at
                // The event time is passed even with processing time: it must be ignored then.
                let outcome = engine.insert(
                    event, key: event.key, eventTime: Timestamp(microseconds: event.time), now: Timestamp(microseconds: at), into: &actual)
                let expectedOutcome = model.insert(event, now: at, into: &expected)
                let same = switch (outcome, expectedOutcome) {
                case (.added, .added): true
                case (.rejected(.late(let time, let watermark)), .late(let t, let w)): time.microseconds == t && watermark.microseconds == w
                case (.rejected(.keyLimit(let limit)), .keyLimit): limit == maxKeys
                default: false
                }
                if !same { return "\(context) step \(step): outcome \(outcome) vs \(expectedOutcome) for \(event)" }
            case .advance(let at):
                now = at
                // Before advancing: the deadline the engine announces must be exactly when the
                // next window closes (checked on copies, which are plain values).
                if let problem = checkDeadline(engine, now: at, isCount: config.shape.isCount) {
                    return "\(context) step \(step): \(problem)"
                }
                engine.advance(now: Timestamp(microseconds: at), into: &actual)
                model.advance(now: at, into: &expected)
            }
            if let difference = mismatch(actual, expected) { return "\(context) step \(step) now \(now): \(difference)" }
            if let broken = invariants.check(actual, config.shape) { return "\(context) step \(step): \(broken)" }
            if engine.openWindowCount != model.open.count || engine.openKeyCount != model.keysWithWindows.count {
                return "\(context) step \(step): \(engine.openWindowCount) windows / \(engine.openKeyCount) keys open, "
                    + "expected \(model.open.count) / \(model.keysWithWindows.count)"
            }
        }

        // Flush: every open window, partial, oldest start first (ties in any order).
        let peek = engine.openWindows()
        var flushed: [EngineResult] = []
        engine.flush(into: &flushed)
        var expected: [RefResult] = []
        model.flush(into: &expected)
        if !zip(flushed, flushed.dropFirst()).allSatisfy({ $0.start <= $1.start }) {
            return "\(context): flush not ordered by start: \(flushed.map(\.start))"
        }
        func order(_ a: (key: Int, start: Int64, end: Int64), _ b: (key: Int, start: Int64, end: Int64)) -> Bool {
            (a.start, a.key, a.end) < (b.start, b.key, b.end)
        }
        let sortedFlushed = flushed.sorted {
            order(($0.key, $0.start.microseconds, $0.end.microseconds), ($1.key, $1.start.microseconds, $1.end.microseconds))
        }
        let sortedExpected = expected.sorted { order(($0.key, $0.start, $0.end), ($1.key, $1.start, $1.end)) }
        if let difference = mismatch(sortedFlushed, sortedExpected) { return "\(context) flush: \(difference)" }
        if peek.map(\.start) != flushed.map(\.start) || peek.map(\.count) != flushed.map(\.count) || peek.contains(where: \.isFinal) {
            return "\(context): openWindows() differs from what flush emitted"
        }
        if engine.openWindowCount != 0 || engine.openKeyCount != 0 { return "\(context): windows left after flush" }

        var stats = WindowStats()
        stats.elements = model.added
        stats.late = model.late
        stats.keyLimitRejections = model.keyLimit
        stats.finalResults = model.finals
        stats.partialResults = model.partials
        if engine.stats != stats { return "\(context): stats \(engine.stats), expected \(stats)" }
        return nil
    }

    /// `nextDeadline(now:)` is nil exactly when nothing waits on time. Otherwise, following the
    /// deadlines it announces (as a stage's timer does) reaches the first close without ever
    /// waking after it: advancing to just before the deadline that closed a window closes none.
    /// (A deadline may be early: session entries left behind by merges are skipped lazily.)
    static func checkDeadline(_ engine: RefEngine, now: Int64, isCount: Bool) -> String? {
        let now = Timestamp(microseconds: now)
        guard engine.nextDeadline(now: now) != nil else {
            return isCount || engine.openWindowCount == 0 ? nil : "no deadline with \(engine.openWindowCount) windows open"
        }
        if isCount { return "a count window announced a deadline" }
        var timer = engine
        var time = now
        for _ in 0..<10_000 {
            guard let deadline = timer.nextDeadline(now: time) else { return "the deadline vanished at \(time)" }
            let at = max(time, deadline)
            var closed: [EngineResult] = []
            timer.advance(now: at, into: &closed)
            if !closed.isEmpty {
                // One microsecond earlier, nothing was due.
                let before = Timestamp(microseconds: at.microseconds - 1)
                if before > now {
                    var early = engine
                    var none: [EngineResult] = []
                    early.advance(now: before, into: &none)
                    if !none.isEmpty { return "the timer woke at \(at), but windows were due by \(before)" }
                }
                return nil
            }
            if at <= time && time > now { return "the deadline \(deadline) does not move on from \(time)" }
            time = at
        }
        return "following deadlines never closed anything"
    }

    @Test(arguments: RefConfig.all)
    func engineMatchesReference(_ config: RefConfig) async {
        // CPU-bound: on a thread of its own, so the cooperative pool stays free for the
        // timing-sensitive suites running alongside (which matters most under the sanitizer).
        let differences = await Self.onOwnThread {
            Self.seeds.compactMap { seed in Self.compare(config, seed: seed) }
        }
        // One report per failing seed, at most three per configuration.
        for difference in differences.prefix(3) { Issue.record("\(config): \(difference)") }
        #expect(differences.isEmpty, "\(differences.count) of \(Self.seeds.count) seeds disagree for \(config)")
    }

    static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }

    /// Key limits with many keys and one allowed: the second key is refused until the first
    /// key's windows close, and the refusals are counted.
    @Test func keyLimitRejectsNewKeysUntilWindowsClose() {
        let spec = WindowSpec(.tumbling(size: .seconds(1)), time: .event(), maxKeys: 1)
        var engine = RefEngine(spec: spec, aggregator: AllAggregates.aggregator)
        var results: [EngineResult] = []
        let a = RefEvent(id: 0, key: 1, time: 500 * ms, value: 1), b = RefEvent(id: 1, key: 2, time: 600 * ms, value: 2)
        #expect(engine.insert(a, key: 1, eventTime: 0.5, now: 0, into: &results) == .added)
        #expect(engine.insert(b, key: 2, eventTime: 0.6, now: 0, into: &results) == .rejected(.keyLimit(maxKeys: 1)))
        #expect(engine.insert(b, key: 1, eventTime: 0.7, now: 0, into: &results) == .added)
        // Key 1's window [0, 1) closes once the watermark passes 1.0 (here: idle, on the clock);
        // then key 2 is admitted.
        #expect(engine.insert(b, key: 2, eventTime: 0.8, now: 0, into: &results) == .rejected(.keyLimit(maxKeys: 1)))
        engine.advance(now: 10, into: &results)
        #expect(results.map(\.key) == [1] && results.first?.count == 2)
        let c = RefEvent(id: 2, key: 2, time: 10 * second, value: 3)
        #expect(engine.insert(c, key: 2, eventTime: 10, now: 10, into: &results) == .added)
        #expect(engine.stats.keyLimitRejections == 2 && engine.stats.elements == 3 && engine.stats.finalResults == 1)
    }
}
