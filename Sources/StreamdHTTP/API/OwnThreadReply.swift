package import StreamdCore
import Foundation

extension Daemon {
    /// Answers `request` from a thread of its own, for the endpoints that drain pipelines
    /// (`stop`, `restart`, `DELETE`, a replacing `PUT`, reload): a drain may wait up to
    /// `shutdown_timeout` for an output that cannot be written, and must hold none of the few
    /// HTTP threads meanwhile, so `/healthz`, ingestion and the other pipelines keep answering.
    /// `work` may block (it waits for the drain through ``blocking(_:)``): it runs neither on an
    /// HTTP thread nor in Swift's cooperative pool. A request made in memory (unit tests) is
    /// answered on the calling thread.
    ///
    /// Read the request (body, query) before: it is not valid on the other thread.
    package static func answerOnOwnThread(_ request: HTTPRequest, _ work: @escaping @Sendable () -> HTTPResponse) -> HTTPResponse {
        guard let reply = request.suspend() else { return work() }
        let thread = Thread { reply.resume(work()) }
        thread.name = "streamd.control"
        thread.start()
        return .suspended
    }
}
