import OrderedCollections
import Synchronization

/// The named pipelines of the daemon, in definition order.
final class PipelineRegistry: Sendable {
    private let pipelines = Mutex(OrderedDictionary<String, PipelineRuntime>())

    init(_ definitions: [PipelineDefinition], context: EvaluationContext) {
        pipelines.withLock { pipelines in
            for definition in definitions {
                pipelines[definition.name] = PipelineRuntime(definition: definition, context: context)
            }
        }
    }

    subscript(name: String) -> PipelineRuntime? { pipelines.withLock { $0[name] } }

    var all: [PipelineRuntime] { pipelines.withLock { Array($0.values) } }

    /// Starts every pipeline marked `autostart`.
    func startAutostart() {
        for pipeline in all where pipeline.definition.autostart { pipeline.start() }
    }

    /// Drains every pipeline, concurrently.
    func stopAll() async {
        await withTaskGroup(of: Void.self) { group in
            for pipeline in all { group.addTask { await pipeline.stop() } }
        }
    }
}
