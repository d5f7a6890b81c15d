import Foundation
import Glibc
import Testing
import ValidatedCore
import ValidatedCtl
import ValidatedStore
import ValidatedTestSupport

/// What an operator sees: status as another user, hostile names and texts on a terminal.
@Suite(.timeLimit(.minutes(3))) struct OperatorViewTests {
    static let hostile = "\u{1B}[2J\u{1B}]0;owned\u{07}\u{202E}\n\u{9B}"

    /// A store with one finished run whose model name, summary, status line and stored texts carry terminal
    /// control sequences.
    static func hostileStore(_ directory: String, pid: Int32) throws -> String {
        let database = directory + "/store.sqlite"
        let store = try VerdictStore(path: database)
        let path = directory + "/\(hostile)evil.safetensors"
        guard
            case .queued(let runID, let modelID) = try store.enqueue(
                folder: "topics",
                path: path,
                sha256: String(repeating: "ab", count: 32),
                size: 10
            )
        else { throw OtherUser.Failure(description: "not queued") }
        _ = try store.claimNextRun(serving: [])
        let fixture = try String(contentsOf: Fixtures.url("reports/artefact.json"), encoding: .utf8)
        var report = try JSONDecoder().decode(ValidationReport.self, from: Data(fixture.utf8))
        report.summary = "bad \(hostile) summary"
        report.checks.spurious?.worst[0].text = "text with \(hostile) inside"
        report.checks.auc?.summary = "auc \(hostile)"
        // A suite that measured nothing is stored as skipped (the store's v3 migration allows it).
        report.checks.stability = StabilityCheck.evaluate([], topK: 10, settings: StabilitySettings())
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        try store.complete(
            RunCompletion(
                runID: runID,
                verdict: report.verdict,
                summary: report.summary,
                reportJSON: json,
                checks: report.checkRecords,
                configFingerprint: nil,
                evalFingerprint: nil,
                championModelID: nil,
                promote: false
            )
        )
        try store.promote(modelID: modelID, reason: .manual)
        try store.beat(
            Heartbeat(pid: pid, startedAt: Date(), beatAt: Date(), status: "idle \(hostile)", folders: ["topics=/x"])
        )
        return database
    }

    @Test func statusListShowAndExplainRenderControlCharactersVisibly() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Self.hostileStore(directory.path, pid: getpid())
        let commands: [[String]] = [
            ["status"], ["list"], ["show", "abababab"], ["history"],
            [
                "explain", Fixtures.repository.appendingPathComponent("demo/checkpoints/01-clean.safetensors").path,
                "--text", "a telegraph \(Self.hostile) sent over the wire", "--features", "3",
            ],
        ]
        for command in commands {
            let result = try await validatectl(command + ["--database", database])
            #expect(result.code == 0, "\(command): \(result.stderr)")
            #expect(
                !result.stdout.contains("\u{1B}"),
                "\(command) wrote a raw escape: \(result.stdout.debugDescription)"
            )
            #expect(!result.stdout.contains("\u{07}"), "\(command) wrote a raw BEL")
            #expect(!result.stdout.contains("\u{202E}") && !result.stdout.contains("\u{9B}"), "\(command)")
            #expect(
                result.stdout.contains("\\x1b[2J\\x1b]0;owned\\x07\\u{202e}\\n\\x9b"),
                "\(command): \(result.stdout)"
            )
        }
        let shown = try await validatectl(["show", "abababab", "--database", database]).stdout
        #expect(shown.contains(#/  stability +skipped stability not measured/#), "\(shown)")
        // JSON keeps the exact text.
        let json = try JSONValue.parse(
            try await validatectl(["show", "abababab", "--json", "--database", database]).stdout
        )
        #expect(json["model"]?["path"]?.string?.contains(Self.hostile) == true)
        #expect(json["run"]?["summary"]?.string == "bad \(Self.hostile) summary")
    }

    @Test func statusSaysRunningToAUserWhoCannotSignalTheDaemon() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // The "daemon" is a process of root's; the caller is nobody, for whom kill(pid, 0) fails with EPERM.
        let daemon = try RunningProcess(executable: URL(fileURLWithPath: "/bin/sleep"), arguments: ["300"])
        defer { daemon.terminate(signal: SIGKILL) }
        let database = try Self.hostileStore(directory.path, pid: daemon.pid)
        // Held open as by the running daemon (its -shm file exists).
        let held = try VerdictStore(path: database)
        try OtherUser.share(directory.path)
        let result = try withExtendedLifetime(held) {
            try OtherUser.nobody.validatectl(["status", "--database", database])
        }
        #expect(result.code == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("● running"), "\(result.stdout)")
    }

    /// A stand-in daemon: a process whose program is named `validated`, started with `--config config`.
    static func fakeDaemon(_ directory: TemporaryDirectory, config: String) throws -> RunningProcess {
        let program = directory.path + "/validated"
        try Binaries.copyExecutable(from: "/bin/bash", to: program)
        return try RunningProcess(
            executable: URL(fileURLWithPath: program),
            arguments: ["-c", "sleep 300; :", "validated", "--config", config]
        )
    }

    @Test func statusShowsAStoreOutageInsteadOfAStoppedDaemonAndAnEmptyQueue() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = directory.path + "/validated.conf"
        let daemon = try Self.fakeDaemon(directory, config: config)
        defer { daemon.terminate(signal: SIGKILL) }
        try await waitUntil(timeout: .seconds(10), "the stand-in daemon's name") {
            (try? String(contentsOfFile: "/proc/\(daemon.pid)/comm", encoding: .utf8)) == "validated\n"
        }
        let database = try Self.hostileStore(directory.path, pid: daemon.pid)
        let store = try VerdictStore(path: database)
        let old = Date().addingTimeInterval(-300)
        // The daemon's own heartbeat went stale: it cannot write the store.
        try store.beat(Heartbeat(pid: daemon.pid, startedAt: old, beatAt: old, status: "idle", folders: []))
        let stale = try await validatectl(["status", "--database", database, "--config", config])
        #expect(stale.code == 0, "\(stale.stdout)")
        #expect(stale.stdout.contains("store outage"), "\(stale.stdout)")
        #expect(stale.stdout.contains("queue: unknown"), "\(stale.stdout)")
        #expect(!stale.stdout.contains("not running"), "\(stale.stdout)")
        let json = try JSONValue.parse(
            try await validatectl(["status", "--json", "--database", database, "--config", config]).stdout
        )
        #expect(json["daemon"]?["store_outage"] == .bool(true))
        #expect(json["daemon"]?["pids"]?.array.compactMap(\.number) == [Double(daemon.pid)])

        // A restarted daemon waits for the store: the heartbeat still names the old, gone process.
        let limit = try String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)
        let gone = try #require(Int32(limit.trimmingCharacters(in: .whitespacesAndNewlines))) - 1
        #expect(kill(gone, 0) != 0, "no process has the highest pid")
        try store.beat(Heartbeat(pid: gone, startedAt: old, beatAt: old, status: "idle", folders: []))
        let restarted = try await validatectl(["status", "--database", database, "--config", config])
        #expect(restarted.code == 0, "\(restarted.stdout)")
        #expect(restarted.stdout.contains("store outage (pid \(daemon.pid))"), "\(restarted.stdout)")

        // Once that process is gone too, the daemon is not running.
        daemon.terminate(signal: SIGKILL)
        try await waitUntil(timeout: .seconds(10), "status to see the daemon gone") {
            try await validatectl(["status", "--database", database, "--config", config]).code == 3
        }
        let stopped = try await validatectl(["status", "--database", database, "--config", config])
        #expect(stopped.stdout.contains("○ not running"), "\(stopped.stdout)")
    }

    @Test func aUserWithoutAccessIsToldWhatIsWrongAndAGroupMemberReadsAStoppedDaemonsStore() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let state = directory.path + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let database = try Self.hostileStore(state, pid: getpid())
        // The checkpoint is still there, so rerun gets as far as writing.
        #expect(FileManager.default.createFile(atPath: state + "/\(Self.hostile)evil.safetensors", contents: Data()))
        let gid = try OtherUser.group("validatedtest")
        for (path, mode) in [(state, 0o750), (database, 0o640)] {
            #expect(chown(path, 0, gid) == 0)
            #expect(chmod(path, mode_t(mode)) == 0)
        }
        #expect(
            !FileManager.default.fileExists(atPath: database + "-shm"),
            "the store is closed, as by a stopped daemon"
        )

        let outsider = try OtherUser.nobody.validatectl(["status", "--database", database])
        #expect(outsider.code == 2)
        #expect(outsider.stderr.contains("cannot reach the store \(database)"), "\(outsider.stderr)")
        #expect(outsider.stderr.contains("the directory \(state) is owned by root:validatedtest"), "\(outsider.stderr)")
        #expect(outsider.stderr.contains("Join the group validatedtest"), "\(outsider.stderr)")

        let member = OtherUser(uid: 65534, gid: 65534, groups: [gid])
        let listed = try member.validatectl(["list", "--database", database])
        #expect(listed.code == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("evil.safetensors"), "\(listed.stdout)")
        let shown = try member.validatectl(["show", "abababab", "--database", database])
        #expect(shown.code == 0, "\(shown.stderr)")

        let rerun = try member.validatectl(["rerun", "abababab", "--database", database])
        #expect(rerun.code == 2)
        #expect(rerun.stderr.contains("may only read \(database)"), "\(rerun.stderr)")
        #expect(rerun.stderr.contains("sudo -u root validatectl rerun abababab"), "\(rerun.stderr)")
        #expect(!rerun.stderr.contains("SQLite error"), "\(rerun.stderr)")
    }
}
