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
    /// In a shared store, the `LISTEN` connection that wakes the worker; opened again on a beat after it broke.
    let listener: QueueListener?
    let logger: Logger

    private func listen() {
        do {
            try listener?.keepListening()
        } catch {
            logger.warning("Cannot listen for queued runs (\(error)); the heartbeat wakes the worker meanwhile")
        }
    }

    func run() async throws {
        let heartbeat = Duration.seconds(state.configuration.heartbeatSeconds)
        let watchdog = notifier.watchdogInterval
        let period = watchdog.map { min(heartbeat, $0 / 2) } ?? heartbeat
        while !Task.isCancelled {
            health.recheckBlocked()
            status.beat()
            listen()
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
