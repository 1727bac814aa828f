import StreamdCore
import StreamdHTTP
import ArgumentParser
import Foundation
import Logging
import StreamKit

/// `streamd run --config FILE`: serve until SIGTERM or SIGINT, then drain and exit 0.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the daemon (the default command).")

    @OptionGroup var options: ConfigOption

    @Option(help: "Override server.listen, as host:port (port 0 picks a free port).")
    var listen: String?

    func run() async throws {
        var config = try options.load()
        if let listen {
            guard let (host, port) = ConfigLoader.splitListen(listen) else {
                StandardStreams.error("streamd: --listen expects host:port, got \"\(listen)\"\n")
                throw ExitCode(2)
            }
            config.server.host = host
            config.server.port = port
        }
        Self.bootstrapLogging(config.log)
        let logger = Logger(label: "streamd")
        // A FIFO output whose reader went away, or a hook that exited without reading its input:
        // EPIPE for the write, not SIGPIPE for the daemon.
        signal(SIGPIPE, SIG_IGN)
        let signals = SignalWaiter([SIGTERM, SIGINT])
        let hangups = SignalWaiter([SIGHUP])
        let systemd = SystemdNotifier()

        do {
            try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
        } catch {
            logger.critical("cannot create state_dir", metadata: ["path": "\(config.stateDirectory)", "error": "\(error)"])
            throw ExitCode(1)
        }
        let daemon = Daemon(config: config, configPath: options.config, systemd: systemd)
        for problem in daemon.restorePersistedPipelines() {
            logger.warning("stored pipeline not restored", metadata: ["problem": "\(problem)"])
        }
        daemon.startHooks()
        daemon.registry.startAutostart()
        let router = daemon.makeRouter()
        var http = config.server.httpConfiguration
        var listenHost = config.server.host
        if let activation = SocketActivation.inherited() {
            // The socket's real address decides, not server.listen: a public socket needs tokens.
            let server = ServerConfig(host: activation.host)
            if !server.isLoopback, config.server.auth == nil {
                logger.critical("refusing the socket systemd passed: it is not a loopback address and server.auth has no tokens", metadata: [
                    "address": "\(activation.host):\(activation.port)",
                ])
                await daemon.registry.stopAll(within: config.shutdownTimeout)
                throw ExitCode(2)
            }
            logger.info("serving the socket systemd passed; server.listen is not used", metadata: ["address": "\(activation.host):\(activation.port)"])
            http.listenDescriptor = activation.descriptor
            listenHost = activation.host
        }
        let server: HTTPServer
        do {
            server = try HTTPServer(configuration: http) { router.handle($0) }
        } catch {
            logger.critical("cannot start the HTTP server", metadata: ["error": "\(error)"])
            await daemon.registry.stopAll(within: config.shutdownTimeout)
            await daemon.finishHooks(within: .seconds(1))
            throw ExitCode(1)
        }
        daemon.attach(server)
        daemon.setPhase(.ready)
        logger.info("listening", metadata: [
            "address": "\(listenHost):\(server.port)", "port": "\(server.port)",
            "pipelines": "\(daemon.registry.all.count)", "version": "\(StreamdVersion.current)",
        ])
        systemd.notify("READY=1", "STATUS=\(daemon.statusSummary())")
        let heartbeat = Task { await Self.reportToSystemd(systemd, daemon: daemon) }
        let reloads = Task { await Self.reloadOnHangup(hangups, daemon: daemon, logger: logger) }
        defer {
            heartbeat.cancel()
            reloads.cancel()
        }

        let signal = await signals.next()
        logger.info("shutting down", metadata: ["signal": "\(signal)", "timeout": "\(config.shutdownTimeout)"])
        daemon.setPhase(.draining)
        systemd.notify("STOPPING=1", "STATUS=\(daemon.statusSummary())")
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: config.shutdownTimeout)
        // Each pipeline gives up at the deadline and logs what it did not deliver; the outer
        // limit only guards against a stage that ignores cancellation.
        let delivered = Locked(false)
        let timeout = config.shutdownTimeout
        let stopped = await Deadline.within(timeout + .seconds(1)) {
            let all = await daemon.registry.stopAll(within: timeout)
            delivered.withLock { $0 = all }
        }
        let drained = stopped && delivered.value
        // Draining flushed open windows, whose alerts may have queued notifications: attempt
        // them in the time left.
        await daemon.finishHooks(within: max(.zero, clock.now.duration(to: deadline)))
        server.quiesce()
        await server.stop()
        if drained {
            logger.info("stopped", metadata: ["drained": "true"])
        } else {
            logger.error("stopped before every pipeline drained", metadata: ["timeout": "\(config.shutdownTimeout)"])
            throw ExitCode(1)
        }
    }

    /// While the process lives: `STATUS=` with live figures every second, and `WATCHDOG=1` at
    /// half the watchdog timeout when systemd set one (from a task of the cooperative pool, so a
    /// wedged pool misses its pings and systemd restarts the service).
    static func reportToSystemd(_ systemd: SystemdNotifier, daemon: Daemon) async {
        guard systemd.isActive else { return }
        let clock = ContinuousClock()
        let statusEvery = Duration.seconds(1)
        let tick = min(statusEvery, systemd.watchdogInterval ?? statusEvery)
        var nextStatus = clock.now.advanced(by: statusEvery)
        while !Task.isCancelled {
            if systemd.watchdogInterval != nil { systemd.notify("WATCHDOG=1") }
            if clock.now >= nextStatus {
                systemd.notify("STATUS=\(daemon.statusSummary())")
                nextStatus = clock.now.advanced(by: statusEvery)
            }
            try? await clock.sleep(for: tick)
        }
    }

    /// SIGHUP re-reads the configuration, like `POST /v1/reload`, and logs what changed.
    static func reloadOnHangup(_ hangups: SignalWaiter, daemon: Daemon, logger: Logger) async {
        while !Task.isCancelled {
            _ = await hangups.next()
            guard !Task.isCancelled, daemon.currentPhase != .draining else { return }
            do {
                let outcome = try await daemon.reload()
                logger.info("reloaded", metadata: [
                    "added": "\(outcome.added)", "changed": "\(outcome.changed)", "removed": "\(outcome.removed)",
                    "unchanged": "\(outcome.unchanged)", "restart_required": "\(outcome.restartRequired)",
                ])
            } catch {
                logger.error("reload refused: the running configuration stays", metadata: ["problems": "\(error)"])
            }
        }
    }

    static func bootstrapLogging(_ log: LogConfig) {
        let level = Logger.Level(rawValue: log.level) ?? .info
        let format: StructuredLogHandler.Format = log.format == .json ? .json : .logfmt
        LoggingSystem.bootstrap { label in StructuredLogHandler(label: label, format: format, logLevel: level) }
    }
}

extension ServerConfig {
    var httpConfiguration: HTTPServer.Configuration {
        var configuration = HTTPServer.Configuration()
        configuration.address = host
        configuration.port = port
        configuration.threads = threads
        configuration.maxConnections = maxConnections
        configuration.connectionTimeoutSeconds = connectionTimeoutSeconds
        configuration.requestTimeoutSeconds = requestTimeoutSeconds
        configuration.maxHeaderBytes = maxHeaderBytes
        configuration.maxBodyBytes = maxBodyBytes
        return configuration
    }
}
