package import StreamdCore
/// What an endpoint asks of a request.
package enum Access: Sendable {
    /// Never needs a token (`/healthz`, `/readyz`).
    case open
    case scope(Scope)
    /// `metrics` or `admin`, or nothing when `auth.public_metrics` is set.
    case metrics
}

/// Checks `Authorization: Bearer …` against the configured tokens.
///
/// The presented token is hashed and every configured digest is compared in constant time, so
/// neither the comparison nor its length says how much of a guess was right.
package struct Authenticator: Sendable {
    package let config: AuthConfig

    /// `nil` when the request may go on; otherwise the 401 or 403 to answer.
    package func check(_ authorization: String?, access: Access) -> APIError? {
        let needed: Set<Scope>
        switch access {
        case .open: return nil
        case .metrics:
            if config.publicMetrics { return nil }
            needed = [.metrics, .admin]
        case .scope(let scope): needed = [scope]
        }
        guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
            return Self.unauthorized("this endpoint needs a bearer token: Authorization: Bearer <token>")
        }
        let digest = TokenDigest.of(authorization.dropFirst(7).trimmingSpaces.utf8)
        var granted: Set<Scope>?
        for entry in config.tokens where Self.constantTimeEqual(entry.digest, digest) {
            granted = (granted ?? []).union(entry.scopes)
        }
        guard let granted else { return Self.unauthorized("the bearer token is not valid") }
        guard !granted.isDisjoint(with: needed) else {
            let names = needed.map(\.rawValue).sorted().joined(separator: " or ")
            return APIError(status: 403, code: "forbidden", message: "the token lacks the scope this endpoint needs: \(names)")
        }
        return nil
    }

    package static func unauthorized(_ message: String) -> APIError {
        APIError(status: 401, code: "unauthorized", message: message, headers: [("WWW-Authenticate", #"Bearer realm="streamd""#)])
    }

    /// Equal-length digests compared without an early exit.
    package static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (a header value's padding).
    package var trimmingSpaces: Substring {
        let trimmed = drop { $0 == " " || $0 == "\t" }
        return Substring(trimmed.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
