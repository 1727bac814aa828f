import StreamdCore
import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP re-reads the configuration, like `POST /v1/reload`, and logs what changed; until
/// graceful shutdown.
struct ReloadService: Service {
    let daemon: Daemon
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            guard daemon.currentPhase != .draining else { return }
            do {
                let outcome = try await daemon.reload()
                logger.info("reloaded", metadata: [
                    "added": "\(outcome.added)", "changed": "\(outcome.changed)", "removed": "\(outcome.removed)",
                    "unchanged": "\(outcome.unchanged)", "restart_required": "\(outcome.restartRequired)",
                ])
            } catch {
                logger.error("reload refused: the running configuration stays", metadata: ["problems": "\(error)"])
            }
        }
    }
}
