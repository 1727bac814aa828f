internal import DequeModule

/// Where a pipeline's stage failures go: its error channel if it has one, otherwise a handler
/// (by default one line on standard error). Either way the latest failures are also kept in a
/// small ring for inspection, and every failure is counted by its stage.
@usableFromInline
final class FailureSink: Sendable {
    let channel: Channel<StageFailure>?
    let handler: (@Sendable (StageFailure) -> Void)?
    private let recent = SpinLock(Deque<StageFailure>())
    let recentLimit: Int

    init(channel: Channel<StageFailure>?, handler: (@Sendable (StageFailure) -> Void)?, recentLimit: Int) {
        self.channel = channel
        self.handler = handler
        self.recentLimit = recentLimit
    }

    /// Waits for room in the error channel: failures are never dropped.
    @usableFromInline
    func report(_ failure: StageFailure) async throws {
        recent.withLock {
            $0.append(failure)
            if $0.count > recentLimit { $0.removeFirst() }
        }
        if let channel {
            do { try await channel.send(failure) } catch is ChannelClosed {
                throw PipelineError.downstreamClosed(stage: failure.stage)
            }
        } else if let handler {
            handler(failure)
        } else {
            StandardError.log("streamkit: \(failure)\n")
        }
    }

    var recentFailures: [StageFailure] { recent.withLock { Array($0) } }
}
