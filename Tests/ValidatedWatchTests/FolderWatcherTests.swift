import Foundation
import Testing
import ValidatedTestSupport
import ValidatedWatch

@Suite struct FileNameFilterTests {
    @Test func hiddenTemporaryAndForeignNamesAreNotCheckpoints() {
        let filter = FileNameFilter(extensions: ["safetensors"])
        #expect(filter.accepts("model.safetensors"))
        #expect(!filter.accepts(".model.safetensors"))
        #expect(!filter.accepts("model.safetensors.part"))
        #expect(!filter.accepts("model.safetensors~"))
        #expect(!filter.accepts("model.tmp"))
        #expect(!filter.accepts("model.onnx"))
        #expect(!filter.accepts(".safetensors"))
        #expect(FileNameFilter(extensions: []).accepts("model.onnx"))
    }
}

/// Real inotify events on a real directory.
@Suite struct FolderWatcherTests {
    @Test(.timeLimit(.minutes(1)))
    func completeFilesAreReportedOnceAndOthersIgnored() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.path
        let watcher = try FolderWatcher(
            folders: [WatchedFolder(name: "f", path: folder, filter: FileNameFilter(extensions: ["safetensors"]))]
        )
        defer { watcher.stop() }

        // Written slowly in pieces under a temporary name, then renamed: one event, for the final name.
        let partial = folder + "/.a.safetensors.part"
        _ = FileManager.default.createFile(atPath: partial, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
        for _ in 0..<5 { handle.write(Data(repeating: 7, count: 1000)) }
        try handle.close()
        try FileManager.default.moveItem(atPath: partial, toPath: folder + "/a.safetensors")
        // Ignored: hidden, wrong extension.
        _ = FileManager.default.createFile(atPath: folder + "/.hidden.safetensors", contents: Data([1]))
        _ = FileManager.default.createFile(atPath: folder + "/notes.txt", contents: Data([1]))
        // Written in place: counts once closed.
        _ = FileManager.default.createFile(atPath: folder + "/b.safetensors", contents: Data([1, 2, 3]))

        var events: [WatchEvent] = []
        for await event in watcher.events {
            events.append(event)
            if events.count == 2 { break }
        }
        #expect(events == [
            .fileReady(path: folder + "/a.safetensors", folder: "f"),
            .fileReady(path: folder + "/b.safetensors", folder: "f"),
        ])
    }

    @Test(.timeLimit(.minutes(1)))
    func stopEndsTheEventStream() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let watcher = try FolderWatcher(folders: [WatchedFolder(name: "f", path: directory.path, filter: FileNameFilter(extensions: []))])
        watcher.stop()
        var count = 0
        for await _ in watcher.events { count += 1 }
        #expect(count == 0)
    }

    @Test func existingFilesAreListedSortedAndFiltered() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for name in ["b.safetensors", "a.safetensors", ".c.safetensors", "d.txt"] {
            _ = FileManager.default.createFile(atPath: directory.path + "/" + name, contents: Data([1]))
        }
        try FileManager.default.createDirectory(atPath: directory.path + "/e.safetensors", withIntermediateDirectories: false)
        let files = try FolderWatcher.existingFiles(in: directory.path, filter: FileNameFilter(extensions: ["safetensors"]))
        #expect(files == [directory.path + "/a.safetensors", directory.path + "/b.safetensors"])
    }

    @Test func aMissingFolderIsRefusedWithItsPath() {
        #expect(throws: WatchError.self) {
            try FolderWatcher(folders: [WatchedFolder(name: "f", path: "/nonexistent/folder", filter: FileNameFilter(extensions: []))])
        }
    }

    /// A folder deleted and recreated: the watcher reports it gone, and after `rewatch` reports files again.
    @Test(.timeLimit(.minutes(1)))
    func aDeletedFolderIsReportedAndCanBeWatchedAgain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = WatchedFolder(name: "f", path: directory.path + "/models", filter: FileNameFilter(extensions: ["safetensors"]))
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: false)
        let watcher = try FolderWatcher(folders: [folder])
        defer { watcher.stop() }
        var events = watcher.events.makeAsyncIterator()

        try FileManager.default.removeItem(atPath: folder.path)
        #expect(await events.next() == .folderGone(folder: "f"))
        #expect(throws: WatchError.self) { try watcher.rewatch(folder) }

        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: false)
        try watcher.rewatch(folder)
        _ = FileManager.default.createFile(atPath: folder.path + "/a.safetensors", contents: Data([1]))
        #expect(await events.next() == .fileReady(path: folder.path + "/a.safetensors", folder: "f"))
    }

    /// A kernel queue that overflows (here shrunk to one event through `fs.inotify.max_queued_events`, which
    /// applies to instances created while it is set) asks for a rescan instead of silently losing files.
    @Test(.timeLimit(.minutes(1)), .enabled(if: getuid() == 0, "setting fs.inotify.max_queued_events needs root"))
    func anOverflowingQueueAsksForARescan() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let limit = "/proc/sys/fs/inotify/max_queued_events"
        let saved = try String(contentsOfFile: limit, encoding: .utf8)
        try "1".write(toFile: limit, atomically: false, encoding: .utf8)
        let watcher: FolderWatcher
        do {
            defer { try? saved.write(toFile: limit, atomically: false, encoding: .utf8) }
            watcher = try FolderWatcher(folders: [WatchedFolder(name: "f", path: directory.path, filter: FileNameFilter(extensions: []))])
        }
        defer { watcher.stop() }
        for index in 0..<200 {
            _ = FileManager.default.createFile(atPath: directory.path + "/m\(index)", contents: Data([1]))
        }
        var sawRescan = false
        for await event in watcher.events where event == .rescanNeeded(folder: "f") {
            sawRescan = true
            break
        }
        #expect(sawRescan)
        #expect(try FolderWatcher.existingFiles(in: directory.path, filter: FileNameFilter(extensions: [])).count == 200)
    }
}
