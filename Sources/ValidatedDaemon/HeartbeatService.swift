import Foundation
import Logging
import ServiceLifecycle
import ValidatedRuntime
import ValidatedStore
import ValidatedSystemd

/// Writes the heartbeat row `validatectl status` reads, pings the systemd watchdog when it is enabled, and wakes
/// the worker so that runs queued by another process (`validatectl rerun`) start within a heartbeat.
struct HeartbeatService: Service {
    let state: SharedState
    let notifier: SystemdNotifier
    let status: StatusReporter
    let signal: WorkSignal
    /// Checks again, on every beat, the folders whose evaluation set or banned-token list could not be used.
    let health: FolderHealth
    let logger: Logger

    func run() async throws {
        let heartbeat = Duration.seconds(state.configuration.heartbeatSeconds)
        let watchdog = notifier.watchdogInterval
        let period = watchdog.map { min(heartbeat, $0 / 2) } ?? heartbeat
        while !Task.isCancelled {
            health.recheckBlocked()
            status.beat()
            signal.notify()
            if let watchdog {
                if state.isHealthy(within: watchdog) {
                    notifier.watchdog()
                } else {
                    logger.critical(
                        "The validation worker has made no progress for \(watchdog); withholding the watchdog ping"
                    )
                }
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
            } catch {
                return
            }
        }
    }
}
