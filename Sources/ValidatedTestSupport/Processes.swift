import Foundation

/// A child process with its output captured to a file, for tests that drive the real binaries.
public final class RunningProcess: @unchecked Sendable {
    private let process = Process()
    /// Where standard output and error go.
    public let logPath: String

    /// Launches `executable`.
    public init(executable: URL, arguments: [String], environment: [String: String] = [:]) throws {
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("validated-\(UUID().uuidString).log").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }

    /// Whether it has not exited yet.
    public var isRunning: Bool { process.isRunning }

    /// What it printed so far.
    public var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends `signal` if it is still running.
    public func terminate(signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for it to exit and returns its exit status.
    ///
    /// - Throws: ``TimeoutError`` when it is still running after `timeout`.
    public func waitForExit(timeout: Duration) async throws -> Int32 {
        try await waitUntil(timeout: timeout, "process \(pid) to exit") { !process.isRunning }
        return process.terminationStatus
    }
}
