import Foundation
import StreamKit


/// What a reload changed.
package struct ReloadOutcome: Sendable, Equatable {
    package var added: [String] = []
    package var changed: [String] = []
    package var removed: [String] = []
    package var unchanged: [String] = []
    /// Settings that changed in the file but apply only at the next start (the listener is never
    /// re-bound, logging is set up once).
    package var restartRequired: [String] = []
}

extension Daemon {
    /// Re-reads the configuration file (SIGHUP, `POST /v1/reload`). Pipelines the file owns and
    /// whose definition is unchanged keep running untouched (counters and all); changed ones
    /// drain and restart, removed ones drain and stop, new ones start. A file with any problem
    /// changes nothing. Returns once drained pipelines have stopped (each within
    /// `shutdown_timeout`); reloads, `PUT` and `DELETE` take turns.
    package func reload() async throws(ConfigError) -> ReloadOutcome {
        guard let configPath else {
            throw ConfigError([ConfigIssue(path: "", line: nil, message: "streamd was not started from a configuration file")])
        }
        systemd?.notify("RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())", "STATUS=reloading \(configPath)")
        defer { systemd?.notify("READY=1", "STATUS=\(statusSummary())") }
        let new = try await loadConfiguration(configPath)
        return await changingDefinitions { await apply(new) }
    }

    /// Reads and validates the file off Swift's threads (a read can block on a slow disk).
    private func loadConfiguration(_ path: String) async throws(ConfigError) -> DaemonConfig {
        let components = components
        let loaded = try? await Self.configurationReader.run {
            Result { () throws(ConfigError) in try ConfigLoader.load(file: path, components: components) }
        }
        guard let loaded else { throw ConfigError([ConfigIssue(path: "", line: nil, message: "the reload was cancelled")], file: path) }
        return try loaded.get()
    }

    private static let configurationReader = BlockingQueue(label: "streamd.reload")

    /// Makes `new` the configuration in force: what changed drains and restarts.
    private func apply(_ new: DaemonConfig) async -> ReloadOutcome {
        let old = config
        var outcome = ReloadOutcome()
        if new.server != old.server { outcome.restartRequired.append("server") }
        if new.stateDirectory != old.stateDirectory { outcome.restartRequired.append("state_dir") }
        if new.log != old.log { outcome.restartRequired.append("log") }
        let hooksChanged = new.hooks != old.hooks
        adopt(new)

        var stopping: [PipelineRuntime] = []
        var starting: [PipelineRuntime] = []
        let wanted = Set(new.pipelines.map(\.name))
        for name in registry.fileNames where !wanted.contains(name) {
            if let removed = registry.remove(name) {
                stopping.append(removed)
                outcome.removed.append(name)
            }
        }
        for definition in new.pipelines {
            let existing = registry[definition.name]
            let sameDefinition = registry.origin(of: definition.name) == .file && existing?.definition.source == definition.source
            // Alert stages hold the hooks they were built with: new hooks restart them.
            if let existing, sameDefinition, !(hooksChanged && !existing.alerts.isEmpty) {
                outcome.unchanged.append(definition.name)
                continue
            }
            let (runtime, replaced) = registry.put(definition, origin: .file)
            if let replaced { stopping.append(replaced) }
            if definition.autostart { starting.append(runtime) }
            if existing == nil { outcome.added.append(definition.name) } else { outcome.changed.append(definition.name) }
        }
        let timeout = new.shutdownTimeout
        await withTaskGroup(of: Void.self) { group in
            for pipeline in stopping { group.addTask { await pipeline.stop(within: timeout) } }
        }
        for pipeline in starting { pipeline.start() }
        return outcome
    }

    /// CLOCK_MONOTONIC in microseconds (what `MONOTONIC_USEC` means; `DispatchTime` reads it).
    package static func monotonicMicroseconds() -> Int64 {
        Int64(DispatchTime.now().uptimeNanoseconds / 1_000)
    }
}
