import StreamKit

/// One measurement (the seed's `Metric` dataclass).
public struct Metric: Sendable, Equatable {
    public let timestamp: Double
    public let value: Double
    public let source: String

    public init(timestamp: Double, value: Double, source: String) {
        self.timestamp = timestamp
        self.value = value
        self.source = source
    }
}

/// Statistics of one window (the seed's `WindowedResult` dataclass).
public struct WindowedResult: Sendable, Equatable {
    public let windowStart: Double
    public let windowEnd: Double
    public let count: Int
    public let avgValue: Double
    public let maxValue: Double
    /// Distinct sources, sorted (the seed's `list(set(...))` has no defined order).
    public let sources: [String]
}

/// The seed's hand-written sliding window: keeps the metrics of the last `windowSize` seconds.
/// The stage closure that uses it must be `Sendable`, hence the lock around the buffer.
public final class SlidingWindow: Sendable {
    public let windowSize: Double
    private let metrics = Locked<[Metric]>([])

    public init(windowSize: Double) { self.windowSize = windowSize }

    /// Add metric and return current window.
    public func addMetric(_ metric: Metric) -> [Metric] {
        metrics.withLock { metrics in
            metrics.append(metric)
            // Remove old metrics outside window
            let cutoff = metric.timestamp - windowSize
            let old = metrics.prefix { $0.timestamp < cutoff }.count
            metrics.removeFirst(old)
            return metrics
        }
    }

    /// Compute statistics for current window.
    public func computeWindowStats(_ metrics: [Metric]) -> WindowedResult {
        guard !metrics.isEmpty else {
            return WindowedResult(windowStart: 0, windowEnd: 0, count: 0, avgValue: 0, maxValue: 0, sources: [])
        }
        let values = metrics.map(\.value)
        return WindowedResult(
            windowStart: metrics.map(\.timestamp).min()!,
            windowEnd: metrics.map(\.timestamp).max()!,
            count: metrics.count,
            avgValue: values.reduce(0, +) / Double(values.count),
            maxValue: values.max()!,
            sources: Set(metrics.map(\.source)).sorted()
        )
    }
}

/// Outcome of ``SeedExamples/windowedStreamProcessing(clock:using:baseTime:log:)``.
public struct WindowingResult: Sendable, Equatable {
    /// The generated input.
    public let metrics: [Metric]
    /// One per metric, in input order (both stages have a single worker).
    public let windows: [WindowedResult]
    /// The windows the alerting stage alerted on.
    public let alerts: [WindowedResult]
}

extension SeedExamples {
    /// The seed's `generate_metrics`: one metric every 0.2 s, drawing for each a value in
    /// 10...100 and then a source.
    public static func generateMetrics(
        count: Int = 50,
        baseTime: Double = 0,
        using generator: inout some RandomNumberGenerator
    ) -> [Metric] {
        let sources = ["server1", "server2", "server3"]
        return (0..<count).map { i in
            let value = Double.random(in: 10...100, using: &generator)
            let source = sources.randomElement(using: &generator)!
            return Metric(timestamp: baseTime + Double(i) * 0.2, value: value, source: source)
        }
    }

    /// Whether the alerting stage raises an alert for a window.
    public static func isAlert(_ result: WindowedResult) -> Bool {
        result.avgValue > 75 && result.count >= 5
    }

    /// "Stream Processing with Windowing": a 2-second sliding window over 50 metrics, then an
    /// alerting stage. `baseTime` replaces the seed's `time.time()` so runs are reproducible.
    public static func windowedStreamProcessing(
        clock: some Clock<Duration>,
        using generator: some RandomNumberGenerator,
        baseTime: Double = 0,
        log: @escaping ExampleLog
    ) async throws -> WindowingResult {
        var generator = generator
        let metrics = generateMetrics(baseTime: baseTime, using: &generator)
        let inputChannel = Channel<Metric>(capacity: 10)
        let outputChannel = Channel<WindowedResult>(capacity: 10)

        let window = SlidingWindow(windowSize: 2.0)  // 2 second window
        let alerts = Locked<[WindowedResult]>([])

        /// Apply sliding window and compute stats.
        let windowingStage = Stage<Metric, WindowedResult>("windowing", workers: 1) { metric in
            try await clock.sleep(for: .milliseconds(10))  // Simulate processing time
            return window.computeWindowStats(window.addMetric(metric))
        }
        /// Check for alerts based on windowed data.
        let alertingStage = Stage<WindowedResult, WindowedResult>("alerting", workers: 1) { result in
            if isAlert(result) {
                log("🚨 ALERT: High average value \(fixed(result.avgValue)) across \(result.count) metrics")
                alerts.withLock { $0.append(result) }
            }
            return result
        }

        let pipeline = Pipeline.from(inputChannel)
            .via(windowingStage)  // Single window processor
            .via(alertingStage)  // Single alerting processor
            .to(outputChannel)

        @Sendable func producer() async throws {
            log("📊 Starting metric stream...")
            for metric in metrics {
                try await inputChannel.send(metric)
                log("📤 Metric: \(metric.source) = \(fixed(metric.value))")
                try await clock.sleep(for: .milliseconds(100))  // Slower than metric timestamps
            }
            inputChannel.close()
        }

        @Sendable func consumer() async -> [WindowedResult] {
            var windowResults: [WindowedResult] = []
            for await result in outputChannel {
                windowResults.append(result)
                log("📈 Window [\(fixed(result.windowStart))-\(fixed(result.windowEnd))]: "
                    + "count=\(result.count), avg=\(fixed(result.avgValue)), max=\(fixed(result.maxValue))")
            }
            log("\n📋 Window Processing Complete:")
            log("  Total windows: \(windowResults.count)")
            if !windowResults.isEmpty {
                let overallAvg = windowResults.map(\.avgValue).reduce(0, +) / Double(windowResults.count)
                let overallMax = windowResults.map(\.maxValue).max()!
                log("  Overall average: \(fixed(overallAvg))")
                log("  Overall maximum: \(fixed(overallMax))")
            }
            return windowResults
        }

        async let produced: Void = producer()
        async let ran: Void = pipeline.run()
        async let consumed = consumer()
        let (_, _, windows) = try await (produced, ran, consumed)
        return WindowingResult(metrics: metrics, windows: windows, alerts: alerts.value)
    }
}
