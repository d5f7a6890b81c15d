import Foundation
import Glibc
import ValidatedStore

/// Whether the daemon runs, as `validatectl status` judges it from the store's heartbeat and the processes.
enum Liveness: Equatable {
    /// The heartbeat is fresh and its process exists.
    case running
    /// The heartbeat is stale but a daemon process is alive (the heartbeat's, or a restarted one waiting for the
    /// store): it cannot write its store.
    case storeOutage(pids: [Int32])
    /// No daemon process.
    case notRunning

    static func judge(_ heartbeat: Heartbeat?, heartbeatSeconds: Double, config: String) -> Liveness {
        guard let heartbeat else { return .notRunning }
        let fresh = isFresh(heartbeat, heartbeatSeconds: heartbeatSeconds)
        // A daemon on another host (of a shared store) is judged by its heartbeat alone.
        if fresh && (!isLocal(heartbeat) || processExists(heartbeat.pid)) { return .running }
        var pids = DaemonProcesses.find(config: config)
        if processExists(heartbeat.pid), DaemonProcesses.isDaemon(heartbeat.pid), !pids.contains(heartbeat.pid) {
            pids.insert(heartbeat.pid, at: 0)
        }
        return pids.isEmpty ? .notRunning : .storeOutage(pids: pids)
    }

    /// Whether `heartbeat` was written within three beats (and 15 s).
    static func isFresh(_ heartbeat: Heartbeat, heartbeatSeconds: Double, now: Date = Date()) -> Bool {
        now.timeIntervalSince(heartbeat.beatAt) < max(3 * heartbeatSeconds, 15)
    }

    /// Whether `heartbeat` is of a daemon on this machine (a store written before hosts were recorded says "").
    static func isLocal(_ heartbeat: Heartbeat) -> Bool {
        heartbeat.host.isEmpty || heartbeat.host == ThisHost.name
    }

    /// Whether a process `pid` exists: `kill(pid, 0)` succeeds, or fails with `EPERM` because it belongs to
    /// another user (the daemon runs as `validated`, its administrators as themselves).
    static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}

/// The `validated` processes on this machine, read from /proc (readable by every user).
enum DaemonProcesses {
    /// Whether `pid` runs the program `validated` and has not exited (a zombie keeps its name until reaped).
    static func isDaemon(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")"), let open = stat.firstIndex(of: "(")
        else { return false }
        let name = stat[stat.index(after: open)..<close]
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return name == "validated" && state != "Z" && state != "X"
    }

    /// The `validated` processes started with `config` (or with no `--config`, when `config` is the default).
    static func find(config: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).sorted().filter { pid in
            guard isDaemon(pid), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else {
                return false
            }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return sameFile(configOption(arguments) ?? defaultConfig, config)
        }
    }

    static let defaultConfig = "/etc/validated/validated.conf"

    /// The value of `--config FILE` or `--config=FILE` among a daemon's arguments.
    private static func configOption(_ arguments: [String]) -> String? {
        if let index = arguments.firstIndex(of: "--config"), index + 1 < arguments.count { return arguments[index + 1] }
        return arguments.first { $0.hasPrefix("--config=") }.map { String($0.dropFirst("--config=".count)) }
    }

    private static func sameFile(_ one: String, _ other: String) -> Bool {
        URL(fileURLWithPath: one).standardizedFileURL.resolvingSymlinksInPath()
            == URL(fileURLWithPath: other).standardizedFileURL.resolvingSymlinksInPath()
    }
}
