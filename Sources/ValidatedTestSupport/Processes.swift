import Foundation

/// A child process with its output captured to a file, for tests that drive the real binaries.
public final class RunningProcess: @unchecked Sendable {
    private let process = Process()
    /// Where standard output and error go.
    public let logPath: String

    /// Launches `executable`.
    public init(executable: URL, arguments: [String], environment: [String: String] = [:]) throws {
        logPath =
            FileManager.default.temporaryDirectory.appendingPathComponent("validated-\(UUID().uuidString).log").path
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

/// Runs `python3 SCRIPT ARGUMENTS…` (the script's path relative to the repository) and waits for it on a thread
/// of its own, so a long training script does not hold one of the threads all running tests share.
///
/// Standard output is discarded; standard error is returned so a failing test can quote it. Python writes no
/// bytecode into the repository. A script still running after 15 minutes is killed (``Process/killing(_:after:)``).
public func runPython(_ script: String, _ arguments: [String]) async throws -> (status: Int32, stderr: String) {
    try await onOwnThread { try runPythonBlocking(script, arguments) }
}

private func runPythonBlocking(_ script: String, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", Fixtures.repository.appendingPathComponent(script).path] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(["PYTHONDONTWRITEBYTECODE": "1"]) { $1 }
    let errors = Pipe.closedOnExec()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errors
    try process.run()
    let watchdog = Process.killing(process, after: .seconds(900))
    let stderr = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    watchdog.cancel()
    return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
}

extension Process {
    /// Kills `process` with SIGKILL unless it has exited within `limit`, so a hung child ends the test that waits
    /// on it (its pipes reach end-of-file and its exit status says it was killed) instead of stalling the whole
    /// run. Cancel the returned item once the process has exited.
    static func killing(_ process: Process, after limit: Duration) -> DispatchWorkItem {
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem {
            if process.isRunning {
                FileHandle.standardError.write(Data("killing process \(pid), still running after \(limit)\n".utf8))
                kill(pid, SIGKILL)
            }
        }
        let seconds = Double(limit.components.seconds)
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: watchdog)
        return watchdog
    }
}

/// What a `validatectl` run printed and how it exited.
public struct CtlResult: Sendable {
    public var code: Int32
    public var stdout: String
    public var stderr: String

    /// Standard output parsed as one JSON object.
    public func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] else {
            throw UnexpectedOutput(description: "validatectl printed no JSON object: \(stdout)")
        }
        return object
    }
}

/// A program's output that is not what the test expects.
public struct UnexpectedOutput: Error, CustomStringConvertible {
    /// What was printed instead.
    public var description: String
}

/// Runs the real `validatectl` with `arguments` and `environment` added to this process's, waiting for it on a
/// thread of its own so that a long gate run does not hold one of the threads all running tests share.
public func validatectl(_ arguments: [String], environment: [String: String] = [:]) async throws -> CtlResult {
    try await onOwnThread { try validatectlBlocking(arguments, environment: environment) }
}

/// ``validatectl(_:environment:)`` on the caller's thread, for a short command inside a synchronous closure. A run
/// still going after 15 minutes is killed (``Process/killing(_:after:)``).
public func validatectlBlocking(_ arguments: [String], environment: [String: String] = [:]) throws -> CtlResult {
    let process = Process()
    process.executableURL = Binaries.url("validatectl")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe.closedOnExec()
    let error = Pipe.closedOnExec()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let watchdog = Process.killing(process, after: .seconds(900))
    // Standard error is small; read it after standard output so neither pipe fills while the other is read.
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    watchdog.cancel()
    return CtlResult(
        code: process.terminationStatus,
        stdout: String(decoding: out, as: UTF8.self),
        stderr: String(decoding: err, as: UTF8.self)
    )
}

extension Pipe {
    /// A pipe whose ends are close-on-exec. A child started with one as its standard output still gets it (the
    /// copy onto descriptor 1 is not close-on-exec), but no other child that a concurrent test starts inherits the
    /// write end: a long-lived daemon holding it would keep the reader from ever seeing the end of the output.
    public static func closedOnExec() -> Pipe {
        let pipe = Pipe()
        for handle in [pipe.fileHandleForReading, pipe.fileHandleForWriting] {
            _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
        }
        return pipe
    }
}
