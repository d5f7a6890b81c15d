import Foundation
import Glibc
import Synchronization

/// A running scorer process: spawned with pipes on its standard streams, in its own process group, under an
/// address-space limit; signalled and reaped exactly once.
///
/// The memory limit is set by `/bin/sh` before it `exec`s the scorer (`ulimit -v`), so the limit is in force
/// from the scorer's first instruction and nothing runs in the daemon between `fork` and `exec`: the spawn is
/// a plain `posix_spawn` of `sh -c 'ulimit -v KiB && exec "$@"' validated-scorer COMMAND... MODEL`.
/// (`Foundation.Process` cannot set a resource limit in the child, and `setrlimit` on a running child through
/// `prlimit` would race with the scorer's first allocations.)
final class ScorerProcess: Sendable {
    /// The exit of a scorer, from its wait status.
    enum Exit: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        init(waitStatus: Int32) {
            let signal = waitStatus & 0x7f
            self = signal == 0 ? .exited((waitStatus >> 8) & 0xff) : .signalled(signal)
        }

        var description: String {
            switch self {
            case .exited(127): "exited with status 127 (command not found?)"
            case .exited(let status): "exited with status \(status)"
            case .signalled(let signal): "was killed by signal \(signal) (\(String(cString: strsignal(signal))))"
            }
        }
    }

    /// The process id, which is also its process group id.
    let pid: pid_t
    /// The daemon's ends of the scorer's standard input, output and error.
    let stdin: Int32
    let stdout: Int32
    let stderr: Int32
    /// `nil` while running; its exit once reaped. Signals are sent only while it is `nil`, so never to a
    /// recycled pid.
    private let exit = Mutex<Exit?>(nil)

    private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Starts `arguments` under `memoryLimitBytes`.
    ///
    /// - Throws: The `errno` description when the pipes or the process cannot be created.
    init(arguments: [String], memoryLimitBytes: Int?) throws(ScorerSpawnError) {
        // A scorer that dies while we write its input must give EPIPE, not kill the daemon.
        Self.ignoreBrokenPipes
        let limit = memoryLimitBytes.map { "ulimit -v \(max(1, $0 / 1024)) && " } ?? ""
        let argv = ["/bin/sh", "-c", limit + "exec \"$@\"", "validated-scorer"] + arguments
        let (spawned, input, output, errors) = try Self.spawnLock.withLock { _ throws(ScorerSpawnError) in
            try Self.spawn(argv)
        }
        for fd in [input[1], output[0], errors[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        pid = spawned
        stdin = input[1]
        stdout = output[0]
        stderr = errors[0]
    }

    /// Serializes spawns, so no scorer inherits the pipes of another one created at the same moment: the pipes are
    /// made close-on-exec with `fcntl` after `pipe`, as `pipe2` is not available to Swift.
    private static let spawnLock = Mutex(())

    private static func spawn(
        _ argv: [String]
    ) throws(ScorerSpawnError) -> (pid_t, [Int32], [Int32], [Int32]) {
        var input: [Int32] = [-1, -1]
        var output: [Int32] = [-1, -1]
        var errors: [Int32] = [-1, -1]
        guard pipe(&input) == 0, pipe(&output) == 0, pipe(&errors) == 0 else {
            let reason = ScorerSpawnError.current("cannot create pipes")
            for fd in input + output + errors where fd >= 0 { close(fd) }
            throw reason
        }
        for fd in input + output + errors { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        // The daemon ignores or blocks some signals (SIGPIPE above, SIGTERM/SIGHUP for its own handlers); the
        // scorer gets their default actions back, so SIGTERM ends it.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD] {
            sigaddset(&defaults, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes,
            Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)
        )
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var cEnvironment = scorerEnvironment().map { strdup($0) } + [nil]
        defer { for variable in cEnvironment { free(variable) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, "/bin/sh", &actions, &attributes, &cArguments, &cEnvironment)
        close(input[0])
        close(output[1])
        close(errors[1])
        guard status == 0 else {
            close(input[1])
            close(output[0])
            close(errors[0])
            throw ScorerSpawnError(reason: "cannot start /bin/sh: \(String(cString: strerror(status)))")
        }
        return (child, input, output, errors)
    }

    /// The daemon's environment without what describes the daemon's own connection to systemd: a scorer must not
    /// notify the service manager, and must log to the stderr pipe (where its tail is kept), not straight to the
    /// journal as `JOURNAL_STREAM` would suggest.
    private static func scorerEnvironment() -> [String] {
        let daemonOnly: Set = [
            "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
            "JOURNAL_STREAM",
        ]
        return ProcessInfo.processInfo.environment.filter { !daemonOnly.contains($0.key) }.map {
            "\($0.key)=\($0.value)"
        }
    }

    deinit {
        kill()
        close(stdin)
        close(stdout)
        close(stderr)
    }

    /// Sends `signal` to the scorer's process group unless it has been reaped.
    func signalGroup(_ signal: Int32) {
        exit.withLock { exit in
            if exit == nil { _ = Glibc.kill(-pid, signal) }
        }
    }

    /// Reaps the scorer if it has exited, without waiting.
    ///
    /// - Returns: How it exited, or `nil` while it runs.
    func reapIfExited() -> Exit? {
        exit.withLock { exit in
            if exit == nil {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { exit = Exit(waitStatus: status) }
            }
            return exit
        }
    }

    /// Kills the scorer's process group with SIGKILL and reaps the scorer; does nothing once it is reaped.
    ///
    /// Safe to call from any thread while another one is reading or writing its pipes: they then see the pipes
    /// close.
    ///
    /// - Returns: How it exited.
    @discardableResult
    func kill() -> Exit {
        exit.withLock { exit in
            if let exit { return exit }
            _ = Glibc.kill(-pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            let reaped = Exit(waitStatus: status)
            exit = reaped
            return reaped
        }
    }
}

/// Why a scorer process could not be created.
struct ScorerSpawnError: Error, Sendable {
    var reason: String

    static func current(_ what: String) -> ScorerSpawnError {
        ScorerSpawnError(reason: "\(what): \(String(cString: strerror(errno)))")
    }
}
