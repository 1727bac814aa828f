/// The window logic, as a plain value with no clock and no concurrency: elements go in with
/// their key and time, results come out when the watermark passes a window (SPEC §2.5).
///
/// Every call takes `now`, the processing time, so the engine is deterministic and testable;
/// ``DataStream/window(_:aggregate:clock:key:eventTime:)`` and ``WindowStage`` drive it from a
/// clock and also call ``advance(now:into:)`` at ``nextDeadline(now:)`` so windows close when
/// input goes quiet.
///
/// Time is exact: whole microseconds (``Timestamp``) from the element to the result, so window
/// membership is integer arithmetic and `[k·size, (k+1)·size)` holds on every boundary.
///
/// The per-element path is `@inlinable`, so it is specialised for the caller's key, element and
/// aggregator types (unspecialised generic code is several times slower), and it keeps the
/// earliest close time at hand: an element that closes nothing costs a key lookup, the
/// aggregator and a comparison.
public struct WindowEngine<Element, Key: Hashable & Sendable, Agg: Aggregator> where Agg.Input == Element {
    public let spec: WindowSpec
    @usableFromInline let aggregator: Agg
    @usableFromInline let shape: Shape
    @usableFromInline let isEventTime: Bool
    /// The spec's allowances in microseconds.
    @usableFromInline let lateness: Int64
    @usableFromInline let disorder: Int64
    @usableFromInline let idle: Int64
    @usableFromInline let maxKeys: Int
    @usableFromInline var keys: [Key: KeyWindows] = [:]
    @usableFromInline var closeQueue = CloseQueue<Key>()
    @usableFromInline var nextID: Int64 = 0
    /// The largest event time seen, and when (processing time) the last element arrived.
    @usableFromInline var maxEventTime: Int64 = .min
    @usableFromInline var lastArrival: Int64?
    /// Never moves backwards, even when an idle extrapolation got ahead of the data.
    @usableFromInline var storedWatermark: Int64 = .min
    /// Sessions only: per key, the end of its latest emitted session, while an element could
    /// still join it (see ``insertSession(_:key:time:gap:now:)``), and when each may be forgotten.
    @usableFromInline var emittedSessions: [Key: Int64] = [:]
    @usableFromInline var emittedExpiries: [(forgetAt: Int64, end: Int64, key: Key)] = []
    @usableFromInline var emittedExpiriesHead = 0
    @usableFromInline var counters = WindowStats()

    /// The shape with its lengths in microseconds.
    @usableFromInline
    enum Shape {
        case aligned(size: Int64, slide: Int64)
        case session(gap: Int64)
        case counted(size: Int, slide: Int)
    }

    @usableFromInline
    struct OpenWindow {
        /// Stable within its key: the window index for aligned windows; for sessions, the id of
        /// the first session, kept through merges so its close-queue entry stays valid.
        @usableFromInline var id: Int64
        /// Creation order (a merge makes a new session, so it takes a new one).
        @usableFromInline var seq: Int64
        @usableFromInline var start: Int64
        @usableFromInline var end: Int64
        @usableFromInline var count = 0
        @usableFromInline var state: Agg.State
        /// Earliest and latest element time (count windows report these as their bounds).
        @usableFromInline var firstTime = Int64.max
        @usableFromInline var lastTime = Int64.min

        @inlinable init(id: Int64, seq: Int64, start: Int64, end: Int64, state: Agg.State) {
            self.id = id
            self.seq = seq
            self.start = start
            self.end = end
            self.state = state
        }

        @inlinable mutating func add(_ element: Element, at time: Int64, aggregator: Agg) {
            count += 1
            if time < firstTime { firstTime = time }
            if time > lastTime { lastTime = time }
            aggregator.add(element, at: Timestamp(microseconds: time), to: &state)
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
        case .tumbling(let size): .aligned(size: size.wholeMicroseconds, slide: size.wholeMicroseconds)
        case .sliding(let size, let slide): .aligned(size: size.wholeMicroseconds, slide: slide.wholeMicroseconds)
        case .session(let gap): .session(gap: gap.wholeMicroseconds)
        case .tumblingCount(let size): .counted(size: size, slide: size)
        case .slidingCount(let size, let slide): .counted(size: size, slide: slide)
        }
        isEventTime = spec.isEventTime
        lateness = spec.allowedLateness
        disorder = spec.maxOutOfOrderness
        idle = spec.idleMicroseconds
        maxKeys = spec.maxKeys
    }

    public var stats: WindowStats { counters }

    /// What happened to an element.
    public enum Outcome: Sendable, Equatable {
        case added
        case rejected(WindowRejection)
    }

    // MARK: - Input

    /// Adds an element. `eventTime` is its timestamp (ignored, and `now` used, with processing
    /// time; clamped to ±``Timestamp/limit``). Windows the watermark passes — before the element
    /// (it cannot join them) and after it — are appended to `results`.
    @inlinable
    public mutating func insert(
        _ element: Element, key: Key, eventTime: Timestamp?, now: Timestamp, into results: inout [WindowResult<Key, Agg.Output>]
    ) -> Outcome {
        let now = now.microseconds
        let time = isEventTime ? Swift.min(Swift.max((eventTime?.microseconds ?? now), -Timestamp.limit), Timestamp.limit) : now
        let watermark = watermark(at: now)
        if closeQueue.earliest <= watermark { closeDue(into: &results) }
        let outcome: Outcome
        switch shape {
        case .aligned(let size, let slide): outcome = insertAligned(element, key: key, time: time, size: size, slide: slide, watermark: watermark)
        case .session(let gap): outcome = insertSession(element, key: key, time: time, gap: gap, watermark: watermark)
        case .counted(let size, let slide): outcome = insertCounted(element, key: key, time: time, size: size, slide: slide, into: &results)
        }
        switch outcome {
        case .added: counters.elements += 1
        case .rejected(.late): counters.late += 1
        case .rejected(.keyLimit): counters.keyLimitRejections += 1
        }
        if time > maxEventTime { maxEventTime = time }
        lastArrival = now
        if closeQueue.earliest <= self.watermark(at: now) { closeDue(into: &results) }
        return outcome
    }

    /// The watermark at processing time `now`: event time minus the allowed disorder, moving on
    /// with the clock once input has been idle for the idle timeout. Monotonic; `nil` before
    /// the first element with event time.
    public mutating func watermark(now: Timestamp) -> Timestamp? {
        let watermark = watermark(at: now.microseconds)
        return watermark == .min ? nil : Timestamp(microseconds: watermark)
    }

    @inlinable
    mutating func watermark(at now: Int64) -> Int64 {
        let current: Int64
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
    public mutating func advance(now: Timestamp, into results: inout [WindowResult<Key, Agg.Output>]) {
        if closeQueue.earliest <= watermark(at: now.microseconds) { closeDue(into: &results) }
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
            if case .session(let gap) = shape { rememberEmittedSession(key: next.key, end: window.end, gap: gap) }
            results.append(result(of: window, key: next.key, isFinal: true))
        }
    }

    /// The processing time at which the next window closes if nothing else arrives, or `nil`
    /// when no window is waiting on time.
    public func nextDeadline(now: Timestamp) -> Timestamp? {
        if case .counted = shape { return nil }
        guard let next = closeQueue.min else { return nil }
        guard isEventTime else { return Timestamp(microseconds: next.closeAt) }
        guard let lastArrival else { return nil }
        if next.closeAt <= storedWatermark { return now }
        return Timestamp(microseconds: lastArrival + idle + (next.closeAt - (maxEventTime - disorder)))
    }

    /// Emits every open window as a partial result (`isFinal == false`) and forgets them: for
    /// shutdown, so nothing aggregated is lost.
    public mutating func flush(into results: inout [WindowResult<Key, Agg.Output>]) {
        for (key, window) in openWindowsInOrder() { results.append(result(of: window, key: key, isFinal: false)) }
        keys.removeAll()
        closeQueue.removeAll()
        emittedSessions.removeAll()
        emittedExpiries.removeAll()
        emittedExpiriesHead = 0
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
        return WindowResult(
            key: key, start: Timestamp(microseconds: start), end: Timestamp(microseconds: end), count: window.count,
            value: aggregator.result(window.state), isFinal: isFinal)
    }

    @inlinable
    func late(_ time: Int64, watermark: Int64) -> Outcome {
        .rejected(.late(eventTime: Timestamp(microseconds: time), watermark: Timestamp(microseconds: watermark)))
    }

    // MARK: - Window kinds

    /// Tumbling and sliding windows: `[k·slide, k·slide + size)` for every whole `k`, in exact
    /// integer time: the element is in those with `k·slide <= time < k·slide + size`.
    @inlinable
    mutating func insertAligned(_ element: Element, key: Key, time: Int64, size: Int64, slide: Int64, watermark: Int64) -> Outcome {
        let last = Self.floorDivide(time, by: slide)
        // Tumbling: the one window `last`, without a second division.
        var index = size == slide ? last : Self.floorDivide(time - size, by: slide) + 1
        var added = false
        while index <= last {
            defer { index += 1 }
            let start = index * slide
            let end = start + size
            guard end + lateness > watermark else { continue }
            guard addToWindow(element, key: key, time: time, windowID: index, start: start, end: end) else {
                return .rejected(.keyLimit(maxKeys: maxKeys))
            }
            added = true
        }
        return added ? .added : late(time, watermark: watermark)
    }

    /// ⌊a / b⌋ for a positive `b` (Swift's `/` rounds towards zero).
    @inlinable
    static func floorDivide(_ a: Int64, by b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && a < 0) ? quotient - 1 : quotient
    }

    /// Adds to the window `id` of `key`, opening it (and scheduling its close) if needed.
    /// `false` when `key` is new and `maxKeys` keys already have windows.
    @inlinable
    mutating func addToWindow(_ element: Element, key: Key, time: Int64, windowID id: Int64, start: Int64, end: Int64) -> Bool {
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
    ///
    /// It is late — and changes nothing — when it would join a session already emitted (it is
    /// less than `gap` from that session's elements: `t < end`, since every session after an
    /// emitted one starts at or after its end), or when its own session would already have
    /// closed (`t + gap + lateness <= watermark`) and it does not fall inside an open session
    /// (reaching back from one counts as its own). So an emitted session is never contradicted,
    /// and an emitted end needs remembering only until the watermark passes `end + gap + lateness`:
    /// from then on every element before it is late by the second rule.
    @inlinable
    mutating func insertSession(_ element: Element, key: Key, time: Int64, gap: Int64, watermark: Int64) -> Outcome {
        forgetEmittedSessions(upTo: watermark)
        if let emittedEnd = emittedSessions[key], time < emittedEnd { return late(time, watermark: watermark) }
        var windows = keys[key]?.windows ?? []
        let overlapping = windows.indices.filter { windows[$0].start < time + gap && time < windows[$0].end }
        if time + gap + lateness <= watermark, !overlapping.contains(where: { windows[$0].start <= time }) {
            return late(time, watermark: watermark)
        }
        if overlapping.isEmpty, keys[key] == nil, keys.count >= maxKeys { return .rejected(.keyLimit(maxKeys: maxKeys)) }
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

    /// Notes an emitted session's end. Sessions close in order of `end + lateness`, so the
    /// times to forget them come in order too: a FIFO (an array and its head) suffices.
    @usableFromInline
    mutating func rememberEmittedSession(key: Key, end: Int64, gap: Int64) {
        emittedSessions[key] = end
        emittedExpiries.append((end + gap + lateness, end, key))
    }

    @inlinable
    mutating func forgetEmittedSessions(upTo watermark: Int64) {
        while emittedExpiriesHead < emittedExpiries.count, emittedExpiries[emittedExpiriesHead].forgetAt <= watermark {
            let first = emittedExpiries[emittedExpiriesHead]
            emittedExpiriesHead += 1
            if emittedSessions[first.key] == first.end { emittedSessions[first.key] = nil }
        }
        // Drop the consumed entries once they are half of the array (amortised O(1)).
        if emittedExpiriesHead > 64, emittedExpiriesHead * 2 > emittedExpiries.count {
            emittedExpiries.removeFirst(emittedExpiriesHead)
            emittedExpiriesHead = 0
        }
    }

    /// Count windows: one opens every `slide` elements of a key and closes at `size` elements.
    @inlinable
    mutating func insertCounted(
        _ element: Element, key: Key, time: Int64, size: Int, slide: Int, into results: inout [WindowResult<Key, Agg.Output>]
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
