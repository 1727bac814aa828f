import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs one hook program to completion: argv as given (never through a shell), bytes on its
/// standard input, a deadline, and SIGTERM then SIGKILL when the deadline passes or the calling
/// task is cancelled, so a hung program can never pile up behind an alert.
///
/// `posix_spawn` rather than Foundation's `Process`: on Linux, `Process` hands the child the
/// signal mask of the spawning thread — a cooperative thread, with nearly every signal blocked —
/// and the daemon's ignored SIGTERM/SIGINT, so SIGTERM could never stop a hook and its own
/// `trap`s and timers would not fire. Here the child starts with default signal handling, an
/// empty mask and a process group of its own, so stopping it stops what it started too.
package enum ChildProcess {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    /// How long a program gets between SIGTERM and SIGKILL.
    package static let terminationGrace: Duration = .seconds(1)
    /// How much of the program's combined stdout and stderr is kept for the error message.
    package static let outputLimit = 4096

    /// Runs the program to completion. It is started on `spawner`, a queue of the hook's own:
    /// `posix_spawn` returns only once the program is executing, which for a program on a hung
    /// mount takes for ever, and that must not hold a thread of Swift's cooperative pool.
    package static func run(argv: [String], environment: [String: String], input: [UInt8], timeout: Duration, spawner: BlockingQueue) async throws {
        guard let program = argv.first else { throw Failure(description: "exec hook without a program") }
        let started: Result<Started, Failure>
        do {
            started = try await spawner.run({ start(argv: argv, environment: environment) }, abandoned: { started in
                if case .success(let child) = started { child.discard() }
            })
        } catch {
            throw Failure(description: "\(program) was cancelled before it started")
        }
        let child = try started.get()
        let pid = child.pid
        let exit = ChildExit()
        reap(pid, into: exit)
        let captured = ChildOutput(reading: child.output, limit: outputLimit)
        let feeder = ChildInput(feeding: input, to: child.stdin)
        // A grandchild that kept the program's stdin open and does not read must not keep the
        // feeding thread for ever.
        defer { feeder.cutShort() }

        guard let termination = await exit.wait(upTo: timeout, cancellable: true) else {
            let reason = Task.isCancelled ? "was cancelled" : "timed out after \(timeout.seconds.formatted)s"
            await stop(pid, exit)
            captured.close()
            throw Failure(description: "\(program) \(reason) and was stopped")
        }
        guard termination.status == 0, !termination.signalled else {
            let how = termination.signalled ? "was killed by signal \(termination.status)" : "exited with status \(termination.status)"
            let text = await captured.text(waitingUpTo: .milliseconds(200))
            throw Failure(description: text.isEmpty ? "\(program) \(how)" : "\(program) \(how): \(text)")
        }
        captured.close()
    }

    /// A started program: its pid and our ends of its stdin and of its stdout and stderr.
    private struct Started: Sendable {
        let pid: pid_t
        let stdin: Int32
        let output: Int32

        /// For a program whose caller stopped waiting before it started: stopped and reaped,
        /// our ends closed.
        func discard() {
            close(stdin)
            close(output)
            kill(-pid, SIGKILL)
            ChildProcess.reap(pid, into: ChildExit())
        }
    }

    /// Creates the sockets and starts the program; blocks until it runs (on the spawner queue).
    private static func start(argv: [String], environment: [String: String]) -> Result<Started, Failure> {
        // Sockets rather than pipes: created close-on-exec atomically (no other child spawned
        // meanwhile inherits them), and `send(MSG_NOSIGNAL)` cannot raise SIGPIPE in the daemon.
        let stdin: (parent: Int32, child: Int32)
        let output: (parent: Int32, child: Int32)
        do {
            stdin = try socketPair()
        } catch {
            return .failure(error)
        }
        do {
            output = try socketPair()
        } catch {
            close(stdin.parent)
            close(stdin.child)
            return .failure(error)
        }
        let spawned = spawn(argv: argv, environment: environment, stdin: stdin.child, output: output.child)
        // The child has its own copies now; ours would keep its stdin or our reader from seeing EOF.
        close(stdin.child)
        close(output.child)
        guard spawned.error == 0 else {
            close(stdin.parent)
            close(output.parent)
            return .failure(Failure(description: "cannot start \(argv[0]): \(String(cString: strerror(spawned.error)))"))
        }
        return .success(Started(pid: spawned.pid, stdin: stdin.parent, output: output.parent))
    }

    /// Starts the program with `stdin` as fd 0 and `output` as fds 1 and 2: its pid, or the
    /// error number when it could not start.
    private static func spawn(argv: [String], environment: [String: String], stdin: Int32, output: Int32) -> (pid: pid_t, error: Int32) {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        // Nothing else of the daemon's reaches the hook: listening and client sockets, state
        // files (whatever their close-on-exec flag says).
        _ = Self.closeFrom?(&actions, 3)

        let arguments = argv.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in arguments + variables { free(pointer) }
        }
        var pid = pid_t()
        let code = posix_spawn(&pid, argv[0], &actions, &attributes, arguments, variables)
        return (pid, code)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), looked up at run time:
    /// Swift's Glibc module does not declare this GNU extension. `nil` on an older libc.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Waits for the child on a thread of its own (`waitpid` blocks) and reports how it ended.
    private static func reap(_ pid: pid_t, into exit: ChildExit) {
        let thread = Thread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            // WIFSIGNALED / WTERMSIG / WEXITSTATUS, which Swift does not import.
            let signal = status & 0x7f
            let signalled = signal != 0 && signal != 0x7f
            exit.finish(.init(status: signalled ? signal : (status >> 8) & 0xff, signalled: signalled))
        }
        thread.name = "streamd.hook.reaper"
        thread.start()
    }

    /// SIGTERM to the child's process group, a grace period, then SIGKILL; returns once the
    /// child is reaped (or after a second more if even SIGKILL did not end it). Runs to the end
    /// even when the caller is cancelled.
    private static func stop(_ pid: pid_t, _ exit: ChildExit) async {
        guard exit.termination == nil else { return }
        kill(-pid, SIGTERM)
        if await exit.wait(upTo: terminationGrace, cancellable: false) != nil {
            kill(-pid, SIGKILL)  // whatever it started and left behind
            return
        }
        kill(-pid, SIGKILL)
        _ = await exit.wait(upTo: .seconds(1), cancellable: false)
    }

    private static func socketPair() throws(Failure) -> (parent: Int32, child: Int32) {
        var descriptors: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &descriptors) == 0 else {
            throw Failure(description: "socketpair failed: \(String(cString: strerror(errno)))")
        }
        return (descriptors[0], descriptors[1])
    }
}
