/// Runs `body` with a new channel and closes the channel on every exit path, whether `body`
/// returns, throws or is cancelled (the seed's `channel_context`).
///
/// ```swift
/// let reply = try await withChannel(of: String.self, capacity: 5) { channel in
///     try await channel.send("data")
///     return try await channel.receive()
/// }
/// ```
public func withChannel<Element: Sendable, Value>(
    of type: Element.Type = Element.self,
    capacity: Int,
    _ body: (Channel<Element>) async throws -> Value
) async rethrows -> Value {
    let channel = Channel<Element>(capacity: capacity)
    defer { channel.close() }
    return try await body(channel)
}
