package import StreamKit

/// A configured `window` stage (SPEC §3.2.1).
package struct WindowDefinition: Sendable {
    package var spec: WindowSpec
    /// Where the event time is; `nil` for processing time.
    package var timeField: FieldPath?
    /// The key: these fields' values, named by their path (`.source` → `"source"`).
    package var groupBy: [FieldPath]
    /// Result fields, in order.
    package var aggregates: [NamedAggregate]

    package init(spec: WindowSpec, timeField: FieldPath?, groupBy: [FieldPath], aggregates: [NamedAggregate]) {
        self.spec = spec
        self.timeField = timeField
        self.groupBy = groupBy
        self.aggregates = aggregates
    }
}

package struct NamedAggregate: Sendable {
    package var name: String
    package var function: AggregateFunction
    /// The value aggregated (absent for `count()`).
    package var argument: Expression?

    package init(name: String, function: AggregateFunction, argument: Expression?) {
        self.name = name
        self.function = function
        self.argument = argument
    }
}

/// The aggregate functions of the `aggregates:` mapping.
package enum AggregateFunction: Sendable, Equatable {
    case count, sum, avg, min, max, first, last, distinctCount
    case quantile(Double)

    /// Whether the function needs numbers (others take any JSON value).
    package var isNumeric: Bool {
        switch self {
        case .sum, .avg, .min, .max, .quantile: true
        case .count, .first, .last, .distinctCount: false
        }
    }

    package static let names = ["count", "sum", "avg", "min", "max", "first", "last", "distinct_count", "quantile", "p50", "p90", "p95", "p99"]
}

/// A configured `alert` stage.
package struct AlertDefinition: Sendable {
    package var condition: Expression
    package var hold: AlertHold
    package var cooldown: Duration
    package var repeatInterval: Duration?
    /// Names from the top-level `hooks:`.
    package var hooks: [String]
}
