package import StreamdCore
import OrderedCollections
import StreamKit
import CHttp

#if canImport(Glibc)
import Glibc
#endif


/// `POST /v1/pipelines/{name}/events` (SPEC §3.3): a batch is enqueued whole or not at all, so a
/// client that retries after 429 never duplicates or loses an event.
extension Daemon {
    package func ingest(_ request: HTTPRequest, pipeline name: String) -> HTTPResponse {
        guard let pipeline = registry[name] else { return APIError.notFound("no pipeline named \"\(name)\"").response }
        let (status, accepted, rejected, response) = admit(request, to: pipeline)
        if status != Self.answeredLater {
            pipeline.ingest.record(status: status, accepted: accepted, rejected: rejected, bytes: request.body.count)
        }
        return response
    }

    private func admit(_ request: HTTPRequest, to pipeline: PipelineRuntime) -> (Int, Int, Int, HTTPResponse) {
        func refuse(_ error: APIError) -> (Int, Int, Int, HTTPResponse) { (error.status, 0, 0, error.response) }

        if currentPhase == .draining {
            return refuse(APIError(status: 503, code: "shutting_down", message: "streamd is shutting down; retry elsewhere or later", headers: [("Retry-After", "5")]))
        }
        switch pipeline.currentState {
        case .running: break
        case .stopped, .failed:
            return refuse(APIError(status: 409, code: "pipeline_stopped", message: "pipeline \"\(pipeline.definition.name)\" is \(pipeline.currentState.rawValue); start it first"))
        case .starting, .draining:
            return refuse(APIError(status: 503, code: "pipeline_unavailable", message: "pipeline \"\(pipeline.definition.name)\" is \(pipeline.currentState.rawValue)", headers: [("Retry-After", "1")]))
        }
        guard let format = IngestFormat(contentType: request.header("Content-Type")) else {
            let received = request.header("Content-Type") ?? ""
            return refuse(APIError(status: 415, code: "unsupported_media_type", message: "Content-Type \(received) is not supported: send application/json (an object or an array of objects) or application/x-ndjson (one object per line); with curl, add -H 'Content-Type: application/json'"))
        }
        let parsed: IngestParseResult
        switch request.header("Content-Encoding")?.lowercased() {
        case nil, "identity":
            parsed = IngestBody.parse(request.body, format: format)
        case "gzip", "x-gzip":
            switch Self.gunzip(request.body, limit: config.server.maxBodyBytes) {
            case .success(let body): parsed = IngestBody.parse(body, format: format)
            case .failure(let error): return refuse(error)
            }
        case let encoding?:
            return refuse(APIError(status: 415, code: "unsupported_encoding", message: "Content-Encoding \(encoding) is not supported; use gzip or none"))
        }
        let rejected = parsed.rejected.map { ["index": .number(Double($0.index)), "error": .string($0.error)] as JSONValue }
        guard !parsed.events.isEmpty else {
            let error = APIError.badRequest("no_valid_events", parsed.rejected.first.map { "no valid event: \($0.error) (at index \($0.index))" } ?? "no events", details: ["rejected": .array(Array(rejected.prefix(100)))])
            return (400, 0, parsed.rejected.count, error.response)
        }
        guard parsed.events.count <= pipeline.definition.buffer else {
            return refuse(APIError(status: 413, code: "batch_too_large", message: "\(parsed.events.count) events in one request, but pipeline \"\(pipeline.definition.name)\" holds at most \(pipeline.definition.buffer); split the batch"))
        }
        guard let input = pipeline.input else { return refuse(Self.unavailable(pipeline)) }
        switch input.trySend(contentsOf: parsed.events) {
        case .enqueued: return Self.accepted(parsed, rejected: rejected)
        case .closed: return refuse(Self.unavailable(pipeline))
        case .full: break
        }
        // Slow path: the server parks the connection and waits for room in a task, so this HTTP
        // thread goes on serving other requests (health checks, other pipelines) meanwhile.
        let maxWait = pipeline.definition.ingestMaxWait
        let bytes = request.body.count
        return (Self.answeredLater, 0, 0, .later {
            let (status, accepted, bad, response) = await Self.waitForRoom(parsed, rejected: rejected, in: input, for: pipeline, maxWait: maxWait)
            pipeline.ingest.record(status: status, accepted: accepted, rejected: bad, bytes: bytes)
            return response
        })
    }

    /// The status recorded for a request answered later (it records its own outcome then).
    package static let answeredLater = -1

    /// All or nothing, trying again with growing pauses until `maxWait` has passed.
    private static func waitForRoom(
        _ parsed: IngestParseResult,
        rejected: [JSONValue],
        in input: Channel<Event>,
        for pipeline: PipelineRuntime,
        maxWait: Duration
    ) async -> (Int, Int, Int, HTTPResponse) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: maxWait)
        var pause = Duration.microseconds(100)
        while true {
            switch input.trySend(contentsOf: parsed.events) {
            case .enqueued: return accepted(parsed, rejected: rejected)
            case .closed:
                let error = unavailable(pipeline)
                return (error.status, 0, 0, error.response)
            case .full:
                let remaining = clock.now.duration(to: deadline)
                guard remaining > .zero else {
                    let error = backpressure(pipeline)
                    return (error.status, 0, 0, error.response)
                }
                try? await Task.sleep(for: min(pause, remaining))
                pause = min(pause * 2, .milliseconds(5))
            }
        }
    }

    private static func accepted(_ parsed: IngestParseResult, rejected: [JSONValue]) -> (Int, Int, Int, HTTPResponse) {
        let count = JSONValue.number(Double(parsed.events.count))
        if parsed.rejected.isEmpty { return (202, parsed.events.count, 0, .json(202, ["accepted": count])) }
        return (207, parsed.events.count, parsed.rejected.count, .json(207, ["accepted": count, "rejected": .array(rejected)]))
    }

    private static func backpressure(_ pipeline: PipelineRuntime) -> APIError {
        APIError(status: 429, code: "backpressure", message: "pipeline \"\(pipeline.definition.name)\" is full; nothing was accepted, retry the whole batch", details: ["retry_after_seconds": 1], headers: [("Retry-After", "1")])
    }

    private static func unavailable(_ pipeline: PipelineRuntime) -> APIError {
        APIError(status: 503, code: "pipeline_unavailable", message: "pipeline \"\(pipeline.definition.name)\" stopped accepting events", headers: [("Retry-After", "1")])
    }

    /// Decompresses a gzip body; the result is held to the same limit as a plain body, so a
    /// small "zip bomb" cannot make the daemon allocate without bound.
    package static func gunzip(_ body: UnsafeRawBufferPointer, limit: Int) -> Result<[UInt8], APIError> {
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        let status = chttp_gunzip(body.baseAddress?.assumingMemoryBound(to: UInt8.self), body.count, limit, &output, &length)
        defer { free(output) }
        switch status {
        case 0: return .success(Array(UnsafeBufferPointer(start: output, count: length)))
        case 1: return .failure(APIError(status: 413, code: "body_too_large", message: "the decompressed body exceeds server.max_body_bytes (\(limit))"))
        default: return .failure(.badRequest("invalid_gzip", "the body is not valid gzip data"))
        }
    }
}
