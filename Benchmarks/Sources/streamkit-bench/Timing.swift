/// Wall time of one async run, in seconds.
func measure(_ body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    let elapsed = clock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// Best of `runs` measurements: on a shared, noisy machine the fastest run is the least disturbed.
func best(of runs: Int, _ body: () async throws -> Void) async rethrows -> Double {
    var fastest = Double.infinity
    for _ in 0..<runs { fastest = min(fastest, try await measure(body)) }
    return fastest
}

/// One result line, in the fixed format the issue asks for so runs can be compared over time.
func report(_ id: String, _ name: String, value: Double, unit: String, baselines: [(String, Double)], extra: String = "") {
    var line = "BENCH \(id) \(name) value=\(Int(value)) unit=\(unit)"
    if let (baselineName, baseline) = baselines.first {
        line += " baseline=\(baselineName):\(Int(baseline))"
        line += " ratio=\(format(value / baseline))"
    }
    for (baselineName, baseline) in baselines.dropFirst() {
        line += " baseline_\(baselineName)=\(Int(baseline)) ratio_\(baselineName)=\(format(value / baseline))"
    }
    if !extra.isEmpty { line += " " + extra }
    print(line)
}

func format(_ value: Double) -> String {
    let scaled = (value * 100).rounded() / 100
    return "\(scaled)"
}
