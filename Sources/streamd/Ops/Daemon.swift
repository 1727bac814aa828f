import Foundation
import Synchronization

/// The daemon's whole state, created at start-up and handed to the HTTP handlers: no globals.
final class Daemon: Sendable {
    /// Where the process is in its life; readiness and ingestion depend on it.
    enum Phase: Sendable { case starting, ready, draining }

    let config: DaemonConfig
    let registry: PipelineRegistry
    let store: PipelineStore
    /// Stage kinds registered in Swift, for pipelines defined later over the API.
    let kinds: StageKindRegistry
    /// Serialises definition changes (PUT, DELETE), which drain the pipeline they replace. Held
    /// only on HTTP threads, never in Swift's cooperative pool, so blocking on it is fine.
    let definitionLock = NSLock()
    /// The alert hooks and their delivery queues, shared by all pipelines.
    let alerts: AlertCenter
    private let phase = Mutex(Phase.starting)

    init(config: DaemonConfig, kinds: StageKindRegistry = StageKindRegistry(), context: EvaluationContext = EvaluationContext()) {
        self.config = config
        self.kinds = kinds
        self.alerts = AlertCenter(hooks: config.hooks)
        self.registry = PipelineRegistry(config.pipelines, context: context, alerts: alerts)
        self.store = PipelineStore(stateDirectory: config.stateDirectory)
    }

    /// Brings back the pipelines created over the API before the last stop. A stored pipeline
    /// whose name the configuration file now uses is skipped (the file wins).
    func restorePersistedPipelines() -> [String] {
        let (definitions, problems) = store.loadAll(kinds: kinds, hooks: hookNames)
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
    var hookNames: Set<String> { Set(config.hooks.map(\.name)) }

    var currentPhase: Phase { phase.withLock { $0 } }

    /// One line for systemd's `STATUS=` (shown by `systemctl status`).
    func statusSummary() -> String {
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

    func setPhase(_ new: Phase) { phase.withLock { $0 = new } }

    /// Runs `operation` to completion from a thread that is not part of Swift's cooperative pool
    /// (a libmicrohttpd thread), for the few admin endpoints that must wait (stop drains).
    static func blocking<T: Sendable>(_ operation: @escaping @Sendable () async -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<T?>(nil)
        Task {
            let value = await operation()
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }
}
