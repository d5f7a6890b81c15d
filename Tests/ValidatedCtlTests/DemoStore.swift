import Foundation
import Testing
import ValidatedStore
import ValidatedTestSupport

/// A real store written by the real `validated` daemon: the demo's clean and artefact checkpoints validated with
/// small settings (a few seconds each), made once per test process and shared read-only by the tests.
actor DemoStore {
    /// Where everything lives.
    struct Layout: Sendable {
        var root: String
        var config: String
        var database: String
        var folder: String
        var demo: String
        var incoming: String
    }

    static let shared = DemoStore()

    private var layout: Task<Layout, any Error>?

    /// The layout, validating the checkpoints on first use.
    func prepared() async throws -> Layout {
        if let layout { return try await layout.value }
        let task = Task { try await Self.make() }
        layout = task
        return try await task.value
    }

    static let demo = Fixtures.repository.appendingPathComponent("demo").path

    /// Writes a configuration for one folder `topics` under `root` with small suite settings.
    static func writeConfiguration(root: String) throws -> Layout {
        let folder = "topics"
        try FileManager.default.createDirectory(atPath: root + "/incoming", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/folders.d", withIntermediateDirectories: true)
        try """
        [Daemon]
        Database=state/validated.sqlite
        HeartbeatSec=1
        [Explain]
        Samples=1000
        [Spurious]
        Documents=24
        WarnHitRate=0.05
        [Stability]
        Documents=2
        Perturbations=1
        AttackDocuments=1
        AttackSteps=1
        AttackCandidates=2
        """.write(toFile: root + "/validated.conf", atomically: true, encoding: .utf8)
        try """
        [Folder]
        Path=../incoming
        EvaluationSet=\(demo)/eval.jsonl
        BannedTokens=\(demo)/banned-tokens.txt
        """.write(toFile: root + "/folders.d/\(folder).conf", atomically: true, encoding: .utf8)
        return Layout(
            root: root,
            config: root + "/validated.conf",
            database: root + "/state/validated.sqlite",
            folder: folder,
            demo: demo,
            incoming: root + "/incoming"
        )
    }

    /// Runs the daemon on `layout` until `done` holds of its store, then stops it with SIGTERM.
    static func runDaemon(
        _ layout: Layout,
        dropping names: [String],
        until done: @escaping (VerdictStore) throws -> Bool
    )
        async throws
    {
        let notify = try NotifySocket()
        let daemon = try RunningProcess(
            executable: Binaries.url("validated"),
            arguments: ["--config", layout.config, "--log-target", "console"],
            environment: ["NOTIFY_SOCKET": notify.path]
        )
        defer { daemon.terminate(signal: SIGKILL) }
        _ = try await notify.waitFor(timeout: .seconds(60)) { $0.contains("READY=1") }
        for name in names {
            let part = layout.incoming + "/." + name + ".part"
            try FileManager.default.copyItem(atPath: layout.demo + "/checkpoints/" + name, toPath: part)
            try FileManager.default.moveItem(atPath: part, toPath: layout.incoming + "/" + name)
        }
        let store = try VerdictStore(readOnlyPath: layout.database)
        try await waitUntil(timeout: .seconds(120), "the daemon's verdicts; its log:\n\(daemon.output)") {
            try done(store)
        }
        daemon.terminate(signal: SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(30)) == 0)
    }

    private static func make() async throws -> Layout {
        let layout = try writeConfiguration(root: try TemporaryDirectory().path)
        let names = ["01-clean.safetensors", "02-artefact.safetensors"]
        try await runDaemon(layout, dropping: names) { store in
            try names.allSatisfy { name in
                guard let model = try? store.findModel(name) else { return false }
                return try store.runs(modelID: model.id).first?.verdict != nil
            }
        }
        return layout
    }
}
