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
        #expect(filter.acceptsFolder("bert-tiny"))
        #expect(!filter.acceptsFolder(".bert-tiny.part"))
        #expect(!filter.acceptsFolder("bert-tiny.part"))
        #expect(!filter.acceptsFolder(".cache"))
    }
}

/// Real inotify events on a real directory.
@Suite struct FolderWatcherTests {
    /// A watcher on `path` alone, as folder "f".
    static func watch(_ path: String, extensions: [String] = []) throws -> FolderWatcher {
        try FolderWatcher(folders: [
            WatchedFolder(name: "f", path: path, filter: FileNameFilter(extensions: extensions))
        ])
    }

    @Test(.timeLimit(.minutes(1)))
    func completeFilesAreReportedOnceAndOthersIgnored() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.path
        let watcher = try Self.watch(folder, extensions: ["safetensors"])
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
        #expect(
            events == [
                .fileReady(path: folder + "/a.safetensors", folder: "f"),
                .fileReady(path: folder + "/b.safetensors", folder: "f"),
            ]
        )
    }

    /// A folder counts when renamed in; then every change inside it, at any depth, reports it again.
    @Test(.timeLimit(.minutes(1)))
    func aFolderRenamedInIsReportedAndAgainWhenItsContentChanges() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.path
        let watcher = try Self.watch(folder, extensions: ["safetensors"])
        defer { watcher.stop() }
        var events = watcher.events.makeAsyncIterator()
        let model = folder + "/tiny-bert"
        // Made in place, hidden or partial: ignored, as are the files written into them.
        for name in ["in-place", ".hidden", "partial.part", ".tiny-bert.part"] {
            try FileManager.default.createDirectory(
                atPath: folder + "/" + name + "/tokenizer",
                withIntermediateDirectories: true
            )
            try Data("{}".utf8).write(to: URL(fileURLWithPath: folder + "/" + name + "/config.json"))
        }
        try FileManager.default.moveItem(atPath: folder + "/.tiny-bert.part", toPath: model)
        #expect(await events.next() == .fileReady(path: model, folder: "f"))
        // A file rewritten in a subfolder of the arrived folder.
        try Data("[PAD]".utf8).write(to: URL(fileURLWithPath: model + "/tokenizer/vocab.txt"))
        #expect(await events.next() == .fileReady(path: model, folder: "f"))
        // A subfolder made later is watched too.
        try FileManager.default.createDirectory(atPath: model + "/extra", withIntermediateDirectories: false)
        #expect(await events.next() == .fileReady(path: model, folder: "f"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: model + "/extra/notes.txt"))
        #expect(await events.next() == .fileReady(path: model, folder: "f"))
        // A file written in place in the watched folder comes after them: nothing else was reported.
        _ = FileManager.default.createFile(atPath: folder + "/last.safetensors", contents: Data([1]))
        #expect(await events.next() == .fileReady(path: folder + "/last.safetensors", folder: "f"))
    }

    /// Checkpoint folders found by a scan are watched once the daemon asks for it.
    @Test(.timeLimit(.minutes(1)))
    func aScannedFolderIsWatchedOnRequest() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let model = directory.path + "/present"
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        let watcher = try Self.watch(directory.path)
        defer { watcher.stop() }
        watcher.watchCheckpointFolder(model, folder: "f")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: model + "/config.json"))
        var events = watcher.events.makeAsyncIterator()
        #expect(await events.next() == .fileReady(path: model, folder: "f"))
    }

    @Test(.timeLimit(.minutes(1)))
    func stopEndsTheEventStream() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let watcher = try Self.watch(directory.path)
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
        for name in ["e-model", ".f-model", "g-model.part"] {
            try FileManager.default.createDirectory(
                atPath: directory.path + "/" + name,
                withIntermediateDirectories: false
            )
        }
        let files = try FolderWatcher.existingCheckpoints(
            in: directory.path,
            filter: FileNameFilter(extensions: ["safetensors"])
        )
        #expect(
            files == [
                directory.path + "/a.safetensors", directory.path + "/b.safetensors", directory.path + "/e-model",
            ]
        )
    }

    @Test func aMissingFolderIsRefusedWithItsPath() {
        #expect(throws: WatchError.self) {
            try FolderWatcher(folders: [
                WatchedFolder(name: "f", path: "/nonexistent/folder", filter: FileNameFilter(extensions: []))
            ])
        }
    }

    /// A folder deleted and recreated: the watcher reports it gone, and after `rewatch` reports files again.
    @Test(.timeLimit(.minutes(1)))
    func aDeletedFolderIsReportedAndCanBeWatchedAgain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = WatchedFolder(
            name: "f",
            path: directory.path + "/models",
            filter: FileNameFilter(extensions: ["safetensors"])
        )
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
            watcher = try FolderWatcher(folders: [
                WatchedFolder(name: "f", path: directory.path, filter: FileNameFilter(extensions: []))
            ])
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
        #expect(
            try FolderWatcher.existingCheckpoints(in: directory.path, filter: FileNameFilter(extensions: [])).count
                == 200
        )
    }
}
