import OrderedCollections
import StreamKit
import Synchronization

/// One `alert` stage of a pipeline: the rule's per-key state (kept across restarts, so a restart
/// does not page again) and its counters.
package final class AlertMonitor: Sendable {
    package let pipeline: String
    package let stage: String
    package let definition: AlertDefinition
    private let rule: Locked<AlertRule<JSONValue, Event>>
    private let evaluations = Atomic<Int>(0)
    private let evaluationErrors = Atomic<Int>(0)
    private let deliveries = Atomic<Int>(0)
    private let deliveryFailures = Atomic<Int>(0)

    package struct Counters: Sendable {
        package var evaluations = 0
        package var evaluationErrors = 0
        package var deliveries = 0
        package var deliveryFailures = 0
    }

    package init(pipeline: String, stage: String, definition: AlertDefinition) {
        self.pipeline = pipeline
        self.stage = stage
        self.definition = definition
        rule = Locked(AlertRule(
            name: stage, hold: definition.hold, cooldown: definition.cooldown, repeatInterval: definition.repeatInterval))
    }

    /// Evaluates a window result; returns the notification payload when the key changed state.
    /// Partial results (flushed at shutdown) are not judged: their aggregates are incomplete.
    package func evaluate(_ result: Event, context: EvaluationContext) throws -> JSONValue? {
        guard result["final"] != .bool(false) else { return nil }
        let matches: Bool
        do {
            matches = try definition.condition.isTrue(result, context: context)
            evaluations.add(1, ordering: .relaxed)
        } catch {
            evaluationErrors.add(1, ordering: .relaxed)
            throw error
        }
        let now = context.now()
        guard let transition = rule.withLock({ $0.evaluate(result, key: result["key"] ?? .null, matches: matches, at: now) }) else {
            return nil
        }
        return [
            "alert": .string(stage), "pipeline": .string(pipeline), "state": .string(transition.state.rawValue),
            "key": transition.key, "result": .object(transition.result), "at": .number(transition.at),
        ]
    }

    package func recordDelivery(_ delivered: Bool) {
        if delivered { deliveries.add(1, ordering: .relaxed) } else { deliveryFailures.add(1, ordering: .relaxed) }
    }

    package struct Snapshot: Sendable {
        package var counters: Counters
        package var firings: Int
        package var resolutions: Int
        /// Keys firing now: the key, the result that last matched, since when.
        package var firing: [(key: JSONValue, result: Event, since: Double)]
    }

    package var snapshot: Snapshot {
        let counters = Counters(
            evaluations: evaluations.load(ordering: .relaxed), evaluationErrors: evaluationErrors.load(ordering: .relaxed),
            deliveries: deliveries.load(ordering: .relaxed), deliveryFailures: deliveryFailures.load(ordering: .relaxed))
        let (firings, resolutions, firing) = rule.withLock { ($0.firings, $0.resolutions, $0.firing) }
        return Snapshot(counters: counters, firings: firings, resolutions: resolutions, firing: firing)
    }
}
