/// `exec: { argv: [/usr/local/bin/page, --team, infra], concurrency: 2 }`: runs a program (never
/// a shell) with the notification on stdin and in `STREAMD_ALERT_*` variables.
package struct ExecHookKind: HookKind {
    package static let name = "exec"
    package static let summary = "runs a program (an absolute path, no shell) with the notification on stdin and in STREAMD_ALERT_* variables"
    static let argv = ComponentOption("argv", .strings, required: true, "the program (an absolute path) and its arguments")
    static let timeout = ComponentOption("timeout", .duration, default: "10s", "per run; the program is killed after it")
    static let retries = ComponentOption("retries", .integer, default: 0, "runs after the first failed one (0 to 20)")
    static let concurrency = ComponentOption("concurrency", .integer, default: 1, "copies running at once (1 to 64)")
    package static let options = [argv, timeout, retries, concurrency]

    package var argv: [String]
    package var concurrency: Int
    package var timeout: Duration
    package var retries: Int

    package init(argv: [String], concurrency: Int = 1, timeout: Duration = .seconds(10), retries: Int = 0) {
        self.argv = argv
        self.concurrency = concurrency
        self.timeout = timeout
        self.retries = retries
    }

    package static func configure(_ options: inout ComponentOptions) -> Self? {
        let argv = options.read { execArgv(&$0) }
        let timeout = options.read { $0.timeout(Self.timeout.name) } ?? .seconds(10)
        let retries = options.integer(retries, in: 0...20)
        let concurrency = options.integer(concurrency, in: 1...64)
        guard let argv, let retries, let concurrency else { return nil }
        return Self(argv: argv, concurrency: concurrency, timeout: timeout, retries: retries)
    }

    /// The program (an absolute path: no shell and no `PATH` lookup) and its arguments.
    private static func execArgv(_ reader: inout ConfigReader) -> [String]? {
        let expected = "expected a non-empty list of strings: the program (an absolute path) and its arguments"
        guard let node = reader.node(argv.name) else {
            reader.issue(nil, "an exec hook needs argv: the program (an absolute path) and its arguments")
            return nil
        }
        guard case .array(let items) = node.value, !items.isEmpty else {
            reader.issue(argv.name, "\(expected), got \(node.typeName == "list" ? "an empty list" : node.typeName)")
            return nil
        }
        var arguments: [String] = []
        for (index, item) in items.enumerated() {
            let path = "\(reader.childPath(argv.name))[\(index)]"
            guard case .string(let argument) = item.value else {
                reader.issue(at: path, line: item.line ?? node.line, "expected a string, got \(item.typeName)")
                continue
            }
            if index == 0, !argument.hasPrefix("/") {
                reader.issue(at: path, line: item.line ?? node.line, "expected an absolute path to the program, got \"\(argument)\"")
            }
            arguments.append(argument)
        }
        return arguments.count == items.count ? arguments : nil
    }

    package func makeTransport() -> any HookTransport {
        ExecTransport(argv: argv, concurrency: concurrency, timeout: timeout)
    }
}

extension HookKind where Self == ExecHookKind {
    package static func exec(argv: [String], concurrency: Int = 1) -> Self {
        ExecHookKind(argv: argv, concurrency: concurrency)
    }
}
