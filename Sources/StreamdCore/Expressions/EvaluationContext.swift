import StreamKit

/// What an expression may read besides the event: today only the clock behind `now()`,
/// injectable so tests (and replays) are deterministic.
///
///     let fixed = EvaluationContext(now: { 1_700_000_000 })
///     try Expression("now() - .timestamp").evaluate(event, context: fixed)
package struct EvaluationContext: Sendable {
    /// Seconds since the Unix epoch.
    package var now: @Sendable () -> Double

    package init(now: @escaping @Sendable () -> Double = { WallClock.now() }) {
        self.now = now
    }

    /// The real wall clock.
    package static let system = EvaluationContext()
}
