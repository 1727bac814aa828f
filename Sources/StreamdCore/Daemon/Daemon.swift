import Foundation
import StreamKit

/// The daemon's whole state, created at start-up and handed to the HTTP handlers: no globals.
package final class Daemon: Sendable {
    /// Where the process is in its life; readiness and ingestion depend on it.
    package enum Phase: Sendable { case starting, ready, draining }

    package let registry: PipelineRegistry
    package let store: PipelineStore
    /// The component kinds pipelines may use (built-in and registered from Swift), for
    /// pipelines defined later over the API and for reloads.
    package let components: ComponentRegistry
    /// Serialises definition changes (PUT, DELETE, reload), which drain the pipelines they
    /// replace: waiters are suspended tasks, never blocked threads.
    private let definitionChanges = AsyncSemaphore(limit: 1)
    /// The file `POST /v1/reload` and SIGHUP re-read (`nil`: nothing to reload from).
    package let configPath: String?
    /// Told about reloads (`RELOADING=1`, then `READY=1`).
    package let systemd: SystemdNotifier?
    private let phase = Locked(Phase.starting)
    /// Reads the HTTP server's own counters (limits that bit before a handler ran), once it runs.
    private let serverCounters = Locked<(@Sendable () -> HTTPServerCounters)?>(nil)
    /// The configuration in force and the alert hooks built from it (both replaced by reload),
    /// with the task delivering the hooks' notifications.
    private let current: Locked<(config: DaemonConfig, alerts: AlertCenter, delivering: Task<Void, Never>?)>

    package init(
        config: DaemonConfig, configPath: String? = nil, components: ComponentRegistry = .builtIn,
        context: EvaluationContext = EvaluationContext(), systemd: SystemdNotifier? = nil
    ) {
        let alerts = AlertCenter(hooks: config.hooks)
        self.current = Locked((config, alerts, nil))
        self.configPath = configPath
        self.systemd = systemd
        self.components = components
        self.registry = PipelineRegistry(config.pipelines, context: context, alerts: alerts)
        self.store = PipelineStore(stateDirectory: config.stateDirectory)
    }

    package var config: DaemonConfig { current.withLock { $0.config } }

    /// Lets the metrics read the HTTP server's own counters once it runs.
    package func attachServerCounters(_ read: @escaping @Sendable () -> HTTPServerCounters) {
        serverCounters.withLock { $0 = read }
    }

    /// The HTTP server's counters (zero before it runs).
    package var httpCounters: HTTPServerCounters { serverCounters.withLock { $0 }?() ?? HTTPServerCounters() }

    /// The alert hooks and their delivery queues, shared by all pipelines.
    package var alerts: AlertCenter { current.withLock { $0.alerts } }

    /// Starts delivering alert notifications (until ``finishHooks(within:)``).
    package func startHooks() {
        current.withLock { state in
            let center = state.alerts
            state.delivering = state.delivering ?? Task { await center.run() }
        }
    }

    /// Attempts the queued notifications for up to `deadline`, then stops delivering.
    package func finishHooks(within deadline: Duration) async {
        let (center, task) = current.withLock { ($0.alerts, $0.delivering) }
        await center.finish(within: deadline)
        await task?.value
    }

    /// Makes `config` the one in force, with new hooks if they changed (the old ones finish
    /// delivering what they hold in the background).
    package func adopt(_ config: DaemonConfig) {
        let retired: (AlertCenter, Task<Void, Never>?)? = current.withLock { state in
            defer { state.config = config }
            guard config.hooks != state.config.hooks else { return nil }
            let old = (state.alerts, state.delivering)
            let center = AlertCenter(hooks: config.hooks)
            state.alerts = center
            state.delivering = old.1 == nil ? nil : Task { await center.run() }
            return old
        }
        if let (center, task) = retired {
            registry.alerts = alerts
            let timeout = config.shutdownTimeout
            Task {
                await center.finish(within: timeout)
                await task?.value
            }
        }
    }

    /// Brings back the pipelines created over the API before the last stop. A stored pipeline
    /// whose name the configuration file now uses is skipped (the file wins).
    package func restorePersistedPipelines() -> [String] {
        let (definitions, problems) = store.loadAll(components: components, hooks: hookNames)
        var messages = problems
        for definition in definitions {
            if registry.origin(of: definition.name) == .file {
                messages.append("stored pipeline \(definition.name) is now defined in the configuration file; the file's definition is used")
                continue
            }
            _ = registry.put(definition)
        }
        return messages
    }

    /// The names alert stages may use.
    package var hookNames: Set<String> { Set(config.hooks.map(\.name)) }

    package var currentPhase: Phase { phase.withLock { $0 } }

    /// One line for systemd's `STATUS=` (shown by `systemctl status`).
    package func statusSummary() -> String {
        let pipelines = registry.all
        let running = pipelines.filter { $0.currentState == .running }.count
        let accepted = pipelines.reduce(0) { $0 + $1.ingest.snapshot().eventsAccepted }
        let firing = pipelines.reduce(0) { total, pipeline in total + pipeline.alerts.reduce(0) { $0 + $1.snapshot.firing.count } }
        let phase = switch currentPhase {
        case .starting: "starting"
        case .ready: "ready"
        case .draining: "draining"
        }
        return "\(phase): \(running) of \(pipelines.count) pipelines running, \(accepted) events accepted, \(firing) alerts firing"
    }

    package func setPhase(_ new: Phase) { phase.withLock { $0 = new } }

    /// Runs `change` when no other definition change (PUT, DELETE, reload) is under way; the
    /// others wait their turn, in order.
    package func changingDefinitions<T>(_ change: () async -> T) async -> T {
        // Cancellation cannot skip the queue: the tasks that change definitions are never
        // cancelled, and one that was would still wait for its turn before changing anything.
        await definitionChanges.withTurn(change)
    }
}

/// What the HTTP server counts itself: requests its limits stopped before any handler saw them.
package struct HTTPServerCounters: Sendable {
    /// Bodies over `max_body_bytes` (413 before reading them), request lines and headers over
    /// `max_header_bytes` (414, 431).
    package var oversized = 0
    /// Requests libmicrohttpd refused itself with its own page (malformed framing, unsupported
    /// HTTP version).
    package var malformed = 0
    /// Connections closed because a request ran past `request_timeout`.
    package var timedOut = 0
    /// Requests parked right now: ingestion waiting for pipeline room, control requests draining.
    package var suspended = 0
    /// Connections open now (compare with `max_connections`).
    package var openConnections = 0

    package init(oversized: Int = 0, malformed: Int = 0, timedOut: Int = 0, suspended: Int = 0, openConnections: Int = 0) {
        self.oversized = oversized
        self.malformed = malformed
        self.timedOut = timedOut
        self.suspended = suspended
        self.openConnections = openConnections
    }
}
