internal import DequeModule

/// A ``WindowEngine`` shared between the task that feeds it and those that look at it (metrics,
/// the daemon's `/windows` endpoint): the feeding task locks it once per batch, readers briefly.
public final class WindowOperator<Element: Sendable, Key: Hashable & Sendable, Agg: Aggregator>: Sendable
where Agg.Input == Element {
    public typealias Result = WindowResult<Key, Agg.Output>

    public let clock: WindowClock
    /// A spin lock like the channel's: the feeding task holds it for one batch, readers briefly
    /// (and, unlike `Mutex`'s kernel hand-over, the thread sanitizer understands it).
    @usableFromInline let engine: SpinLock<WindowEngine<Element, Key, Agg>>
    private let recent: SpinLock<Deque<Result>>
    private let recentLimit: Int

    /// `recentLimit` closed results are kept for ``recentResults``.
    public init(spec: WindowSpec, aggregator: Agg, clock: WindowClock = .system, recentLimit: Int = 100) {
        self.clock = clock
        self.engine = SpinLock(WindowEngine(spec: spec, aggregator: aggregator))
        self.recent = SpinLock(Deque())
        self.recentLimit = recentLimit
    }

    public var spec: WindowSpec { engine.withLock { $0.spec } }

    /// Adds a batch of `(element, key, eventTime)`; returns the results that closed and the
    /// rejected elements (in order). Inlinable, so it is specialised with the engine.
    @inlinable
    public func insert(
        _ batch: [(element: Element, key: Key, eventTime: Timestamp?)]
    ) -> (results: [Result], rejected: [WindowRejected<Element>]) {
        let now = clock.now
        var results: [Result] = []
        var rejected: [WindowRejected<Element>] = []
        engine.withLock { engine in
            for (element, key, time) in batch {
                if case .rejected(let reason) = engine.insert(element, key: key, eventTime: time, now: now, into: &results) {
                    rejected.append(WindowRejected(element: element, reason: reason))
                }
            }
        }
        remember(results)
        return (results, rejected)
    }

    /// Closes the windows that are due at the clock's now.
    public func advance() -> [Result] {
        let now = clock.now
        var results: [Result] = []
        engine.withLock { $0.advance(now: now, into: &results) }
        remember(results)
        return results
    }

    /// When the next window is due if nothing arrives.
    public func nextDeadline() -> Timestamp? {
        let now = clock.now
        return engine.withLock { $0.nextDeadline(now: now) }
    }

    /// Every open window as a partial result; the windows are forgotten.
    public func flush() -> [Result] {
        var results: [Result] = []
        engine.withLock { $0.flush(into: &results) }
        remember(results)
        return results
    }

    /// What is open now, without closing anything.
    public func openWindows(limit: Int = .max) -> [Result] {
        engine.withLock { $0.openWindows(limit: limit) }
    }

    /// The latest results emitted, oldest first.
    public var recentResults: [Result] { recent.withLock { Array($0) } }

    /// Counters and gauges for metrics.
    public func status() -> WindowStatus {
        let now = clock.now
        return engine.withLock { engine in
            let watermark = engine.watermark(now: now)
            return WindowStatus(
                stats: engine.stats,
                openWindows: engine.openWindowCount,
                openKeys: engine.openKeyCount,
                watermark: watermark,
                watermarkLag: watermark.map { Swift.max(.zero, $0.duration(to: now)) }
            )
        }
    }

    @usableFromInline
    func remember(_ results: [Result]) {
        guard !results.isEmpty else { return }
        recent.withLock { recent in
            recent.append(contentsOf: results.suffix(recentLimit))
            if recent.count > recentLimit { recent.removeFirst(recent.count - recentLimit) }
        }
    }
}

/// A window operator's counters and gauges.
public struct WindowStatus: Sendable, Equatable {
    public var stats: WindowStats
    public var openWindows: Int
    public var openKeys: Int
    /// The watermark (`nil` before the first element with event time).
    public var watermark: Timestamp?
    /// How far the watermark is behind the processing clock.
    public var watermarkLag: Duration?
}
