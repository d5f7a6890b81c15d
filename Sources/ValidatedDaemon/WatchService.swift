import Logging
import ServiceLifecycle
import ValidatedModels
import ValidatedRuntime
import ValidatedSystemd
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
            await withDiscardingTaskGroup { group in
                for folder in startupFolders where !Task.isCancelled {
                    let unsettled = await scan(folder)
                    group.addTask { await settle(unsettled, folder: folder) }
                }
                for folder in startupFolders where folder.rescanSeconds > 0 {
                    group.addTask {
                        await rescan(folder.name, every: .milliseconds(Int64(folder.rescanSeconds * 1000)))
                    }
                }
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
        case .refused(let path, let folderName, let reason):
            refuse(path, folder: folderName, reason: reason)
        case .rescanNeeded(let folderName):
            guard let folder = state.folder(named: folderName) else { return }
            logger.warning("Missed events in \(folder.path); rescanning it")
            let unsettled = await scan(folder)
            group.addTask { await settle(unsettled, folder: folder) }
        case .folderGone(let folderName):
            guard let folder = state.folder(named: folderName) else { return }
            logger.error(
                "Watched folder \(folder.path) was deleted or moved; waiting for it to come back",
                metadata: ["VALIDATED_FOLDER": "\(folderName)"]
            )
            group.addTask { await rewatch(folder) }
        }
    }

    /// Scans the folder named `name` every `period` (while it is configured), for what inotify cannot see.
    private func rescan(_ name: String, every period: Duration) async {
        while (try? await Task.sleep(for: period)) != nil, let folder = state.folder(named: name) {
            await settle(await scan(folder, remoteWriters: true), folder: folder)
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
                await settle(await scan(folder), folder: folder)
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

    /// Logs that the file at `path` is not validated, and why, with the refusal's `MESSAGE_ID`.
    private func refuse(_ path: String, folder: String, reason: String) {
        logger.warning(
            "Not validating \(path): it \(reason)",
            metadata: [
                "MESSAGE_ID": "\(ValidatedMessageID.checkpointRefused.rawValue)",
                "VALIDATED_MODEL": "\(path)", "VALIDATED_FOLDER": "\(folder)", "VALIDATED_ERROR": "\(reason)",
            ]
        )
    }

    /// Queues every complete checkpoint already in `folder` (identical content is skipped by the intake), and
    /// watches the checkpoint folders among them for changes.
    ///
    /// A file some process still has open for writing (a producer interrupted by the daemon's restart) is left
    /// to its `IN_CLOSE_WRITE`, so a half-written file never gets a verdict. Where the kernel cannot tell (see
    /// ``FolderWatcher/isOpenForWriting(_:)``), a file modified in the last ``settleSeconds`` is returned, for
    /// ``settle(_:folder:)``.
    ///
    /// With `remoteWriters` (a periodic rescan of a network mount), whether a file is open is not asked: a writer
    /// on another machine does not show, so every recently modified file waits to settle.
    func scan(_ folder: FolderConfiguration, remoteWriters: Bool = false) async -> [String] {
        let filter = FileNameFilter(extensions: folder.extensions)
        var unsettled: [String] = []
        do {
            let found = try FolderWatcher.scan(folder.path, filter: filter)
            for (path, reason) in found.refused { refuse(path, folder: folder.name, reason: reason) }
            for path in found.checkpoints {
                if Task.isCancelled { break }
                if ModelLoader.isFolder(path) {
                    watcher.watchCheckpointFolder(path, folder: folder.name)
                } else if !remoteWriters, let writing = FolderWatcher.isOpenForWriting(path) {
                    if writing {
                        logger.notice(
                            "Waiting for \(path): it is still being written; it is validated once closed",
                            metadata: ["VALIDATED_MODEL": "\(path)", "VALIDATED_FOLDER": "\(folder.name)"]
                        )
                        continue
                    }
                } else if (FolderWatcher.secondsSinceModified(path) ?? .infinity) < Self.settleSeconds {
                    unsettled.append(path)
                    continue
                }
                await intake.ingest(path: path, folder: folder)
            }
        } catch {
            logger.error("Cannot list \(folder.path): \(error)", metadata: ["VALIDATED_FOLDER": "\(folder.name)"])
        }
        return unsettled
    }

    /// How long a file found by a scan must go unmodified before it counts as complete, when the kernel cannot
    /// tell whether it is still open for writing.
    static let settleSeconds = 10.0

    /// Queues each of `paths` once it has gone ``settleSeconds`` without being modified (checked every second);
    /// a file closed after writing meanwhile arrives through the watcher too, and is queued once.
    func settle(_ paths: [String], folder: FolderConfiguration) async {
        var pending = paths
        while !pending.isEmpty, !Task.isCancelled {
            var waiting: [String] = []
            for path in pending {
                guard let age = FolderWatcher.secondsSinceModified(path) else { continue }
                if age < Self.settleSeconds {
                    waiting.append(path)
                } else {
                    await intake.ingest(path: path, folder: folder)
                }
            }
            pending = waiting
            if pending.isEmpty { return }
            do {
                try await Task.sleep(for: .seconds(1))
            } catch {
                return
            }
        }
    }
}
