/// HMAC-SHA256 (RFC 2104): the `X-Streamd-Signature` of a webhook, so a receiver that knows the
/// shared secret can tell a notification really came from this daemon and was not altered.
///
/// ```swift
/// HMACSHA256.authenticationCode(for: body, key: Array(secret.utf8)).hexString
/// ```
package enum HMACSHA256 {
    package static func authenticationCode(for message: [UInt8], key: [UInt8]) -> [UInt8] {
        var block = key.count > SHA256.blockSize ? SHA256.hash(key) : key
        block += [UInt8](repeating: 0, count: SHA256.blockSize - block.count)
        let inner = SHA256.hash(block.map { $0 ^ 0x36 } + message)
        return SHA256.hash(block.map { $0 ^ 0x5c } + inner)
    }
}
