import Logging
import ServiceLifecycle
import UnixSignals
import ValidatedRuntime
import ValidatedSystemd

/// Reloads the configuration on SIGHUP. A bad new configuration is refused and the old one stays in force.
///
/// Settings, evaluation sets and banned-token lists of existing folders take effect for the next run; adding or
/// removing watched folders needs a restart.
struct ReloadService: Service {
    /// SIGHUP, trapped before READY is sent so that an early reload cannot kill the daemon.
    let hangups: UnixSignalsSequence
    let configurationFile: String
    let state: SharedState
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        for await _ in hangups.cancelOnGracefulShutdown() {
            notifier.reloading()
            reload()
            notifier.ready(status: "configuration reloaded")
        }
    }

    private func reload() {
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.load(mainFile: configurationFile)
        } catch {
            logger.error(
                "Refusing the new configuration, keeping the old one: \(error)",
                metadata: [
                    "MESSAGE_ID": "\(ValidatedMessageID.configRejected.rawValue)", "VALIDATED_ERROR": "\(error)",
                ]
            )
            return
        }
        let old = Set(state.configuration.folders.map { "\($0.name)=\($0.path)" })
        let new = Set(configuration.folders.map { "\($0.name)=\($0.path)" })
        if old != new {
            logger.warning("Watched folders changed in \(configurationFile); restart validated to watch the new set")
        }
        state.replace(configuration: configuration)
        logger.notice(
            "Configuration reloaded from \(configuration.sources.joined(separator: ", "))",
            metadata: ["MESSAGE_ID": "\(ValidatedMessageID.configReloaded.rawValue)"]
        )
    }
}
