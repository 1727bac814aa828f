/// How every example reports the lines the seed `print`s: injected, so tests stay quiet and the
/// command-line tool decides where the lines go.
public typealias ExampleLog = @Sendable (String) -> Void

/// A failure carrying a message: the seed's string errors (`fail("...")`, `ValueError("...")`).
/// `ResultStream` needs its failures to be `Error`s, which `String` is not.
public struct ExampleError: Error, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let message: String

    public init(_ message: String) { self.message = message }
    public init(stringLiteral value: String) { self.message = value }

    public var description: String { message }
}

// MARK: - Python-like formatting, so the output reads like the seed's

/// `f"{value:.Nf}"` without Foundation.
func fixed(_ value: Double, digits: Int = 1) -> String {
    guard value.isFinite else { return "\(value)" }
    var factor = 1
    for _ in 0..<digits { factor *= 10 }
    let scaled = Int((abs(value) * Double(factor)).rounded())
    let sign = value < 0 && scaled != 0 ? "-" : ""
    guard digits > 0 else { return sign + "\(scaled)" }
    let fraction = String(scaled % factor)
    return sign + "\(scaled / factor)." + String(repeating: "0", count: digits - fraction.count) + fraction
}

/// A Python list of strings: `['a', 'b']`.
func quotedList(_ items: [String]) -> String {
    "[" + items.map { "'\($0)'" }.joined(separator: ", ") + "]"
}

/// A Python list of numbers: `[1, 2]`.
func plainList(_ items: [some CustomStringConvertible]) -> String {
    "[" + items.map(\.description).joined(separator: ", ") + "]"
}

/// A Python dict with string keys, in the given key order: `{'a': 1}`.
func dictText(_ pairs: [(String, String)]) -> String {
    "{" + pairs.map { "'\($0.0)': \($0.1)" }.joined(separator: ", ") + "}"
}
