import Foundation
import Glibc

/// The real systemd-journald, started when it is not running, and queried with `journalctl`.
public enum Journald {
    static let socket = "/run/systemd/journal/socket"

    /// Starts `/lib/systemd/systemd-journald` if its socket is missing (needs root), and waits for the socket.
    public static func ensureRunning() throws {
        guard !FileManager.default.fileExists(atPath: socket) else { return }
        try FileManager.default.createDirectory(atPath: "/run/systemd/journal", withIntermediateDirectories: true)
        let journald = Process()
        journald.executableURL = URL(fileURLWithPath: "/lib/systemd/systemd-journald")
        journald.standardOutput = FileHandle.nullDevice
        journald.standardError = FileHandle.nullDevice
        try journald.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socket) {
            guard Date() < deadline else { throw TimeoutError(description: "journald did not create \(socket)") }
            usleep(20_000)
        }
    }

    /// The entries matching every `FIELD=value` in `matches`, each as a field → value map.
    ///
    /// Multi-line or binary values, which `journalctl -o json` prints as byte arrays, are decoded as UTF-8.
    public static func entries(matching matches: [String: String]) throws -> [[String: String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/journalctl")
        process.arguments = ["-o", "json", "--no-pager", "--all"] + matches.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
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
public final class NotifySocket: @unchecked Sendable {
    /// The socket's path, for `NOTIFY_SOCKET`.
    public let path: String
    private let descriptor: Int32
    private var received: [String] = []

    /// Binds a new socket in a temporary directory.
    public init() throws {
        path = "/tmp/notify-\(UUID().uuidString.prefix(12)).sock"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw TimeoutError(description: "cannot create a notify socket") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes.prefix(raw.count - 1))
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw TimeoutError(description: "cannot bind \(path): \(String(cString: strerror(errno)))") }
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// Waits until a received message satisfies `predicate` and returns it; earlier messages are kept.
    ///
    /// - Throws: ``TimeoutError`` when none does within `timeout`.
    public func waitFor(timeout: Duration, _ predicate: (String) -> Bool) async throws -> String {
        var found: String?
        try await waitUntil(timeout: timeout, poll: .milliseconds(20), "a notify message") {
            drain()
            found = received.first(where: predicate)
            return found != nil
        }
        return found!
    }

    /// Every message received so far.
    public var messages: [String] {
        drain()
        return received
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count > 0 else { return }
            received.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
    }
}
