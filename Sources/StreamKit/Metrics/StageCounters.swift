public import Synchronization

/// The counters one worker updates for every element. Each worker owns an instance, so the
/// relaxed atomic adds never contend; a snapshot sums the workers' instances.
@usableFromInline
final class WorkerCounters: Sendable {
    @usableFromInline
    enum Counter: Int, CaseIterable {
        case received, emitted, filtered, failed, backpressureNanoseconds
        /// Elements folded into windows (aggregating stages, whose `emitted` counts results).
        case aggregated
    }

    @usableFromInline let values = AtomicCounters(count: Counter.allCases.count)
    @usableFromInline let latency: LatencyHistogram

    /// `exclusive`: only one task ever records latencies here (an unordered worker's own set).
    @usableFromInline init(exclusive: Bool = false) { latency = LatencyHistogram(exclusive: exclusive) }

    @inlinable
    func add(_ counter: Counter, _ amount: Int) {
        values.add(amount, at: counter.rawValue)
    }

    func load(_ counter: Counter) -> Int {
        values.load(counter.rawValue)
    }
}

/// Everything measured about one stage: its workers' counters, its queue and its rates.
public final class StageMetrics: Sendable {
    public let name: String
    public let workers: Int
    @usableFromInline let counters: [WorkerCounters]
    /// Reads the depth and capacity of the stage's input queue.
    private let queue: @Sendable () -> (depth: Int, capacity: Int?)
    private let rates = Locked(RateWindow())
    /// Workers currently alive; zero once the stage has finished or was cancelled.
    @usableFromInline let liveWorkers = Atomic<Int>(0)
    /// Whether elements end up `aggregated` into results rather than emitted one for one.
    let aggregating: Bool

    /// `counterSets` is the number of independently written counter sets (one per unordered worker);
    /// `exclusiveSets` says that each is written by one task only (not so for ordered workers).
    @usableFromInline
    init(
        name: String, workers: Int, counterSets: Int, exclusiveSets: Bool = false, aggregating: Bool = false,
        queue: @escaping @Sendable () -> (depth: Int, capacity: Int?)
    ) {
        self.name = name
        self.aggregating = aggregating
        self.workers = workers
        self.counters = (0..<counterSets).map { _ in WorkerCounters(exclusive: exclusiveSets) }
        self.queue = queue
    }

    private func sum(_ counter: WorkerCounters.Counter) -> Int {
        counters.reduce(0) { $0 + $1.load(counter) }
    }

    /// Takes a sample for the rate window (the pipeline calls it once per second).
    func sampleRates(at seconds: Double) {
        let completed = sum(aggregating ? .aggregated : .emitted) + sum(.filtered) + sum(.failed)
        rates.withLock { $0.add(seconds: seconds, total: completed) }
    }

    /// A consistent-enough copy of the counters: the "done" counters are read before `received`,
    /// so `inFlight` is never negative.
    public func snapshot() -> StageMetricsSnapshot {
        let emitted = sum(.emitted)
        let filtered = sum(.filtered)
        let failed = sum(.failed)
        let aggregated = sum(.aggregated)
        let received = sum(.received)
        var buckets = [Int](repeating: 0, count: LatencyHistogram.bucketCount)
        var maximum = 0
        var latencyBuckets = LatencyBuckets()
        for worker in counters {
            worker.latency.accumulate(into: &buckets, maximum: &maximum)
            latencyBuckets.add(worker.latency.buckets())
        }
        let q = LatencyHistogram.quantiles([0.5, 0.9, 0.99], counts: buckets, maximum: maximum)
        let (depth, capacity) = queue()
        let (rate1s, rate1m) = rates.withLock { ($0.rate(over: 1), $0.rate(over: 60)) }
        return StageMetricsSnapshot(
            name: name,
            workers: workers,
            received: received,
            emitted: emitted,
            filtered: filtered,
            failed: failed,
            aggregated: aggregated,
            inFlight: received - (aggregating ? aggregated : emitted) - filtered - failed,
            queueDepth: depth,
            queueCapacity: capacity,
            rate1s: rate1s,
            rate1m: rate1m,
            latencyMs: .init(p50: q[0] / 1e6, p90: q[1] / 1e6, p99: q[2] / 1e6, max: Double(maximum) / 1e6),
            latencyBuckets: latencyBuckets,
            backpressureMs: Double(sum(.backpressureNanoseconds)) / 1e6,
            liveWorkers: liveWorkers.load(ordering: .relaxed)
        )
    }
}

/// The last minute of once-per-second samples of a stage's completed count.
struct RateWindow {
    private var samples: [(seconds: Double, total: Int)] = []

    mutating func add(seconds: Double, total: Int) {
        samples.append((seconds, total))
        if samples.count > 61 { samples.removeFirst(samples.count - 61) }
    }

    /// Elements per second over (about) the last `window` seconds; 0 until two samples exist.
    func rate(over window: Double) -> Double {
        guard let last = samples.last else { return 0 }
        let first = samples.last { last.seconds - $0.seconds >= window } ?? samples[0]
        let elapsed = last.seconds - first.seconds
        return elapsed > 0 ? Double(last.total - first.total) / elapsed : 0
    }
}
