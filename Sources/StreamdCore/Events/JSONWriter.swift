public import OrderedCollections

/// Serializes `JSONValue`s to compact JSON (no spaces), appending into a reused `[UInt8]` so that
/// writing many events costs no allocation per event once the buffer has grown.
///
/// Numbers: integral values within ±2^53 print as integers (`7`, `-0`), other finite values in
/// the shortest form that reads back to the same `Double`, non-finite ones as `null`. Strings:
/// `"` and `\` are escaped, control characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`,
/// everything else (including non-ASCII UTF-8) is copied as is.
///
/// ```swift
/// let value: JSONValue = ["a": 1, "b": [true, nil]]
/// var out: [UInt8] = []
/// JSONWriter.write(value, into: &out)  // {"a":1,"b":[true,null]}
/// ```
public enum JSONWriter {
    /// Appends the compact JSON of `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: appendASCII("null", to: &out)
        case .bool(let bool): appendASCII(bool ? "true" : "false", to: &out)
        case .number(let number): write(number: number, into: &out)
        case .string(let string): write(string: string, into: &out)
        case .array(let array):
            out.append(UInt8(ascii: "["))
            var first = true
            for element in array {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object): write(object, into: &out)
        }
    }

    /// Appends the compact JSON of an object (an event) to `out`, keys in their order.
    public static func write(_ object: JSONObject, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        var first = true
        for (key, value) in object {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            write(string: key, into: &out)
            out.append(UInt8(ascii: ":"))
            write(value, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// The compact JSON of `value` as bytes.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out)
        return out
    }

    /// The compact JSON of `value` as a string.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    // MARK: Numbers

    /// Appends a JSON number; `null` for NaN and infinities, which JSON cannot express.
    public static func write(number: Double, into out: inout [UInt8]) {
        guard number.isFinite else { return appendASCII("null", to: &out) }
        // Truncating conversion instead of `rounded()`, which would need libm.
        if number.magnitude <= 9_007_199_254_740_992, Double(Int64(number)) == number {
            if number.sign == .minus { out.append(UInt8(ascii: "-")) }
            return writeDigits(of: Int64(number).magnitude, into: &out)
        }
        // `description` is the shortest representation that round-trips, and is always valid
        // JSON here: "0.1", "1e-07", "1.5e+300" (integral values never reach this line below 2^53).
        var text = number.description
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    private static func writeDigits(of value: UInt64, into out: inout [UInt8]) {
        if value < 10 { return out.append(UInt8(ascii: "0") &+ UInt8(value)) }
        // 2^53 has 16 digits; 20 covers any UInt64.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var remaining = value
            var start = 20
            while remaining > 0 {
                start -= 1
                digits[start] = UInt8(ascii: "0") &+ UInt8(remaining % 10)
                remaining /= 10
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start ..< 20]))
        }
    }

    // MARK: Strings

    /// Appends `string` as a quoted, escaped JSON string. Runs of bytes that need no escaping are
    /// found eight bytes at a time and copied in one go.
    public static func write(string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return }
            let raw = UnsafeRawPointer(base)
            var runStart = 0
            var index = 0
            while index < utf8.count {
                if index + 8 <= utf8.count {
                    let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                    let special = JSONStringScan.specialBytes(word)
                    if special == 0 {
                        index += 8
                        continue
                    }
                    index += special.trailingZeroBitCount / 8
                } else {
                    let byte = utf8[index]
                    guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
                        index += 1
                        continue
                    }
                }
                if runStart < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart ..< index])) }
                appendEscape(for: utf8[index], to: &out)
                index += 1
                runStart = index
            }
            if runStart < utf8.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscape(for byte: UInt8, to out: inout [UInt8]) {
        let short: UInt8
        switch byte {
        case UInt8(ascii: "\""): short = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): short = UInt8(ascii: "\\")
        case UInt8(ascii: "\n"): short = UInt8(ascii: "n")
        case UInt8(ascii: "\r"): short = UInt8(ascii: "r")
        case UInt8(ascii: "\t"): short = UInt8(ascii: "t")
        case 0x08: short = UInt8(ascii: "b")
        case 0x0C: short = UInt8(ascii: "f")
        default:
            let hex: StaticString = "0123456789abcdef"
            appendASCII("\\u00", to: &out)
            hex.withUTF8Buffer { digits in
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0xF)])
            }
            return
        }
        out.append(UInt8(ascii: "\\"))
        out.append(short)
    }

    private static func appendASCII(_ text: StaticString, to out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text, so `"\(value)"` in logs and messages reads as JSON.
    public var description: String { JSONWriter.string(self) }
}
