/// The window logic, as a plain value with no clock and no concurrency: elements go in with
/// their key and time, results come out when the watermark passes a window (SPEC §2.5).
///
/// Every call takes `now`, the processing time in seconds, so the engine is deterministic and
/// testable; ``DataStream/window(_:aggregate:clock:key:eventTime:)`` and ``WindowStage`` drive it from
/// a clock and also call ``advance(now:into:)`` at ``nextDeadline(now:)`` so windows close when
/// input goes quiet.
///
/// The per-element path is `@inlinable`, so it is specialised for the caller's key, element and
/// aggregator types (unspecialised generic code is several times slower), and it keeps the
/// spec's durations as seconds and the earliest close time at hand: an element that closes
/// nothing costs a key lookup, the aggregator and a comparison.
public struct WindowEngine<Element, Key: Hashable & Sendable, Agg: Aggregator> where Agg.Input == Element {
    public let spec: WindowSpec
    @usableFromInline let aggregator: Agg
    @usableFromInline let shape: Shape
    @usableFromInline let isEventTime: Bool
    @usableFromInline let lateness: Double
    @usableFromInline let disorder: Double
    @usableFromInline let idle: Double
    @usableFromInline let maxKeys: Int
    @usableFromInline var keys: [Key: KeyWindows] = [:]
    @usableFromInline var closeQueue = CloseQueue<Key>()
    @usableFromInline var nextID: Int64 = 0
    /// The largest event time seen, and when (processing time) the last element arrived.
    @usableFromInline var maxEventTime = -Double.infinity
    @usableFromInline var lastArrival: Double?
    /// Never moves backwards, even when an idle extrapolation got ahead of the data.
    @usableFromInline var storedWatermark = -Double.infinity
    @usableFromInline var counters = WindowStats()

    /// The shape with its lengths in seconds.
    @usableFromInline
    enum Shape {
        case aligned(size: Double, slide: Double)
        case session(gap: Double)
        case counted(size: Int, slide: Int)
    }

    @usableFromInline
    struct OpenWindow {
        /// Stable within its key: the window index for aligned windows; for sessions, the id of
        /// the first session, kept through merges so its close-queue entry stays valid.
        @usableFromInline var id: Int64
        /// Creation order (a merge makes a new session, so it takes a new one).
        @usableFromInline var seq: Int64
        @usableFromInline var start: Double
        @usableFromInline var end: Double
        @usableFromInline var count = 0
        @usableFromInline var state: Agg.State
        /// Earliest and latest element time (count windows report these as their bounds).
        @usableFromInline var firstTime = Double.infinity
        @usableFromInline var lastTime = -Double.infinity

        @inlinable init(id: Int64, seq: Int64, start: Double, end: Double, state: Agg.State) {
            self.id = id
            self.seq = seq
            self.start = start
            self.end = end
            self.state = state
        }

        @inlinable mutating func add(_ element: Element, at time: Double, aggregator: Agg) {
            count += 1
            if time < firstTime { firstTime = time }
            if time > lastTime { lastTime = time }
            aggregator.add(element, at: time, to: &state)
        }
    }

    @usableFromInline
    struct KeyWindows {
        @usableFromInline var windows: [OpenWindow] = []
        /// Elements seen for this key (sliding count windows open one every `slide`).
        @usableFromInline var seen = 0
        @inlinable init() {}
    }

    public init(spec: WindowSpec, aggregator: Agg) {
        self.spec = spec
        self.aggregator = aggregator
        shape = switch spec.shape {
        case .tumbling(let size): .aligned(size: size.seconds, slide: size.seconds)
        case .sliding(let size, let slide): .aligned(size: size.seconds, slide: slide.seconds)
        case .session(let gap): .session(gap: gap.seconds)
        case .tumblingCount(let size): .counted(size: size, slide: size)
        case .slidingCount(let size, let slide): .counted(size: size, slide: slide)
        }
        isEventTime = spec.isEventTime
        lateness = spec.allowedLateness
        disorder = spec.maxOutOfOrderness
        idle = spec.idleSeconds
        maxKeys = spec.maxKeys
    }

    public var stats: WindowStats { counters }

    /// What happened to an element.
    public enum Outcome: Sendable, Equatable {
        case added
        case rejected(WindowRejection)
    }

    // MARK: - Input

    /// Adds an element. `eventTime` is its timestamp in seconds (ignored, and `now` used, with
    /// processing time). Windows the new watermark passes are appended to `results`.
    @inlinable
    public mutating func insert(
        _ element: Element, key: Key, eventTime: Double?, now: Double, into results: inout [WindowResult<Key, Agg.Output>]
    ) -> Outcome {
        let time = isEventTime ? (eventTime ?? now) : now
        let outcome: Outcome
        switch shape {
        case .aligned(let size, let slide): outcome = insertAligned(element, key: key, time: time, size: size, slide: slide, now: now)
        case .session(let gap): outcome = insertSession(element, key: key, time: time, gap: gap, now: now)
        case .counted(let size, let slide): outcome = insertCounted(element, key: key, time: time, size: size, slide: slide, into: &results)
        }
        switch outcome {
        case .added: counters.elements += 1
        case .rejected(.late): counters.late += 1
        case .rejected(.keyLimit): counters.keyLimitRejections += 1
        }
        if time > maxEventTime { maxEventTime = time }
        lastArrival = now
        if closeQueue.earliest <= watermark(now: now) { closeDue(into: &results) }
        return outcome
    }

    /// The watermark at processing time `now`: event time minus the allowed disorder, moving on
    /// with the clock once input has been idle for the idle timeout. Monotonic.
    @inlinable
    public mutating func watermark(now: Double) -> Double {
        let current: Double
        if !isEventTime {
            current = now
        } else if let lastArrival {
            let idleFor = now - lastArrival - idle
            current = maxEventTime - disorder + (idleFor > 0 ? idleFor : 0)
        } else {
            current = storedWatermark
        }
        if current > storedWatermark { storedWatermark = current }
        return storedWatermark
    }

    /// Closes (appends to `results`) every window the watermark at `now` has passed.
    @inlinable
    public mutating func advance(now: Double, into results: inout [WindowResult<Key, Agg.Output>]) {
        if closeQueue.earliest <= watermark(now: now) { closeDue(into: &results) }
    }

    /// Closes the windows due at the stored watermark.
    @usableFromInline
    mutating func closeDue(into results: inout [WindowResult<Key, Agg.Output>]) {
        while let next = closeQueue.min, next.closeAt <= storedWatermark {
            _ = closeQueue.popMin()
            guard let keyIndex = keys.index(forKey: next.key),
                let index = keys.values[keyIndex].windows.firstIndex(where: { $0.id == next.id })
            else { continue }  // merged into another session, whose entry stands
            // A session that grew since its entry was queued: queue it again as it is now (one
            // entry per session, not one per element).
            let window = keys.values[keyIndex].windows[index]
            guard window.end + lateness == next.closeAt, window.seq == next.seq else {
                closeQueue.insert(.init(closeAt: window.end + lateness, seq: window.seq, id: window.id, key: next.key))
                continue
            }
            keys.values[keyIndex].windows.remove(at: index)
            if keys.values[keyIndex].windows.isEmpty { keys.remove(at: keyIndex) }
            results.append(result(of: window, key: next.key, isFinal: true))
        }
    }

    /// The processing time at which the next window closes if nothing else arrives, or `nil`
    /// when no window is waiting on time.
    public func nextDeadline(now: Double) -> Double? {
        if case .counted = shape { return nil }
        guard let next = closeQueue.min else { return nil }
        guard isEventTime else { return next.closeAt }
        guard let lastArrival else { return nil }
        if next.closeAt <= storedWatermark { return now }
        return lastArrival + idle + (next.closeAt - (maxEventTime - disorder))
    }

    /// Emits every open window as a partial result (`isFinal == false`) and forgets them: for
    /// shutdown, so nothing aggregated is lost.
    public mutating func flush(into results: inout [WindowResult<Key, Agg.Output>]) {
        for (key, window) in openWindowsInOrder() { results.append(result(of: window, key: key, isFinal: false)) }
        keys.removeAll()
        closeQueue.removeAll()
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
                return (startA, a.1.seq) < (startB, b.1.seq)
            }
    }

    @inlinable
    mutating func result(of window: OpenWindow, key: Key, isFinal: Bool) -> WindowResult<Key, Agg.Output> {
        if isFinal { counters.finalResults += 1 } else { counters.partialResults += 1 }
        return makeResult(window, key: key, isFinal: isFinal)
    }

    @inlinable
    func makeResult(_ window: OpenWindow, key: Key, isFinal: Bool) -> WindowResult<Key, Agg.Output> {
        let counted = if case .counted = shape { true } else { false }
        let (start, end) = counted ? (window.firstTime, window.lastTime) : (window.start, window.end)
        return WindowResult(key: key, start: start, end: end, count: window.count, value: aggregator.result(window.state), isFinal: isFinal)
    }

    // MARK: - Window kinds

    /// Tumbling and sliding windows: aligned to multiples of the slide since the epoch.
    @inlinable
    mutating func insertAligned(_ element: Element, key: Key, time: Double, size: Double, slide: Double, now: Double) -> Outcome {
        let watermark = watermark(now: now)
        let last = (time / slide).rounded(.down)
        var index = ((time - size) / slide).rounded(.down)
        var added = false
        while index <= last + 1 {
            defer { index += 1 }
            let start = index * slide
            let end = start + size
            guard start <= time, time < end, end + lateness > watermark else { continue }
            guard addToWindow(element, key: key, time: time, windowID: Int64(index), start: start, end: end) else {
                return .rejected(.keyLimit(maxKeys: maxKeys))
            }
            added = true
        }
        return added ? .added : .rejected(.late(eventTime: time, watermark: watermark))
    }

    /// Adds to the window `id` of `key`, opening it (and scheduling its close) if needed.
    /// `false` when `key` is new and `maxKeys` keys already have windows.
    @inlinable
    mutating func addToWindow(_ element: Element, key: Key, time: Double, windowID id: Int64, start: Double, end: Double) -> Bool {
        if let keyIndex = keys.index(forKey: key) {
            if let index = keys.values[keyIndex].windows.firstIndex(where: { $0.id == id }) {
                keys.values[keyIndex].windows[index].add(element, at: time, aggregator: aggregator)
                return true
            }
            nextID += 1
            var window = OpenWindow(id: id, seq: nextID, start: start, end: end, state: aggregator.makeState())
            window.add(element, at: time, aggregator: aggregator)
            keys.values[keyIndex].windows.append(window)
        } else {
            guard keys.count < maxKeys else { return false }
            nextID += 1
            var window = OpenWindow(id: id, seq: nextID, start: start, end: end, state: aggregator.makeState())
            window.add(element, at: time, aggregator: aggregator)
            var windows = KeyWindows()
            windows.windows.append(window)
            keys[key] = windows
        }
        closeQueue.insert(.init(closeAt: end + lateness, seq: nextID, id: id, key: key))
        return true
    }

    /// Session windows: an element opens `[t, t + gap)` and merges every session it overlaps.
    @inlinable
    mutating func insertSession(_ element: Element, key: Key, time: Double, gap: Double, now: Double) -> Outcome {
        let watermark = watermark(now: now)
        var windows = keys[key]?.windows ?? []
        let overlapping = windows.indices.filter { windows[$0].start < time + gap && time < windows[$0].end }
        if overlapping.isEmpty {
            if time + gap + lateness <= watermark { return .rejected(.late(eventTime: time, watermark: watermark)) }
            if keys[key] == nil, keys.count >= maxKeys { return .rejected(.keyLimit(maxKeys: maxKeys)) }
        }
        nextID += 1
        // A merge keeps the first session's id (its queued close entry stays valid and is
        // re-queued when due if the session grew) but is a new session in creation order.
        let id = overlapping.first.map { windows[$0].id } ?? nextID
        var session = OpenWindow(id: id, seq: nextID, start: time, end: time + gap, state: aggregator.makeState())
        for index in overlapping.reversed() {
            let other = windows.remove(at: index)
            session.start = Swift.min(session.start, other.start)
            session.end = Swift.max(session.end, other.end)
            session.count += other.count
            session.firstTime = Swift.min(session.firstTime, other.firstTime)
            session.lastTime = Swift.max(session.lastTime, other.lastTime)
            aggregator.merge(other.state, into: &session.state)
        }
        session.add(element, at: time, aggregator: aggregator)
        windows.append(session)
        keys[key, default: KeyWindows()].windows = windows
        if overlapping.isEmpty { closeQueue.insert(.init(closeAt: session.end + lateness, seq: session.seq, id: id, key: key)) }
        return .added
    }

    /// Count windows: one opens every `slide` elements of a key and closes at `size` elements.
    @inlinable
    mutating func insertCounted(
        _ element: Element, key: Key, time: Double, size: Int, slide: Int, into results: inout [WindowResult<Key, Agg.Output>]
    ) -> Outcome {
        if keys[key] == nil, keys.count >= maxKeys { return .rejected(.keyLimit(maxKeys: maxKeys)) }
        var state = keys.removeValue(forKey: key) ?? KeyWindows()
        if state.seen % slide == 0 {
            nextID += 1
            state.windows.append(OpenWindow(id: nextID, seq: nextID, start: 0, end: 0, state: aggregator.makeState()))
        }
        state.seen += 1
        for index in state.windows.indices { state.windows[index].add(element, at: time, aggregator: aggregator) }
        if let full = state.windows.first, full.count == size {
            state.windows.removeFirst()
            results.append(result(of: full, key: key, isFinal: true))
        }
        if !state.windows.isEmpty || state.seen % slide != 0 { keys[key] = state }
        return .added
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
