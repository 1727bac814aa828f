import StreamdCore
import Logging
import ServiceLifecycle
import StreamKit

/// The daemon's pipelines and alert hooks, from the moment the server listens until graceful
/// shutdown (SIGTERM, SIGINT): then ingestion is refused, every pipeline drains within
/// `shutdown_timeout`, and the hooks get the time left for what draining made them queue.
final class PipelinesService: Service {
    private let daemon: Daemon
    private let logger: Logger
    /// Whether everything accepted was delivered, known once ``run()`` has returned.
    private let drained = Locked(false)

    init(daemon: Daemon, logger: Logger) {
        self.daemon = daemon
        self.logger = logger
    }

    var deliveredEverything: Bool { drained.value }

    func run() async throws {
        try? await gracefulShutdown()
        let timeout = daemon.config.shutdownTimeout
        logger.info("shutting down", metadata: ["timeout": "\(timeout)"])
        daemon.setPhase(.draining)
        daemon.systemd?.notify("STOPPING=1", "STATUS=\(daemon.statusSummary())")
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        // Each pipeline gives up at the deadline and logs what it did not deliver; the outer
        // limit only guards against a stage that ignores cancellation.
        let delivered = Locked(false)
        let stopped = await Deadline.within(timeout + .seconds(1)) { [daemon] in
            let all = await daemon.registry.stopAll(within: timeout)
            delivered.withLock { $0 = all }
        }
        drained.withLock { $0 = stopped && delivered.value }
        // Draining flushed open windows, whose alerts may have queued notifications: attempt
        // them in the time left.
        await daemon.finishHooks(within: max(.zero, clock.now.duration(to: deadline)))
    }
}
