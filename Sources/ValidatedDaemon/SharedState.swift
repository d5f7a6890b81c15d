import Foundation
import Synchronization
import ValidatedRuntime

/// The configuration in force, replaced atomically on reload, and the daemon's status line.
final class SharedState: Sendable {
    private struct Values {
        var configuration: DaemonConfiguration
        var lastVerdict: String = "none yet"
        /// The model being validated, if any.
        var currentModel: String?
        /// When the worker last showed progress, or `nil` while it waits for work.
        var busySince: ContinuousClock.Instant?
        /// Until when the run in progress may take without showing progress: its limit, and a minute to stop.
        var runDeadline: ContinuousClock.Instant?
        /// Folders whose evaluation set or banned-token list cannot be used, with the reason.
        var folderProblems: [String: String] = [:]
    }

    private let values: Mutex<Values>
    let startedAt = Date()

    init(configuration: DaemonConfiguration) {
        values = Mutex(Values(configuration: configuration))
    }

    var configuration: DaemonConfiguration {
        get { values.withLock { $0.configuration } }
    }

    func replace(configuration: DaemonConfiguration) {
        values.withLock { $0.configuration = configuration }
    }

    func folder(named name: String) -> FolderConfiguration? {
        configuration.folders.first { $0.name == name }
    }

    /// Folders whose evaluation set or banned-token list cannot be used, with the reason: their runs wait.
    var folderProblems: [String: String] {
        get { values.withLock { $0.folderProblems } }
    }

    /// Records `problem` (or `nil` once fixed) for `folder`; the problem it had before.
    func record(problem: String?, folder: String) -> String? {
        values.withLock { values in
            defer { values.folderProblems[folder] = problem }
            return values.folderProblems[folder]
        }
    }

    var lastVerdict: String {
        get { values.withLock { $0.lastVerdict } }
    }

    func record(lastVerdict: String) {
        values.withLock { $0.lastVerdict = lastVerdict }
    }

    /// The model being validated, for the heartbeat's status line.
    var currentModel: String? {
        get { values.withLock { $0.currentModel } }
    }

    func record(currentModel: String?) {
        values.withLock { $0.currentModel = currentModel }
    }

    /// The worker moved forward (a run started, a document was explained, a verdict was stored).
    func markProgress() {
        values.withLock { $0.busySince = .now }
    }

    /// The worker is waiting for work: idle counts as healthy.
    func markIdle() {
        values.withLock {
            $0.busySince = nil
            $0.runDeadline = nil
        }
    }

    /// A run with a limit of `seconds` ([Run] TimeoutSec=) starts: until then (and a minute for it to stop) the
    /// worker counts as healthy however long one explanation or one scorer request takes.
    func markRunStarted(limit seconds: Double) {
        values.withLock {
            $0.busySince = .now
            $0.runDeadline = .now + .seconds(seconds) + Self.stopGrace
        }
    }

    /// The run in progress has ended.
    func markRunEnded() {
        values.withLock { $0.runDeadline = nil }
    }

    /// How long a run past its limit gets to stop before the worker counts as wedged.
    static let stopGrace = Duration.seconds(60)

    /// Whether the worker is idle, within the limit of its run, or has made progress within `interval`: the
    /// watchdog is pinged only then, so a wedged worker gets the daemon restarted while a slow but healthy run
    /// (a large model scoring long texts) is left to its own limit.
    func isHealthy(within interval: Duration) -> Bool {
        values.withLock { state in
            let now = ContinuousClock.now
            if let deadline = state.runDeadline, now < deadline { return true }
            return state.busySince.map { now - $0 < interval } ?? true
        }
    }
}
