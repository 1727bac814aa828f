/// A stage function threw: what, where and when. Sent to the pipeline's error channel; the
/// pipeline itself goes on with the next element.
public struct StageFailure: Error, Sendable, CustomStringConvertible {
    /// The name of the stage that threw.
    public let stage: String
    /// The element the stage was processing.
    public let input: any Sendable
    /// What the stage threw.
    public let error: any Error
    /// Seconds since the Unix epoch.
    public let at: Double

    public init(stage: String, input: any Sendable, error: any Error, at: Double = WallClock.now()) {
        self.stage = stage
        self.input = input
        self.error = error
        self.at = at
    }

    public var description: String { "stage '\(stage)' failed on \(input): \(error)" }
}

/// Errors that end ``Pipeline/run()`` itself (stage failures never do).
public enum PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `run()` was called on a pipeline that is running or has run.
    case alreadyStarted
    /// Someone closed the pipeline's output (or error) channel while it was still running.
    case downstreamClosed(stage: String)

    public var description: String {
        switch self {
        case .alreadyStarted: "the pipeline has already been started; build a new one to run again"
        case .downstreamClosed(let stage): "stage '\(stage)' could not deliver: its downstream channel was closed"
        }
    }
}
