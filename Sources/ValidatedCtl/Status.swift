import ArgumentParser
import Foundation
import ValidatedRuntime
import ValidatedCore
import ValidatedStore

/// `validatectl status`: is the daemon alive, what it watches, the champions, the queue, the last verdicts.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon's state, the champions, the queue and the latest verdicts.",
        discussion: "Exit code 0 when the daemon is running, 3 when it is not (as systemctl status)."
    )

    @OptionGroup var options: StoreOptions

    @Option(name: .long, help: "How many recent verdicts to show.")
    var recent = 10

    func run() async throws {
        let (store, heartbeatSeconds) = try openStore(options)
        let snapshot = try store.status(recent: recent)
        let alive = Self.isAlive(snapshot.heartbeat, heartbeatSeconds: heartbeatSeconds)
        print(Self.render(snapshot, alive: alive, now: Date()), terminator: "")
        if !alive { throw ExitCode(3) }
    }

    static func isAlive(_ heartbeat: Heartbeat?, heartbeatSeconds: Double) -> Bool {
        guard let heartbeat else { return false }
        let fresh = Date().timeIntervalSince(heartbeat.beatAt) < max(3 * heartbeatSeconds, 15)
        return fresh && kill(heartbeat.pid, 0) == 0
    }

    static func render(_ snapshot: StatusSnapshot, alive: Bool, now: Date) -> String {
        var out = ""
        if let beat = snapshot.heartbeat {
            let state = alive ? "● running" : "○ not running"
            out += "validated \(state) (pid \(beat.pid)), last heartbeat \(Format.age(beat.beatAt, now: now)) ago\n"
            out += "  status: \(beat.status)\n"
            for folder in beat.folders { out += "  watching: \(folder.replacingOccurrences(of: "=", with: " → "))\n" }
        } else {
            out += "validated ○ has never run with this store\n"
        }
        out += "  queue: \(snapshot.queued) queued, \(snapshot.running) running\n\n"
        out += "Champions\n"
        if snapshot.champions.isEmpty { out += "  (none yet)\n" }
        for champion in snapshot.champions {
            out += "  \(champion.folder): \(Format.fileName(champion.model.path)) \(champion.model.sha256.prefix(12))"
            out += " (\(champion.reason), \(Format.timestamp(champion.promotedAt)))\n"
        }
        out += "\nRecent verdicts\n"
        if snapshot.recent.isEmpty { out += "  (none yet)\n" }
        let width = snapshot.recent.map { Format.fileName($0.model.path).count }.max() ?? 0
        for run in snapshot.recent {
            let verdict = (run.verdict?.rawValue ?? "?").padding(toLength: 5, withPad: " ", startingAt: 0)
            let name = Format.fileName(run.model.path).padding(toLength: width, withPad: " ", startingAt: 0)
            out += "  \(Format.timestamp(run.finishedAt ?? run.queuedAt))  \(verdict)  \(name)  \(run.summary ?? "")\n"
        }
        return out
    }
}

/// Opens the store named by the options, read-only unless `writable`.
func openStore(_ options: StoreOptions, writable: Bool = false) throws -> (VerdictStore, heartbeatSeconds: Double) {
    var path = options.database
    var heartbeat = 5.0
    if path == nil {
        do {
            let configuration = try DaemonConfiguration.load(mainFile: options.config)
            path = configuration.database
            heartbeat = configuration.heartbeatSeconds
        } catch {
            throw ValidationError("\(error) (or pass --database PATH)")
        }
    }
    do {
        guard writable else { return (try VerdictStore(readOnlyPath: path!), heartbeat) }
        guard FileManager.default.fileExists(atPath: path!) else {
            throw ValidationError("\(path!): no store here yet; has validated run with this configuration?")
        }
        return (try VerdictStore(path: path!), heartbeat)
    } catch {
        throw ValidationError("\(error)")
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

    static func number(_ value: Any?, digits: Int = 3) -> String {
        guard let value = value as? Double else { return "–" }
        return String(format: "%.\(digits)f", value)
    }

    static func percent(_ value: Any?) -> String {
        guard let value = value as? Double else { return "–" }
        return String(format: "%.1f%%", value * 100)
    }
}
