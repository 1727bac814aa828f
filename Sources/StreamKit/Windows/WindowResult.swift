/// One window of one key, aggregated: what a window stage emits when the window closes.
public struct WindowResult<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    public var key: Key
    /// Window bounds, exact: `[start, end)` (epoch time for event time and the wall clock). For
    /// count windows, the times of the earliest and latest element in it.
    public var start: Timestamp
    public var end: Timestamp
    /// Elements aggregated.
    public var count: Int
    public var value: Value
    /// `false` for a window flushed before it closed (at shutdown): its aggregates are partial.
    public var isFinal: Bool

    public init(key: Key, start: Timestamp, end: Timestamp, count: Int, value: Value, isFinal: Bool) {
        self.key = key
        self.start = start
        self.end = end
        self.count = count
        self.value = value
        self.isFinal = isFinal
    }
}

extension WindowResult: Equatable where Value: Equatable {}

/// Why an element was not added to any window. Such elements go to the side output and are
/// counted; they are never dropped silently.
public enum WindowRejection: Sendable, Hashable, CustomStringConvertible {
    /// Every window the element belongs to had already closed (for sessions: it would have
    /// joined a session already emitted, or its own would already have closed).
    case late(eventTime: Timestamp, watermark: Timestamp)
    /// The element's key would have been one more than `maxKeys` open keys.
    case keyLimit(maxKeys: Int)

    public var description: String {
        switch self {
        case .late(let time, let watermark):
            "late event: timestamp \(time) is behind the watermark \(watermark) and its windows have closed"
        case .keyLimit(let maxKeys):
            "window key limit reached: \(maxKeys) keys already have open windows"
        }
    }
}

/// A rejected element and why, as a ``StageFailure`` error or a side-output entry.
public struct WindowRejected<Element: Sendable>: Error, Sendable, CustomStringConvertible {
    public var element: Element
    public var reason: WindowRejection
    public var description: String { reason.description }

    @inlinable
    public init(element: Element, reason: WindowRejection) {
        self.element = element
        self.reason = reason
    }
}
