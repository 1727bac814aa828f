import StreamKit

/// What an expression may read besides the event: today only the clock behind `now()`,
/// injectable so tests (and replays) are deterministic.
///
///     let fixed = EvaluationContext(now: { 1_700_000_000 })
///     try Expression("now() - .timestamp").evaluate(event, context: fixed)
public struct EvaluationContext: Sendable {
    /// Seconds since the Unix epoch.
    public var now: @Sendable () -> Double

    public init(now: @escaping @Sendable () -> Double) {
        self.now = now
    }

    /// Expressions see the real wall clock.
    public init() {
        self.init(now: { WallClock.now() })
    }

    /// The real wall clock.
    public static let system = EvaluationContext()
}
