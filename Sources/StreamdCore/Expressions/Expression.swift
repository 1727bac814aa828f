/// An expression from pipeline configuration, parsed and compiled once, then evaluated per event.
///
/// Construction throws a syntax or compile error with a column; evaluation throws only runtime
/// errors (type errors, division by zero), which a stage turns into a stage failure.
///
///     let valid = try Expression("exists(.source) && .value >= 0")
///     if try valid.isTrue(event, context: .system) { … }
///
/// Alert conditions name window-result fields without a dot: `avg_value > 75 && count >= 5`
/// reads the same as `.avg_value > 75 && .count >= 5`.
public struct Expression: Sendable, Hashable, CustomStringConvertible {
    /// The text as configured.
    public let source: String
    private let evaluator: ExpressionEvaluator

    public init(_ source: String) throws(ExpressionError) {
        self.source = source
        evaluator = try ExpressionCompiler.compile(ExpressionParser.parse(source))
    }

    /// Compiles an already parsed tree: for stage kinds with their own call syntax, such as
    /// window aggregates (`avg(.value)`), which parse with `ExpressionParser.parse` and compile
    /// the argument subtree. `source` is what error messages and `description` show.
    package init(_ node: ExpressionNode, source: String) throws(ExpressionError) {
        self.source = source
        evaluator = try ExpressionCompiler.compile(node)
    }

    public var description: String { source }

    /// Two expressions are equal when their text is, so configurations can be compared.
    public static func == (left: Expression, right: Expression) -> Bool { left.source == right.source }

    public func hash(into hasher: inout Hasher) { hasher.combine(source) }

    /// The value of the expression for `event`.
    @inline(__always)
    public func evaluate(_ event: Event, context: EvaluationContext = .system) throws(ExpressionError) -> JSONValue {
        try evaluator(event, context)
    }

    /// The expression as a filter or condition: it must give a boolean.
    @inline(__always)
    public func isTrue(_ event: Event, context: EvaluationContext = .system) throws(ExpressionError) -> Bool {
        let value = try evaluator(event, context)
        guard case .bool(let bool) = value else {
            throw .runtime("filter must be a boolean, got \(value.typeName)")
        }
        return bool
    }
}
