import ArgumentParser
import Foundation
import ValidatedCore
import ValidatedRuntime
import ValidatedStore

/// `validatectl status`: is the daemon alive, what it watches, the champions, the queue, the last verdicts.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon's state, the champions, the queue and the latest verdicts.",
        discussion: "Exit code 0 when the daemon is running, 3 when it is not (as systemctl status)."
    )

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "How many recent verdicts to show.")
    var recent = 10

    func run() async throws {
        let (store, heartbeatSeconds) = try openStore(options)
        let snapshot = try store.status(recent: recent)
        let alive = Self.isAlive(snapshot.heartbeat, heartbeatSeconds: heartbeatSeconds)
        if output.json {
            try printJSON(StatusJSON(snapshot, alive: alive))
        } else {
            let text = Self.render(
                snapshot,
                alive: alive,
                now: Date(),
                legend: !output.noLegend,
                palette: .standardOutput
            )
            print(text, terminator: "")
        }
        if !alive { throw ExitCode(3) }
    }

    static func isAlive(_ heartbeat: Heartbeat?, heartbeatSeconds: Double) -> Bool {
        guard let heartbeat else { return false }
        let fresh = Date().timeIntervalSince(heartbeat.beatAt) < max(3 * heartbeatSeconds, 15)
        return fresh && kill(heartbeat.pid, 0) == 0
    }

    static func render(_ snapshot: StatusSnapshot, alive: Bool, now: Date, legend: Bool, palette: Palette) -> String {
        var out = ""
        if let beat = snapshot.heartbeat {
            let state = alive ? palette.positive("● running") : palette.negative("○ not running")
            out += "validated \(state) (pid \(beat.pid)), last heartbeat \(Format.age(beat.beatAt, now: now)) ago\n"
            out += "  status: \(beat.status)\n"
            for folder in beat.folders { out += "  watching: \(folder.replacingOccurrences(of: "=", with: " → "))\n" }
        } else {
            out += "validated \(palette.negative("○ has never run with this store"))\n"
        }
        out += "  queue: \(snapshot.queued) queued, \(snapshot.running) running\n"
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

/// `validatectl status --json`.
struct StatusJSON: Encodable {
    struct Daemon: Encodable {
        var running: Bool
        var pid: Int32
        var startedAt: Date
        var lastHeartbeat: Date
        var status: String
        var folders: [Folder]

        enum CodingKeys: String, CodingKey {
            case running, pid, status, folders
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
    var daemon: Daemon?
    var queue: Queue
    var champions: [Champion]
    var recent: [RunJSON]

    init(_ snapshot: StatusSnapshot, alive: Bool) {
        daemon = snapshot.heartbeat.map { beat in
            Daemon(
                running: alive,
                pid: beat.pid,
                startedAt: beat.startedAt,
                lastHeartbeat: beat.beatAt,
                status: beat.status,
                folders: beat.folders.map { entry in
                    let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                    return Folder(name: parts[0], path: parts.count > 1 ? parts[1] : "")
                }
            )
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
        try container.encode(queue, forKey: .queue)
        try container.encode(champions, forKey: .champions)
        try container.encode(recent, forKey: .recent)
    }

    enum CodingKeys: String, CodingKey {
        case schema, daemon, queue, champions, recent
    }
}

/// Opens the store named by the options, read-only unless `writable`.
func openStore(_ options: StoreOptions, writable: Bool = false) throws -> (VerdictStore, heartbeatSeconds: Double) {
    let (path, heartbeat) = try storePath(options)
    guard writable else { return (try storeCall { try VerdictStore(readOnlyPath: path) }, heartbeat) }
    guard FileManager.default.fileExists(atPath: path) else { throw CtlError.noStore(path: path) }
    return (try storeCall { try VerdictStore(path: path) }, heartbeat)
}

/// Opens the store named by the options for the queries ``VerdictStore`` lacks, read-only unless `writable`.
func openQueries(_ options: StoreOptions, writable: Bool = false) throws -> VerdictQueries {
    let path = try storePath(options).path
    return try storeCall { try VerdictQueries(path: path, writable: writable) }
}

/// The store's path (`--database`, or `Database=` of the configuration) and the daemon's heartbeat period.
func storePath(_ options: StoreOptions) throws(CtlError) -> (path: String, heartbeatSeconds: Double) {
    if let database = options.database { return (database, 5) }
    do {
        let configuration = try DaemonConfiguration.load(mainFile: options.config)
        return (configuration.database, configuration.heartbeatSeconds)
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
