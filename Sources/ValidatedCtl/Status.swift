import ArgumentParser
import Foundation
import ValidatedCore
import ValidatedRuntime
import ValidatedStore

/// `validatectl status`: is the daemon alive, what it watches, the champions, the queue, the last verdicts.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon's state, the champions, the queue and the latest verdicts.",
        discussion: """
            Exit code 0 when the daemon is running, 3 when it is not (as systemctl status). A daemon that is running \
            but has not written its store for three heartbeats (a full disk, a read-only or missing store) is shown \
            as a store outage, with exit code 0: it is retrying, and nothing it has seen is lost.
            """
    )

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "How many recent verdicts to show.")
    var recent = 10

    func run() async throws {
        let (store, heartbeatSeconds) = try openStore(options)
        let snapshot = try store.status(recent: recent)
        let liveness = Liveness.judge(snapshot.heartbeat, heartbeatSeconds: heartbeatSeconds, config: options.config)
        let alive = liveness != .notRunning
        if output.json {
            try printJSON(StatusJSON(snapshot, liveness: liveness, heartbeatSeconds: heartbeatSeconds))
        } else {
            let text = Self.render(
                Visible.snapshot(snapshot),
                liveness: liveness,
                now: Date(),
                legend: !output.noLegend,
                palette: .standardOutput,
                heartbeatSeconds: heartbeatSeconds
            )
            print(text, terminator: "")
        }
        if !alive { throw ExitCode(3) }
    }

    static func render(
        _ snapshot: StatusSnapshot,
        liveness: Liveness,
        now: Date,
        legend: Bool,
        palette: Palette,
        heartbeatSeconds: Double = 5
    ) -> String {
        var out = ""
        if snapshot.daemons.count > 1 {
            out += daemons(snapshot.daemons, now: now, palette: palette, heartbeatSeconds: heartbeatSeconds)
        } else if let beat = snapshot.heartbeat {
            out += header(beat, liveness: liveness, now: now, palette: palette)
            for folder in beat.folders { out += "  watching: \(folder.replacingOccurrences(of: "=", with: " → "))\n" }
        } else {
            out += "validated \(palette.negative("○ has never run with this store"))\n"
        }
        if case .storeOutage = liveness {
            out += "  queue: unknown (the queue lives in the store); files that arrive now are queued once it is back"
            out += "; the store last showed \(snapshot.queued) queued, \(snapshot.running) running\n"
        } else {
            out += "  queue: \(snapshot.queued) queued, \(snapshot.running) running\n"
        }
        if legend { out += "\nChampions\n" }
        if snapshot.champions.isEmpty && legend { out += "  (none yet)\n" }
        for champion in snapshot.champions {
            out += "  \(champion.folder): \(Format.fileName(champion.model.path)) \(champion.model.sha256.prefix(12))"
            out += " (\(champion.reason.rawValue), \(Format.timestamp(champion.promotedAt)))\n"
        }
        if legend { out += "\nRecent verdicts\n" }
        if snapshot.recent.isEmpty && legend { out += "  (none yet)\n" }
        let width = snapshot.recent.map { Format.fileName($0.model.path).count }.max() ?? 0
        for run in snapshot.recent {
            let verdict = palette.verdict(run.verdict, width: 5)
            let name = Format.fileName(run.model.path).padding(toLength: width, withPad: " ", startingAt: 0)
            out += "  \(Format.timestamp(run.finishedAt ?? run.queuedAt))  \(verdict)  \(name)  \(run.summary ?? "")\n"
        }
        return out
    }
}

extension Status {
    /// The daemons of a shared store, one paragraph each: host and pid, alive or not, heartbeat age, the run it
    /// holds and its status line.
    static func daemons(_ daemons: [Heartbeat], now: Date, palette: Palette, heartbeatSeconds: Double) -> String {
        let live = daemons.filter { Liveness.isFresh($0, heartbeatSeconds: heartbeatSeconds, now: now) }
        var out = "validated: \(live.count) of \(daemons.count) daemons alive (heartbeats of the last day)\n"
        for beat in daemons {
            let alive = live.contains(beat)
            let state = alive ? palette.positive("● running") : palette.negative("○ gone")
            out += "  \(beat.host) pid \(beat.pid)  \(state), last heartbeat \(Format.age(beat.beatAt, now: now)) ago"
            out += beat.runID.map { ", run \($0)" } ?? ""
            out += "\n    \(alive ? "status" : "last status"): \(beat.status)\n"
            out +=
                "    watching: \(beat.folders.map { $0.replacingOccurrences(of: "=", with: " → ") }.joined(separator: ", "))\n"
        }
        return out
    }

    /// The first lines: the daemon's state, pid, heartbeat age and status line.
    static func header(_ beat: Heartbeat, liveness: Liveness, now: Date, palette: Palette) -> String {
        let age = Format.age(beat.beatAt, now: now)
        switch liveness {
        case .running:
            return "validated \(palette.positive("● running")) (pid \(beat.pid)), last heartbeat \(age) ago\n"
                + "  status: \(beat.status)\n"
        case .storeOutage(let pids):
            let named = pids.map(String.init).joined(separator: ", ")
            return "validated \(palette.negative("● running, store outage")) (pid \(named)): it has not written its "
                + "store for \(age), so what follows is as of then; it retries and loses nothing. "
                + "See why: journalctl -u validated -p err -n 20\n"
                + "  last status: \(beat.status)\n"
        case .notRunning:
            return "validated \(palette.negative("○ not running")) (last pid \(beat.pid)), "
                + "last heartbeat \(age) ago\n"
                + "  last status: \(beat.status)\n"
        }
    }
}

/// `validatectl status --json`.
struct StatusJSON: Encodable {
    struct Daemon: Encodable {
        var running: Bool
        var host: String
        var pid: Int32
        var startedAt: Date
        var lastHeartbeat: Date
        var status: String
        var folders: [Folder]
        /// The daemon runs but has not written its store for three heartbeats.
        var storeOutage: Bool
        /// The daemon's processes during a store outage (a restarted daemon has another pid than the heartbeat).
        var pids: [Int32]
        /// The run it holds.
        var runID: Int64?

        init(_ beat: Heartbeat, running: Bool, pids: [Int32]) {
            self.running = running
            host = beat.host
            pid = beat.pid
            startedAt = beat.startedAt
            lastHeartbeat = beat.beatAt
            status = beat.status
            folders = beat.folders.map { entry in
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                return Folder(name: parts[0], path: parts.count > 1 ? parts[1] : "")
            }
            storeOutage = !pids.isEmpty
            self.pids = pids
            runID = beat.runID
        }

        enum CodingKeys: String, CodingKey {
            case running, host, pid, status, folders, pids
            case runID = "run_id"
            case storeOutage = "store_outage"
            case startedAt = "started_at"
            case lastHeartbeat = "last_heartbeat"
        }
    }

    struct Folder: Encodable {
        var name: String
        var path: String
    }

    struct Champion: Encodable {
        var folder: String
        var reason: PromotionReason
        var promotedAt: Date
        var model: ModelJSON

        enum CodingKeys: String, CodingKey {
            case folder, reason, model
            case promotedAt = "promoted_at"
        }
    }

    struct Queue: Encodable {
        var queued: Int
        var running: Int
    }

    var schema = jsonSchema
    /// The daemon with the newest heartbeat.
    var daemon: Daemon?
    /// Every daemon of the store (one for SQLite; those of the last day for a shared store).
    var daemons: [Daemon]
    var queue: Queue
    var champions: [Champion]
    var recent: [RunJSON]

    init(_ snapshot: StatusSnapshot, liveness: Liveness, heartbeatSeconds: Double) {
        let pids: [Int32] = if case .storeOutage(let found) = liveness { found } else { [] }
        daemon = snapshot.heartbeat.map { Daemon($0, running: liveness != .notRunning, pids: pids) }
        daemons = snapshot.daemons.map { beat in
            beat == snapshot.heartbeat
                ? Daemon(beat, running: liveness != .notRunning, pids: pids)
                : Daemon(beat, running: Liveness.isFresh(beat, heartbeatSeconds: heartbeatSeconds), pids: [])
        }
        queue = Queue(queued: snapshot.queued, running: snapshot.running)
        champions = snapshot.champions.map {
            Champion(folder: $0.folder, reason: $0.reason, promotedAt: $0.promotedAt, model: ModelJSON($0.model))
        }
        recent = snapshot.recent.map(RunJSON.init)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(daemon, forKey: .daemon)
        try container.encode(daemons, forKey: .daemons)
        try container.encode(queue, forKey: .queue)
        try container.encode(champions, forKey: .champions)
        try container.encode(recent, forKey: .recent)
    }

    enum CodingKeys: String, CodingKey {
        case schema, daemon, daemons, queue, champions, recent
    }
}

/// Opens the store named by the options (an SQLite file read-only unless `writable`, or a PostgreSQL server).
func openStore(_ options: StoreOptions, writable: Bool = false) throws -> (any VerdictStoring, heartbeatSeconds: Double)
{
    let (database, heartbeat, passwordFile) = try storePath(options)
    let path: String
    switch try storeCall({ try StoreLocation.parse(database) }) {
    case .postgres(let server):
        let store = try storeCall {
            try PostgresVerdictStore(
                location: server,
                password: try StoreOpening.password(file: passwordFile),
                holder: "validatectl@" + StoreOpening.holderName(startedAt: Date())
            )
        }
        return (store, heartbeat)
    case .sqlite(let file):
        path = file
    }
    if let problem = StoreAccess.problem(path, writable: writable) { throw CtlError.noAccess(problem) }
    guard writable else { return (try storeCall { try VerdictStore(readOnlyPath: path) }, heartbeat) }
    guard FileManager.default.fileExists(atPath: path) else { throw CtlError.noStore(path: path) }
    return (try storeCall { try VerdictStore(path: path) }, heartbeat)
}

/// The store's path (`--database`, or `Database=` of the configuration) and the daemon's heartbeat period.
func storePath(
    _ options: StoreOptions
) throws(CtlError) -> (
    path: String, heartbeatSeconds: Double, passwordFile: String?
) {
    let configuration = try? DaemonConfiguration.load(mainFile: options.config, requireFolders: false)
    if let database = options.database {
        return (database, configuration?.heartbeatSeconds ?? 5, configuration?.databasePasswordFile)
    }
    do {
        let configuration = try DaemonConfiguration.load(mainFile: options.config)
        return (configuration.database, configuration.heartbeatSeconds, configuration.databasePasswordFile)
    } catch {
        throw .configuration(error, hint: " (or pass --database PATH)")
    }
}

/// Runs `open` on the store, wrapping its failure as ``CtlError/store(_:)`` with the cause kept.
private func storeCall<Value>(_ open: () throws -> Value) throws(CtlError) -> Value {
    do {
        return try open()
    } catch {
        throw .store(error)
    }
}

enum Format {
    /// `suite` padded to one column wide enough for every suite's name, as `show` and `validate` list checks.
    static func suiteColumn(_ suite: String) -> String {
        let width = CheckSuite.allCases.map(\.rawValue.count).max()! + 1
        return suite.padding(toLength: width, withPad: " ", startingAt: 0)
    }

    static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    static func age(_ date: Date, now: Date) -> String {
        let seconds = Int(max(0, now.timeIntervalSince(date)))
        if seconds < 120 { return "\(seconds)s" }
        if seconds < 7200 { return "\(seconds / 60)min" }
        return "\(seconds / 3600)h"
    }

    /// `value` with `digits` decimals, `–` when there is none.
    static func number(_ value: Double?, digits: Int = 3) -> String {
        guard let value else { return "–" }
        return String(format: "%.\(digits)f", value)
    }

    /// `value` as a percentage with one decimal, `–` when there is none.
    static func percent(_ value: Double?) -> String {
        guard let value else { return "–" }
        return String(format: "%.1f%%", value * 100)
    }
}
