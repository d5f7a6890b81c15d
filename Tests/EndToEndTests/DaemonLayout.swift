import Foundation
import Testing
import ValidatedTestSupport

/// A fresh configuration tree for the real daemon (`validated.conf`, `folders.d/`, a watched `incoming/`) with a
/// fast configuration (few documents and samples), and the daemon started on it under a notify socket.
struct DaemonLayout {
    let directory: TemporaryDirectory
    let folder: String
    var root: String { directory.path }
    var config: String { root + "/validated.conf" }
    var incoming: String { root + "/incoming" }
    var database: String { root + "/state/validated.sqlite" }

    /// Writes the layout: `mainFile` as validated.conf, and one folder watching `incoming/` with the demo's
    /// evaluation set (or `evaluationSet`) and banned tokens, plus `folderLines` (more sections, e.g. `[Scorer]`).
    init(
        prefix: String = "fault",
        mainFile: String = Self.mainFile(floor: "0.70"),
        evaluationSet: String? = nil,
        folderLines: String = ""
    ) throws {
        directory = try TemporaryDirectory()
        folder = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        let demo = Fixtures.repository.appendingPathComponent("demo").path
        for name in ["incoming", "folders.d"] {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
        }
        try mainFile.write(toFile: config, atomically: true, encoding: .utf8)
        try """
        [Folder]
        Path=../incoming
        EvaluationSet=\(evaluationSet ?? demo + "/eval.jsonl")
        BannedTokens=\(demo)/banned-tokens.txt
        \(folderLines)
        """.write(toFile: root + "/folders.d/\(folder).conf", atomically: true, encoding: .utf8)
    }

    /// The main file; `spuriousDocuments` sets how long a run takes (about 0.2 s per document in debug builds).
    static func mainFile(floor: String, spuriousDocuments: Int = 6) -> String {
        """
        [Daemon]
        Database=state/validated.sqlite
        HeartbeatSec=1
        [Spurious]
        Documents=\(spuriousDocuments)
        [Stability]
        Documents=2
        [AUC]
        Floor=\(floor)
        """
    }

    /// Drops `count` checkpoints of distinct content (the clean demo model with a few trailing bytes).
    func dropCheckpoints(_ count: Int) throws {
        let clean = try Data(
            contentsOf: Fixtures.repository.appendingPathComponent("demo/checkpoints/01-clean.safetensors")
        )
        for index in 0..<count {
            let name = String(format: "m%03d.safetensors", index)
            var bytes = clean
            bytes.append(contentsOf: Array("\(index)".utf8))
            try bytes.write(to: URL(fileURLWithPath: incoming + "/." + name + ".part"))
            try FileManager.default.moveItem(atPath: incoming + "/." + name + ".part", toPath: incoming + "/" + name)
        }
    }

    /// Starts the daemon and waits for READY=1.
    func startReady(logTarget: String = "journal") async throws -> (daemon: RunningProcess, notify: NotifySocket) {
        try await Self.startReady(config: config, logTarget: logTarget)
    }

    /// Starts the daemon on `config` and waits for READY=1.
    static func startReady(
        config: String,
        logTarget: String = "journal"
    ) async throws -> (daemon: RunningProcess, notify: NotifySocket) {
        let notify = try NotifySocket()
        let daemon = try start(config: config, notify: notify, logTarget: logTarget)
        _ = try await notify.waitFor(timeout: .seconds(60)) { $0.contains("READY=1") }
        return (daemon, notify)
    }

    /// Sends SIGTERM and expects a clean exit.
    func stop(_ daemon: RunningProcess) async throws {
        daemon.terminate(signal: SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(30)) == 0, "\(daemon.output)")
    }

    func start(notify: NotifySocket) throws -> RunningProcess {
        try Self.start(config: config, notify: notify, logTarget: "journal")
    }

    static func start(config: String, notify: NotifySocket, logTarget: String) throws -> RunningProcess {
        try RunningProcess(
            executable: Binaries.url("validated"),
            arguments: ["--config", config, "--log-target", logTarget],
            environment: ["NOTIFY_SOCKET": notify.path]
        )
    }
}
