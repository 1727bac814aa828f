import OrderedCollections
import StreamKit

/// The named pipelines of the daemon, in definition order.
package final class PipelineRegistry: Sendable {
    /// Where a pipeline was defined: the configuration file owns its pipelines; the API owns the
    /// ones it created (and persists them).
    package enum Origin: Sendable { case file, api }

    private let pipelines = Locked(OrderedDictionary<String, (runtime: PipelineRuntime, origin: Origin)>())
    package let context: EvaluationContext
    private let center: Locked<AlertCenter>

    package init(_ definitions: [PipelineDefinition], context: EvaluationContext, alerts: AlertCenter = AlertCenter(hooks: [])) {
        self.context = context
        self.center = Locked(alerts)
        pipelines.withLock { pipelines in
            for definition in definitions {
                pipelines[definition.name] = (PipelineRuntime(definition: definition, context: context, alerts: alerts), .file)
            }
        }
    }

    package func origin(of name: String) -> Origin? { pipelines.withLock { $0[name]?.origin } }

    /// Where alert stages of pipelines created from now on send their notifications (replaced
    /// when a reload changes the hooks).
    package var alerts: AlertCenter {
        get { center.withLock { $0 } }
        set { center.withLock { $0 = newValue } }
    }

    /// Adds or replaces a pipeline; returns the runtime it replaced, if any (the caller drains
    /// it). The API only ever puts `.api` pipelines; reload puts `.file` ones.
    package func put(_ definition: PipelineDefinition, origin: Origin = .api) -> (new: PipelineRuntime, replaced: PipelineRuntime?) {
        let runtime = PipelineRuntime(definition: definition, context: context, alerts: alerts)
        let replaced = pipelines.withLock { pipelines in
            let old = pipelines[definition.name]?.runtime
            pipelines[definition.name] = (runtime, origin)
            return old
        }
        return (runtime, replaced)
    }

    /// Removes a pipeline; returns it so the caller can drain it.
    package func remove(_ name: String) -> PipelineRuntime? {
        pipelines.withLock { $0.removeValue(forKey: name)?.runtime }
    }

    package subscript(name: String) -> PipelineRuntime? { pipelines.withLock { $0[name]?.runtime } }

    package var all: [PipelineRuntime] { pipelines.withLock { $0.values.map(\.runtime) } }

    /// The names of the pipelines the configuration file owns.
    package var fileNames: [String] { pipelines.withLock { $0.filter { $0.value.origin == .file }.map(\.key) } }

    /// Starts every pipeline marked `autostart`.
    package func startAutostart() {
        for pipeline in all where pipeline.definition.autostart { pipeline.start() }
    }

    /// Drains every pipeline, concurrently, each for at most `timeout`; `true` if every one
    /// delivered everything.
    @discardableResult
    package func stopAll(within timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            for pipeline in all { group.addTask { await pipeline.stop(within: timeout) } }
            return await group.reduce(true) { $0 && $1 }
        }
    }
}
