import Crypto

/// The `X-Streamd-Signature` of a webhook: `sha256=` and the hex HMAC-SHA256 of the body under
/// the hook's secret, so a receiver that knows the secret can tell a notification really came
/// from this daemon and was not altered.
package enum WebhookSignature {
    package static func header(for body: [UInt8], secret: [UInt8]) -> String {
        "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret)).hexString
    }
}

/// How a configured bearer token is kept and compared: its SHA-256, never the token itself.
package enum TokenDigest {
    package static func of(_ token: some Sequence<UInt8>) -> [UInt8] {
        Array(SHA256.hash(data: Array(token)))
    }
}

extension Sequence<UInt8> {
    /// Lowercase hexadecimal, two digits per byte: how digests and signatures are written.
    package var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
