/// Walks one mapping of a configuration tree, collecting issues instead of stopping at the
/// first, and remembering which keys were read so the rest can be reported as unknown.
package struct ConfigReader {
    package let node: ConfigNode
    package let path: String
    private(set) var issues: [ConfigIssue] = []
    private var members: [(key: String, value: ConfigNode)]
    private var read = Set<String>()

    /// `nil` (with an issue recorded in `issues`) when `node` is not a mapping.
    package init(_ node: ConfigNode, path: String, issues: inout [ConfigIssue]) {
        self.node = node
        self.path = path
        if case .object(let members) = node.value {
            self.members = members
        } else {
            self.members = []
            issues.append(ConfigIssue(path: path, line: node.line, message: "expected a mapping, got \(node.typeName)"))
        }
    }

    package func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    package var keys: [String] { members.map(\.key) }

    /// The raw node for `key`, marking it read.
    package mutating func node(_ key: String) -> ConfigNode? {
        read.insert(key)
        return members.first { $0.key == key }?.value
    }

    package mutating func issue(_ key: String?, _ message: String, line: Int? = nil) {
        let path = key.map(childPath) ?? self.path
        issues.append(ConfigIssue(path: path, line: line ?? key.flatMap { k in members.first { $0.key == k }?.value.line } ?? node.line, message: message))
    }

    /// Records an issue at an explicit field path (a list element, a nested key).
    package mutating func issue(at path: String, line: Int?, _ message: String) {
        issues.append(ConfigIssue(path: path, line: line, message: message))
    }

    package mutating func string(_ key: String) -> String? {
        guard let node = node(key) else { return nil }
        guard case .string(let string) = node.value else {
            issue(key, "expected a string, got \(node.typeName)")
            return nil
        }
        return string
    }

    package mutating func bool(_ key: String) -> Bool? {
        guard let node = node(key) else { return nil }
        guard case .bool(let bool) = node.value else {
            issue(key, "expected true or false, got \(node.typeName)")
            return nil
        }
        return bool
    }

    package mutating func number(_ key: String) -> Double? {
        guard let node = node(key) else { return nil }
        guard case .number(let number) = node.value else {
            issue(key, "expected a number, got \(node.typeName)")
            return nil
        }
        return number
    }

    /// An integer within `range`.
    package mutating func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let number = number(key) else { return nil }
        guard number.rounded() == number, number >= Double(range.lowerBound), number <= Double(range.upperBound) else {
            issue(key, "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(number.formatted)")
            return nil
        }
        return Int(number)
    }

    /// A duration string: `250ms`, `2s`, `5m`, `1h`.
    package mutating func duration(_ key: String) -> Duration? {
        guard let text = string(key) else { return nil }
        guard let duration = Duration(configText: text) else {
            issue(key, "expected a duration like \"250ms\", \"2s\" or \"5m\", got \"\(text)\"")
            return nil
        }
        return duration
    }

    /// Hands over the issues found so far without judging unread keys: for a mapping that was
    /// rejected as a whole (its keys were never looked at, so "unknown" would be wrong).
    package mutating func abandon(into issues: inout [ConfigIssue]) {
        issues += self.issues
        self.issues = []
    }

    /// Reports every key that was never read: unknown keys are errors, not silently ignored.
    package mutating func finish(into issues: inout [ConfigIssue], known: [String]? = nil) {
        for member in members where !read.contains(member.key) {
            let hint = Self.suggestion(for: member.key, among: known ?? Array(read)).map { "; did you mean '\($0)'?" } ?? ""
            self.issues.append(ConfigIssue(path: childPath(member.key), line: member.value.line, message: "unknown key\(hint)"))
        }
        issues += self.issues
        self.issues = []
    }

    /// The closest known key by edit distance, if it is close.
    package static func suggestion(for key: String, among known: [String]) -> String? {
        let scored = known.map { ($0, editDistance(key, $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(1, key.count / 3) else { return nil }
        return best
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

extension Double {
    /// `3` rather than `3.0` in messages.
    package var formatted: String {
        rounded() == self && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}

extension Duration {
    /// Parses `"250ms"`, `"2s"`, `"1.5s"`, `"5m"`, `"1h"`, `"0s"`; `nil` otherwise.
    package init?(configText text: String) {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, seconds) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard !number.isEmpty, let value = Double(number), value >= 0, value.isFinite else { return nil }
            self = .nanoseconds(Int64((value * seconds * 1e9).rounded()))
            return
        }
        return nil
    }

    /// Seconds as a `Double`.
    package var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
