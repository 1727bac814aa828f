import ArgumentParser

/// `streamd`: the command-line entry point.
struct StreamdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streamd",
        abstract: "A stream-processing daemon: named pipelines fed over HTTP, with metrics and alerts.",
        version: StreamdVersion.current,
        subcommands: []
    )
}
