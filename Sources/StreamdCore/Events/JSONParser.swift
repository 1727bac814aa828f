import OrderedCollections

/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// It exists because ingestion is the daemon's hot path: Foundation's decoders are slow and lossy
/// with numbers, so this one reads raw bytes once and builds `JSONValue`s directly. A parser
/// remembers container sizes and recent keys between calls: reuse one for every line of a body.
///
/// Strict means: no trailing commas, comments, `NaN`/`Infinity`, leading zeros, unescaped control
/// characters, lone surrogates, invalid UTF-8 or trailing garbage. Duplicate keys: the last value
/// wins and the key keeps its first position. Nesting deeper than `maxDepth` is an error, never a
/// stack overflow: a level takes about 150 bytes of stack in release builds (80 KB at 512).
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
        // Lend the scratch state to the reader without a copy-on-write copy, and take it back.
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

/// State kept between values and calls. The size hints let most arrays and objects be allocated
/// once, at their final size (see `sizeHint`). The key cache hands out the `String` made last
/// time for the same short ASCII key: event streams repeat their keys on every line, and a hit
/// is far cheaper than validating and building a new string.
private struct Scratch {
    var arrayHints: [Int] = []
    var objectHints: [Int] = []
    var bytes: [UInt8] = []
    var cache: [CachedString] = []

    static let cacheSize = 128
}

/// A string of at most 16 ASCII bytes, identified exactly by its bytes packed in two words.
private struct CachedString {
    var low: UInt64
    var high: UInt64
    var length: Int
    var string: String
}

/// What went wrong, as a cheap value; `Reader.error()` turns it into text.
private enum Problem {
    case message(StaticString)
    case unexpectedByte
    case trailingContent
    case invalidLiteral(StaticString)
    case tooDeep
    case expectedKey(first: Bool)
    case invalidEscape
    case badUnicodeEscape
}

// MARK: - Reader

/// The parsing state for one JSON text; lives only for one `parse` call.
///
/// The recursive functions do not throw: on failure they record a `Problem` and its offset and
/// return nil, and `parseDocument` turns that into the error. Throwing from deep inside would
/// give every call site an error slot and every frame more stack; this way a nesting level costs
/// a couple of hundred bytes, so the depth limit stays far from any thread's stack size.
private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The same bytes for word loads; only read where `bytes` is known not to be empty.
    let raw: UnsafeRawPointer
    let end: Int
    let maxDepth: Int
    var pos = 0
    var depth = 0
    var problem = Problem.message("")
    var problemOffset = 0
    var scratch = Scratch()

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        // An empty buffer may have no address; then nothing is ever loaded through `raw`.
        self.raw = UnsafeRawPointer(bytes.baseAddress) ?? UnsafeRawPointer(bitPattern: 1).unsafelyUnwrapped
        self.end = bytes.count
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        if let value = parseValue() {
            skipWhitespace()
            if pos == end { return value }
            problem = .trailingContent
            problemOffset = pos
        }
        throw error()
    }

    /// Records why parsing stopped; returns nil for the caller to pass up.
    @inline(__always)
    mutating func failure<Value>(_ problem: Problem, at offset: Int) -> Value? {
        self.problem = problem
        problemOffset = offset
        return nil
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            let byte = bytes[pos]
            guard byte == .space || byte == .newline || byte == .carriageReturn || byte == .tab else { return }
            pos += 1
        }
    }

    mutating func parseValue() -> JSONValue? {
        guard pos < end else { return failure(.message("unexpected end of input, expected a value"), at: pos) }
        switch bytes[pos] {
        case .quote: return parseString(key: false).map { .string($0.0) }
        case .openBrace: return parseObject()
        case .openBracket: return parseArray()
        case .minus, .zero ... .nine: return parseNumber().map { .number($0) }
        case UInt8(ascii: "t"): return expectLiteral("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return expectLiteral("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return expectLiteral("null") ? .null : nil
        case UInt8(ascii: "/"): return failure(.message("comments are not allowed"), at: pos)
        default: return failure(.unexpectedByte, at: pos)
        }
    }

    @inline(never)
    mutating func expectLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        let text = literal.utf8Start
        guard pos + count <= end, (0 ..< count).allSatisfy({ bytes[pos + $0] == text[$0] }) else {
            problem = .invalidLiteral(literal)
            problemOffset = pos
            return false
        }
        pos += count
        return true
    }

    // MARK: Containers

    /// A capacity to reserve for the next container at the current depth: the size of the last
    /// one there (events of one stream look alike), capped so one odd line cannot bloat the rest.
    @inline(__always)
    static func sizeHint(_ hints: [Int], depth: Int) -> Int {
        depth < hints.count ? hints[depth] : 4
    }

    static func remember(_ count: Int, at depth: Int, in hints: inout [Int]) {
        while hints.count <= depth { hints.append(4) }
        hints[depth] = min(count, 32)
    }

    mutating func parseArray() -> JSONValue? {
        depth += 1
        guard depth <= maxDepth else { return failure(.tooDeep, at: pos) }
        pos += 1  // '['
        skipWhitespace()
        if pos < end, bytes[pos] == .closeBracket {
            pos += 1
            depth -= 1
            return .array([])
        }
        var elements: [JSONValue] = []
        elements.reserveCapacity(Self.sizeHint(scratch.arrayHints, depth: depth))
        while true {
            guard let element = parseValue() else { return nil }
            elements.append(element)
            skipWhitespace()
            guard pos < end else { return failure(.message("unexpected end of input, expected ',' or ']'"), at: pos) }
            let byte = bytes[pos]
            if byte == .closeBracket { break }
            guard byte == .comma else { return failure(.message("expected ',' or ']' after array element"), at: pos) }
            pos += 1
            skipWhitespace()
            if pos < end, bytes[pos] == .closeBracket { return failure(.message("trailing comma before ']'"), at: pos) }
        }
        pos += 1  // ']'
        Self.remember(elements.count, at: depth, in: &scratch.arrayHints)
        depth -= 1
        return .array(elements)
    }

    /// Parses an object into two arrays that become the `OrderedDictionary`'s storage as they are.
    /// That skips its per-key uniqueness check, so duplicates are found here: a 256-bit Bloom
    /// filter over key fingerprints, with a real comparison only when it reports a possible
    /// repeat. Objects with a repeat, with keys whose fingerprint is unknown, or with more than
    /// 32 keys (where comparisons could add up) are built the checked way instead.
    mutating func parseObject() -> JSONValue? {
        depth += 1
        guard depth <= maxDepth else { return failure(.tooDeep, at: pos) }
        pos += 1  // '{'
        skipWhitespace()
        if pos < end, bytes[pos] == .closeBrace {
            pos += 1
            depth -= 1
            return .object([:])
        }
        var keys: [String] = []
        var values: [JSONValue] = []
        let hint = Self.sizeHint(scratch.objectHints, depth: depth)
        keys.reserveCapacity(hint)
        values.reserveCapacity(hint)
        var distinct = true
        var bloom: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        while true {
            guard pos < end else { return failure(.message("unexpected end of input, expected a string key"), at: pos) }
            guard bytes[pos] == .quote else {
                if !keys.isEmpty, bytes[pos] == .closeBrace { return failure(.message("trailing comma before '}'"), at: pos) }
                return failure(.expectedKey(first: keys.isEmpty), at: pos)
            }
            guard let (key, fingerprint) = parseString(key: true) else { return nil }
            if distinct {
                let bit = UInt64(1) << (fingerprint >> 32 & 63)
                let seen: Bool
                switch fingerprint >> 62 {
                case 0: (seen, bloom.0) = (bloom.0 & bit != 0, bloom.0 | bit)
                case 1: (seen, bloom.1) = (bloom.1 & bit != 0, bloom.1 | bit)
                case 2: (seen, bloom.2) = (bloom.2 & bit != 0, bloom.2 | bit)
                default: (seen, bloom.3) = (bloom.3 & bit != 0, bloom.3 | bit)
                }
                if fingerprint == 0 || keys.count >= 32 || (seen && keys.contains(key)) { distinct = false }
            }
            skipWhitespace()
            guard pos < end, bytes[pos] == .colon else { return failure(.message("expected ':' after object key"), at: pos) }
            pos += 1
            skipWhitespace()
            guard let value = parseValue() else { return nil }
            keys.append(key)
            values.append(value)
            skipWhitespace()
            guard pos < end else { return failure(.message("unexpected end of input, expected ',' or '}'"), at: pos) }
            let byte = bytes[pos]
            if byte == .closeBrace { break }
            guard byte == .comma else { return failure(.message("expected ',' or '}' after object member"), at: pos) }
            pos += 1
            skipWhitespace()
        }
        pos += 1  // '}'
        Self.remember(keys.count, at: depth, in: &scratch.objectHints)
        depth -= 1
        return .object(distinct ? JSONObject(uncheckedUniqueKeys: keys, values: values) : Self.merging(keys, values))
    }

    /// The checked way: a repeated key keeps its first position and takes the last value.
    @inline(never)
    static func merging(_ keys: [String], _ values: [JSONValue]) -> JSONObject {
        var object = JSONObject(minimumCapacity: keys.count)
        for (key, value) in zip(keys, values) { object[key] = value }
        return object
    }

    // MARK: Strings

    /// Parses a string at its opening quote. Strings without escapes (nearly all) are made from
    /// the input bytes directly, short ASCII keys through the cache; the others are unescaped into
    /// a scratch buffer. For keys, also returns a fingerprint of the bytes for the duplicate check
    /// in `parseObject`: never 0 for a plain ASCII key, 0 when unknown (escapes or non-ASCII).
    @inline(never)
    mutating func parseString(key: Bool) -> (String, fingerprint: UInt64)? {
        let start = pos + 1
        var index = start
        var highBits: UInt64 = 0
        // Eight bytes at a time until one is a quote, a backslash or a control character.
        while index + 8 <= end {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let special = JSONStringScan.specialBytes(word)
            if special == 0 {
                highBits |= word
                index += 8
                continue
            }
            let offset = special.trailingZeroBitCount / 8
            highBits |= word & Self.lowBytesMask(offset)
            index += offset
            break
        }
        while index < end {
            let byte = bytes[index]
            if byte == .quote { break }
            if byte == .backslash { return parseEscapedString(start: start - 1, firstEscape: index).map { ($0, 0) } }
            if byte < 0x20 { return failure(.message("control character in string must be escaped"), at: index) }
            highBits |= UInt64(byte)
            index += 1
        }
        guard index < end else { return failure(.message("unterminated string"), at: pos) }
        pos = index + 1
        let utf8 = UnsafeBufferPointer(rebasing: bytes[start ..< index])
        if highBits & 0x8080_8080_8080_8080 != 0 {
            return makeString(utf8, ascii: false, quote: start - 1).map { ($0, 0) }
        }
        guard key else { return (String(decoding: utf8, as: UTF8.self), 0) }
        if utf8.count <= 16 { return cachedKey(utf8) }
        // Longer than 16 bytes: any fingerprint will do, since a Bloom hit is checked with `==`.
        let first = raw.loadUnaligned(fromByteOffset: start, as: UInt64.self)
        let last = raw.loadUnaligned(fromByteOffset: index - 8, as: UInt64.self)
        return (String(decoding: utf8, as: UTF8.self), Self.fingerprint(first, last, utf8.count))
    }

    /// The key for at most 16 ASCII bytes, from the cache when it holds them. (Values are not
    /// cached: too many are unique, and they would evict the keys.)
    mutating func cachedKey(_ utf8: UnsafeBufferPointer<UInt8>) -> (String, fingerprint: UInt64) {
        let (low, high) = packed(utf8)
        let hash = Self.fingerprint(low, high, utf8.count)
        if scratch.cache.isEmpty {
            scratch.cache = Array(repeating: CachedString(low: 0, high: 0, length: -1, string: ""), count: Scratch.cacheSize)
        }
        let slot = Int(truncatingIfNeeded: hash >> 57)  // top 7 bits: 0 ..< 128 (`cacheSize`)
        let hit = scratch.cache.withUnsafeBufferPointer { cache in
            cache[slot].length == utf8.count && cache[slot].low == low && cache[slot].high == high
                ? cache[slot].string : nil
        }
        if let hit { return (hit, hash) }
        let string = String(decoding: utf8, as: UTF8.self)
        scratch.cache[slot] = CachedString(low: low, high: high, length: utf8.count, string: string)
        return (string, hash)
    }

    /// A well-mixed, never-zero hash of two words and a length.
    static func fingerprint(_ low: UInt64, _ high: UInt64, _ count: Int) -> UInt64 {
        var hash = (low ^ (high &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(truncatingIfNeeded: count)) &* 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 29
        return hash | 1
    }

    /// At most 16 bytes packed little-endian into two words (zero-padded): with no NUL bytes in
    /// an unescaped JSON string, the words and the length identify the text exactly. Uses two
    /// unaligned loads when the buffer extends far enough past the string (the usual case).
    func packed(_ utf8: UnsafeBufferPointer<UInt8>) -> (low: UInt64, high: UInt64) {
        let count = utf8.count
        guard let base = utf8.baseAddress else { return (0, 0) }
        let start = UnsafeRawPointer(base) - raw
        if start + 16 <= end {
            let low = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt64.self))
            let high = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self))
            return (low & Self.lowBytesMask(count), high & Self.lowBytesMask(count - 8))
        }
        var low: UInt64 = 0
        var high: UInt64 = 0
        for offset in 0 ..< count {
            if offset < 8 {
                low |= UInt64(utf8[offset]) << (offset * 8)
            } else {
                high |= UInt64(utf8[offset]) << ((offset - 8) * 8)
            }
        }
        return (low, high)
    }

    /// A mask keeping the low `count` bytes of a word (`count` clamped to 0 ... 8).
    static func lowBytesMask(_ count: Int) -> UInt64 {
        count >= 8 ? ~0 : count <= 0 ? 0 : (1 << (UInt64(count) * 8)) - 1
    }

    mutating func makeString(_ utf8: UnsafeBufferPointer<UInt8>, ascii: Bool, quote: Int) -> String? {
        if ascii { return String(decoding: utf8, as: UTF8.self) }
        guard let string = String(validating: utf8, as: UTF8.self) else {
            return failure(.message("invalid UTF-8 in string"), at: quote)
        }
        return string
    }

    /// The slow path: a string with escapes, unescaped into the scratch buffer.
    @inline(never)
    mutating func parseEscapedString(start: Int, firstEscape: Int) -> String? {
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
                let ascii = highBits < 0x80
                return out.withUnsafeBufferPointer { buffer in makeString(buffer, ascii: ascii, quote: start) }
            }
            if byte == .backslash {
                guard let next = unescape(at: index, into: &out) else { return nil }
                index = next
                continue
            }
            if byte < 0x20 { return failure(.message("control character in string must be escaped"), at: index) }
            highBits |= byte
            out.append(byte)
            index += 1
        }
        return failure(.message("unterminated string"), at: start)
    }

    /// Appends the UTF-8 of the escape at `index` (a backslash) and returns the index after it.
    mutating func unescape(at index: Int, into out: inout [UInt8]) -> Int? {
        guard index + 1 < end else { return failure(.message("unterminated string"), at: index) }
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
        case UInt8(ascii: "u"): return unescapeUnicode(at: index, into: &out)
        default: return failure(.invalidEscape, at: index)
        }
        out.append(simple)
        return index + 2
    }

    /// `\uXXXX`, or a `\uD8xx\uDCxx` surrogate pair; a surrogate on its own is an error.
    mutating func unescapeUnicode(at index: Int, into out: inout [UInt8]) -> Int? {
        guard let unit = hex4(at: index + 2) else { return failure(.badUnicodeEscape, at: index) }
        var scalarValue = UInt32(unit)
        var next = index + 6
        if (0xDC00 ... 0xDFFF).contains(unit) {
            return failure(.message("unpaired low surrogate in \\u escape"), at: index)
        }
        if (0xD800 ... 0xDBFF).contains(unit) {
            guard next + 1 < end, bytes[next] == .backslash, bytes[next + 1] == UInt8(ascii: "u") else {
                return failure(.message("unpaired high surrogate in \\u escape"), at: index)
            }
            guard let low = hex4(at: next + 2) else { return failure(.badUnicodeEscape, at: next) }
            guard (0xDC00 ... 0xDFFF).contains(low) else {
                return failure(.message("unpaired high surrogate in \\u escape"), at: index)
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            next += 6
        }
        // Never nil: surrogates were handled above and the value is at most 0x10FFFF.
        let scalar = Unicode.Scalar(scalarValue) ?? "\u{FFFD}"
        out.append(contentsOf: UTF8.encode(scalar).unsafelyUnwrapped)
        return next
    }

    /// The value of four hex digits at `index`, or nil.
    func hex4(at index: Int) -> UInt16? {
        guard index + 4 <= end else { return nil }
        var value: UInt16 = 0
        for offset in 0 ..< 4 {
            let byte = bytes[index + offset]
            let digit: UInt8
            switch byte {
            case .zero ... .nine: digit = byte &- .zero
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    // MARK: Numbers

    /// Parses `-? int frac? exp?` into the nearest `Double`. Up to 19 significant digits with a
    /// small exponent are converted with one multiplication or division (Clinger's fast path, then
    /// `extendedPrecision`); the rest go through the correctly rounded `Double(String)`. Values
    /// too large for a finite `Double` are an error; too small ones become 0.
    @inline(never)
    mutating func parseNumber() -> Double? {
        let start = pos
        var index = pos
        let negative = bytes[index] == .minus
        if negative { index += 1 }
        guard index < end, bytes[index].isDigit else { return failure(.message("expected a digit after '-'"), at: index) }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var truncated = false
        if bytes[index] == .zero {
            index += 1
            if index < end, bytes[index].isDigit { return failure(.message("leading zeros are not allowed"), at: start) }
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
                return failure(.message("expected a digit after the decimal point"), at: index)
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
            guard index < end, bytes[index].isDigit else {
                return failure(.message("expected a digit in the exponent"), at: index)
            }
            var written = 0
            while index < end, bytes[index].isDigit {
                if written < 100_000 { written = written * 10 + Int(bytes[index] &- .zero) }
                index += 1
            }
            exponent += exponentNegative ? -written : written
        }
        pos = index
        // No real number needs this many characters; the cap keeps hostile input off strtod's slow path.
        guard index - start <= 1024 else { return failure(.message("number too long (over 1024 characters)"), at: start) }
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
        #if arch(x86_64) && !os(Windows)
        if !truncated, exponent >= -27, exponent <= 27, let value = Self.extendedPrecision(mantissa, exponent) {
            return negative ? -value : value
        }
        #endif
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start ..< index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return failure(.message("number out of range"), at: start) }
        return value
    }

    #if arch(x86_64) && !os(Windows)
    /// `mantissa × 10^exponent` for the common doubles the fast path misses (17-digit fractions
    /// such as 142.71428571428572): the 64-bit significand of `Float80` holds the mantissa and
    /// 10^±27 exactly, so one correctly rounded operation is followed by a rounding to `Double`
    /// that is wrong only when the `Float80` result sits exactly halfway between two doubles;
    /// then this returns nil and the caller falls back to `Double(String)`.
    static func extendedPrecision(_ mantissa: UInt64, _ exponent: Int) -> Double? {
        let power = extendedPowersOfTen[abs(exponent)]
        let value = exponent < 0 ? Float80(mantissa) / power : Float80(mantissa) * power
        guard value.significandBitPattern & 0x7FF != 0x400 else { return nil }
        return Double(value)
    }
    #endif

    // MARK: Errors

    /// The error for the recorded problem: text, line and column are worked out only now.
    @inline(never)
    func error() -> JSONParseError {
        let offset = min(problemOffset, end)
        let message: String
        switch problem {
        case .message(let text): message = text.description
        case .unexpectedByte: message = "unexpected \(describe(offset)), expected a value"
        case .trailingContent: message = "unexpected \(describe(offset)) after JSON value"
        case .invalidLiteral(let literal): message = "invalid literal, expected '\(literal)'"
        case .tooDeep: message = "nesting deeper than \(maxDepth) levels"
        case .expectedKey(let first): message = "expected a string key\(first ? " or '}'" : ""), got \(describe(offset))"
        case .invalidEscape: message = "invalid escape sequence '\\\(describeCharacter(offset + 1))'"
        case .badUnicodeEscape: message = "invalid \\u escape, expected 4 hex digits"
        }
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
        if byte > 0x20, byte < 0x7F { return "'\(describeCharacter(index))'" }
        return "byte 0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    }

    func describeCharacter(_ index: Int) -> String {
        guard index < end else { return "" }
        let byte = bytes[index]
        return byte > 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\u{\(String(byte, radix: 16))}"
    }
}

/// Word-at-a-time scanning of string bytes, shared by the parser and the writer.
package enum JSONStringScan {
    /// Marks (high bit of the byte) each byte of the little-endian `word` that is `"`, `\` or
    /// below 0x20: the bytes that end a plain run in a JSON string. Classic SWAR "has zero byte"
    /// arithmetic: a borrow can mark a byte after a real match, never before one, so the lowest
    /// mark is always exact.
    @inline(__always)
    package static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let marks = ((quotes &- ones) & ~quotes) | ((backslashes &- ones) & ~backslashes) | ((word &- ones &* 0x20) & ~word)
        return marks & 0x8080_8080_8080_8080
    }
}

/// 10^0 ... 10^22: every one is exactly representable as a `Double`.
private let powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

#if arch(x86_64) && !os(Windows)
/// 10^0 ... 10^27 as `Float80`, each exact (5^27 < 2^64); built by exact multiplications.
private let extendedPowersOfTen: [Float80] = (0 ... 27).reduce(into: [Float80]()) { powers, exponent in
    powers.append(exponent == 0 ? 1 : powers[exponent - 1] * 10)
}
#endif

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
