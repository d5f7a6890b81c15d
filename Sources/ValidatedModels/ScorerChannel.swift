import Glibc

/// Line-oriented I/O with a scorer under a deadline: writes a request to its standard input and reads one line
/// from its standard output, draining its standard error into a bounded tail all the while, so a scorer that
/// floods stderr never blocks.
///
/// Every wait is a `poll` on the three pipes with the time left to the deadline; nothing sleeps.
struct ScorerChannel {
    /// Why an exchange ended without a line.
    enum Failure: Error, Equatable {
        /// The deadline passed.
        case timedOut
        /// Standard output reached end of file: the scorer exited or closed it.
        case outputClosed
        /// A line grew past ``ScorerMessages/maxLineBytes``.
        case lineTooLong
        /// The scorer wrote a line before it had read the whole request.
        case answeredEarly([UInt8])
        /// A system call failed.
        case system(String)
    }

    /// The bytes kept of standard error.
    static let tailBytes = 2048

    private let stdin: Int32
    private let stdout: Int32
    private let stderr: Int32
    /// Called at least every second while waiting, so the daemon's watchdog knows the worker is alive.
    private let whileWaiting: (@Sendable () -> Void)?
    private var stdinOpen = true
    private var stdoutOpen = true
    private var stderrOpen = true
    /// Standard output read but not yet returned as lines.
    private var pending: [UInt8] = []
    /// How far ``pending`` is known to hold no newline.
    private var scanned = 0
    /// The last bytes of standard error (between ``tailBytes`` and twice that).
    private var tail: [UInt8] = []

    init(process: ScorerProcess, whileWaiting: (@Sendable () -> Void)?) {
        self.whileWaiting = whileWaiting
        stdin = process.stdin
        stdout = process.stdout
        stderr = process.stderr
    }

    /// The last ``tailBytes`` of standard error, as text.
    var stderrTail: String {
        String(decoding: tail.suffix(Self.tailBytes), as: UTF8.self)
    }

    /// Writes `request` (a whole line, newline included) and returns the next line of output, without its
    /// newline.
    mutating func exchange(_ request: [UInt8], deadline: ContinuousClock.Instant) throws(Failure) -> [UInt8] {
        var written = 0
        while true {
            if let line = takeLine() {
                guard written == request.count else { throw .answeredEarly(line) }
                return line
            }
            guard stdoutOpen else { throw .outputClosed }
            let writing = written < request.count && stdinOpen
            var fds = [
                pollfd(fd: writing ? stdin : -1, events: Int16(POLLOUT), revents: 0),
                pollfd(fd: stdout, events: Int16(POLLIN), revents: 0),
                pollfd(fd: stderrOpen ? stderr : -1, events: Int16(POLLIN), revents: 0),
            ]
            try wait(&fds, deadline: deadline)
            if fds[0].revents & Int16(POLLOUT) != 0 {
                let count = request.withUnsafeBytes { bytes in
                    write(stdin, bytes.baseAddress! + written, bytes.count - written)
                }
                if count > 0 {
                    written += count
                } else if errno != EAGAIN && errno != EINTR {
                    closeInput()
                }
            } else if fds[0].revents & Int16(POLLERR | POLLHUP) != 0 {
                closeInput()
            }
            if fds[1].revents != 0 { try readOutput() }
            if fds[2].revents != 0 { readErrors() }
        }
    }

    /// Reads standard error until it is closed or `deadline` passes, so the tail holds the scorer's last words.
    mutating func drainErrors(until deadline: ContinuousClock.Instant) {
        while stderrOpen {
            var fds = [pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)]
            do { try wait(&fds, deadline: deadline) } catch { return }
            readErrors()
        }
    }

    /// Closes standard input, which tells a scorer to finish.
    mutating func closeInput() {
        guard stdinOpen else { return }
        stdinOpen = false
        // The scorer sees end of file once the pipe's write end is gone. The descriptor number stays ours until
        // the process object closes it, so /dev/null takes its place instead of closing it here.
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        if null >= 0 {
            _ = dup2(null, stdin)
            _ = fcntl(stdin, F_SETFD, FD_CLOEXEC)
            close(null)
        }
    }

    private mutating func wait(_ fds: inout [pollfd], deadline: ContinuousClock.Instant) throws(Failure) {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { throw .timedOut }
            let (seconds, attoseconds) = left.components
            let untilDeadline = seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1
            let milliseconds = min(whileWaiting == nil ? Int64(Int32.max) : 1000, untilDeadline)
            let ready = poll(&fds, nfds_t(fds.count), Int32(milliseconds))
            whileWaiting?()
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw .system("poll: \(String(cString: strerror(errno)))") }
        }
    }

    private mutating func readOutput() throws(Failure) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { read(stdout, $0.baseAddress!, $0.count) }
        if count > 0 {
            pending.append(contentsOf: buffer[..<count])
            if pending.count > ScorerMessages.maxLineBytes, !pending[scanned...].contains(10) {
                throw .lineTooLong
            }
        } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
            stdoutOpen = false
        }
    }

    private mutating func readErrors() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { read(stderr, $0.baseAddress!, $0.count) }
        if count > 0 {
            tail.append(contentsOf: buffer[..<count])
            if tail.count > 2 * Self.tailBytes { tail.removeFirst(tail.count - Self.tailBytes) }
        } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
            stderrOpen = false
        }
    }

    private mutating func takeLine() -> [UInt8]? {
        guard let newline = pending[scanned...].firstIndex(of: 10) else {
            scanned = pending.count
            return nil
        }
        let line = Array(pending[..<newline])
        pending.removeFirst(newline + 1)
        scanned = 0
        return line
    }
}
