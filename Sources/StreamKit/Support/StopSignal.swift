/// Thrown through an upstream chain to stop it early (``DataStream/take(_:)``, ``DataStream/first()``).
///
/// Each stopping operator run makes its own token and catches only a signal carrying it, so nested
/// stops and user errors are never confused.
@usableFromInline
final class StopToken: Sendable {
    @usableFromInline init() {}
}

@usableFromInline
struct StopSignal: Error {
    @usableFromInline let token: StopToken

    @usableFromInline init(_ token: StopToken) { self.token = token }
}

extension DataStream {
    /// Runs the stream, letting `emit` end it early by throwing `StopSignal(token)`.
    @inlinable
    func runStoppable(_ emit: (Element, StopToken) async throws -> Void) async throws {
        let token = StopToken()
        do {
            try await body { element in try await emit(element, token) }
        } catch let signal as StopSignal where signal.token === token {
            return
        }
    }
}
