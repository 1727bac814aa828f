import DequeModule
package import Logging
package import StreamKit

/// Every alert hook of the daemon and the notifications on their way to them: one
/// ``AlertDispatcher`` (bounded queues, timeouts, retries) shared by all pipelines, and the
/// recent transitions `GET /v1/alerts` shows.
package final class AlertCenter: Sendable {
    /// A payload and the alert stage it came from (to count its deliveries).
    package struct Notice: Sendable {
        let payload: JSONValue
        let monitor: AlertMonitor
    }

    package let hooks: [HookDefinition]
    private let dispatcher: AlertDispatcher<Notice, ContinuousClock>
    private let recent = Locked(Deque<JSONValue>())
    package static let recentLimit = 100
    package static let logger = Logger(label: "streamd.alert")

    package init(hooks: [HookDefinition]) {
        self.hooks = hooks
        dispatcher = AlertDispatcher(
            hooks: hooks.map { definition in
                let transport = definition.makeTransport()
                return AlertHook(
                    name: definition.name,
                    timeout: definition.timeout,
                    retry: .exponential(initial: .milliseconds(500), maxDelay: .seconds(30), maxAttempts: definition.retries + 1).jittered(0.2),
                    concurrency: definition.kind.concurrency
                ) { notice in
                    try await transport.deliver(notice.payload)
                }
            },
            clock: ContinuousClock(),
            onOutcome: { notice, hook, delivered in
                notice.monitor.recordDelivery(delivered)
                if !delivered {
                    Self.logger.warning("alert hook delivery failed", metadata: [
                        "hook": "\(hook)", "alert": "\(notice.monitor.stage)", "pipeline": "\(notice.monitor.pipeline)",
                    ])
                }
            }
        )
    }

    /// Queues a transition for the alert's hooks and remembers it. Never waits.
    package func notify(_ payload: JSONValue, from monitor: AlertMonitor) {
        recent.withLock { recent in
            recent.append(payload)
            if recent.count > Self.recentLimit { recent.removeFirst() }
        }
        dispatcher.notify(Notice(payload: payload, monitor: monitor), hooks: monitor.definition.hooks)
    }

    /// The latest transitions, oldest first.
    package func recentTransitions(limit: Int) -> [JSONValue] {
        recent.withLock { Array($0.suffix(limit)) }
    }

    package var hookStats: [AlertHookStats] { dispatcher.stats }

    /// Runs the hook workers until ``finish(within:)``.
    package func run() async { await dispatcher.run() }

    /// Attempts what is queued for up to `deadline`, then gives up on the rest.
    package func finish(within deadline: Duration) async { await dispatcher.finish(within: deadline) }
}
