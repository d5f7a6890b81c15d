import Logging
import ServiceLifecycle
import ValidatedRuntime
import ValidatedWatch

/// Feeds complete files from the watched folders to the intake; rescans a folder when inotify overflowed.
struct WatchService: Service {
    let watcher: FolderWatcher
    let intake: ModelIntake
    let state: SharedState
    let logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            for await event in watcher.events {
                await handle(event)
            }
        } onGracefulShutdown: {
            watcher.stop()
        }
    }

    private func handle(_ event: WatchEvent) async {
        switch event {
        case .fileReady(let path, let folderName):
            guard let folder = state.folder(named: folderName) else { return }
            await intake.ingest(path: path, folder: folder)
        case .rescanNeeded(let folderName):
            guard let folder = state.folder(named: folderName) else { return }
            logger.warning("Missed events in \(folder.path); rescanning it")
            await scan(folder)
        case .folderGone(let folderName):
            logger.error(
                "Watched folder \(folderName) was deleted or moved; restart validated once it is back",
                metadata: ["VALIDATED_FOLDER": "\(folderName)"]
            )
        }
    }

    /// Queues every complete file already in `folder` (identical content is skipped by the intake).
    func scan(_ folder: FolderConfiguration) async {
        let filter = FileNameFilter(extensions: folder.extensions)
        do {
            for path in try FolderWatcher.existingFiles(in: folder.path, filter: filter) {
                await intake.ingest(path: path, folder: folder)
            }
        } catch {
            logger.error("Cannot list \(folder.path): \(error)", metadata: ["VALIDATED_FOLDER": "\(folder.name)"])
        }
    }
}
