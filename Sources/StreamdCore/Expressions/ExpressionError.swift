/// An error from the expression language: a mistake in the expression text, found once when a
/// pipeline is configured, or a failure while evaluating it against one event.
///
/// The two are told apart because they are handled differently: a syntax or compile error
/// rejects the configuration (and points at the column), while a runtime error only fails the
/// one event, which the stage reports as a stage failure.
///
///     do { _ = try Expression("lower(.a))") }
///     catch { print(error) }   // unexpected ')' at column 10
public struct ExpressionError: Error, Equatable, CustomStringConvertible {
    /// When the error was found.
    public enum Kind: Sendable, Hashable {
        /// The text does not follow the grammar (bad token, unbalanced bracket, …).
        case syntax
        /// The text parses but cannot be compiled: an unknown function or a wrong argument count.
        case compile
        /// Evaluation failed for one event: a type error, division by zero, …
        case runtime
    }

    public let kind: Kind
    /// What went wrong, without the position.
    public let message: String
    /// 1-based column (in Unicode scalars) of the offending character; `nil` for runtime errors.
    public let column: Int?

    public var description: String {
        guard let column else { return message }
        return "\(message) at column \(column)"
    }

    /// Whether the error was found before any event was seen (syntax or compile error).
    package var isCompileTime: Bool { kind != .runtime }

    package static func syntax(_ message: String, column: Int) -> ExpressionError {
        ExpressionError(kind: .syntax, message: message, column: column)
    }

    package static func compile(_ message: String, column: Int) -> ExpressionError {
        ExpressionError(kind: .compile, message: message, column: column)
    }

    package static func runtime(_ message: String) -> ExpressionError {
        ExpressionError(kind: .runtime, message: message, column: nil)
    }
}
