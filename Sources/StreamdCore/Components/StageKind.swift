public import StreamKit
public import OrderedCollections

/// A kind of pipeline stage (a transform): `filter`, `set`, `window`, or one registered from
/// Swift. A value of the type is a configured stage; the runtime builds its StreamKit stage for
/// every run of the pipeline.
///
/// Per-event kinds conform to ``EventStageKind`` and only say how to make their stage.
public protocol StageKind: Component {
    /// Kinds that keep state in event order (`window`, `alert`) run on one worker.
    static var runsOnOneWorker: Bool { get }

    /// Called once per pipeline, before its first run: registers state that outlives runs
    /// (window and alert figures the API shows).
    func prepare(_ settings: StageSettings, resources: inout StageResources)

    /// Appends this stage, for one run, to `pipeline`.
    func append(to pipeline: Pipeline<Event, Event>, _ settings: StageSettings, context: StageContext) -> Pipeline<Event, Event>
}

extension StageKind {
    public static var runsOnOneWorker: Bool { false }
    public func prepare(_ settings: StageSettings, resources: inout StageResources) {}
}

/// A stage kind that turns each event into at most one event.
public protocol EventStageKind: StageKind {
    /// The stage for one run: use `settings`' name, workers, capacity and ordering.
    func makeStage(_ settings: StageSettings, context: StageContext) -> Stage<Event, Event>
}

extension EventStageKind {
    public func append(to pipeline: Pipeline<Event, Event>, _ settings: StageSettings, context: StageContext) -> Pipeline<Event, Event> {
        pipeline.via(makeStage(settings, context: context))
    }
}

/// The settings every stage has, whatever its kind.
public struct StageSettings: Sendable {
    /// Unique within the pipeline: metrics and errors are labelled with it.
    public var name: String
    public var workers: Int
    /// The stage's input capacity, in events.
    public var capacity: Int
    /// Whether results keep their input order across workers.
    public var ordered: Bool
    /// The pipeline the stage belongs to.
    public var pipeline: String

    public init(name: String, workers: Int = 1, capacity: Int = 256, ordered: Bool = false, pipeline: String = "") {
        self.name = name
        self.workers = workers
        self.capacity = capacity
        self.ordered = ordered
        self.pipeline = pipeline
    }

    /// A stage with these settings that maps each event to a new event, or drops it (`nil`).
    public func stage(_ transform: @escaping @Sendable (Event) async throws -> Event?) -> Stage<Event, Event> {
        .compactMap(name, workers: workers, capacity: capacity, ordered: ordered, transform)
    }
}

/// What a running stage may use: the expression context (its clock) and where the pipeline's
/// window and alert stages report.
public struct StageContext: Sendable {
    public var evaluation: EvaluationContext
    package var resources: StageResources

    package init(evaluation: EvaluationContext = .system, resources: StageResources = StageResources()) {
        self.evaluation = evaluation
        self.resources = resources
    }

    /// Seconds since the epoch, as expressions see it (`now()`).
    public func now() -> Double { evaluation.now() }
}

/// What window and alert stages of one pipeline report to; it outlives the pipeline's runs.
public struct StageResources: Sendable {
    package var windows: [String: WindowMonitor] = [:]
    package var alerts: [String: AlertMonitor] = [:]
    package var center: AlertCenter?
    /// Where alert stages record conditions they could not evaluate.
    package var failures: FailureLog?
    package var clock: WindowClock = .system

    package init(center: AlertCenter? = nil, failures: FailureLog? = nil, clock: WindowClock = .system) {
        self.center = center
        self.failures = failures
        self.clock = clock
    }
}
