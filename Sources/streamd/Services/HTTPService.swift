import StreamdHTTP
import ServiceLifecycle

/// The HTTP listener. It starts once the service group traps SIGTERM and SIGINT, so the daemon
/// never reports ready while a signal could still end it without draining. It serves until
/// graceful shutdown reaches it — after the pipelines have drained, so stop requests under way
/// are answered — then stops accepting connections and stops once parked requests are answered.
struct HTTPService: Service {
    let configuration: HTTPServer.Configuration
    let router: Router
    /// Called once the server listens (readiness, logging, metrics).
    let started: @Sendable (HTTPServer) -> Void

    func run() async throws {
        let router = router
        let server = try HTTPServer(configuration: configuration) { router.handle($0) }
        started(server)
        try? await gracefulShutdown()
        server.quiesce()
        await server.stop()
    }
}
