package import StreamKit

/// Timestamps in events: epoch seconds or milliseconds, or RFC 3339 strings, read into exact
/// microseconds (window boundaries such as 0.3 s are exact; see ``Timestamp``).
package enum TimestampParser {
    /// Numbers above this are epoch milliseconds (1e11 s is the year 5138; 1e11 ms is 1973).
    package static let millisecondsAbove = 1e11

    /// A number (epoch seconds, or milliseconds above 1e11), rounded to the nearest
    /// microsecond; a string holding such a number; or an RFC 3339 string
    /// (`2021-10-18T14:38:10Z`, `2021-10-18T14:38:10.250+02:00`), whose fraction is exact to
    /// the microsecond (further digits are dropped: the time is not rounded up into a later
    /// window).
    package static func timestamp(_ value: JSONValue) throws -> Timestamp {
        switch value {
        case .number(let number):
            return try epoch(number, text: nil)
        case .string(let text):
            if let time = rfc3339(text) { return time }
            if let number = Double(text), number.isFinite { return try epoch(number, text: text) }
            throw StageError("'\(text)' is not an RFC 3339 timestamp or epoch seconds")
        default:
            throw StageError("a timestamp must be a number or an RFC 3339 string, got \(value.typeName)")
        }
    }

    private static func epoch(_ number: Double, text: String?) throws -> Timestamp {
        let time = number > millisecondsAbove
            ? Timestamp(milliseconds: number)
            : Timestamp(seconds: number)
        guard let time else { throw StageError("timestamp \(text ?? number.formatted) is out of range") }
        return time
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (`t`, `z` and a space separator as
    /// RFC 3339 allows); `nil` if the text is not such a time or names an impossible date.
    package static func rfc3339(_ text: String) -> Timestamp? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = RFC3339Reader(bytes: bytes)
            return reader.read()
        }
    }
}

extension Timestamp {
    /// Epoch milliseconds (fractions allowed), rounded to the nearest microsecond.
    package init?(milliseconds: Double) {
        guard milliseconds.isFinite, milliseconds.magnitude < Double(Timestamp.limit) / 1000 else { return nil }
        self.init(microseconds: Int64((milliseconds * 1000).rounded()))
    }
}

/// A cursor over the bytes of an RFC 3339 date-time.
private struct RFC3339Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func read() -> Timestamp? {
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let day = digits(2),
            let separator = next(), separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " "),
            let hour = digits(2), expect(":"), let minute = digits(2), expect(":"), let second = digits(2)
        else { return nil }
        guard (1...12).contains(month), (1...Self.days(inMonth: month, year: year)).contains(day),
            hour < 24, minute < 60, second <= 60  // 60: a leap second, counted into the next minute
        else { return nil }
        var microseconds: Int64 = 0
        if peek() == UInt8(ascii: ".") {
            index += 1
            var scale: Int64 = 100_000
            var count = 0
            while let byte = peek(), Self.isDigit(byte) {
                microseconds += Int64(byte - UInt8(ascii: "0")) * scale
                scale /= 10
                count += 1
                index += 1
            }
            guard count > 0 else { return nil }
        }
        guard let offset = zoneOffset(), index == bytes.count else { return nil }
        let seconds = Self.daysSinceEpoch(year: year, month: month, day: day) * 86_400
            + Int64(hour * 3600 + minute * 60 + second) - offset
        return Timestamp(microseconds: seconds * 1_000_000 + microseconds)
    }

    /// `Z` or `±HH:MM`, in seconds east of UTC.
    private mutating func zoneOffset() -> Int64? {
        guard let byte = next() else { return nil }
        if byte == UInt8(ascii: "Z") || byte == UInt8(ascii: "z") { return 0 }
        guard byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-"),
            let hours = digits(2), expect(":"), let minutes = digits(2), hours < 24, minutes < 60
        else { return nil }
        let offset = Int64(hours * 3600 + minutes * 60)
        return byte == UInt8(ascii: "-") ? -offset : offset
    }

    private mutating func digits(_ count: Int) -> Int? {
        guard index + count <= bytes.count else { return nil }
        var value = 0
        for _ in 0..<count {
            guard Self.isDigit(bytes[index]) else { return nil }
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        return value
    }

    private mutating func expect(_ character: Unicode.Scalar) -> Bool {
        guard next() == UInt8(ascii: character) else { return false }
        return true
    }

    private mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * Int64(month > 2 ? month - 3 : month + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
