/// An alert's state for one key.
public enum AlertState: String, Sendable, Hashable, Codable {
    /// The condition has not fired (or not yet held long enough).
    case ok
    case firing
    /// Was firing; the condition cleared. Behaves like `ok` until it fires again.
    case resolved
}

/// A change of an alert's state for one key, to be delivered to hooks.
public struct AlertTransition<Key: Hashable & Sendable, Result: Sendable>: Sendable {
    public var key: Key
    public var state: AlertState
    /// The result that caused the transition.
    public var result: Result
    /// When it happened, in the rule's time (seconds).
    public var at: Double
}

/// How long a condition must hold before an alert fires.
public enum AlertHold: Sendable, Hashable {
    /// This many consecutive matching results (1: the first match fires).
    case results(Int)
    /// Matching results spanning at least this long (from the first of the run of matches).
    case duration(Duration)
}

/// The alert state machine (SPEC §2.5): per key, `ok → firing → resolved`, firing only after the
/// condition held for `hold`, and at most once per `cooldown` per key — a flapping condition does
/// not page twice. While a key keeps firing nothing is re-sent, unless `repeatInterval` is set.
///
/// A pure value: feed it results with ``evaluate(_:key:matches:at:)`` and deliver the transitions
/// it returns (``AlertDispatcher`` does that off the hot path).
public struct AlertRule<Key: Hashable & Sendable, Result: Sendable> {
    public let name: String
    public let hold: AlertHold
    public let cooldown: Duration
    public let repeatInterval: Duration?
    /// Keys with state kept; beyond it, quiet keys (ok, no pending matches) are forgotten first.
    public let maxKeys: Int
    private(set) var keys: [Key: KeyState] = [:]
    public private(set) var firings = 0
    public private(set) var resolutions = 0

    struct KeyState {
        var state = AlertState.ok
        var consecutive = 0
        var firstMatchAt = 0.0
        var lastNotifiedAt = -Double.infinity
        var lastFiredAt = -Double.infinity
        var lastResult: Result?
        var changedAt = 0.0

        var isQuiet: Bool { state != .firing && consecutive == 0 }
    }

    public init(name: String, hold: AlertHold = .results(1), cooldown: Duration = .zero, repeatInterval: Duration? = nil, maxKeys: Int = 100_000) {
        if case .results(let count) = hold { precondition(count >= 1, "an alert holds for at least one result") }
        self.name = name
        self.hold = hold
        self.cooldown = cooldown
        self.repeatInterval = repeatInterval
        self.maxKeys = maxKeys
    }

    /// Takes one result for `key` and whether the condition matched it; returns the transition,
    /// if any, to deliver.
    public mutating func evaluate(_ result: Result, key: Key, matches: Bool, at time: Double) -> AlertTransition<Key, Result>? {
        var entry = keys[key] ?? KeyState()
        defer {
            if entry.isQuiet && entry.state == .ok { keys[key] = nil } else { keys[key] = entry }
            if keys.count > maxKeys { forgetQuietKeys() }
        }
        guard matches else {
            entry.consecutive = 0
            guard entry.state == .firing else { return nil }
            entry.state = .resolved
            entry.changedAt = time
            entry.lastResult = result
            resolutions += 1
            return AlertTransition(key: key, state: .resolved, result: result, at: time)
        }
        if entry.consecutive == 0 { entry.firstMatchAt = time }
        entry.consecutive += 1
        if entry.state == .firing {
            entry.lastResult = result
            guard let repeatInterval, time - entry.lastNotifiedAt >= repeatInterval.seconds else { return nil }
            entry.lastNotifiedAt = time
            return AlertTransition(key: key, state: .firing, result: result, at: time)
        }
        let held = switch hold {
        case .results(let count): entry.consecutive >= count
        case .duration(let duration): time - entry.firstMatchAt >= duration.seconds
        }
        guard held, time - entry.lastFiredAt >= cooldown.seconds else { return nil }
        entry.state = .firing
        entry.changedAt = time
        entry.lastFiredAt = time
        entry.lastNotifiedAt = time
        entry.lastResult = result
        firings += 1
        return AlertTransition(key: key, state: .firing, result: result, at: time)
    }

    /// The state of `key` (`ok` for a key never seen).
    public func state(of key: Key) -> AlertState { keys[key]?.state ?? .ok }

    /// Keys firing now, with the result that last matched and when they started firing.
    public var firing: [(key: Key, result: Result, since: Double)] {
        keys.compactMap { key, entry in
            guard entry.state == .firing, let result = entry.lastResult else { return nil }
            return (key, result, entry.changedAt)
        }
        .sorted { $0.since < $1.since }
    }

    private mutating func forgetQuietKeys() {
        for (key, entry) in keys where entry.isQuiet && keys.count > maxKeys { keys[key] = nil }
    }
}
