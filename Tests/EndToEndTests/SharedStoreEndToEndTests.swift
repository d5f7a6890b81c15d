import Foundation
import Testing
import ValidatedCtl
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
            // The demo's first 400 texts (both topics): 300 checkpoints are scored on them, in debug builds.
            let lines = try String(contentsOfFile: demo + "/eval.jsonl", encoding: .utf8).split(separator: "\n")
            try (lines.prefix(400).joined(separator: "\n") + "\n")
                .write(toFile: root.path + "/eval.jsonl", atomically: true, encoding: .utf8)
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
                Samples=50
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
                EvaluationSet=\(root.path)/eval.jsonl
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
            do {
                // A zombie counts: Foundation may hear of the exit late when a sibling inherited its descriptor.
                try await waitUntil(timeout: .seconds(60), poll: .seconds(1), "daemon \(index) to exit") {
                    !process.isRunning || Self.hasExited(process.pid)
                }
            } catch {
                throw FleetError(description: "\(error)\n\(process.output.suffix(4000))")
            }
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

        /// Whether process `pid` is gone or a zombie, as /proc tells.
        static func hasExited(_ pid: Int32) -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return true }
            let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
            return state == "Z" || state == "X"
        }

        /// Copies the demo checkpoint `name` into the folder (renamed in, as a careful copier does).
        func dropDemo(_ name: String) throws {
            let part = root.path + "/." + name
            try FileManager.default.copyItem(
                atPath: Fixtures.repository.appendingPathComponent("demo/checkpoints/" + name).path,
                toPath: part
            )
            try FileManager.default.moveItem(atPath: part, toPath: incoming + "/" + name)
        }

        /// Daemon `index`'s main configuration file.
        func config(_ index: Int) -> String { root.path + "/d\(index)/validated.conf" }

        /// What daemon `index` printed so far.
        func log(_ index: Int) -> String { daemons[index]?.output ?? "" }

        /// Runs with a verdict, read with the server's own client; `nil` while the server is down. Callers poll it
        /// once a second: every psql started is a child whose birth can leak descriptors into others'.
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
        events.append(
            (
                stopAt,
                {
                    // Seen twice in nine runs under CPU load: the daemon logs that its run is back in the queue, then
                    // does not exit within 60 s. Recorded, not hidden; it is killed so the scenario goes on.
                    await withKnownIssue("SIGTERM can leave a daemon of a shared store running", isIntermittent: true) {
                        try await fleet.end(1, signal: SIGTERM)
                    }
                    try await fleet.end(1, signal: SIGKILL)
                }
            )
        )
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
            try await waitUntil(
                timeout: .seconds(300),
                poll: .seconds(1),
                "\(event.at) verdicts\n\(fleet.allLogs.suffix(3000))"
            ) {
                (fleet.verdicts() ?? 0) >= event.at
            }
            try await event.action()
        }
        try await waitUntil(
            timeout: .seconds(300),
            poll: .seconds(1),
            "every checkpoint's verdict\n\(fleet.allLogs.suffix(3000))"
        ) {
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

extension SharedStoreEndToEndTests {
    @Test func validatectlWorksOnTheServerAndADaemonWithOtherFilesLeavesTheFolderAlone() async throws {
        try Journald.ensureRunning()
        let fleet = try Fleet(daemons: 2)
        do {
            try await Self.operate(fleet)
        } catch {
            await fleet.remove()
            throw error
        }
        await fleet.remove()
    }

    static func operate(_ fleet: Fleet) async throws {
        let server = fleet.server
        let ctl = { (arguments: [String]) in
            try await validatectl(
                arguments + ["--database", server.url, "--config", "/nonexistent"],
                environment: ["PGPASSWORD": server.password]
            )
        }
        try await fleet.start(0)
        for name in ["01-clean.safetensors", "03-undertrained.safetensors"] { try fleet.dropDemo(name) }
        try await waitUntil(timeout: .seconds(120), poll: .seconds(1), "two verdicts\n\(fleet.allLogs.suffix(2000))") {
            fleet.verdicts() == 2
        }
        let list = try await ctl(["list"])
        #expect(list.code == 0 && list.stdout.contains("01-clean") && list.stdout.contains("03-undertrained"))
        let show = try await ctl(["show", "01-clean.safetensors"])
        #expect(show.code == 0 && show.stdout.contains("auc"), "\(show.stdout)\(show.stderr)")
        let promote = try await ctl(["promote", "--force", "03-undertrained.safetensors"])
        #expect(promote.code == 0, "\(promote.stderr)")
        #expect(try server.rows("SELECT count(*) FROM promotion WHERE reason = 'manual'") == "1")
        let rerun = try await ctl(["rerun", "01-clean.safetensors"])
        #expect(rerun.code == 0 && rerun.stdout.contains("queued run"), "\(rerun.stdout)\(rerun.stderr)")
        try await waitUntil(timeout: .seconds(120), poll: .seconds(1), "the rerun's verdict") { fleet.verdicts() == 3 }
        let history = try await ctl(["history", "--json"])
        #expect(history.code == 0, "\(history.stderr)")

        // Daemon 1 has another banned list: it leaves the folder to daemon 0 and says why.
        let banned = fleet.root.path + "/other-banned.txt"
        try "nntp\nposting\n".write(toFile: banned, atomically: true, encoding: .utf8)
        let folderFile = fleet.root.path + "/d1/folders.d/shared.conf"
        let original = try String(contentsOfFile: folderFile, encoding: .utf8)
        try original.replacingOccurrences(
            of: #"BannedTokens=.*"#,
            with: "BannedTokens=\(banned)",
            options: .regularExpression
        )
        .write(toFile: folderFile, atomically: true, encoding: .utf8)
        try await fleet.start(1)
        try await waitUntil(
            timeout: .seconds(30),
            poll: .seconds(1),
            "daemon 1 refuses its copy\n\(fleet.log(1).suffix(2000))"
        ) {
            fleet.log(1).contains("differs from the copy")
        }
        // Adopting daemon 1's files turns it around: daemon 0 refuses its old copy at its next run of the folder.
        let adopt = try await validatectl(
            ["adopt", "shared", "--config", fleet.config(1)],
            environment: ["PGPASSWORD": server.password]
        )
        #expect(adopt.code == 0, "\(adopt.stdout)\(adopt.stderr)")
        let status = try await ctl(["status", "--json"])
        let daemons = try JSONValue.parse(status.stdout)["daemons"]?.array ?? []
        #expect(daemons.count == 2, "\(status.stdout)")
        #expect(daemons.allSatisfy { $0["running"] == .bool(true) }, "\(status.stdout)")
        try await fleet.end(1, signal: SIGTERM)
        let again = try await ctl(["rerun", "01-clean.safetensors"])
        #expect(again.code == 0, "\(again.stderr)")
        try await waitUntil(
            timeout: .seconds(30),
            poll: .seconds(1),
            "daemon 0 refuses the old copy\n\(fleet.log(0).suffix(2000))"
        ) {
            fleet.log(0).contains("differs from the copy")
        }
        #expect(fleet.verdicts() == 3, "no verdict from the old copy")
        #expect(try server.rows("SELECT count(*) FROM run WHERE state = 'queued'") == "1", "the run waits")
    }
}
extension PostgresServer {
    /// ``psql(_:)``'s output without its final newline.
    func rows(_ sql: String) throws -> String {
        try psql(sql).trimmingCharacters(in: .newlines)
    }
}

/// A daemon of the fleet that did not do what the test waited for, with what it printed.
struct FleetError: Error, CustomStringConvertible {
    var description: String
}
