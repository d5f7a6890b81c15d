import ArgumentParser
import Foundation
import ValidatedStore

/// `validatectl rerun MODEL`: queue a stored model for validation again.
struct Rerun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Queue a new validation run of a model the daemon has already seen.",
        discussion: """
            Use it after changing a folder's evaluation set, banned-token list or settings. A running daemon takes \
            the run within a heartbeat (HeartbeatSec=, 5 s by default) once the runs queued before it are done; a \
            stopped one at its next start. A model that already has a queued run keeps it.
            """
    )

    @OptionGroup var options: StoreOptions

    @Argument(help: "A model: its path, file name, or a sha256 prefix (6+ hex digits).")
    var model: String

    func run() async throws {
        let (store, _) = try openStore(options)
        let record = try findModel(model, in: store)
        guard FileManager.default.fileExists(atPath: record.path) else {
            throw CtlError.checkpointGone(path: record.path)
        }
        let queued = try openStore(options, writable: true).0.requeue(modelID: record.id)
        if queued.isNew {
            print("queued run \(queued.runID) of \(Format.fileName(record.path)) (\(record.sha256.prefix(12)))")
        } else {
            print("\(Format.fileName(record.path)) already has run \(queued.runID) queued")
        }
    }
}
