/// Splits expression text into tokens on demand, so the parser reports the leftmost mistake
/// first (a bad string late in the text does not hide a stray `)` early on).
///
/// Works on Unicode scalars; columns count scalars from 1.
package struct ExpressionLexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0

    package init(_ source: String) {
        scalars = Array(source.unicodeScalars)
    }

    /// The column just past the last character, where "unexpected end" errors point.
    package var endColumn: Int { scalars.count + 1 }

    package mutating func next() throws(ExpressionError) -> ExpressionToken {
        let start0 = position
        while position < scalars.count, Self.isSpace(scalars[position]) { position += 1 }
        let spaceBefore = position > start0
        let start = position
        guard position < scalars.count else {
            return ExpressionToken(kind: .end, column: start + 1, text: "", spaceBefore: spaceBefore)
        }
        let kind = try lexKind()
        let text = String(String.UnicodeScalarView(scalars[start..<position]))
        return ExpressionToken(kind: kind, column: start + 1, text: text, spaceBefore: spaceBefore)
    }

    private mutating func lexKind() throws(ExpressionError) -> ExpressionToken.Kind {
        let scalar = scalars[position]
        if scalar == "." {
            position += 1
            if position < scalars.count, Self.isIdentifierStart(scalars[position]) {
                return .field(lexIdentifier())
            }
            return .dot
        }
        if Self.isDigit(scalar) { return try lexNumber() }
        if scalar == "\"" || scalar == "'" { return .string(try lexString(quote: scalar)) }
        if Self.isIdentifierStart(scalar) { return .identifier(lexIdentifier()) }
        if position + 1 < scalars.count,
            let symbol = ExpressionSymbol(rawValue: String(scalar) + String(scalars[position + 1]))
        {
            position += 2
            return .symbol(symbol)
        }
        if let symbol = ExpressionSymbol(rawValue: String(scalar)) {
            position += 1
            return .symbol(symbol)
        }
        throw .syntax("unexpected character '\(scalar.escaped(asASCII: false))'", column: position + 1)
    }

    private mutating func lexIdentifier() -> String {
        let start = position
        while position < scalars.count, Self.isIdentifierContinue(scalars[position]) { position += 1 }
        return String(String.UnicodeScalarView(scalars[start..<position]))
    }

    /// `123`, `1.5`, `2e-3`: JSON's number shape without the sign (minus is an operator).
    private mutating func lexNumber() throws(ExpressionError) -> ExpressionToken.Kind {
        let start = position
        skipDigits()
        if position + 1 < scalars.count, scalars[position] == ".", Self.isDigit(scalars[position + 1]) {
            position += 1
            skipDigits()
        }
        if position < scalars.count, scalars[position] == "e" || scalars[position] == "E" {
            position += 1
            if position < scalars.count, scalars[position] == "+" || scalars[position] == "-" { position += 1 }
            guard position < scalars.count, Self.isDigit(scalars[position]) else {
                throw .syntax("invalid number '\(text(start..<position))'", column: start + 1)
            }
            skipDigits()
        }
        let text = text(start..<position)
        guard let value = Double(text), value.isFinite else {
            throw .syntax("number '\(text)' is out of range", column: start + 1)
        }
        return .number(value)
    }

    private mutating func skipDigits() {
        while position < scalars.count, Self.isDigit(scalars[position]) { position += 1 }
    }

    /// A string in single or double quotes with JSON escapes, plus `\'`.
    private mutating func lexString(quote: Unicode.Scalar) throws(ExpressionError) -> String {
        let openColumn = position + 1
        position += 1
        var result = String.UnicodeScalarView()
        while position < scalars.count {
            let scalar = scalars[position]
            if scalar == quote {
                position += 1
                return String(result)
            }
            if scalar != "\\" {
                result.append(scalar)
                position += 1
                continue
            }
            let escapeColumn = position + 1
            position += 1
            guard position < scalars.count else { break }
            let escaped = scalars[position]
            position += 1
            switch escaped {
            case "\"", "'", "\\", "/": result.append(escaped)
            case "n": result.append("\n")
            case "t": result.append("\t")
            case "r": result.append("\r")
            case "b": result.append("\u{08}")
            case "f": result.append("\u{0C}")
            case "u": result.append(try lexUnicodeEscape(column: escapeColumn))
            default:
                throw .syntax("invalid escape '\\\(escaped.escaped(asASCII: false))'", column: escapeColumn)
            }
        }
        throw .syntax("unterminated string", column: openColumn)
    }

    /// The part after `\u`: four hex digits, or a surrogate pair written as two escapes.
    private mutating func lexUnicodeEscape(column: Int) throws(ExpressionError) -> Unicode.Scalar {
        let invalid = ExpressionError.syntax("invalid unicode escape", column: column)
        guard let high = readHex4() else { throw invalid }
        if let scalar = Unicode.Scalar(high) { return scalar }
        // A high surrogate must be followed by `\u` and a low surrogate.
        guard (0xD800...0xDBFF).contains(high), position + 1 < scalars.count,
            scalars[position] == "\\", scalars[position + 1] == "u"
        else { throw invalid }
        position += 2
        guard let low = readHex4(), (0xDC00...0xDFFF).contains(low),
            let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        else { throw invalid }
        return scalar
    }

    private mutating func readHex4() -> UInt32? {
        guard position + 4 <= scalars.count else { return nil }
        var value: UInt32 = 0
        for scalar in scalars[position..<position + 4] {
            guard let digit = Self.hexValue(scalar) else { return nil }
            value = value << 4 | digit
        }
        position += 4
        return value
    }

    private func text(_ range: Range<Int>) -> String {
        String(String.UnicodeScalarView(scalars[range]))
    }

    // MARK: - Character classes

    package static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }

    package static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar >= "0" && scalar <= "9"
    }

    package static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || scalar == "_"
        }
        return scalar.properties.isAlphabetic
    }

    package static func isIdentifierContinue(_ scalar: Unicode.Scalar) -> Bool {
        isIdentifierStart(scalar) || isDigit(scalar)
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 48
        case "a"..."f": scalar.value - 87
        case "A"..."F": scalar.value - 55
        default: nil
        }
    }
}
