import Foundation
import Testing
import ValidatedTestSupport

/// Several real daemons on one real PostgreSQL server, watching one shared folder, while daemons are killed and
/// stopped and the server goes away: every checkpoint gets one verdict and the champions' lineage stays in order.
@Suite(
    .enabled(if: PostgresServer.missing == nil, "\(PostgresServer.missing ?? "")"),
    .timeLimit(.minutes(10))
)
struct SharedStoreEndToEndTests {
    /// Daemons, each with a configuration of its own, sharing the store and the folder `incoming`.
    final class Fleet: @unchecked Sendable {
        let root: TemporaryDirectory
        let server: PostgresServer
        var incoming: String { root.path + "/incoming" }
        private(set) var daemons: [RunningProcess?]
        private(set) var logs: [String] = []

        init(daemons count: Int) throws {
            root = try TemporaryDirectory()
            server = try PostgresServer.start()
            daemons = Array(repeating: nil, count: count)
            let demo = Fixtures.repository.appendingPathComponent("demo").path
            try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: true)
            for index in 0..<count {
                let directory = root.path + "/d\(index)"
                try FileManager.default.createDirectory(
                    atPath: directory + "/folders.d",
                    withIntermediateDirectories: true
                )
                try """
                [Daemon]
                Database=\(server.url)
                DatabasePasswordFile=\(server.passwordFile)
                HeartbeatSec=0.5
                [Explain]
                Samples=100
                [Spurious]
                Documents=1
                [Stability]
                Documents=0
                [Counterfactual]
                Documents=0
                """.write(toFile: directory + "/validated.conf", atomically: true, encoding: .utf8)
                try """
                [Folder]
                Path=\(incoming)
                EvaluationSet=\(demo)/eval.jsonl
                BannedTokens=\(demo)/banned-tokens.txt
                """.write(toFile: directory + "/folders.d/shared.conf", atomically: true, encoding: .utf8)
            }
        }

        /// Starts daemon `index` and waits for READY=1.
        func start(_ index: Int) async throws {
            let notify = try NotifySocket()
            let process = try RunningProcess(
                executable: Binaries.url("validated"),
                arguments: ["--config", root.path + "/d\(index)/validated.conf"],
                environment: ["NOTIFY_SOCKET": notify.path]
            )
            daemons[index] = process
            _ = try await notify.waitFor(timeout: .seconds(120)) { $0.contains("READY=1") }
        }

        /// Ends daemon `index` with `signal` and waits for it to exit.
        func end(_ index: Int, signal: Int32) async throws {
            guard let process = daemons[index] else { return }
            process.terminate(signal: signal)
            _ = try await process.waitForExit(timeout: .seconds(60))
            logs.append(process.output)
            daemons[index] = nil
        }

        /// Copies of the clean demo checkpoint made distinct by trailing bytes, renamed into the folder.
        func drop(_ count: Int) throws {
            let checkpoint = try Data(
                contentsOf: Fixtures.repository.appendingPathComponent("demo/checkpoints/01-clean.safetensors")
            )
            for index in 0..<count {
                let name = String(format: "model-%04d.safetensors", index)
                let part = root.path + "/." + name + ".part"
                try (checkpoint + Data("\(index)".utf8)).write(to: URL(fileURLWithPath: part))
                try FileManager.default.moveItem(atPath: part, toPath: incoming + "/" + name)
            }
        }

        /// Runs with a verdict, read with the server's own client; `nil` while the server is down.
        func verdicts() -> Int? {
            (try? server.rows("SELECT count(*) FROM run WHERE verdict IS NOT NULL")).flatMap { Int($0) }
        }

        func remove() async {
            for index in daemons.indices { try? await end(index, signal: SIGKILL) }
            server.remove()
            root.remove()
        }

        var allLogs: String { (logs + daemons.compactMap { $0?.output }).joined(separator: "\n----\n") }
    }

    @Test func threeDaemonsGiveEachCheckpointOneVerdictThroughKillsAStopAndAnOutage() async throws {
        try Journald.ensureRunning()
        let fleet = try Fleet(daemons: 3)
        do {
            try await Self.judgeUnderFaults(fleet)
        } catch {
            await fleet.remove()
            throw error
        }
        await fleet.remove()
    }

    static func judgeUnderFaults(_ fleet: Fleet) async throws {
        for index in 0..<3 { try await fleet.start(index) }
        let checkpoints = 300
        try fleet.drop(checkpoints)

        // Kill daemon 0 with SIGKILL at three random moments (restarting it each time), stop daemon 1 for good,
        // and take the server away for 10 s.
        var random = SystemRandomNumberGenerator()
        let kills = (0..<3).map { _ in Int.random(in: 10...250, using: &random) }.sorted()
        let stopAt = Int.random(in: 40...200, using: &random)
        let outageAt = Int.random(in: 60...220, using: &random)
        print("shared store: kill -9 daemon 0 at \(kills) verdicts, stop daemon 1 at \(stopAt), outage at \(outageAt)")
        var events: [(at: Int, action: @Sendable () async throws -> Void)] =
            kills.map { at in
                (
                    at,
                    {
                        try await fleet.end(0, signal: SIGKILL)
                        try await fleet.start(0)
                    }
                )
            }
        events.append((stopAt, { try await fleet.end(1, signal: SIGTERM) }))
        events.append(
            (
                outageAt,
                {
                    try fleet.server.stop()
                    try await Task.sleep(for: .seconds(10))
                    try fleet.server.startAgain()
                }
            )
        )
        events.sort { $0.at < $1.at }
        for event in events {
            try await waitUntil(timeout: .seconds(300), "\(event.at) verdicts\n\(fleet.allLogs.suffix(3000))") {
                (fleet.verdicts() ?? 0) >= event.at
            }
            try await event.action()
        }
        try await waitUntil(timeout: .seconds(300), "every checkpoint's verdict\n\(fleet.allLogs.suffix(3000))") {
            fleet.verdicts() == checkpoints
        }

        let server = fleet.server
        #expect(
            try server.rows("SELECT count(*), count(DISTINCT sha256) FROM model") == "\(checkpoints)|\(checkpoints)"
        )
        #expect(try server.rows("SELECT count(*) FROM run WHERE state IN ('queued', 'running')") == "0")
        let twice = try server.rows(
            "SELECT count(*) FROM (SELECT model_id FROM run WHERE verdict IS NOT NULL GROUP BY model_id HAVING count(*) > 1) m"
        )
        #expect(twice == "0", "checkpoints with more than one verdict")
        let outOfOrder = try server.rows(
            """
            SELECT count(*) FROM (SELECT previous_model_id, lag(model_id) OVER (PARTITION BY folder ORDER BY id) AS before
            FROM promotion) p WHERE previous_model_id IS DISTINCT FROM before
            """
        )
        #expect(outOfOrder == "0", "promotions that do not name the champion they replaced")
        #expect(fleet.allLogs.contains("retrying in"), "the outage was reported and retried")

        let status = try await validatectl(
            ["status", "--database", server.url, "--config", "/nonexistent"],
            environment: ["PGPASSWORD": server.password]
        )
        #expect(status.code == 0, "\(status.stdout)\(status.stderr)")
        #expect(status.stdout.contains("daemons alive"), "\(status.stdout)")
    }
}

extension PostgresServer {
    /// ``psql(_:)``'s output without its final newline.
    func rows(_ sql: String) throws -> String {
        try psql(sql).trimmingCharacters(in: .newlines)
    }
}
