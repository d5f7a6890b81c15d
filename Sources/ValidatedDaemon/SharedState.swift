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
        values.withLock { $0.busySince = nil }
    }

    /// Whether the worker is idle or has made progress within `interval`: the watchdog is pinged only then, so
    /// a wedged worker gets the daemon restarted.
    func isHealthy(within interval: Duration) -> Bool {
        values.withLock { state in state.busySince.map { ContinuousClock.now - $0 < interval } ?? true }
    }
}
