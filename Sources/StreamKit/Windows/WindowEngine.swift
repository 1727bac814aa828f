internal import HeapModule

/// The window logic, as a plain value with no clock and no concurrency: elements go in with
/// their key and time, results come out when the watermark passes a window (SPEC §2.5).
///
/// Every call takes `now`, the processing time in seconds, so the engine is deterministic and
/// testable; ``DataStream/window(_:by:time:aggregate:clock:)`` and ``WindowStage`` drive it from
/// a clock and also call ``advance(now:into:)`` at ``nextDeadline(now:)`` so windows close when
/// input goes quiet.
public struct WindowEngine<Element, Key: Hashable & Sendable, Agg: Aggregator> where Agg.Input == Element {
    public let spec: WindowSpec
    @usableFromInline let aggregator: Agg
    @usableFromInline var keys: [Key: KeyWindows] = [:]
    var closeQueue = Heap<CloseEntry>()
    var nextID: Int64 = 0
    /// The largest event time seen (event time), and when the last element arrived.
    var maxEventTime = -Double.infinity
    var lastArrival: Double?
    /// Never moves backwards, even when an idle extrapolation got ahead of the data.
    var storedWatermark = -Double.infinity
    public private(set) var stats = WindowStats()

    @usableFromInline
    struct OpenWindow {
        var id: Int64
        var start: Double
        var end: Double
        var count = 0
        var state: Agg.State
        /// Earliest and latest element time (count windows report these as their bounds).
        var firstTime = Double.infinity
        var lastTime = -Double.infinity
    }

    @usableFromInline
    struct KeyWindows {
        var windows: [OpenWindow] = []
        /// Elements seen for this key (sliding count windows open one every `slide`).
        var seen = 0
    }

    struct CloseEntry: Comparable {
        var closeAt: Double
        var id: Int64
        var key: Key
        /// Creation order: windows closing at the same time close in the order they opened
        /// (aligned windows of different keys share `id`, the window index).
        var seq: Int64
        static func < (a: CloseEntry, b: CloseEntry) -> Bool { (a.closeAt, a.seq) < (b.closeAt, b.seq) }
        static func == (a: CloseEntry, b: CloseEntry) -> Bool { a.closeAt == b.closeAt && a.seq == b.seq }
    }

    public init(spec: WindowSpec, aggregator: Agg) {
        self.spec = spec
        self.aggregator = aggregator
    }

    /// What happened to an element.
    public enum Outcome: Sendable, Equatable {
        case added
        case rejected(WindowRejection)
    }

    // MARK: - Input

    /// Adds an element. `eventTime` is its timestamp in seconds (ignored, and `now` used, with
    /// processing time). Windows the new watermark passes are appended to `results`.
    public mutating func insert(
        _ element: Element, key: Key, eventTime: Double?, now: Double, into results: inout [WindowResult<Key, Agg.Output>]
    ) -> Outcome {
        let time = spec.isEventTime ? (eventTime ?? now) : now
        let outcome: Outcome
        switch spec.shape {
        case .tumbling, .sliding: outcome = insertAligned(element, key: key, time: time, now: now)
        case .session(let gap): outcome = insertSession(element, key: key, time: time, gap: gap.seconds, now: now)
        case .tumblingCount(let size): outcome = insertCounted(element, key: key, time: time, size: size, slide: size, into: &results)
        case .slidingCount(let size, let slide): outcome = insertCounted(element, key: key, time: time, size: size, slide: slide, into: &results)
        }
        switch outcome {
        case .added: stats.elements += 1
        case .rejected(.late): stats.late += 1
        case .rejected(.keyLimit): stats.keyLimitRejections += 1
        }
        if time > maxEventTime { maxEventTime = time }
        lastArrival = now
        advance(now: now, into: &results)
        return outcome
    }

    /// The watermark at processing time `now`: event time minus the allowed disorder, moving on
    /// with the clock once input has been idle for the idle timeout. Monotonic.
    public mutating func watermark(now: Double) -> Double {
        let current = computedWatermark(now: now)
        if current > storedWatermark { storedWatermark = current }
        return storedWatermark
    }

    private func computedWatermark(now: Double) -> Double {
        guard spec.isEventTime else { return now }
        guard let lastArrival else { return storedWatermark }
        let fromData = maxEventTime - spec.maxOutOfOrderness
        let idle = now - lastArrival - spec.idleSeconds
        return idle > 0 ? fromData + idle : fromData
    }

    /// Closes (appends to `results`) every window the watermark at `now` has passed.
    public mutating func advance(now: Double, into results: inout [WindowResult<Key, Agg.Output>]) {
        guard !spec.isCountBased else { return }
        let watermark = watermark(now: now)
        while let next = closeQueue.min, next.closeAt <= watermark {
            _ = closeQueue.popMin()
            guard var keyWindows = keys[next.key],
                let index = keyWindows.windows.firstIndex(where: { $0.id == next.id })
            else { continue }
            let window = keyWindows.windows[index]
            // A session that grew has a later entry of its own; this one is stale.
            guard window.end + spec.allowedLateness == next.closeAt else { continue }
            keyWindows.windows.remove(at: index)
            keys[next.key] = keyWindows.windows.isEmpty ? nil : keyWindows
            results.append(result(of: window, key: next.key, isFinal: true))
        }
    }

    /// The processing time at which the next window closes if nothing else arrives, or `nil`
    /// when no window is waiting on time.
    public func nextDeadline(now: Double) -> Double? {
        guard !spec.isCountBased, let next = closeQueue.min else { return nil }
        guard spec.isEventTime else { return next.closeAt }
        guard let lastArrival else { return nil }
        if next.closeAt <= storedWatermark { return now }
        let fromData = maxEventTime - spec.maxOutOfOrderness
        return lastArrival + spec.idleSeconds + (next.closeAt - fromData)
    }

    /// Emits every open window as a partial result (`isFinal == false`) and forgets them: for
    /// shutdown, so nothing aggregated is lost.
    public mutating func flush(into results: inout [WindowResult<Key, Agg.Output>]) {
        for (key, window) in openWindowsInOrder() { results.append(result(of: window, key: key, isFinal: false)) }
        keys.removeAll()
        closeQueue = Heap()
    }

    /// The open windows as partial results, oldest first, without closing them.
    public func openWindows(limit: Int = .max) -> [WindowResult<Key, Agg.Output>] {
        openWindowsInOrder().prefix(limit).map { makeResult($0.1, key: $0.0, isFinal: false) }
    }

    public var openWindowCount: Int { keys.values.reduce(0) { $0 + $1.windows.count } }
    public var openKeyCount: Int { keys.count }

    private func openWindowsInOrder() -> [(Key, OpenWindow)] {
        // By the start results report: count windows report their earliest element's time.
        let countBased = spec.isCountBased
        return keys.flatMap { key, value in value.windows.map { (key, $0) } }
            .sorted { a, b in
                let (startA, startB) = countBased ? (a.1.firstTime, b.1.firstTime) : (a.1.start, b.1.start)
                return (startA, a.1.id) < (startB, b.1.id)
            }
    }

    private mutating func result(of window: OpenWindow, key: Key, isFinal: Bool) -> WindowResult<Key, Agg.Output> {
        if isFinal { stats.finalResults += 1 } else { stats.partialResults += 1 }
        return makeResult(window, key: key, isFinal: isFinal)
    }

    private func makeResult(_ window: OpenWindow, key: Key, isFinal: Bool) -> WindowResult<Key, Agg.Output> {
        let (start, end) = spec.isCountBased ? (window.firstTime, window.lastTime) : (window.start, window.end)
        return WindowResult(key: key, start: start, end: end, count: window.count, value: aggregator.result(window.state), isFinal: isFinal)
    }

    // MARK: - Window kinds

    /// Whether `key` may get its first window.
    private func admits(_ key: Key) -> Bool {
        keys[key] != nil || keys.count < spec.maxKeys
    }

    /// Tumbling and sliding windows: aligned to multiples of the slide since the epoch.
    private mutating func insertAligned(_ element: Element, key: Key, time: Double, now: Double) -> Outcome {
        let (size, slide): (Double, Double) = switch spec.shape {
        case .tumbling(let size): (size.seconds, size.seconds)
        case .sliding(let size, let slide): (size.seconds, slide.seconds)
        default: fatalError("not an aligned window")
        }
        let watermark = watermark(now: now)
        let lateness = spec.allowedLateness
        let last = (time / slide).rounded(.down)
        let first = ((time - size) / slide).rounded(.down)
        var added = false
        var index = first
        while index <= last + 1 {
            defer { index += 1 }
            let start = index * slide
            let end = start + size
            guard start <= time, time < end, end + lateness > watermark else { continue }
            if !added, !admits(key) { return .rejected(.keyLimit(maxKeys: spec.maxKeys)) }
            added = true
            let id = Int64(index)
            addToWindow(element, key: key, time: time, windowID: id, start: start, end: end)
        }
        return added ? .added : .rejected(.late(eventTime: time, watermark: watermark))
    }

    /// Adds to the window `id` of `key`, opening it (and scheduling its close) if needed.
    @inline(__always)
    private mutating func addToWindow(_ element: Element, key: Key, time: Double, windowID id: Int64, start: Double, end: Double) {
        let aggregator = self.aggregator
        var opened = false
        keys[key, default: KeyWindows()].withWindow(id: id) {
            opened = true
            return OpenWindow(id: id, start: start, end: end, state: aggregator.makeState())
        } update: { window in
            window.count += 1
            if time < window.firstTime { window.firstTime = time }
            if time > window.lastTime { window.lastTime = time }
            aggregator.add(element, at: time, to: &window.state)
        }
        if opened {
            nextID += 1
            closeQueue.insert(CloseEntry(closeAt: end + spec.allowedLateness, id: id, key: key, seq: nextID))
        }
    }

    /// Session windows: an element opens `[t, t + gap)` and merges every session it overlaps.
    private mutating func insertSession(_ element: Element, key: Key, time: Double, gap: Double, now: Double) -> Outcome {
        let watermark = watermark(now: now)
        let lateness = spec.allowedLateness
        var windows = keys[key]?.windows ?? []
        let overlapping = windows.indices.filter { windows[$0].start < time + gap && time < windows[$0].end }
        if overlapping.isEmpty {
            if time + gap + lateness <= watermark { return .rejected(.late(eventTime: time, watermark: watermark)) }
            if !admits(key) { return .rejected(.keyLimit(maxKeys: spec.maxKeys)) }
        }
        nextID += 1
        var session = OpenWindow(id: nextID, start: time, end: time + gap, state: aggregator.makeState())
        for index in overlapping.reversed() {
            let other = windows.remove(at: index)
            session.start = min(session.start, other.start)
            session.end = max(session.end, other.end)
            session.count += other.count
            session.firstTime = min(session.firstTime, other.firstTime)
            session.lastTime = max(session.lastTime, other.lastTime)
            aggregator.merge(other.state, into: &session.state)
        }
        session.count += 1
        session.firstTime = min(session.firstTime, time)
        session.lastTime = max(session.lastTime, time)
        aggregator.add(element, at: time, to: &session.state)
        windows.append(session)
        keys[key, default: KeyWindows()].windows = windows
        closeQueue.insert(CloseEntry(closeAt: session.end + lateness, id: session.id, key: key, seq: session.id))
        return .added
    }

    /// Count windows: one opens every `slide` elements of a key and closes at `size` elements.
    private mutating func insertCounted(
        _ element: Element, key: Key, time: Double, size: Int, slide: Int, into results: inout [WindowResult<Key, Agg.Output>]
    ) -> Outcome {
        guard admits(key) else { return .rejected(.keyLimit(maxKeys: spec.maxKeys)) }
        let aggregator = self.aggregator
        var state = keys.removeValue(forKey: key) ?? KeyWindows()
        if state.seen % slide == 0 {
            nextID += 1
            state.windows.append(OpenWindow(id: nextID, start: 0, end: 0, state: aggregator.makeState()))
        }
        state.seen += 1
        for index in state.windows.indices {
            state.windows[index].count += 1
            state.windows[index].firstTime = min(state.windows[index].firstTime, time)
            state.windows[index].lastTime = max(state.windows[index].lastTime, time)
            aggregator.add(element, at: time, to: &state.windows[index].state)
        }
        if let full = state.windows.first, full.count == size {
            state.windows.removeFirst()
            results.append(result(of: full, key: key, isFinal: true))
        }
        if !state.windows.isEmpty || state.seen % slide != 0 { keys[key] = state }
        return .added
    }
}

extension WindowEngine.KeyWindows {
    /// Finds the window `id` (opening it with `make` if absent) and updates it in place.
    @inline(__always)
    mutating func withWindow(
        id: Int64, make: () -> WindowEngine.OpenWindow, update: (inout WindowEngine.OpenWindow) -> Void
    ) {
        if let index = windows.firstIndex(where: { $0.id == id }) {
            update(&windows[index])
        } else {
            windows.append(make())
            update(&windows[windows.count - 1])
        }
    }
}

/// Counters of a window operator, for metrics.
public struct WindowStats: Sendable, Equatable, Codable {
    /// Elements added to at least one window.
    public var elements = 0
    /// Elements rejected because their windows had closed.
    public var late = 0
    /// Elements rejected because `maxKeys` keys already had open windows.
    public var keyLimitRejections = 0
    public var finalResults = 0
    /// Windows flushed before they closed (at shutdown).
    public var partialResults = 0

    public init() {}
}
