import Foundation
import Testing
import ValidatedTestSupport

/// A fresh folder layout with a fast configuration (few documents and samples).
struct FaultLayout {
    let directory: TemporaryDirectory
    let folder = "fault-\(UUID().uuidString.prefix(8).lowercased())"
    var root: String { directory.path }
    var config: String { root + "/validated.conf" }
    var incoming: String { root + "/incoming" }

    init() throws {
        directory = try TemporaryDirectory()
        let demo = Fixtures.repository.appendingPathComponent("demo").path
        try FileManager.default.createDirectory(atPath: root + "/incoming", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/folders.d", withIntermediateDirectories: true)
        try Self.mainFile(floor: "0.70").write(toFile: root + "/validated.conf", atomically: true, encoding: .utf8)
        try """
        [Folder]
        Path=../incoming
        EvaluationSet=\(demo)/eval.jsonl
        BannedTokens=\(demo)/banned-tokens.txt
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
        let clean = try Data(contentsOf: Fixtures.repository.appendingPathComponent("demo/checkpoints/01-clean.safetensors"))
        for index in 0..<count {
            let name = String(format: "m%03d.safetensors", index)
            var bytes = clean
            bytes.append(contentsOf: Array("\(index)".utf8))
            try bytes.write(to: URL(fileURLWithPath: incoming + "/." + name + ".part"))
            try FileManager.default.moveItem(atPath: incoming + "/." + name + ".part", toPath: incoming + "/" + name)
        }
    }

    /// Starts the daemon and waits for READY=1.
    func startReady() async throws -> (daemon: RunningProcess, notify: NotifySocket) {
        let notify = try NotifySocket()
        let daemon = try start(notify: notify)
        _ = try await notify.waitFor(timeout: .seconds(60)) { $0.contains("READY=1") }
        return (daemon, notify)
    }

    /// Sends SIGTERM and expects a clean exit.
    func stop(_ daemon: RunningProcess) async throws {
        daemon.terminate(signal: SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(30)) == 0, "\(daemon.output)")
    }

    func start(notify: NotifySocket) throws -> RunningProcess {
        try RunningProcess(
            executable: Binaries.url("validated"), arguments: ["--config", config, "--log-target", "journal"],
            environment: ["NOTIFY_SOCKET": notify.path]
        )
    }
}
