import ArgumentParser
import Foundation
import ValidatedRuntime
import ValidatedStore

/// `validatectl adopt FOLDER`: record this machine's evaluation set and banned list as the folder's copy.
struct Adopt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Make this machine's evaluation set and banned-token list the copy a shared store judges FOLDER with.",
        discussion: """
            Daemons sharing a PostgreSQL store judge each folder with one copy of its evaluation set and banned \
            list: the first daemon to start records its copy, and a daemon whose files differ leaves the folder's \
            runs to the others and says so in the journal and in validatectl status. To change the files, copy the \
            new ones to every daemon's machine, then run this once where they are. A daemon with the old files stops \
            at its next run of the folder and leaves the folder's runs to the others; it takes them again once its \
            files match. An SQLite \
            store has one daemon and needs no adopting.
            """
    )

    @OptionGroup var options: StoreOptions

    @Argument(help: "The folder's name (its file in folders.d, without .conf).")
    var folder: String

    func run() async throws {
        guard let configuration = try options.configuration(),
            let settings = configuration.folders.first(where: { $0.name == folder })
        else {
            throw ValidationError("no folder \"\(folder)\" in \(options.config); see validatectl config check")
        }
        let resources: FolderResources
        do {
            resources = try FolderResources.load(
                evaluationSet: settings.evaluationSet,
                fields: settings.fields,
                bannedTokens: settings.bannedTokens
            )
        } catch {
            throw CtlError.unreadable(error)
        }
        let (store, _) = try openStore(options, writable: true)
        _ = try store.checkFolderCopy(folder: folder, fingerprint: resources.copyFingerprint, replacing: true)
        print(
            "folder \(folder) is judged with \(settings.evaluationSet)"
                + (settings.bannedTokens.map { " and \($0)" } ?? "")
                + " (copy \(resources.copyFingerprint.prefix(12)))"
        )
    }
}
