import Foundation
import Synchronization
import TestHTTPListener
import Testing

import StreamdCore
import StreamdHTTP

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Hashing

@Suite struct DigestTests {
    /// FIPS 180-4 examples (and the one-million-"a" long message).
    static let vectors: [(message: [UInt8], digest: String)] = [
        ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (Array(repeating: UInt8(ascii: "a"), count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    @Test(arguments: 0..<vectors.count)
    func fipsVector(index: Int) {
        let (message, digest) = Self.vectors[index]
        #expect(TokenDigest.of(message).hexString == digest)
    }

    /// RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (5 truncates the output).
    static let hmacVectors: [(key: [UInt8], data: [UInt8], mac: String)] = [
        (
            Array(repeating: 0x0b, count: 20), Array("Hi There".utf8),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        (
            Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        (
            Array(repeating: 0xaa, count: 20), Array(repeating: 0xdd, count: 50),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        ),
        (
            Array(1...25), Array(repeating: 0xcd, count: 50),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        (
            Array(repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        (
            Array(repeating: 0xaa, count: 131),
            Array(
                "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
                    .utf8),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
    ]

    @Test(arguments: 0..<hmacVectors.count)
    func rfc4231Vector(index: Int) {
        let (key, data, mac) = Self.hmacVectors[index]
        #expect(WebhookSignature.header(for: data, secret: key) == "sha256=" + mac)
    }

    @Test func hexIsLowercaseWithTwoDigitsPerByte() {
        #expect([0x00, 0x0f, 0xa0, 0xff].hexString == "000fa0ff")
    }
}

// MARK: - Configuration

@Suite struct HookConfigTests {
    static func hooks(_ yaml: String) throws -> [HookDefinition] {
        try ConfigLoader.parse(yaml: yaml).hooks
    }

    @Test func allThreeKindsWithTheirDefaults() throws {
        // PATH stands in for a secret variable: setting one here would race with other tests
        // reading the environment.
        let path = try #require(ProcessInfo.processInfo.environment["PATH"])
        let hooks = try Self.hooks("""
            hooks:
              ops: { webhook: { url: "http://127.0.0.1:9000/alerts", timeout: "2s", retries: 5, secret: s3cret, headers: { X-Team: infra } } }
              signed: { webhook: { url: "https://alerts.example.com/hook", secret_env: PATH } }
              page: { exec: { argv: ["/usr/local/bin/page", "--severity", "high"], timeout: "5s", retries: 1, concurrency: 4 } }
              script: { exec: { argv: ["/usr/local/bin/notify"] } }
              note: { log: { level: error } }
              quiet: { log: {} }
            """)
        #expect(hooks == [
            HookDefinition(
                name: "ops", kind: .webhook(url: "http://127.0.0.1:9000/alerts", secret: "s3cret", headers: ["X-Team": "infra"]),
                timeout: .seconds(2), retries: 5),
            HookDefinition(
                name: "signed", kind: .webhook(url: "https://alerts.example.com/hook", secret: path, headers: [:]),
                timeout: .seconds(5), retries: 3),
            HookDefinition(
                name: "page", kind: .exec(argv: ["/usr/local/bin/page", "--severity", "high"], concurrency: 4),
                timeout: .seconds(5), retries: 1),
            HookDefinition(name: "script", kind: .exec(argv: ["/usr/local/bin/notify"]), timeout: .seconds(10), retries: 0),
            HookDefinition(name: "note", kind: .log(level: "error")),
            HookDefinition(name: "quiet", kind: .log(level: "warning")),
        ])
        #expect(hooks.last?.retries == 0)
    }

    @Test func noHooksSectionMeansNoHooks() throws {
        #expect(try Self.hooks("state_dir: /tmp/x").isEmpty)
        #expect(try Self.hooks("hooks: {}").isEmpty)
    }

    static let url = "url: \"http://127.0.0.1:9000/a\""
    static let argvMessage = "expected a non-empty list of strings: the program (an absolute path) and its arguments"

    /// One bad hook each, and the single issue it must give.
    static let errorCases: [(yaml: String, path: String, message: String)] = [
        ("hooks: { Ops: { log: {} } }", "hooks.Ops", "a hook name uses lowercase letters, digits, '-' and '_' (at most 64), got \"Ops\""),
        ("hooks: { ops: {} }", "hooks.ops", "a hook needs exactly one of webhook, exec, log"),
        ("hooks: { ops: { log: {}, exec: { argv: [/bin/true] } } }", "hooks.ops", "a hook has exactly one kind, found log and exec"),
        ("hooks: [ops]", "hooks", "expected a mapping, got list"),
        ("hooks: { ops: { webhook: \"http://x/y\" } }", "hooks.ops.webhook", "expected a mapping, got string"),
        // webhook
        ("hooks: { ops: { webhook: { retries: 1 } } }", "hooks.ops.webhook", "a webhook hook needs a url: an http:// or https:// URL"),
        ("hooks: { ops: { webhook: { url: \"ftp://x/y\" } } }", "hooks.ops.webhook.url", "expected an http:// or https:// URL, got \"ftp://x/y\""),
        ("hooks: { ops: { webhook: { url: \"http://\" } } }", "hooks.ops.webhook.url", "expected an http:// or https:// URL, got \"http://\""),
        ("hooks: { ops: { webhook: { url: 42 } } }", "hooks.ops.webhook.url", "expected a string, got number"),
        ("hooks: { ops: { webhook: { \(url), retries: 21 } } }", "hooks.ops.webhook.retries", "expected a whole number from 0 to 20, got 21"),
        ("hooks: { ops: { webhook: { \(url), retries: -1 } } }", "hooks.ops.webhook.retries", "expected a whole number from 0 to 20, got -1"),
        ("hooks: { ops: { webhook: { \(url), timeout: \"0s\" } } }", "hooks.ops.webhook.timeout", "a timeout must be longer than 0s"),
        (
            "hooks: { ops: { webhook: { \(url), timeout: soon } } }", "hooks.ops.webhook.timeout",
            "expected a duration like \"250ms\", \"2s\" or \"5m\", got \"soon\""
        ),
        ("hooks: { ops: { webhook: { \(url), secret: a, secret_env: HOME } } }", "hooks.ops.webhook.secret_env", "use either secret or secret_env, not both"),
        ("hooks: { ops: { webhook: { \(url), secret: \"\" } } }", "hooks.ops.webhook.secret", "a secret must not be empty"),
        (
            "hooks: { ops: { webhook: { \(url), secret_env: STREAMD_TEST_SURELY_UNSET_VARIABLE } } }", "hooks.ops.webhook.secret_env",
            "the environment variable STREAMD_TEST_SURELY_UNSET_VARIABLE is not set or empty"
        ),
        (
            "hooks: { ops: { webhook: { \(url), headers: { \"Bad Name\": x } } } }", "hooks.ops.webhook.headers.Bad Name",
            "a header name uses letters, digits and !#$%&'*+-.^_`|~, got \"Bad Name\""
        ),
        ("hooks: { ops: { webhook: { \(url), headers: { X-Count: 3 } } } }", "hooks.ops.webhook.headers.X-Count", "expected a string, got number"),
        ("hooks: { ops: { webhook: { \(url), headers: [a] } } }", "hooks.ops.webhook.headers", "expected a mapping, got list"),
        // exec
        ("hooks: { page: { exec: { timeout: \"1s\" } } }", "hooks.page.exec", "an exec hook needs argv: the program (an absolute path) and its arguments"),
        ("hooks: { page: { exec: { argv: [] } } }", "hooks.page.exec.argv", "\(argvMessage), got an empty list"),
        ("hooks: { page: { exec: { argv: /bin/page } } }", "hooks.page.exec.argv", "\(argvMessage), got string"),
        ("hooks: { page: { exec: { argv: [/bin/page, 3] } } }", "hooks.page.exec.argv[1]", "expected a string, got number"),
        ("hooks: { page: { exec: { argv: [page, --now] } } }", "hooks.page.exec.argv[0]", "expected an absolute path to the program, got \"page\""),
        ("hooks: { page: { exec: { argv: [/bin/page], concurrency: 0 } } }", "hooks.page.exec.concurrency", "expected a whole number from 1 to 64, got 0"),
        ("hooks: { page: { exec: { argv: [/bin/page], concurrency: 65 } } }", "hooks.page.exec.concurrency", "expected a whole number from 1 to 64, got 65"),
        ("hooks: { page: { exec: { argv: [/bin/page], retries: 21 } } }", "hooks.page.exec.retries", "expected a whole number from 0 to 20, got 21"),
        // log
        (
            "hooks: { note: { log: { level: loud } } }", "hooks.note.log.level",
            "expected one of trace, debug, info, notice, warning, error, critical, got \"loud\""
        ),
        ("hooks: { note: { log: { level: warning, timeout: \"1s\" } } }", "hooks.note.log.timeout", "unknown key"),
    ]

    @Test(arguments: 0..<errorCases.count)
    func validationError(index: Int) {
        let (yaml, path, message) = Self.errorCases[index]
        #expect(ConfigLoaderTests.issues(yaml) == [ConfigIssue(path: path, line: 1, message: message)])
    }

    @Test func unknownKeysSuggestTheClosestKnownOne() {
        #expect(ConfigLoaderTests.issues("hooks: { ops: { webhook: { \(Self.url), retires: 2 } } }") == [
            ConfigIssue(path: "hooks.ops.webhook.retires", line: 1, message: "unknown key; did you mean 'retries'?")
        ])
        #expect(ConfigLoaderTests.issues("hooks: { page: { exec: { argv: [/bin/page], concurency: 2 } } }") == [
            ConfigIssue(path: "hooks.page.exec.concurency", line: 1, message: "unknown key; did you mean 'concurrency'?")
        ])
        #expect(ConfigLoaderTests.issues("hooks: { ops: { webhok: { \(Self.url) } } }") == [
            ConfigIssue(path: "hooks.ops", line: 1, message: "a hook needs exactly one of webhook, exec, log"),
            ConfigIssue(path: "hooks.ops.webhok", line: 1, message: "unknown key; did you mean 'webhook'?"),
        ])
    }

    @Test func issuesCarryTheirLines() {
        let issues = ConfigLoaderTests.issues("""
            hooks:
              ops:
                webhook:
                  url: "http://127.0.0.1:9000/a"
                  retries: 99
              page:
                exec:
                  argv: [relative]
            """)
        #expect(issues == [
            ConfigIssue(path: "hooks.ops.webhook.retries", line: 5, message: "expected a whole number from 0 to 20, got 99"),
            ConfigIssue(path: "hooks.page.exec.argv[0]", line: 8, message: "expected an absolute path to the program, got \"relative\""),
        ])
    }
}

// MARK: - Transports

/// A notification as an alert stage delivers it.
func sampleNotification(state: String = "firing") -> JSONValue {
    [
        "alert": "hot", "pipeline": "metrics", "state": .string(state), "key": ["source": "server1"],
        "result": ["count": 7, "avg_value": 82.5, "final": true], "at": 1634567893.2,
    ]
}

/// A port on 127.0.0.1 that nothing listens on (bound for a moment to find it, then released).
func unusedPort() -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
            _ = bind(descriptor, address, length)
            _ = getsockname(descriptor, address, &length)
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A socket on 127.0.0.1 that accepts connections (into its backlog) and never answers.
func silentListener() -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
            _ = bind(descriptor, address, length)
            _ = listen(descriptor, 16)
            _ = getsockname(descriptor, address, &length)
        }
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}

@Suite struct WebhookTransportTests {
    @Test func postsTheJSONSignedWithTheSecret() async throws {
        let listener = try TestHTTPListener()
        defer { listener.stop() }
        let url = "http://127.0.0.1:\(listener.port)/alerts"
        let hook = HookDefinition(name: "ops", kind: .webhook(url: url, secret: "s3cret", headers: ["X-Team": "infra"]))
        let transport = hook.makeTransport()
        #expect(transport.label == "webhook:\(url)")
        try await transport.deliver(sampleNotification())

        let request = try #require(await listener.waitForRequests(count: 1).first)
        #expect(request.method == "POST")
        #expect(request.path == "/alerts")
        #expect(request.body == JSONWriter.bytes(sampleNotification()))
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["user-agent"] == "streamd/\(StreamdVersion.current)")
        #expect(request.headers["x-team"] == "infra")
        let expected = WebhookSignature.header(for: request.body, secret: Array("s3cret".utf8))
        #expect(request.headers["x-streamd-signature"] == expected)
    }

    @Test func withoutASecretThereIsNoSignature() async throws {
        let listener = try TestHTTPListener()
        defer { listener.stop() }
        let hook = HookDefinition(name: "ops", kind: .webhook(url: "http://127.0.0.1:\(listener.port)/"))
        try await hook.makeTransport().deliver(sampleNotification())
        let request = try #require(await listener.waitForRequests(count: 1).first)
        #expect(request.headers["x-streamd-signature"] == nil)
    }

    @Test func aServerErrorThrowsNamingTheStatusAndURL() async throws {
        let listener = try TestHTTPListener(statuses: [500])
        defer { listener.stop() }
        let url = "http://127.0.0.1:\(listener.port)/alerts"
        let transport = HookDefinition(name: "ops", kind: .webhook(url: url)).makeTransport()
        let error = await #expect(throws: HTTPPostError.self) { try await transport.deliver(sampleNotification()) }
        #expect(error?.reason == .status(500))
        #expect(error?.description.contains("500") == true)
        #expect(error?.description.contains(url) == true)
    }

    @Test func aReceiverThatNeverAnswersTimesOut() async throws {
        let silent = silentListener()
        defer { close(silent.descriptor) }
        let hook = HookDefinition(
            name: "ops", kind: .webhook(url: "http://127.0.0.1:\(silent.port)/"), timeout: .milliseconds(300))
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: HTTPPostError.self) { try await hook.makeTransport().deliver(sampleNotification()) }
        // What matters is that our timeout, not URLSession's 60 s default, ended it: the bound
        // only needs to stay below 60 s, and leaves room for the thread sanitizer's slowdown
        // (15 s seen) on a loaded machine.
        #expect(clock.now - start < .seconds(45))
        #expect(error?.reason == .timedOut(.milliseconds(300)))
        #expect(error?.isRetryable == true)
    }

    @Test func cancellingADeliveryEndsItPromptly() async throws {
        let silent = silentListener()
        defer { close(silent.descriptor) }
        let transport = HookDefinition(
            name: "ops", kind: .webhook(url: "http://127.0.0.1:\(silent.port)/"), timeout: .seconds(30)
        ).makeTransport()
        let delivery = Task { try await transport.deliver(sampleNotification()) }
        try await Task.sleep(for: .milliseconds(100))
        let clock = ContinuousClock()
        let start = clock.now
        delivery.cancel()
        let result = await delivery.result
        // Far below the 30 s timeout; URLSession's cancellation takes a few seconds on a busy machine.
        #expect(clock.now - start < .seconds(10))
        #expect(throws: HTTPPostError.self) { try result.get() }
    }

    @Test func anUnreachablePortThrows() async throws {
        let url = "http://127.0.0.1:\(unusedPort())/alerts"
        let transport = HookDefinition(name: "ops", kind: .webhook(url: url), timeout: .seconds(5)).makeTransport()
        let error = await #expect(throws: HTTPPostError.self) { try await transport.deliver(sampleNotification()) }
        #expect(error?.isRetryable == true)
        #expect(error?.description.contains(url) == true)
    }
}

/// Serialized: a script being written while another test spawns a child can be inherited by that
/// child and then fail to start with "text file busy".
@Suite(.serialized) struct ExecTransportTests {
    /// A fresh directory with an executable `hook.sh` holding `script`.
    static func script(_ script: String) throws -> (directory: URL, path: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("streamd-hook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("hook.sh").path
        try Data(script.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o755)
        return (directory, path)
    }

    static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// Whether a process with this id is still running. A zombie is not: a grandchild is reaped
    /// by init, which in a container may never do it.
    static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno != ESRCH else { return false }
        let stat = read("/proc/\(pid)/stat")
        guard let close = stat.lastIndex(of: ")") else { return false }
        return !stat[close...].hasPrefix(") Z")
    }

    /// The pid the script wrote to `path`, waiting for it to appear.
    static func pid(in path: String) async -> Int32? {
        for _ in 0..<500 {
            if let pid = Int32(read(path).trimmingCharacters(in: .whitespacesAndNewlines)) { return pid }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    @Test func theProgramGetsTheJSONOnStdinAndTheStateInItsEnvironment() async throws {
        let (directory, script) = try Self.script("#!/bin/sh\ncat > \"$1\"; echo \"$STREAMD_ALERT_STATE\" >> \"$1\"\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out.txt").path
        let transport = HookDefinition(name: "page", kind: .exec(argv: [script, output])).makeTransport()
        #expect(transport.label == "exec:\(script)")
        try await transport.deliver(sampleNotification(state: "resolved"))
        #expect(Self.read(output) == JSONWriter.string(sampleNotification(state: "resolved")) + "\nresolved\n")
    }

    @Test func theEnvironmentHasEveryAlertField() {
        let environment = ExecTransport.environment(for: sampleNotification())
        #expect(environment["STREAMD_ALERT_NAME"] == "hot")
        #expect(environment["STREAMD_ALERT_PIPELINE"] == "metrics")
        #expect(environment["STREAMD_ALERT_STATE"] == "firing")
        #expect(environment["STREAMD_ALERT_AT"] == "1634567893.2")
        #expect(environment["STREAMD_ALERT_KEY"] == #"{"source":"server1"}"#)
        #expect(environment["STREAMD_ALERT_RESULT"] == #"{"count":7,"avg_value":82.5,"final":true}"#)
        #expect(environment["PATH"] == ProcessInfo.processInfo.environment["PATH"])
        let huge = ExecTransport.environment(for: ["alert": "hot", "result": ["blob": .string(String(repeating: "x", count: 100_000))]])
        #expect(huge["STREAMD_ALERT_RESULT"] == nil)
        #expect(huge["STREAMD_ALERT_KEY"] == "null")
    }

    @Test func aNonZeroExitThrowsWithTheStatusAndOutput() async throws {
        let (directory, script) = try Self.script("#!/bin/sh\necho 'no pager configured' >&2\nexit 3\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let transport = HookDefinition(name: "page", kind: .exec(argv: [script])).makeTransport()
        let error = await #expect(throws: ChildProcess.Failure.self) { try await transport.deliver(sampleNotification()) }
        #expect(error?.description == "\(script) exited with status 3: no pager configured")
    }

    @Test func aMissingProgramThrows() async throws {
        let transport = HookDefinition(name: "page", kind: .exec(argv: ["/nonexistent/streamd-hook"])).makeTransport()
        let error = await #expect(throws: ChildProcess.Failure.self) { try await transport.deliver(sampleNotification()) }
        #expect(error?.description == "cannot start /nonexistent/streamd-hook: No such file or directory")
    }

    @Test func aProgramThatIgnoresItsInputStillSucceeds() async throws {
        // Nothing reads stdin: the daemon must not die of SIGPIPE, and the payload is large.
        let (directory, script) = try Self.script("#!/bin/sh\nexit 0\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let transport = HookDefinition(name: "page", kind: .exec(argv: [script])).makeTransport()
        let big: JSONValue = ["alert": "hot", "result": ["blob": .string(String(repeating: "x", count: 1 << 20))]]
        try await transport.deliver(big)
    }

    @Test func aHungProgramIsStoppedAtTheTimeout() async throws {
        let (directory, script) = try Self.script("#!/bin/sh\necho $$ > \"$1\"\nexec sleep 30\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("pid").path
        let hook = HookDefinition(name: "page", kind: .exec(argv: [script, pidFile]), timeout: .milliseconds(200))
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: ChildProcess.Failure.self) { try await hook.makeTransport().deliver(sampleNotification()) }
        #expect(clock.now - start < .seconds(2))
        #expect(error?.description.contains("timed out") == true)
        let pid = try #require(await Self.pid(in: pidFile))
        #expect(!Self.isAlive(pid))
    }

    @Test func whatTheProgramStartedIsStoppedToo() async throws {
        let (directory, script) = try Self.script("#!/bin/sh\nsleep 30 &\necho $! > \"$1\"\nwait\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("pid").path
        let hook = HookDefinition(name: "page", kind: .exec(argv: [script, pidFile]), timeout: .milliseconds(300))
        await #expect(throws: ChildProcess.Failure.self) { try await hook.makeTransport().deliver(sampleNotification()) }
        let grandchild = try #require(await Self.pid(in: pidFile))
        for _ in 0..<100 where Self.isAlive(grandchild) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!Self.isAlive(grandchild))
    }

    @Test func cancellingTheDeliveryStopsTheProgram() async throws {
        let (directory, script) = try Self.script("#!/bin/sh\necho $$ > \"$1\"\nexec sleep 30\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("pid").path
        let transport = HookDefinition(name: "page", kind: .exec(argv: [script, pidFile]), timeout: .seconds(60))
            .makeTransport()
        let delivery = Task { try await transport.deliver(sampleNotification()) }
        let pid = try #require(await Self.pid(in: pidFile))
        #expect(Self.isAlive(pid))
        let clock = ContinuousClock()
        let start = clock.now
        delivery.cancel()
        let result = await delivery.result
        // Far below the 30 s timeout; URLSession's cancellation takes a few seconds on a busy machine.
        #expect(clock.now - start < .seconds(10))
        #expect(throws: ChildProcess.Failure.self) { try result.get() }
        #expect(!Self.isAlive(pid))
    }

    @Test func concurrencyOneRunsDeliveriesOneAfterTheOther() async throws {
        let (directory, script) = try Self.script(
            "#!/bin/sh\necho \"start $STREAMD_ALERT_STATE\" >> \"$1\"\nsleep 0.3\necho \"end $STREAMD_ALERT_STATE\" >> \"$1\"\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("log").path
        let transport = HookDefinition(name: "page", kind: .exec(argv: [script, log])).makeTransport()
        async let first: Void = transport.deliver(sampleNotification(state: "firing"))
        async let second: Void = transport.deliver(sampleNotification(state: "resolved"))
        _ = try await (first, second)
        let lines = Self.read(log).split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines == ["start firing", "end firing", "start resolved", "end resolved"]
            || lines == ["start resolved", "end resolved", "start firing", "end firing"])
    }
}

@Suite struct AsyncSemaphoreTests {
    final class Recorder: Sendable {
        private let storage = Mutex<[Int]>([])
        var values: [Int] { storage.withLock { $0 } }
        func append(_ value: Int) { storage.withLock { $0.append(value) } }
    }

    @Test func aCancelledWaiterLeavesWithoutAPermit() async throws {
        let semaphore = AsyncSemaphore(limit: 1)
        try await semaphore.acquire()
        let waiter = Task { try await semaphore.acquire() }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        semaphore.release()
        // The permit went back, not to the cancelled waiter.
        try await semaphore.acquire()
        semaphore.release()
    }

    @Test func waitersGetPermitsInArrivalOrder() async throws {
        let semaphore = AsyncSemaphore(limit: 1)
        let order = Recorder()
        try await semaphore.acquire()
        var tasks: [Task<Void, any Error>] = []
        for index in 0..<3 {
            tasks.append(Task {
                try await semaphore.withPermit { order.append(index) }
            })
            try await Task.sleep(for: .milliseconds(20))
        }
        semaphore.release()
        for task in tasks { try await task.value }
        #expect(order.values == [0, 1, 2])
    }
}

@Suite struct LogTransportTests {
    @Test func logsWithoutThrowing() async throws {
        let transport = HookDefinition(name: "note", kind: .log(level: "critical")).makeTransport()
        #expect(transport.label == "log")
        try await transport.deliver(sampleNotification())
    }
}
