/// One token of expression text, with where it starts so errors can point at it.
package struct ExpressionToken: Equatable, Sendable {
    package enum Kind: Equatable, Sendable {
        case number(Double)
        case string(String)
        /// A bare name: a field (`count`), a function (`lower`), `true`/`false`/`null` or `in`.
        case identifier(String)
        /// `.name` written with no space between the dot and the name.
        case field(String)
        /// A `.` not followed by a name: the whole event, or the start of `.["key"]`.
        case dot
        case symbol(ExpressionSymbol)
        case end
    }

    package let kind: Kind
    /// 1-based column of the token's first character.
    package let column: Int
    /// The token as written, for error messages.
    package let text: String
    /// Whether whitespace comes right before the token: postfix `.name` and `[i]` must touch
    /// what they apply to, so `.a .b` is an error instead of quietly meaning `.a.b`.
    package let spaceBefore: Bool

    /// How the token is named in "unexpected …" messages.
    package var quoted: String {
        if case .end = kind { return "end of expression" }
        if case .string = kind { return "string" }
        let shown =
            text.unicodeScalars.count > 24
            ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(21))) + "..." : text
        return "'\(shown)'"
    }
}

/// Punctuation and operators, spelled as in the source.
package enum ExpressionSymbol: String, Sendable, CaseIterable {
    case leftParen = "("
    case rightParen = ")"
    case leftBracket = "["
    case rightBracket = "]"
    case comma = ","
    case bang = "!"
    case coalesce = "??"
    case or = "||"
    case and = "&&"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case plus = "+"
    case minus = "-"
    case star = "*"
    case slash = "/"
    case percent = "%"
}
