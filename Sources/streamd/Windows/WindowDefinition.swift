import StreamKit

/// A configured `window` stage (SPEC §3.2.1).
struct WindowDefinition: Sendable {
    var spec: WindowSpec
    /// Where the event time is; `nil` for processing time.
    var timeField: FieldPath?
    /// The key: these fields' values, named by their path (`.source` → `"source"`).
    var groupBy: [FieldPath]
    /// Result fields, in order.
    var aggregates: [NamedAggregate]
}

struct NamedAggregate: Sendable {
    var name: String
    var function: AggregateFunction
    /// The value aggregated (absent for `count()`).
    var argument: Expression?
}

/// The aggregate functions of the `aggregates:` mapping.
enum AggregateFunction: Sendable, Equatable {
    case count, sum, avg, min, max, first, last, distinctCount
    case quantile(Double)

    /// Whether the function needs numbers (others take any JSON value).
    var isNumeric: Bool {
        switch self {
        case .sum, .avg, .min, .max, .quantile: true
        case .count, .first, .last, .distinctCount: false
        }
    }

    static let names = ["count", "sum", "avg", "min", "max", "first", "last", "distinct_count", "quantile", "p50", "p90", "p95", "p99"]
}

/// A configured `alert` stage.
struct AlertDefinition: Sendable {
    var condition: Expression
    var hold: AlertHold
    var cooldown: Duration
    var repeatInterval: Duration?
    /// Names from the top-level `hooks:`.
    var hooks: [String]
}
