package import StreamKit

/// `alert: { when: 'avg_value > 75', for: 2, hooks: [ops] }`: passes results through and
/// delivers `firing`/`resolved` transitions of the condition, per key, to hooks.
package struct AlertStageKind: EventStageKind {
    package static let name = "alert"
    package static let summary = "passes results through; delivers firing/resolved transitions to hooks"
    package static let options = [
        ComponentOption("when", .expression, required: true, "the condition, on each result"),
        ComponentOption("for", .countOrDuration, default: 1, "consecutive matching results (a number) or a duration before firing"),
        ComponentOption("cooldown", .duration, default: "0s", "no new firing for this long after resolving"),
        ComponentOption("repeat_interval", .duration, "repeats a firing notification this often while it lasts"),
        ComponentOption("hooks", .strings, default: [], "names of hooks under the top-level hooks:"),
    ]
    package static let runsOnOneWorker = true

    package let definition: AlertDefinition

    package init(_ definition: AlertDefinition) { self.definition = definition }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        ConfigLoader.alert(options.node, path: options.path, hooks: options.hookNames, issues: &options.issues).map(Self.init)
    }

    /// The monitor keeps the rule's per-key state across runs, so a restart does not page again.
    package func prepare(_ settings: StageSettings, resources: inout StageResources) {
        resources.alerts[settings.name] = AlertMonitor(pipeline: settings.pipeline, stage: settings.name, definition: definition)
    }

    package func makeStage(_ settings: StageSettings, context: StageContext) -> Stage<Event, Event> {
        let name = settings.name
        guard let monitor = context.resources.alerts[name] else { preconditionFailure("alert stage \(name) was not prepared") }
        let (center, failures, evaluation) = (context.resources.center, context.resources.failures, context.evaluation)
        return Stage(name, workers: 1, capacity: settings.capacity, ordered: settings.ordered) { event in
            // The result passes on whatever the condition says; a condition that cannot be
            // evaluated is recorded as a failure of this stage without holding the result back.
            do {
                if let payload = try monitor.evaluate(event, context: evaluation) { center?.notify(payload, from: monitor) }
            } catch {
                failures?.record(StageFailure(stage: name, input: event, error: error))
            }
            return event
        }
    }
}
