/// How long to wait before each retry, and when to give up.
///
/// ```swift
/// let schedule = RetrySchedule.exponential(initial: .milliseconds(100), maxDelay: .seconds(5), maxAttempts: 5)
///     .jittered(0.2)     // each delay randomly within ±20 %
/// ```
public struct RetrySchedule: Sendable, Hashable {
    public enum Backoff: Sendable, Hashable {
        case fixed(Duration)
        case exponential(initial: Duration, multiplier: Double, maxDelay: Duration)
    }

    public var backoff: Backoff
    /// Total attempts, the first included; 1 means no retry.
    public var maxAttempts: Int
    /// Fraction (0…1) by which each delay is randomly shortened or lengthened, to keep many
    /// clients from retrying in lockstep.
    public var jitter: Double

    public init(backoff: Backoff, maxAttempts: Int, jitter: Double = 0) {
        precondition(maxAttempts >= 1, "a retry schedule needs at least one attempt")
        precondition((0...1).contains(jitter), "jitter is a fraction between 0 and 1")
        self.backoff = backoff
        self.maxAttempts = maxAttempts
        self.jitter = jitter
    }

    /// The same delay before every retry.
    public static func fixed(_ delay: Duration, maxAttempts: Int) -> RetrySchedule {
        RetrySchedule(backoff: .fixed(delay), maxAttempts: maxAttempts)
    }

    /// Delays of `initial`, `initial × multiplier`, … capped at `maxDelay`.
    public static func exponential(
        initial: Duration,
        multiplier: Double = 2,
        maxDelay: Duration = .seconds(30),
        maxAttempts: Int
    ) -> RetrySchedule {
        RetrySchedule(backoff: .exponential(initial: initial, multiplier: multiplier, maxDelay: maxDelay), maxAttempts: maxAttempts)
    }

    /// This schedule with random jitter of ±`fraction` on every delay.
    public func jittered(_ fraction: Double) -> RetrySchedule {
        RetrySchedule(backoff: backoff, maxAttempts: maxAttempts, jitter: fraction)
    }

    /// The delay before attempt `attempt + 1`, or `nil` when `attempt` was the last one allowed.
    public func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        let base: Duration
        switch backoff {
        case .fixed(let delay):
            base = delay
        case .exponential(let initial, let multiplier, let maxDelay):
            let factor = Foundationless.power(multiplier, attempt - 1)
            base = min(initial * factor, maxDelay)
        }
        guard jitter > 0 else { return base }
        return base * Double.random(in: (1 - jitter)...(1 + jitter), using: &generator)
    }
}

/// Small numeric helpers, kept here so StreamKit does not import Foundation.
enum Foundationless {
    static func power(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<max(0, exponent) {
            result *= base
            if result > 1e12 { break }
        }
        return result
    }
}
