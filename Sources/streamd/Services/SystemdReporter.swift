import StreamdCore
import ServiceLifecycle

/// While the process lives: `STATUS=` with live figures every second, and `WATCHDOG=1` at half
/// the watchdog timeout when systemd set one (from a task of the cooperative pool, so a wedged
/// pool misses its pings and systemd restarts the service). It stops last, so the pings go on
/// while the pipelines drain.
struct SystemdReporter: Service {
    let systemd: SystemdNotifier
    let daemon: Daemon
    /// Ends once READY=1 was sent: the server starts alongside this service, and nothing may
    /// reach systemd before it.
    let ready: AsyncStream<Void>

    func run() async throws {
        guard systemd.isActive else { return }
        for await _ in ready.cancelOnGracefulShutdown() {}
        let clock = ContinuousClock()
        let statusEvery = Duration.seconds(1)
        let tick = min(statusEvery, systemd.watchdogInterval ?? statusEvery)
        var nextStatus = clock.now.advanced(by: statusEvery)
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            if systemd.watchdogInterval != nil { systemd.notify("WATCHDOG=1") }
            if clock.now >= nextStatus {
                systemd.notify("STATUS=\(daemon.statusSummary())")
                nextStatus = clock.now.advanced(by: statusEvery)
            }
            try? await cancelWhenGracefulShutdown { try await clock.sleep(for: tick) }
        }
    }
}
