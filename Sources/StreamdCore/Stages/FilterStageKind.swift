package import StreamKit

/// `filter: '.status >= 500'`: keeps the events for which the expression is true.
package struct FilterStageKind: EventStageKind {
    package static let name = "filter"
    package static let summary = "keeps events for which the expression is true (a non-boolean result is a failure)"
    package static let options = [ComponentOption(name, .expression, required: true, "the condition")]

    package let condition: Expression

    package init(_ condition: Expression) { self.condition = condition }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        options.expression(options.node, path: options.path).map(Self.init)
    }

    package func makeStage(_ settings: StageSettings, context: StageContext) -> Stage<Event, Event> {
        let (condition, evaluation) = (condition, context.evaluation)
        return .filter(settings.name, workers: settings.workers, capacity: settings.capacity, ordered: settings.ordered) { event in
            try condition.isTrue(event, context: evaluation)
        }
    }
}

extension StageKind where Self == FilterStageKind {
    package static func filter(_ condition: Expression) -> Self { Self(condition) }
}
