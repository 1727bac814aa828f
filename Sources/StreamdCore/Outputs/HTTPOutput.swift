package import StreamKit
import Synchronization

/// POSTs each batch as NDJSON (`application/x-ndjson`) to a URL. A batch that meets a transport
/// error, a 5xx or a 429 is sent again after an exponential, jittered backoff, up to `retries`
/// times; then the write fails and the output runner counts the batch as failed.
///
/// Retrying holds back this output's queue, and through it only its own pipeline: a slow or
/// failing receiver never stalls another pipeline. Connecting and sending are URLSession's
/// (libcurl's, with its own threads and asynchronous DNS): nothing here blocks a thread. A failed
/// attempt makes the output not writable (`status`) until an attempt succeeds.
package final class HTTPOutput: OutputSink, ReportsAvailability {
    package let label: String
    package let schedule: RetrySchedule
    package let status: OutputStatus?
    private let poster: HTTPPoster
    private let onRetry: @Sendable () -> Void

    package init(
        url: String,
        timeout: Duration = .seconds(5),
        retries: Int = 3,
        headers: [String: String] = [:],
        initialBackoff: Duration = .milliseconds(100),
        pipeline: String = "",
        onRetry: @escaping @Sendable () -> Void = {}
    ) {
        label = "http:\(HTTPPoster.redacted(url))"
        status = OutputStatus(pipeline: pipeline, output: label)
        poster = HTTPPoster(url: url, timeout: timeout, headers: headers)
        schedule = RetrySchedule.exponential(initial: initialBackoff, maxDelay: .seconds(10), maxAttempts: max(0, retries) + 1)
            .jittered(0.2)
        self.onRetry = onRetry
    }

    package func write(_ events: [Event]) async throws {
        guard !events.isEmpty else { return }
        var body: [UInt8] = []
        body.reserveCapacity(events.count * 128)
        for event in events {
            JSONWriter.write(event, into: &body)
            body.append(UInt8(ascii: "\n"))
        }
        var generator = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            do {
                try await poster.post(body, contentType: "application/x-ndjson")
                status?.succeeded()
                return
            } catch {
                if error.reason != .cancelled { status?.failed(error.description) }
                guard error.isRetryable, let delay = schedule.delay(afterAttempt: attempt, using: &generator) else { throw error }
                onRetry()
                try await Task.sleep(for: delay)
                attempt += 1
            }
        }
    }

    package func close() async {}
}
