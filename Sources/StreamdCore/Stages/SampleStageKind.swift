package import StreamKit

/// `sample: 0.1`: keeps each event with this probability.
package struct SampleStageKind: EventStageKind {
    package static let name = "sample"
    package static let summary = "keeps each event with this probability"
    package static let options = [ComponentOption(name, .number, required: true, "the fraction kept, above 0 and at most 1")]

    package let rate: Double

    package init(rate: Double) { self.rate = rate }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        guard case .number(let rate) = options.node.value, rate > 0, rate <= 1 else {
            return options.fail("expected the fraction of events to keep, above 0 and at most 1")
        }
        return Self(rate: rate)
    }

    package func makeStage(_ settings: StageSettings, context: StageContext) -> Stage<Event, Event> {
        let rate = rate
        return .filter(settings.name, workers: settings.workers, capacity: settings.capacity, ordered: settings.ordered) { _ in
            Double.random(in: 0..<1) < rate
        }
    }
}

extension StageKind where Self == SampleStageKind {
    package static func sample(rate: Double) -> Self { Self(rate: rate) }
}
