/// Thrown by ``Channel/send(_:)`` after the channel is closed, and by ``Channel/receive()`` once a
/// closed channel has been drained.
public struct ChannelClosed: Error, Sendable, Hashable, CustomStringConvertible {
    public init() {}
    public var description: String { "channel closed" }
}
