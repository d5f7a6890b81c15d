import Logging
import ServiceLifecycle
import ValidatedModels
import ValidatedRuntime
import ValidatedWatch

/// Feeds complete checkpoints (files and folders) from the watched folders to the intake: first those already
/// there at start, then each arrival; rescans a folder when inotify overflowed, and watches a deleted or moved
/// folder again once it is back, without holding up the other folders.
struct WatchService: Service {
    let watcher: FolderWatcher
    let intake: ModelIntake
    let state: SharedState
    let logger: Logger
    /// The folders scanned at start: after READY=1, so that a large backlog does not delay it.
    let startupFolders: [FolderConfiguration]

    /// Runs until a graceful shutdown, which also cancels a queueing attempt stuck retrying an unusable store:
    /// the file it was for is found again by the start-up scan.
    func run() async throws {
        defer { watcher.stop() }
        await cancelWhenGracefulShutdown {
            for folder in startupFolders where !Task.isCancelled { await scan(folder) }
            await withDiscardingTaskGroup { group in
                for await event in watcher.events {
                    await handle(event, rewatching: &group)
                }
                group.cancelAll()
            }
        }
    }

    private func handle(_ event: WatchEvent, rewatching group: inout DiscardingTaskGroup) async {
        switch event {
        case .fileReady(let path, let folderName):
            guard let folder = state.folder(named: folderName) else { return }
            await intake.ingest(path: path, folder: folder)
        case .rescanNeeded(let folderName):
            guard let folder = state.folder(named: folderName) else { return }
            logger.warning("Missed events in \(folder.path); rescanning it")
            await scan(folder)
        case .folderGone(let folderName):
            guard let folder = state.folder(named: folderName) else { return }
            logger.error(
                "Watched folder \(folder.path) was deleted or moved; waiting for it to come back",
                metadata: ["VALIDATED_FOLDER": "\(folderName)"]
            )
            group.addTask { await rewatch(folder) }
        }
    }

    /// Waits (polling every second) until `folder` exists again, watches it, and queues what it holds.
    private func rewatch(_ folder: FolderConfiguration) async {
        let watched = WatchedFolder(
            name: folder.name,
            path: folder.path,
            filter: FileNameFilter(extensions: folder.extensions)
        )
        while !Task.isCancelled {
            do {
                try watcher.rewatch(watched)
                logger.notice("Watching \(folder.path) again", metadata: ["VALIDATED_FOLDER": "\(folder.name)"])
                await scan(folder)
                return
            } catch {
                do {
                    try await Task.sleep(for: .seconds(1))
                } catch {
                    return
                }
            }
        }
    }

    /// Queues every complete checkpoint already in `folder` (identical content is skipped by the intake), and
    /// watches the checkpoint folders among them for changes.
    func scan(_ folder: FolderConfiguration) async {
        let filter = FileNameFilter(extensions: folder.extensions)
        do {
            for path in try FolderWatcher.existingCheckpoints(in: folder.path, filter: filter) {
                if Task.isCancelled { return }
                if ModelLoader.isFolder(path) { watcher.watchCheckpointFolder(path, folder: folder.name) }
                await intake.ingest(path: path, folder: folder)
            }
        } catch {
            logger.error("Cannot list \(folder.path): \(error)", metadata: ["VALIDATED_FOLDER": "\(folder.name)"])
        }
    }
}
