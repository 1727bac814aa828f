import StreamdCore
import StreamdHTTP
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
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
        // A SIGHUP before the reload service listens must not end the process.
        signal(SIGHUP, SIG_IGN)
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
        // Graceful shutdown runs through the services in reverse: reloads end, the pipelines
        // drain, the systemd reporter (pinging the watchdog meanwhile) ends, the server stops.
        let pipelines = PipelinesService(daemon: daemon, logger: logger)
        let (ready, announced) = AsyncStream<Void>.makeStream()
        let listening = HTTPService(configuration: http, router: router) { [listenHost] server in
            daemon.attach(server)
            daemon.setPhase(.ready)
            logger.info("listening", metadata: [
                "address": "\(listenHost):\(server.port)", "port": "\(server.port)",
                "pipelines": "\(daemon.registry.all.count)", "version": "\(StreamdVersion.current)",
            ])
            systemd.notify("READY=1", "STATUS=\(daemon.statusSummary())")
            announced.finish()
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: listening, serviceName: "http"),
                .init(service: SystemdReporter(systemd: systemd, daemon: daemon, ready: ready), successTerminationBehavior: .ignore, serviceName: "systemd"),
                .init(service: pipelines, serviceName: "pipelines"),
                .init(service: ReloadService(daemon: daemon, logger: logger), serviceName: "reload"),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await group.run()
        } catch let error as HTTPServer.StartError {
            // The other services were cancelled: the pipelines stopped, nothing was accepted.
            logger.critical("cannot start the HTTP server", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        if pipelines.deliveredEverything {
            logger.info("stopped", metadata: ["drained": "true"])
        } else {
            logger.error("stopped before every pipeline drained", metadata: ["timeout": "\(config.shutdownTimeout)"])
            throw ExitCode(1)
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
