import Foundation

/// Keys that webhook hooks and the http output share, validated the same way for both.
extension ConfigReader {
    /// A required `http://` or `https://` URL; `nil` (with an issue) when missing or malformed.
    package mutating func httpURL(_ key: String, owner: String) -> String? {
        guard node(key) != nil else {
            issue(nil, "\(owner) needs a \(key): an http:// or https:// URL")
            return nil
        }
        guard let text = string(key) else { return nil }
        let lowered = text.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://"), let url = URL(string: text),
            let host = url.host, !host.isEmpty
        else {
            issue(key, "expected an http:// or https:// URL, got \"\(text)\"")
            return nil
        }
        return text
    }

    /// A per-attempt timeout: a duration above zero.
    package mutating func timeout(_ key: String) -> Duration? {
        guard let duration = duration(key) else { return nil }
        guard duration > .zero else {
            issue(key, "a timeout must be longer than 0s")
            return nil
        }
        return duration
    }
}

extension ConfigLoader {
    /// Extra request headers: a mapping of header name to string value. Names must be HTTP
    /// tokens and values single-line, so a header can never smuggle another one in.
    package static func httpHeaders(_ node: ConfigNode, path: String, issues: inout [ConfigIssue]) -> [String: String] {
        var reader = ConfigReader(node, path: path, issues: &issues)
        var headers: [String: String] = [:]
        for name in reader.keys {
            guard isHeaderName(name) else {
                _ = reader.node(name)
                reader.issue(name, "a header name uses letters, digits and !#$%&'*+-.^_`|~, got \"\(name)\"")
                continue
            }
            guard let value = reader.string(name) else { continue }
            guard !value.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                reader.issue(name, "a header value must be a single line")
                continue
            }
            headers[name] = value
        }
        reader.finish(into: &issues)
        return headers
    }

    /// RFC 9110 `token`.
    package static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
    }
}
