/// An error-aware stream (the seed's `StreamE`): it yields `Result` values, and a failure is a
/// value like any other — the stream keeps going after it.
///
/// The seed's `Effect` maps to a function returning `Result` (`succeed(x)` is `.success(x)`,
/// `fail(e)` is `.failure(e)`), and its `Ok`/`Err` to `Result`'s two cases.
///
/// ```swift
/// let processed = ResultStream<Int, String>.range(1, 10).mapEffect { x in
///     x % 3 == 0 ? .failure("Error processing \(x)") : .success(x * 2)
/// }
/// let (successes, failures) = try await processed.partition()
/// ```
public struct ResultStream<Success: Sendable, Failure: Error>: Sendable {
    /// The results, as a plain stream.
    public let results: DataStream<Result<Success, Failure>>

    public init(_ results: DataStream<Result<Success, Failure>>) {
        self.results = results
    }

    /// A stream of successes.
    public init(successes: DataStream<Success>) {
        self.results = successes.map { .success($0) }
    }
}

// MARK: - Sources

extension ResultStream {
    /// `StreamE.range(start, end)`: successes `start..<end`.
    public static func range(_ start: Int, _ end: Int) -> ResultStream<Int, Failure> {
        ResultStream<Int, Failure>(successes: .range(start, end))
    }

    /// `StreamE.from_iterable`: a success per element.
    public static func from<S: Sequence<Success> & Sendable>(_ sequence: S) -> ResultStream {
        ResultStream(successes: .from(sequence))
    }
}

// MARK: - Operators

extension ResultStream {
    /// Applies a function that may fail to each success; failures pass through untouched.
    public func mapEffect<T: Sendable>(
        _ effect: @escaping @Sendable (Success) async -> Result<T, Failure>
    ) -> ResultStream<T, Failure> {
        ResultStream<T, Failure>(results.map { result in
            switch result {
            case .success(let value): await effect(value)
            case .failure(let error): .failure(error)
            }
        })
    }

    /// ``mapEffect(_:)`` for a function with a typed `throws`.
    public func mapResult<T: Sendable>(
        _ transform: @escaping @Sendable (Success) async throws(Failure) -> T
    ) -> ResultStream<T, Failure> {
        mapEffect { value in
            do throws(Failure) { return .success(try await transform(value)) } catch { return .failure(error) }
        }
    }

    /// Applies `effect`, retrying each failed call on `schedule` (waiting on `clock`) before
    /// letting the last failure through.
    public func mapEffect<T: Sendable, C: Clock<Duration>>(
        retrying schedule: RetrySchedule,
        clock: C,
        _ effect: @escaping @Sendable (Success) async -> Result<T, Failure>
    ) -> ResultStream<T, Failure> {
        mapEffect { value in
            var generator = SystemRandomNumberGenerator()
            var attempt = 1
            while true {
                let result = await effect(value)
                guard case .failure = result, let delay = schedule.delay(afterAttempt: attempt, using: &generator)
                else { return result }
                do { try await clock.sleep(for: delay) } catch { return result }
                attempt += 1
            }
        }
    }

    /// Transforms successes.
    public func map<T: Sendable>(_ transform: @escaping @Sendable @concurrent (Success) async -> T) -> ResultStream<T, Failure> {
        mapEffect { .success(await transform($0)) }
    }

    /// Transforms failures.
    public func mapError<F: Error>(_ transform: @escaping @Sendable (Failure) async -> F) -> ResultStream<Success, F> {
        ResultStream<Success, F>(results.map { result in
            switch result {
            case .success(let value): .success(value)
            case .failure(let error): .failure(await transform(error))
            }
        })
    }

    /// Gives each failure a second chance: `handler` may turn it into a success (the seed's
    /// `recover(lambda e: succeed(...))`) or into another failure.
    public func recover(
        _ handler: @escaping @Sendable (Failure) async -> Result<Success, Failure>
    ) -> ResultStream {
        ResultStream(results.map { result in
            switch result {
            case .success: result
            case .failure(let error): await handler(error)
            }
        })
    }

    /// Turns every failure into a success; the result cannot fail any more.
    public func catchAll(_ handler: @escaping @Sendable (Failure) async -> Success) -> ResultStream<Success, Never> {
        ResultStream<Success, Never>(results.map { result in
            switch result {
            case .success(let value): .success(value)
            case .failure(let error): .success(await handler(error))
            }
        })
    }

    /// Only the successes, as a plain stream.
    public func filterSuccesses() -> DataStream<Success> {
        results.compactMap { try? $0.get() }
    }

    /// Only the failures, as a plain stream.
    public func failures() -> DataStream<Failure> {
        results.compactMap { result in
            if case .failure(let error) = result { error } else { nil }
        }
    }
}

// MARK: - Sinks

extension ResultStream {
    /// All results in order.
    public func collect() async throws -> [Result<Success, Failure>] {
        try await results.collect()
    }

    /// Runs the stream and splits its results.
    public func partition() async throws -> (successes: [Success], failures: [Failure]) {
        var successes: [Success] = []
        var failures: [Failure] = []
        try await results.forEach { result in
            switch result {
            case .success(let value): successes.append(value)
            case .failure(let error): failures.append(error)
            }
        }
        return (successes, failures)
    }
}

extension ResultStream: AsyncSequence {
    public typealias Element = Result<Success, Failure>

    /// `for try await result in stream` (the seed's `async for result in stream.run()`).
    public func makeAsyncIterator() -> DataStream<Result<Success, Failure>>.AsyncIterator {
        results.makeAsyncIterator()
    }
}
