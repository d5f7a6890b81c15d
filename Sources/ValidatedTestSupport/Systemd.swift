import Foundation
import Glibc
import Synchronization

/// The real systemd-journald, started when it is not running, and queried with `journalctl`.
public enum Journald {
    static let socket = "/run/systemd/journal/socket"

    private static let starting = Mutex(())

    /// Starts `/lib/systemd/systemd-journald` unless one is answering on its socket (needs root), and waits until
    /// one is.
    ///
    /// A socket file is not proof of a running journald: a machine image can keep the file of one that has gone,
    /// and sends to it are refused. Concurrent callers start at most one journald.
    public static func ensureRunning() throws {
        try starting.withLock { _ in
            guard !isAnswering() else { return }
            try FileManager.default.createDirectory(atPath: "/run/systemd/journal", withIntermediateDirectories: true)
            unlink(socket)
            let journald = Process()
            journald.executableURL = URL(fileURLWithPath: "/lib/systemd/systemd-journald")
            journald.standardOutput = FileHandle.nullDevice
            journald.standardError = FileHandle.nullDevice
            // Not the notify socket a concurrent test may have set: journald would report its own readiness there.
            journald.environment = ProcessInfo.processInfo.environment.filter {
                !["NOTIFY_SOCKET", "WATCHDOG_USEC"].contains($0.key)
            }
            try journald.run()
            let deadline = Date().addingTimeInterval(10)
            while !isAnswering() {
                guard Date() < deadline else { throw TimeoutError(description: "journald did not answer on \(socket)") }
                usleep(20_000)
            }
        }
    }

    /// Whether a datagram socket can connect to journald's socket: false when the file is missing or stale.
    private static func isAnswering() -> Bool {
        let descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socket.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: bytes.prefix(raw.count - 1)) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }

    /// The entries matching every `FIELD=value` in `matches`, each as a field → value map.
    ///
    /// Multi-line or binary values, which `journalctl -o json` prints as byte arrays, are decoded as UTF-8.
    public static func entries(matching matches: [String: String]) throws -> [[String: String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/journalctl")
        process.arguments =
            ["-o", "json", "--no-pager", "--all"] + matches.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let pipe = Pipe.closedOnExec()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            var entry: [String: String] = [:]
            for (key, value) in object {
                switch value {
                case let string as String: entry[key] = string
                case let bytes as [NSNumber]: entry[key] = String(decoding: bytes.map { $0.uint8Value }, as: UTF8.self)
                case let values as [Any]: entry[key] = values.compactMap { $0 as? String }.joined(separator: "\n")
                default: break
                }
            }
            return entry
        }
    }
}

/// A datagram socket standing in for systemd's `NOTIFY_SOCKET`: it collects what `sd_notify` sends.
///
/// A thread drains the socket continuously, as systemd does: `sd_notify` blocks once a datagram socket's queue
/// is full, so a receiver that only reads when asked would stall the daemon under test.
public final class NotifySocket: Sendable {
    /// The socket's path, for `NOTIFY_SOCKET`.
    public let path: String
    private let receiver: Receiver

    /// Binds a new socket and starts draining it.
    public init() throws {
        path = "/tmp/notify-\(UUID().uuidString.prefix(12)).sock"
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw TimeoutError(description: "cannot create a notify socket") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: bytes.prefix(raw.count - 1)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            close(descriptor)
            throw TimeoutError(description: "cannot bind \(path): \(String(cString: strerror(errno)))")
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        receiver = Receiver(descriptor: descriptor)
        let receiver = self.receiver
        Thread { receiver.drain() }.start()
    }

    deinit {
        receiver.stop()
        unlink(path)
    }

    /// Waits until a received message satisfies `predicate` and returns it.
    ///
    /// - Throws: ``TimeoutError`` when none does within `timeout`.
    public func waitFor(timeout: Duration, _ predicate: @escaping (String) -> Bool) async throws -> String {
        var found: String?
        try await waitUntil(timeout: timeout, poll: .milliseconds(20), "a notify message") {
            found = receiver.messages.first(where: predicate)
            return found != nil
        }
        return found!
    }

    /// Every message received so far.
    public var messages: [String] { receiver.messages }

    private final class Receiver: Sendable {
        let descriptor: Int32
        private let state = Mutex((messages: [String](), stopped: false))

        init(descriptor: Int32) {
            self.descriptor = descriptor
        }

        var messages: [String] { state.withLock { $0.messages } }

        func stop() { state.withLock { $0.stopped = true } }

        func drain() {
            defer { close(descriptor) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !state.withLock({ $0.stopped }) {
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    let message = String(decoding: buffer[0..<count], as: UTF8.self)
                    state.withLock { $0.messages.append(message) }
                }
            }
        }
    }
}
