import Logging
import ServiceLifecycle
import UnixSignals
import ValidatedRuntime
import ValidatedSystemd

/// Reloads the configuration on SIGHUP. A bad new configuration is refused and the old one stays in force.
///
/// Settings, evaluation sets and banned-token lists of existing folders take effect for the next run. A new
/// configuration that adds, removes or moves a watched folder, or names another `Database=`, is refused as a
/// whole with the reason (the old one stays in force, and `validatectl status` shows the folders really
/// watched): such changes take effect with a restart.
struct ReloadService: Service {
    /// SIGHUP, trapped before READY is sent so that an early reload cannot kill the daemon.
    let hangups: UnixSignalsSequence
    let configurationFile: String
    let state: SharedState
    let notifier: SystemdNotifier
    /// Checks the reloaded folders' evaluation sets and banned-token lists.
    let health: FolderHealth
    let logger: Logger

    func run() async throws {
        for await _ in hangups.cancelOnGracefulShutdown() {
            notifier.reloading()
            notifier.ready(status: reload() ? "configuration reloaded" : "new configuration refused; see the journal")
        }
    }

    /// Reloads; `false` when the new configuration was refused.
    private func reload() -> Bool {
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.load(mainFile: configurationFile)
        } catch {
            refuse("\(error)")
            return false
        }
        if let reason = Self.needsRestart(from: state.configuration, to: configuration) {
            refuse(reason)
            return false
        }
        state.replace(configuration: configuration)
        logger.notice(
            "Configuration reloaded from \(configuration.sources.joined(separator: ", "))",
            metadata: ["MESSAGE_ID": "\(ValidatedMessageID.configReloaded.rawValue)"]
        )
        health.checkAll()
        return true
    }

    private func refuse(_ reason: String) {
        logger.error(
            "Refusing the new configuration, keeping the old one: \(reason)",
            metadata: ["MESSAGE_ID": "\(ValidatedMessageID.configRejected.rawValue)", "VALIDATED_ERROR": "\(reason)"]
        )
    }

    /// What in `new` a reload cannot apply (the watched folders, the store), or `nil` when it can apply it all.
    static func needsRestart(from old: DaemonConfiguration, to new: DaemonConfiguration) -> String? {
        var changes: [String] = []
        let before = Set(old.folders.map { "\($0.name)=\($0.path)" })
        let after = Set(new.folders.map { "\($0.name)=\($0.path)" })
        let added = after.subtracting(before).sorted()
        let removed = before.subtracting(after).sorted()
        if !added.isEmpty { changes.append("new watched folder(s) \(added.joined(separator: ", "))") }
        if !removed.isEmpty { changes.append("folder(s) no longer watched \(removed.joined(separator: ", "))") }
        if new.database != old.database { changes.append("Database= \(old.database) → \(new.database)") }
        guard !changes.isEmpty else { return nil }
        return changes.joined(separator: "; ")
            + "; a reload cannot apply these: restart validated (systemctl restart validated) to apply them, or undo "
            + "them and reload again"
    }
}
