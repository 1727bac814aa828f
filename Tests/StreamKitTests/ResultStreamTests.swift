import StreamKit
import StreamKitTesting
import Synchronization
import Testing

struct Problem: Error, Equatable { let message: String }

@Suite struct ResultStreamTests {
    let risky = ResultStream<Int, Problem>.range(1, 10).mapEffect { value -> Result<Int, Problem> in
        value % 3 == 0 ? .failure(Problem(message: "bad \(value)")) : .success(value * 2)
    }

    @Test func failuresAreValuesAndTheStreamGoesOn() async throws {
        let results = try await risky.collect()
        #expect(results.count == 9)
        let (successes, failures) = try await risky.partition()
        #expect(successes == [2, 4, 8, 10, 14, 16])
        #expect(failures.map(\.message) == ["bad 3", "bad 6", "bad 9"])
    }

    @Test func mapAndMapError() async throws {
        let (successes, failures) = try await risky
            .map { "ok \($0)" }
            .mapError { Problem(message: "handled: \($0.message)") }
            .partition()
        #expect(successes.first == "ok 2")
        #expect(failures.first?.message == "handled: bad 3")
    }

    @Test func recoverAndCatchAll() async throws {
        let recovered = try await risky.recover { problem in
            problem.message == "bad 6" ? .success(-6) : .failure(problem)
        }.partition()
        #expect(recovered.successes.contains(-6) && recovered.failures.count == 2)
        let all = try await risky.catchAll { _ in 0 }.partition()
        #expect(all.successes.count == 9 && all.failures.isEmpty)
    }

    @Test func filterSuccessesFailuresAndIteration() async throws {
        #expect(try await risky.filterSuccesses().collect() == [2, 4, 8, 10, 14, 16])
        #expect(try await risky.failures().collect().count == 3)
        var count = 0
        for try await result in risky {
            if case .failure = result { count += 1 }
        }
        #expect(count == 3)
    }

    @Test func mapResultWithTypedThrows() async throws {
        let stream = ResultStream<Int, Problem>.from([1, -1]).mapResult { (value: Int) throws(Problem) -> Int in
            if value < 0 { throw Problem(message: "negative") }
            return value
        }
        let (successes, failures) = try await stream.partition()
        #expect(successes == [1] && failures == [Problem(message: "negative")])
    }

    @Test func retryUntilSuccessWithinSchedule() async throws {
        let attempts = Mutex<[Int: Int]>([:])
        let stream = ResultStream<Int, Problem>.from([1, 2]).mapEffect(
            retrying: .fixed(.milliseconds(10), maxAttempts: 3),
            clock: ImmediateClock()
        ) { value -> Result<Int, Problem> in
            let attempt = attempts.withLock { counts in
                counts[value, default: 0] += 1
                return counts[value]!
            }
            // 1 succeeds on its third attempt; 2 never does.
            return value == 1 && attempt == 3 ? .success(value) : .failure(Problem(message: "try \(attempt)"))
        }
        let (successes, failures) = try await stream.partition()
        #expect(successes == [1])
        #expect(failures == [Problem(message: "try 3")])
        #expect(attempts.withLock { $0 } == [1: 3, 2: 3])
    }

    @Test func retrySchedules() {
        var generator = SeededGenerator(seed: 1)
        let fixed = RetrySchedule.fixed(.seconds(1), maxAttempts: 3)
        #expect(fixed.delay(afterAttempt: 1, using: &generator) == .seconds(1))
        #expect(fixed.delay(afterAttempt: 3, using: &generator) == nil)
        let exponential = RetrySchedule.exponential(initial: .milliseconds(100), maxDelay: .milliseconds(350), maxAttempts: 10)
        let delays = (1...4).map { exponential.delay(afterAttempt: $0, using: &generator) }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(350), .milliseconds(350)])
        let jittered = RetrySchedule.fixed(.seconds(1), maxAttempts: 100).jittered(0.2)
        for attempt in 1..<50 {
            let delay = jittered.delay(afterAttempt: attempt, using: &generator)!
            #expect(delay >= .milliseconds(800) && delay <= .milliseconds(1200))
        }
    }
}
