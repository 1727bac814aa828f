import OrderedCollections

/// Turns values back into text: `to_string` of a non-string, and the canonical form of a parsed
/// tree. Kept inside the expression language so its output never changes with the daemon's
/// JSON encoder settings.
package enum ExpressionText {
    /// Compact JSON: no spaces, keys in event order, integral numbers without a fraction.
    package static func compactJSON(_ value: JSONValue) -> String {
        var output = ""
        write(value, to: &output)
        return output
    }

    /// A JSON string literal for `string`.
    package static func quoted(_ string: String) -> String {
        var output = ""
        writeString(string, to: &output)
        return output
    }

    /// The shortest text for a number: `3`, not `3.0`; non-finite numbers have no JSON form.
    package static func number(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number == number.rounded(), abs(number) < 9_007_199_254_740_992 { return String(Int(number)) }
        return String(number)
    }

    /// Whether `name` can follow a dot without brackets (`.name`).
    package static func isIdentifier(_ name: String) -> Bool {
        var scalars = name.unicodeScalars.makeIterator()
        guard let first = scalars.next(), ExpressionLexer.isIdentifierStart(first) else { return false }
        while let scalar = scalars.next() {
            guard ExpressionLexer.isIdentifierContinue(scalar) else { return false }
        }
        return true
    }

    private static func write(_ value: JSONValue, to output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let bool): output += bool ? "true" : "false"
        case .number(let number): output += Self.number(number)
        case .string(let string): writeString(string, to: &output)
        case .array(let elements):
            output += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output += "," }
                write(element, to: &output)
            }
            output += "]"
        case .object(let object):
            output += "{"
            for (offset, (key, element)) in object.enumerated() {
                if offset > 0 { output += "," }
                writeString(key, to: &output)
                output += ":"
                write(element, to: &output)
            }
            output += "}"
        }
    }

    private static func writeString(_ string: String, to output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
