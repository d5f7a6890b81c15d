import Logging
import ValidatedRuntime
import ValidatedSystemd

/// Whether each folder's evaluation set and banned-token list can be used: a folder whose files cannot is the
/// folder's problem, not its checkpoints'. It is logged once (with the folder-problem `MESSAGE_ID`) and shown in
/// the status line, the folder's runs wait in the queue instead of getting `error` verdicts, and once the files
/// are fixed (checked on every heartbeat and reload) the waiting runs start.
struct FolderHealth: Sendable {
    let state: SharedState
    let signal: WorkSignal
    let logger: Logger

    /// Checks every folder of the configuration in force: at start and after a reload.
    func checkAll() {
        for folder in state.configuration.folders { update(folder, problem: Self.problem(of: folder)) }
    }

    /// Checks again only the folders that have a problem: cheap enough for every heartbeat.
    func recheckBlocked() {
        let blocked = state.folderProblems
        guard !blocked.isEmpty else { return }
        for folder in state.configuration.folders where blocked[folder.name] != nil {
            update(folder, problem: Self.problem(of: folder))
        }
        // Folders no longer configured have no runs to hold.
        let configured = Set(state.configuration.folders.map(\.name))
        for name in blocked.keys where !configured.contains(name) { _ = state.record(problem: nil, folder: name) }
    }

    /// A run of `folder` found its files unusable: the folder is blocked until they are fixed.
    func blocked(_ folder: FolderConfiguration, by error: ResourceError) {
        update(folder, problem: "\(error)")
    }

    private static func problem(of folder: FolderConfiguration) -> String? {
        do {
            _ = try FolderResources.load(
                evaluationSet: folder.evaluationSet,
                fields: folder.fields,
                bannedTokens: folder.bannedTokens
            )
            return nil
        } catch {
            return "\(error)"
        }
    }

    private func update(_ folder: FolderConfiguration, problem: String?) {
        let previous = state.record(problem: problem, folder: folder.name)
        guard previous != problem else { return }
        if let problem {
            let message =
                "Folder \(folder.name) cannot validate anything: \(problem). Its checkpoints wait in the queue and "
                + "are validated once the file is fixed; no rerun is needed"
            logger.error(
                "\(message)",
                metadata: [
                    "MESSAGE_ID": "\(ValidatedMessageID.folderProblem.rawValue)", "VALIDATED_FOLDER": "\(folder.name)",
                    "VALIDATED_ERROR": "\(problem)",
                ]
            )
        } else {
            logger.notice(
                "Folder \(folder.name)'s evaluation set and banned-token list are usable again; validating what waited",
                metadata: ["VALIDATED_FOLDER": "\(folder.name)"]
            )
            signal.notify()
        }
    }
}
