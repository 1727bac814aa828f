@testable import StreamKit
import Testing

import StreamdCore
import StreamdHTTP

/// The exposition writer behind `GET /metrics`: family grouping, escaping, number spellings and
/// the histogram layout (the end-to-end test runs promtool on the real output).
@Suite struct PrometheusTextTests {
    @Test func samplesOfAFamilyStayTogetherUnderOneHelpAndType() {
        var out = PrometheusText()
        out.counter("a_total", "A things.", [("pipeline", "p")], 1)
        out.gauge("b", "B now.", [], 2.5)
        out.counter("a_total", "A things.", [("pipeline", "q")], 3)
        #expect(out.text == """
            # HELP streamd_a_total A things.
            # TYPE streamd_a_total counter
            streamd_a_total{pipeline="p"} 1
            streamd_a_total{pipeline="q"} 3
            # HELP streamd_b B now.
            # TYPE streamd_b gauge
            streamd_b 2.5

            """)
    }

    @Test func labelValuesAndHelpAreEscaped() {
        var out = PrometheusText()
        out.gauge("g", "Back\\slash and\nnew line.", [("output", "file:/tmp/a \"b\" \\ c\nd")], 0)
        #expect(out.text.contains(#"# HELP streamd_g Back\\slash and\nnew line."#))
        #expect(out.text.contains(#"streamd_g{output="file:/tmp/a \"b\" \\ c\nd"} 0"#))
    }

    @Test func numbersUseTheFormatsSpellings() {
        #expect(PrometheusText.format(3) == "3")
        #expect(PrometheusText.format(2.5e-5) == "2.5e-05")
        #expect(PrometheusText.format(0.0001) == "0.0001")
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(-.infinity) == "-Inf")
        #expect(PrometheusText.format(.nan) == "NaN")
    }

    @Test func histogramHasCumulativeBucketsInfSumAndCount() {
        var buckets = LatencyBuckets()
        let bounds = LatencyBuckets.upperBounds.count
        buckets.cumulativeCounts = (0..<bounds).map { min($0, 3) }
        buckets.count = 4
        buckets.sumNanoseconds = 1_500_000_000
        var out = PrometheusText()
        out.histogram("stage_latency_seconds", "Time.", [("stage", "s")], buckets)
        let lines = out.text.split(separator: "\n")
        #expect(lines[1] == "# TYPE streamd_stage_latency_seconds histogram")
        #expect(lines[2] == #"streamd_stage_latency_seconds_bucket{stage="s",le="1e-05"} 0"#)
        #expect(lines[3] == #"streamd_stage_latency_seconds_bucket{stage="s",le="2.5e-05"} 1"#)
        #expect(lines[2 + bounds - 1] == #"streamd_stage_latency_seconds_bucket{stage="s",le="10"} 3"#)
        #expect(lines[2 + bounds] == #"streamd_stage_latency_seconds_bucket{stage="s",le="+Inf"} 4"#)
        #expect(lines[3 + bounds] == #"streamd_stage_latency_seconds_sum{stage="s"} 1.5"#)
        #expect(lines[4 + bounds] == #"streamd_stage_latency_seconds_count{stage="s"} 4"#)
        #expect(lines.count == 5 + bounds)
    }
}
