import StreamdCore
import StreamdHTTP
import ArgumentParser

/// `streamd`: the command-line entry point. (No `main.swift`: top-level code there is
/// `@MainActor`, and a C callback written in it would trap when libmicrohttpd calls it.)
@main
struct StreamdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streamd",
        abstract: "A stream-processing daemon: named pipelines fed over HTTP, with metrics.",
        version: StreamdVersion.current,
        subcommands: [RunCommand.self, CheckCommand.self, ComponentsCommand.self],
        defaultSubcommand: RunCommand.self
    )
}

/// The options both commands share.
struct ConfigOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "The configuration file (YAML).")
    var config = "/etc/streamd/streamd.yaml"

    /// Loads and validates the file; on any problem prints every issue and exits with code 2.
    func load() throws -> DaemonConfig {
        do {
            return try ConfigLoader.load(file: config)
        } catch {
            StandardStreams.error("streamd: invalid configuration\n\(error)\n")
            throw ExitCode(2)
        }
    }
}

/// `streamd check --config FILE`: validate and report, start nothing.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a configuration file and exit.")

    @OptionGroup var options: ConfigOption

    func run() throws {
        let config = try options.load()
        let names = config.pipelines.map(\.name).joined(separator: ", ")
        print("\(options.config): OK (\(config.pipelines.count) pipelines\(names.isEmpty ? "" : ": \(names)"))")
    }
}
