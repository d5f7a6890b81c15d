import Foundation
import Logging
import ValidatedRuntime
import ValidatedStore
import ValidatedSystemd

/// Whether each folder's evaluation set and banned-token list can be used: a folder whose files cannot is the
/// folder's problem, not its checkpoints'. It is logged once (with the folder-problem `MESSAGE_ID`) and shown in
/// the status line, the folder's runs wait in the queue instead of getting `error` verdicts, and once the files
/// are fixed (checked on every heartbeat and reload) the waiting runs start.
///
/// In a store several daemons share, a folder whose files differ from the copy another daemon recorded for it is
/// blocked the same way: one folder is judged with one evaluation set and one banned list.
struct FolderHealth: Sendable {
    let store: any VerdictStoring
    let state: SharedState
    let signal: WorkSignal
    let logger: Logger

    /// Checks every folder of the configuration in force: at start and after a reload.
    func checkAll() {
        for folder in state.configuration.folders { update(folder, problem: problem(of: folder)) }
    }

    /// Checks again only the folders that have a problem: cheap enough for every heartbeat.
    func recheckBlocked() {
        let blocked = state.folderProblems
        guard !blocked.isEmpty else { return }
        for folder in state.configuration.folders where blocked[folder.name] != nil {
            update(folder, problem: problem(of: folder))
        }
        // Folders no longer configured have no runs to hold.
        let configured = Set(state.configuration.folders.map(\.name))
        for name in blocked.keys where !configured.contains(name) { _ = state.record(problem: nil, folder: name) }
    }

    /// A run of `folder` found its files unusable: the folder is blocked until they are fixed.
    func blocked(_ folder: FolderConfiguration, by error: ResourceError) {
        update(folder, problem: "\(error)")
    }

    /// Whether `resources`, read for a run of `folder`, are the copy the store judges the folder with; when they are
    /// not, the folder is blocked until they are.
    func isRecordedCopy(_ resources: FolderResources, of folder: FolderConfiguration) -> Bool {
        guard let problem = copyProblem(resources, of: folder) else { return true }
        update(folder, problem: problem)
        return false
    }

    private func problem(of folder: FolderConfiguration) -> String? {
        let resources: FolderResources
        do {
            resources = try FolderResources.load(
                evaluationSet: folder.evaluationSet,
                fields: folder.fields,
                bannedTokens: folder.bannedTokens
            )
        } catch {
            return "\(error)"
        }
        return copyProblem(resources, of: folder)
    }

    private func copyProblem(_ resources: FolderResources, of folder: FolderConfiguration) -> String? {
        // A store that cannot be read now is the worker's problem: it cannot claim runs either.
        let copy = try? store.checkFolderCopy(
            folder: folder.name,
            fingerprint: resources.copyFingerprint,
            replacing: false
        )
        guard case .differs(let holder, let date) = copy else { return nil }
        return "its evaluation set or banned-token list differs from the copy \(holder) recorded for it on "
            + "\(date.formatted(.iso8601)); copy the same files here, or, where the new files are, run "
            + "validatectl adopt \(folder.name)"
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
