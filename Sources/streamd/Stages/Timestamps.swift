import Foundation

/// Timestamps in events: epoch seconds or milliseconds, or RFC 3339 strings.
enum Timestamps {
    /// Epoch seconds from a number (values above 1e11 are taken as milliseconds) or an RFC 3339
    /// string (`2021-10-18T14:38:10Z`, `2021-10-18T14:38:10.250+02:00`).
    static func epochSeconds(_ value: JSONValue) throws -> Double {
        switch value {
        case .number(let number):
            return number > 1e11 ? number / 1000 : number
        case .string(let text):
            if let seconds = rfc3339(text) { return seconds }
            if let number = Double(text), number.isFinite { return number > 1e11 ? number / 1000 : number }
            throw StageError("'\(text)' is not an RFC 3339 timestamp or epoch seconds")
        default:
            throw StageError("a timestamp must be a number or an RFC 3339 string, got \(value.typeName)")
        }
    }

    static func rfc3339(_ text: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)?.timeIntervalSince1970
    }
}
