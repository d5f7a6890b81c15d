import ArgumentParser
import Foundation
import ValidatedSystemd
import ValidatedTestSupport

/// Several daemons on one PostgreSQL store (a server of its own), beside one daemon on SQLite, on the same
/// checkpoints: throughput and how long a checkpoint waits in the queue.
struct FleetBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Throughput and queue latency with 1, 2 and 3 daemons on one PostgreSQL store, beside SQLite."
    )

    @Option(help: "Checkpoints dropped at once into the folder the daemons share.")
    var checkpoints = 150

    @Option(help: "Daemon counts to measure on PostgreSQL, comma-separated.")
    var daemons = "1,2,3"

    @OptionGroup var work: CheckpointWork

    func run() async throws {
        try Journald.ensureRunning()
        print("fleet: \(checkpoints) checkpoints, \(work.documents) documents × \(work.samples) samples each")
        print("store        daemons  wall s  checkpoints/s  queue wait p50/p95 s  drop→verdict p50/p95 s")
        let sqlite = try await measure(daemons: 1, server: nil)
        print(sqlite.line(store: "SQLite"))
        for count in daemons.split(separator: ",").compactMap({ Int($0) }) {
            let server = try PostgresServer.start()
            defer { server.remove() }
            print(try await measure(daemons: count, server: server).line(store: "PostgreSQL"))
        }
    }

    struct Result {
        var daemons: Int
        var seconds: Double
        var checkpoints: Int
        var waits: [Double]
        var latencies: [Double]

        func line(store: String) -> String {
            func percentile(_ values: [Double], _ p: Double) -> Double {
                let sorted = values.sorted()
                return sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))]
            }
            return store.padding(toLength: 13, withPad: " ", startingAt: 0)
                + String(
                    format: "%7d  %6.1f  %13.2f  %9.1f / %-9.1f  %9.1f / %.1f",
                    daemons,
                    seconds,
                    Double(checkpoints) / seconds,
                    percentile(waits, 0.5),
                    percentile(waits, 0.95),
                    percentile(latencies, 0.5),
                    percentile(latencies, 0.95)
                )
        }
    }

    private func measure(daemons count: Int, server: PostgresServer?) async throws -> Result {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let incoming = root.path + "/incoming"
        try FileManager.default.createDirectory(atPath: incoming, withIntermediateDirectories: true)
        var processes: [RunningProcess] = []
        defer { for process in processes { process.terminate(signal: SIGKILL) } }
        for index in 0..<count {
            processes.append(try await start(index, root: root.path, incoming: incoming, server: server))
        }
        let checkpoint = try Data(
            contentsOf: Fixtures.repository.appendingPathComponent("demo/checkpoints/01-clean.safetensors")
        )
        let start = ContinuousClock.now
        for index in 0..<checkpoints {
            let name = String(format: "model-%05d.safetensors", index)
            try (checkpoint + Data("\(index)".utf8)).write(to: URL(fileURLWithPath: root.path + "/." + name))
            try FileManager.default.moveItem(atPath: root.path + "/." + name, toPath: incoming + "/" + name)
        }
        var rows: [[Double]] = []
        try await waitUntil(timeout: .seconds(3600), poll: .milliseconds(200), "every verdict") {
            rows = try Self.timings(root: root.path, server: server)
            return rows.count == checkpoints
        }
        let elapsed = ContinuousClock.now - start
        return Result(
            daemons: count,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
            checkpoints: checkpoints,
            waits: rows.map { $0[0] },
            latencies: rows.map { $0[1] }
        )
    }

    /// Per finished run: seconds from queued to started, and from the file's arrival to the verdict.
    private static func timings(root: String, server: PostgresServer?) throws -> [[Double]] {
        let seconds = { (column: String) in "extract(epoch from \(column))" }
        let sql = """
            SELECT \(seconds("run.started_at")) - \(seconds("run.queued_at")),
                \(seconds("run.finished_at")) - \(seconds("model.first_seen"))
            FROM run JOIN model ON model.id = run.model_id WHERE run.verdict IS NOT NULL
            """
        let output: String
        if let server {
            output = try server.psql(sql.replacingOccurrences(of: "\n", with: " "))
        } else {
            let sqliteSQL = """
                SELECT (julianday(run.started_at) - julianday(run.queued_at)) * 86400,
                    (julianday(run.finished_at) - julianday(model.first_seen)) * 86400
                FROM run JOIN model ON model.id = run.model_id WHERE run.verdict IS NOT NULL
                """
            output = try sqlite(root + "/validated.sqlite", sqliteSQL)
        }
        return output.split(separator: "\n").map { $0.split(separator: "|").compactMap { Double($0) } }
            .filter { $0.count == 2 }
    }

    private static func sqlite(_ path: String, _ sql: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { return "" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.sqliteReader, path, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    private static let sqliteReader = """
        import sqlite3, sys
        db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=10)
        for row in db.execute(sys.argv[2]): print("|".join(str(v) for v in row))
        """

    private func start(
        _ index: Int,
        root: String,
        incoming: String,
        server: PostgresServer?
    ) async throws
        -> RunningProcess
    {
        let demo = Fixtures.repository.appendingPathComponent("demo").path
        let directory = root + "/d\(index)"
        try FileManager.default.createDirectory(atPath: directory + "/folders.d", withIntermediateDirectories: true)
        let database =
            server.map { "Database=\($0.url)\nDatabasePasswordFile=\($0.passwordFile)" }
            ?? "Database=\(root)/validated.sqlite"
        try """
        [Daemon]
        \(database)
        [Explain]
        Samples=\(work.samples)
        [Spurious]
        Documents=\(work.documents)
        [Stability]
        Documents=2
        """.write(toFile: directory + "/validated.conf", atomically: true, encoding: .utf8)
        try """
        [Folder]
        Path=\(incoming)
        EvaluationSet=\(demo)/eval.jsonl
        BannedTokens=\(demo)/banned-tokens.txt
        """.write(toFile: directory + "/folders.d/bench.conf", atomically: true, encoding: .utf8)
        let notify = try NotifySocket()
        let process = try RunningProcess(
            executable: Binaries.url("validated"),
            arguments: ["--config", directory + "/validated.conf", "--log-target", "journal"],
            environment: ["NOTIFY_SOCKET": notify.path]
        )
        _ = try await notify.waitFor(timeout: .seconds(120)) { $0.contains("READY=1") }
        return process
    }
}
