import StreamdHTTP
import ServiceLifecycle

/// The HTTP listener: serves until graceful shutdown reaches it — after the pipelines have
/// drained, so stop requests under way are answered — then stops accepting connections and
/// stops once the parked requests are answered.
struct HTTPService: Service {
    let server: HTTPServer

    func run() async throws {
        try? await gracefulShutdown()
        server.quiesce()
        await server.stop()
    }
}
