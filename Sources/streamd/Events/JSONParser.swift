import OrderedCollections

/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// It exists because ingestion is the daemon's hot path: Foundation's decoders are slow and lossy
/// with numbers, so this one reads raw bytes once, builds `JSONValue`s directly, and keeps its
/// scratch stacks between calls (reuse one parser for every line of an NDJSON body).
///
/// Strict means: no trailing commas, comments, `NaN`/`Infinity`, leading zeros, unescaped control
/// characters, lone surrogates, invalid UTF-8 or trailing garbage. Duplicate keys: the last value
/// wins and the key keeps its first position. Nesting deeper than `maxDepth` is an error, never a
/// stack overflow.
///
/// ```swift
/// let value = try JSONParser.parse(Array(#"{"a": [1, 2.5, "x"]}"#.utf8))
/// ```
public struct JSONParser {
    /// Arrays and objects may nest this deep by default; enough for any real event.
    public static let defaultMaxDepth = 512

    /// The deepest nesting of arrays and objects accepted; one more level is an error.
    public var maxDepth: Int
    private var scratch = Scratch()

    public init(maxDepth: Int = JSONParser.defaultMaxDepth) {
        self.maxDepth = maxDepth
    }

    /// Parses one complete JSON text (surrounding whitespace allowed) from `bytes`.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        var reader = Reader(bytes: bytes.assumingMemoryBound(to: UInt8.self), maxDepth: maxDepth)
        // Lend the scratch stacks to the reader without a copy-on-write copy, and take them back.
        swap(&reader.scratch, &scratch)
        defer { swap(&reader.scratch, &scratch) }
        return try reader.parseDocument()
    }

    /// Parses one complete JSON text from `bytes`.
    public mutating func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try parse(buffer) }
        }
        return try result.get()
    }

    /// Parses one complete JSON text from the UTF-8 of `text`.
    public mutating func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(buffer)) }
        }
        return try result.get()
    }

    /// One-shot convenience: parses `bytes` with a fresh parser.
    public static func parse(
        _ bytes: [UInt8], maxDepth: Int = defaultMaxDepth
    ) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(maxDepth: maxDepth)
        return try parser.parse(bytes)
    }

    /// One-shot convenience: parses the UTF-8 of `text` with a fresh parser.
    public static func parse(
        _ text: String, maxDepth: Int = defaultMaxDepth
    ) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(maxDepth: maxDepth)
        return try parser.parse(text)
    }
}

/// Why a JSON text was rejected and where: `offset` is the 0-based byte offset, `line` and
/// `column` are 1-based (the column counts Unicode scalars, so it matches what an editor shows).
public struct JSONParseError: Error, Equatable, CustomStringConvertible {
    /// Short human text, e.g. "expected ',' or '}' after object member".
    public var message: String
    public var offset: Int
    public var line: Int
    public var column: Int

    public init(message: String, offset: Int, line: Int, column: Int) {
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String { "\(message) at line \(line), column \(column)" }
}

/// Stacks reused across values and calls so that building arrays and objects allocates exactly
/// once per container (at its final size) instead of growing it element by element.
private struct Scratch {
    var keys: [String] = []
    var fingerprints: [UInt64] = []
    var values: [JSONValue] = []
    var bytes: [UInt8] = []
}

// MARK: - Reader

/// The parsing state for one JSON text; lives only for one `parse` call.
private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let end: Int
    let maxDepth: Int
    var pos = 0
    var depth = 0
    var scratch = Scratch()

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.end = bytes.count
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard pos == end else { throw fail("unexpected \(describe(pos)) after JSON value", at: pos) }
        return value
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            let byte = bytes[pos]
            guard byte == .space || byte == .newline || byte == .carriageReturn || byte == .tab else { return }
            pos += 1
        }
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard pos < end else { throw fail("unexpected end of input, expected a value", at: pos) }
        switch bytes[pos] {
        case .quote: return .string(try parseString())
        case .openBrace: return try parseObject()
        case .openBracket: return try parseArray()
        case .minus, .zero ... .nine: return .number(try parseNumber())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "/"): throw fail("comments are not allowed", at: pos)
        default: throw fail("unexpected \(describe(pos)), expected a value", at: pos)
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let matches = literal.withUTF8Buffer { text in
            pos + count <= end && UnsafeBufferPointer(rebasing: bytes[pos ..< pos + count]).elementsEqual(text)
        }
        guard matches else { throw fail("invalid literal, expected '\(literal)'", at: pos) }
        pos += count
    }

    // MARK: Containers

    mutating func enter() throws(JSONParseError) {
        depth += 1
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels", at: pos) }
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        pos += 1  // '['
        skipWhitespace()
        if pos < end, bytes[pos] == .closeBracket {
            pos += 1
            depth -= 1
            return .array([])
        }
        let base = scratch.values.count
        while true {
            let value = try parseValue()
            scratch.values.append(value)
            skipWhitespace()
            guard pos < end else { throw fail("unexpected end of input, expected ',' or ']'", at: pos) }
            let byte = bytes[pos]
            pos += 1
            if byte == .closeBracket { break }
            guard byte == .comma else { throw fail("expected ',' or ']' after array element", at: pos - 1) }
            skipWhitespace()
            if pos < end, bytes[pos] == .closeBracket { throw fail("trailing comma before ']'", at: pos) }
        }
        let array = Array(scratch.values[base...])
        scratch.values.removeSubrange(base...)
        depth -= 1
        return .array(array)
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        pos += 1  // '{'
        skipWhitespace()
        if pos < end, bytes[pos] == .closeBrace {
            pos += 1
            depth -= 1
            return .object([:])
        }
        let keyBase = scratch.keys.count
        let valueBase = scratch.values.count
        while true {
            guard pos < end else { throw fail("unexpected end of input, expected a string key", at: pos) }
            guard bytes[pos] == .quote else {
                let afterComma = scratch.keys.count > keyBase
                if afterComma, bytes[pos] == .closeBrace { throw fail("trailing comma before '}'", at: pos) }
                throw fail("expected a string key\(afterComma ? "" : " or '}'"), got \(describe(pos))", at: pos)
            }
            let (key, fingerprint) = try parseKey()
            skipWhitespace()
            guard pos < end, bytes[pos] == .colon else { throw fail("expected ':' after object key", at: pos) }
            pos += 1
            skipWhitespace()
            let value = try parseValue()
            scratch.keys.append(key)
            scratch.fingerprints.append(fingerprint)
            scratch.values.append(value)
            skipWhitespace()
            guard pos < end else { throw fail("unexpected end of input, expected ',' or '}'", at: pos) }
            let byte = bytes[pos]
            pos += 1
            if byte == .closeBrace { break }
            guard byte == .comma else { throw fail("expected ',' or '}' after object member", at: pos - 1) }
            skipWhitespace()
        }
        let object: JSONObject
        if hasDistinctKeys(from: keyBase) {
            object = JSONObject(uncheckedUniqueKeys: scratch.keys[keyBase...], values: scratch.values[valueBase...])
        } else {
            var merged = JSONObject(minimumCapacity: scratch.keys.count - keyBase)
            for (key, value) in zip(scratch.keys[keyBase...], scratch.values[valueBase...]) {
                // A repeated key keeps its first position and takes the last value.
                merged[key] = value
            }
            object = merged
        }
        scratch.keys.removeSubrange(keyBase...)
        scratch.fingerprints.removeSubrange(keyBase...)
        scratch.values.removeSubrange(valueBase...)
        depth -= 1
        return .object(object)
    }

    /// True when the keys pushed since `base` are known to be distinct, so the object can be built
    /// without `OrderedDictionary` checking each key again. Only small objects with ASCII keys
    /// qualify (ASCII byte equality is `String` equality; non-ASCII keys could be canonically
    /// equal with different bytes); the rest take the hashing path.
    func hasDistinctKeys(from base: Int) -> Bool {
        let count = scratch.fingerprints.count - base
        guard count <= 16 else { return false }
        return scratch.fingerprints.withUnsafeBufferPointer { fingerprints in
            for later in base ..< base + count {
                let fingerprint = fingerprints[later]
                if fingerprint == 0 { return false }
                for earlier in base ..< later where fingerprints[earlier] == fingerprint {
                    if scratch.keys[earlier] == scratch.keys[later] { return false }
                }
            }
            return true
        }
    }

    /// Parses an object key: a string, plus an FNV-1a fingerprint of its bytes when it is plain
    /// ASCII without escapes (0 otherwise), for `hasDistinctKeys`.
    mutating func parseKey() throws(JSONParseError) -> (String, UInt64) {
        let start = pos
        var index = pos + 1
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var highBits: UInt8 = 0
        while index < end {
            let byte = bytes[index]
            if byte == .quote {
                pos = index + 1
                let key = try makeString(UnsafeBufferPointer(rebasing: bytes[start + 1 ..< index]), ascii: highBits < 0x80, quote: start)
                return (key, highBits < 0x80 ? hash | 1 : 0)
            }
            if byte == .backslash { return (try parseEscapedString(start: start, firstEscape: index), 0) }
            if byte < 0x20 { throw fail("control character in string must be escaped", at: index) }
            highBits |= byte
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
            index += 1
        }
        throw fail("unterminated string", at: start)
    }

    // MARK: Strings

    /// Parses a string starting at its opening quote. Strings without escapes (nearly all) become
    /// a `String` straight from the input bytes; the others are unescaped into a scratch buffer.
    mutating func parseString() throws(JSONParseError) -> String {
        let start = pos
        var index = pos + 1
        var highBits: UInt8 = 0
        while index < end {
            let byte = bytes[index]
            if byte == .quote {
                pos = index + 1
                return try makeString(UnsafeBufferPointer(rebasing: bytes[start + 1 ..< index]), ascii: highBits < 0x80, quote: start)
            }
            if byte == .backslash { return try parseEscapedString(start: start, firstEscape: index) }
            if byte < 0x20 { throw fail("control character in string must be escaped", at: index) }
            highBits |= byte
            index += 1
        }
        throw fail("unterminated string", at: start)
    }

    func makeString(_ utf8: UnsafeBufferPointer<UInt8>, ascii: Bool, quote: Int) throws(JSONParseError) -> String {
        if ascii { return String(decoding: utf8, as: UTF8.self) }
        guard let string = String(validating: utf8, as: UTF8.self) else {
            throw fail("invalid UTF-8 in string", at: quote)
        }
        return string
    }

    mutating func parseEscapedString(start: Int, firstEscape: Int) throws(JSONParseError) -> String {
        var out = scratch.bytes
        scratch.bytes = []
        defer { scratch.bytes = out }
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start + 1 ..< firstEscape]))
        var highBits: UInt8 = 0
        for byte in out { highBits |= byte }
        var index = firstEscape
        while index < end {
            let byte = bytes[index]
            if byte == .quote {
                pos = index + 1
                return try out.withUnsafeBufferPointer { buffer throws(JSONParseError) in
                    try makeString(buffer, ascii: highBits < 0x80, quote: start)
                }
            }
            if byte == .backslash {
                index = try unescape(at: index, into: &out)
                continue
            }
            if byte < 0x20 { throw fail("control character in string must be escaped", at: index) }
            highBits |= byte
            out.append(byte)
            index += 1
        }
        throw fail("unterminated string", at: start)
    }

    /// Appends the UTF-8 of the escape at `index` (a backslash) and returns the index after it.
    func unescape(at index: Int, into out: inout [UInt8]) throws(JSONParseError) -> Int {
        guard index + 1 < end else { throw fail("unterminated string", at: index) }
        let simple: UInt8
        switch bytes[index + 1] {
        case .quote: simple = .quote
        case .backslash: simple = .backslash
        case UInt8(ascii: "/"): simple = UInt8(ascii: "/")
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = .newline
        case UInt8(ascii: "r"): simple = .carriageReturn
        case UInt8(ascii: "t"): simple = .tab
        case UInt8(ascii: "u"): return try unescapeUnicode(at: index, into: &out)
        default: throw fail("invalid escape sequence '\\\(describeChar(index + 1))'", at: index)
        }
        out.append(simple)
        return index + 2
    }

    /// `\uXXXX`, or a `\uD8xx\uDCxx` surrogate pair; a surrogate on its own is an error.
    func unescapeUnicode(at index: Int, into out: inout [UInt8]) throws(JSONParseError) -> Int {
        let unit = try hex4(at: index + 2, escape: index)
        var scalarValue = UInt32(unit)
        var next = index + 6
        if (0xDC00 ... 0xDFFF).contains(unit) {
            throw fail("unpaired low surrogate in \\u escape", at: index)
        }
        if (0xD800 ... 0xDBFF).contains(unit) {
            guard next + 1 < end, bytes[next] == .backslash, bytes[next + 1] == UInt8(ascii: "u") else {
                throw fail("unpaired high surrogate in \\u escape", at: index)
            }
            let low = try hex4(at: next + 2, escape: next)
            guard (0xDC00 ... 0xDFFF).contains(low) else { throw fail("unpaired high surrogate in \\u escape", at: index) }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            next += 6
        }
        // Never nil: surrogates were handled above and the value is at most 0x10FFFF.
        let scalar = Unicode.Scalar(scalarValue) ?? "\u{FFFD}"
        out.append(contentsOf: UTF8.encode(scalar).unsafelyUnwrapped)
        return next
    }

    func hex4(at index: Int, escape: Int) throws(JSONParseError) -> UInt16 {
        guard index + 4 <= end else { throw fail("invalid \\u escape, expected 4 hex digits", at: escape) }
        var value: UInt16 = 0
        for offset in 0 ..< 4 {
            let byte = bytes[index + offset]
            let digit: UInt8
            switch byte {
            case .zero ... .nine: digit = byte &- .zero
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
            default: throw fail("invalid \\u escape, expected 4 hex digits", at: escape)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    // MARK: Numbers

    /// Parses `-? int frac? exp?`. Up to 19 significant digits with a small exponent are converted
    /// exactly with one multiplication or division (Clinger's fast path); the rest go through the
    /// correctly rounded `Double(String)`. Values too large for a finite `Double` are an error.
    mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = pos
        var index = pos
        let negative = bytes[index] == .minus
        if negative { index += 1 }
        guard index < end, bytes[index].isDigit else { throw fail("expected a digit after '-'", at: index) }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var truncated = false
        if bytes[index] == .zero {
            index += 1
            if index < end, bytes[index].isDigit { throw fail("leading zeros are not allowed", at: start) }
        } else {
            while index < end, bytes[index].isDigit {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- .zero)
                    digits += 1
                } else {
                    exponent += 1
                    truncated = true
                }
                index += 1
            }
        }
        if index < end, bytes[index] == .dot {
            index += 1
            guard index < end, bytes[index].isDigit else {
                throw fail("expected a digit after the decimal point", at: index)
            }
            while index < end, bytes[index].isDigit {
                let digit = bytes[index] &- .zero
                if digits < 19 {
                    if digits > 0 || digit != 0 {
                        mantissa = mantissa &* 10 &+ UInt64(digit)
                        digits += 1
                    }
                    exponent -= 1
                } else {
                    truncated = true
                }
                index += 1
            }
        }
        if index < end, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < end, bytes[index] == .minus || bytes[index] == .plus {
                exponentNegative = bytes[index] == .minus
                index += 1
            }
            guard index < end, bytes[index].isDigit else { throw fail("expected a digit in the exponent", at: index) }
            var written = 0
            while index < end, bytes[index].isDigit {
                if written < 100_000 { written = written * 10 + Int(bytes[index] &- .zero) }
                index += 1
            }
            exponent += exponentNegative ? -written : written
        }
        pos = index
        if !truncated, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            var value = Double(mantissa)
            if exponent < 0 {
                value /= powersOfTen[-exponent]
            } else if exponent > 0 {
                value *= powersOfTen[exponent]
            }
            return negative ? -value : value
        }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start ..< index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw fail("number out of range", at: start) }
        return value
    }

    // MARK: Errors

    /// Builds an error at `offset`, working out line and column only now (errors are rare).
    func fail(_ message: String, at offset: Int) -> JSONParseError {
        let offset = min(offset, end)
        var line = 1
        var lineStart = 0
        for index in 0 ..< offset where bytes[index] == .newline {
            line += 1
            lineStart = index + 1
        }
        var column = 1
        for index in lineStart ..< offset where bytes[index] & 0xC0 != 0x80 { column += 1 }
        return JSONParseError(message: message, offset: offset, line: line, column: column)
    }

    /// "'x'" for a printable ASCII byte, "end of input" past the end, else "byte 0xNN".
    func describe(_ index: Int) -> String {
        guard index < end else { return "end of input" }
        let byte = bytes[index]
        if byte > 0x20, byte < 0x7F { return "'\(describeChar(index))'" }
        return "byte 0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    }

    func describeChar(_ index: Int) -> String {
        let byte = bytes[index]
        return byte > 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\u{\(String(byte, radix: 16))}"
    }
}

/// 10^0 ... 10^22: every one is exactly representable as a `Double`.
private let powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

extension UInt8 {
    fileprivate static var quote: UInt8 { UInt8(ascii: "\"") }
    fileprivate static var backslash: UInt8 { UInt8(ascii: "\\") }
    fileprivate static var openBrace: UInt8 { UInt8(ascii: "{") }
    fileprivate static var closeBrace: UInt8 { UInt8(ascii: "}") }
    fileprivate static var openBracket: UInt8 { UInt8(ascii: "[") }
    fileprivate static var closeBracket: UInt8 { UInt8(ascii: "]") }
    fileprivate static var comma: UInt8 { UInt8(ascii: ",") }
    fileprivate static var colon: UInt8 { UInt8(ascii: ":") }
    fileprivate static var minus: UInt8 { UInt8(ascii: "-") }
    fileprivate static var plus: UInt8 { UInt8(ascii: "+") }
    fileprivate static var dot: UInt8 { UInt8(ascii: ".") }
    fileprivate static var zero: UInt8 { UInt8(ascii: "0") }
    fileprivate static var nine: UInt8 { UInt8(ascii: "9") }
    fileprivate static var space: UInt8 { UInt8(ascii: " ") }
    fileprivate static var tab: UInt8 { UInt8(ascii: "\t") }
    fileprivate static var newline: UInt8 { UInt8(ascii: "\n") }
    fileprivate static var carriageReturn: UInt8 { UInt8(ascii: "\r") }

    fileprivate var isDigit: Bool { self &- .zero < 10 }
}
