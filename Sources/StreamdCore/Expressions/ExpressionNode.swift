/// The parsed form of an expression: a tree that is compiled once into closures
/// (`ExpressionCompiler`) and never walked again while events flow.
///
/// `description` prints the tree fully parenthesised, which is how tests check precedence:
/// `1 + 2 * 3` prints as `(1 + (2 * 3))`.
package indirect enum ExpressionNode: Equatable, Sendable {
    case literal(JSONValue)
    /// `.`: the whole event.
    case event
    /// `base.name`; `.name` and a bare `name` are `.field(.event, name)`.
    case field(ExpressionNode, String)
    /// `base[index]`.
    case index(ExpressionNode, ExpressionNode)
    /// `[a, b]`.
    case array([ExpressionNode])
    case unary(UnaryOperator, ExpressionNode)
    case binary(BinaryOperator, ExpressionNode, ExpressionNode)
    /// `name(args…)`; the column is where the name starts, for compile errors.
    case call(String, [ExpressionNode], column: Int)
}

package enum UnaryOperator: String, Sendable {
    case not = "!"
    case negate = "-"
}

package enum BinaryOperator: String, Sendable {
    case coalesce = "??"
    case or = "||"
    case and = "&&"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case `in` = "in"
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"

    /// Binding strength, higher binds tighter: `??` < `||` < `&&` < equality < ordering < `in`
    /// < additive < multiplicative.
    package var precedence: Int {
        switch self {
        case .coalesce: 1
        case .or: 2
        case .and: 3
        case .equal, .notEqual: 4
        case .less, .lessOrEqual, .greater, .greaterOrEqual: 5
        case .in: 6
        case .add, .subtract: 7
        case .multiply, .divide, .remainder: 8
        }
    }

    /// `a ?? b ?? c` groups to the right (like Swift), so the fallback chain stops at the first
    /// value; everything else groups to the left.
    package var isRightAssociative: Bool { self == .coalesce }
}

extension ExpressionNode: CustomStringConvertible {
    /// Fully parenthesised text that parses back to the same tree.
    package var description: String {
        switch self {
        case .literal(let value): ExpressionText.compactJSON(value)
        case .event: "."
        case .field(.event, let name):
            ExpressionText.isIdentifier(name) ? ".\(name)" : ".[\(ExpressionText.quoted(name))]"
        case .field(let base, let name):
            ExpressionText.isIdentifier(name)
                ? "\(base.postfixBase).\(name)" : "\(base.postfixBase)[\(ExpressionText.quoted(name))]"
        case .index(.event, let index): ".[\(index)]"
        case .index(let base, let index): "\(base.postfixBase)[\(index)]"
        case .array(let elements): "[\(elements.map(\.description).joined(separator: ", "))]"
        case .unary(let op, let operand): "(\(op.rawValue)\(operand))"
        case .binary(let op, let left, let right): "(\(left) \(op.rawValue) \(right))"
        case .call(let name, let arguments, _): "\(name)(\(arguments.map(\.description).joined(separator: ", ")))"
        }
    }

    /// Literals take no postfix access as written (`1.a` is not `(1).a`), so they get parentheses.
    private var postfixBase: String {
        if case .literal = self { "(\(self))" } else { description }
    }
}
