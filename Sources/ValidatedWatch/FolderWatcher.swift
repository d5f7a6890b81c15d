import Foundation
import Glibc
import Synchronization

/// A folder the watcher observes.
public struct WatchedFolder: Sendable, Equatable {
    /// The folder's name, reported with its events.
    public var name: String
    /// The directory.
    public var path: String
    /// Which names are checkpoints.
    public var filter: FileNameFilter

    /// Creates a folder description.
    public init(name: String, path: String, filter: FileNameFilter) {
        self.name = name
        self.path = path
        self.filter = filter
    }
}

/// Something that happened in a watched folder.
public enum WatchEvent: Sendable, Equatable {
    /// A checkpoint is complete: a file closed after writing, or renamed (or linked) into the folder; a folder
    /// renamed into it; or a checkpoint folder whose content changed.
    case fileReady(path: String, folder: String)
    /// The kernel's event queue overflowed: events were lost, list the folder again.
    case rescanNeeded(folder: String)
    /// The folder was deleted or moved away.
    case folderGone(folder: String)
}

/// A watcher that cannot start.
public struct WatchError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do.
    public var description: String
}

/// Watches folders with inotify for complete files and checkpoint folders.
///
/// A file counts once it is closed after writing (`IN_CLOSE_WRITE`) or renamed into the folder (`IN_MOVED_TO`).
/// A folder counts once it is renamed into the folder (write `.name.part/`, then rename it to `name`); a folder
/// made in place does not count, as it has no moment of being complete. An arrived checkpoint folder is watched
/// at every depth (see ``watchCheckpointFolder(_:folder:)``): each change inside it reports it again.
/// Symbolic links: a link created in or moved into the folder counts when it resolves to a regular file
/// (inside the folder or not); the daemon reads the target. Events are read on a dedicated thread and delivered
/// on ``events``; ``stop()`` ends the stream.
public final class FolderWatcher: Sendable {
    /// The events, in the order the kernel reported them.
    public let events: AsyncStream<WatchEvent>
    private let continuation: AsyncStream<WatchEvent>.Continuation
    private let descriptor: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let folders: Mutex<[Int32: Watch]>
    private let stopped = Mutex(false)

    /// Starts watching.
    ///
    /// - Throws: ``WatchError`` naming the folder when it is missing, not a directory, or the inotify limits are
    ///   reached.
    public init(folders watched: [WatchedFolder]) throws {
        let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else {
            throw WatchError(
                description:
                    "cannot create an inotify instance (\(String(cString: strerror(errno)))); raise fs.inotify.max_user_instances"
            )
        }
        var map: [Int32: Watch] = [:]
        let mask = Self.mask
        for folder in watched {
            let wd = inotify_add_watch(fd, folder.path, mask)
            guard wd >= 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                let hint =
                    errno == ENOSPC ? "raise fs.inotify.max_user_watches" : "create it or fix Path= in its folder file"
                throw WatchError(description: "\(folder.path): cannot watch folder \(folder.name) (\(reason)); \(hint)")
            }
            map[wd] = Watch(folder: folder, checkpoint: nil, directory: folder.path)
        }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            close(fd)
            throw WatchError(description: "cannot create a pipe (\(String(cString: strerror(errno))))")
        }
        descriptor = fd
        wakeRead = pipeEnds[0]
        wakeWrite = pipeEnds[1]
        folders = Mutex(map)
        (events, continuation) = AsyncStream.makeStream(of: WatchEvent.self)
        let thread = Thread { [self] in readLoop() }
        thread.name = "validated-inotify"
        thread.start()
    }

    static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
    /// Inside a checkpoint folder every change counts.
    static let checkpointMask = mask | UInt32(IN_MOVED_FROM | IN_DELETE)

    /// One inotify watch: a watched folder, or a directory of a checkpoint folder inside one.
    struct Watch: Sendable {
        var folder: WatchedFolder
        /// The checkpoint folder this directory belongs to; `nil` for the watched folder itself.
        var checkpoint: String?
        /// The watched directory: the folder's path, or one inside a checkpoint folder.
        var directory: String
    }

    /// Watches `folder` again after it was deleted or moved and has been recreated.
    ///
    /// - Throws: ``WatchError`` while the folder does not exist (yet).
    public func rewatch(_ folder: WatchedFolder) throws {
        let wd = inotify_add_watch(descriptor, folder.path, Self.mask)
        guard wd >= 0 else {
            throw WatchError(
                description: "\(folder.path): cannot watch folder \(folder.name) (\(String(cString: strerror(errno))))"
            )
        }
        folders.withLock { map in
            map = map.filter { $0.value.folder.name != folder.name || $0.value.checkpoint != nil }
            map[wd] = Watch(folder: folder, checkpoint: nil, directory: folder.path)
        }
    }

    /// Watches the checkpoint folder at `path` (in the watched folder named `folder`) and every folder below it,
    /// so that a change inside it reports it again; call it for the checkpoint folders found by a scan. Folders
    /// renamed into a watched folder are watched without it. A folder that cannot be watched is left out.
    public func watchCheckpointFolder(_ path: String, folder: String) {
        guard let watched = folders.withLock({ $0.values.first { $0.folder.name == folder && $0.checkpoint == nil } })
        else { return }
        resync(checkpoint: path, in: watched.folder)
    }

    /// Replaces the watches of checkpoint folder `root` by watches on the folders it holds now.
    private func resync(checkpoint root: String, in folder: WatchedFolder) {
        let stale = folders.withLock { map in
            let stale = map.filter { $0.value.checkpoint == root }.map(\.key)
            for wd in stale { map.removeValue(forKey: wd) }
            return stale
        }
        for wd in stale { inotify_rm_watch(descriptor, wd) }
        var pending = [root]
        while let directory = pending.popLast() {
            let wd = inotify_add_watch(descriptor, directory, Self.checkpointMask)
            guard wd >= 0 else { continue }
            folders.withLock { $0[wd] = Watch(folder: folder, checkpoint: root, directory: directory) }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            pending += names.map { directory + "/" + $0 }.filter { Self.isDirectory($0, following: false) }
        }
    }

    /// Stops watching and ends ``events``. Safe to call more than once.
    public func stop() {
        let first = stopped.withLock { wasStopped in
            defer { wasStopped = true }
            return !wasStopped
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// The checkpoints already in `path`, sorted by name: regular files and links to regular files whose names
    /// `filter` accepts, and checkpoint folders (``FileNameFilter/acceptsFolder(_:)``).
    public static func existingCheckpoints(in path: String, filter: FileNameFilter) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw WatchError(description: "\(path): cannot list the folder; check it exists and is readable")
        }
        return names.sorted().filter { name in
            let child = path + "/" + name
            return isDirectory(child, following: false)
                ? filter.acceptsFolder(name) : filter.accepts(name) && isRegularFile(child)
        }.map { path + "/" + $0 }
    }

    static func isDirectory(_ path: String, following: Bool) -> Bool {
        var info = stat()
        let found = following ? stat(path, &info) : lstat(path, &info)
        return found == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    static func isSymbolicLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    private func readLoop() {
        defer {
            close(descriptor)
            close(wakeRead)
            close(wakeWrite)
            continuation.finish()
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var polls = [
            pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let ready = poll(&polls, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if polls[1].revents != 0 { return }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            parse(buffer, count: count)
        }
    }

    private func parse(_ buffer: [UInt8], count: Int) {
        var offset = 0
        func u32(_ at: Int) -> UInt32 {
            UInt32(buffer[at]) | UInt32(buffer[at + 1]) << 8 | UInt32(buffer[at + 2]) << 16 | UInt32(buffer[at + 3])
                << 24
        }
        while offset + 16 <= count {
            let wd = Int32(bitPattern: u32(offset))
            let mask = u32(offset + 4)
            let length = Int(u32(offset + 12))
            let nameBytes = buffer[(offset + 16)..<min(offset + 16 + length, count)].prefix { $0 != 0 }
            offset += 16 + length
            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                let names = Set(folders.withLock { $0.values.filter { $0.checkpoint == nil }.map(\.folder.name) })
                for name in names.sorted() { continuation.yield(.rescanNeeded(folder: name)) }
                continue
            }
            guard let watch = folders.withLock({ $0[wd] }) else { continue }
            let name = String(decoding: nameBytes, as: UTF8.self)
            if let checkpoint = watch.checkpoint {
                checkpointChanged(checkpoint, watch: watch, wd: wd, mask: mask, name: name)
            } else {
                folderEvent(watch.folder, wd: wd, mask: mask, name: name)
            }
        }
    }

    /// An event in a watched folder itself.
    private func folderEvent(_ folder: WatchedFolder, wd: Int32, mask: UInt32, name: String) {
        if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
            // A deleted folder's watch is gone already; a moved one's would follow it to its new name.
            folders.withLock { _ = $0.removeValue(forKey: wd) }
            inotify_rm_watch(descriptor, wd)
            continuation.yield(.folderGone(folder: folder.name))
            return
        }
        let path = folder.path + "/" + name
        if mask & UInt32(IN_ISDIR) != 0 {
            // Only a folder renamed in counts; one made in place is still being written.
            guard mask & UInt32(IN_MOVED_TO) != 0, folder.filter.acceptsFolder(name) else { return }
            resync(checkpoint: path, in: folder)
            continuation.yield(.fileReady(path: path, folder: folder.name))
            return
        }
        guard folder.filter.accepts(name) else { return }
        if mask & UInt32(IN_CREATE) != 0 {
            // Only links count on creation; regular files count once closed.
            guard Self.isSymbolicLink(path), Self.isRegularFile(path) else { return }
        } else if mask & UInt32(IN_MOVED_TO) != 0 {
            guard Self.isRegularFile(path) else { return }
        }
        continuation.yield(.fileReady(path: path, folder: folder.name))
    }

    /// An event inside the checkpoint folder `checkpoint`: anything but a file just opened for writing, or the
    /// end of a watch, changes it.
    private func checkpointChanged(_ checkpoint: String, watch: Watch, wd: Int32, mask: UInt32, name: String) {
        if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED) != 0 {
            folders.withLock { _ = $0.removeValue(forKey: wd) }
            return
        }
        if mask & UInt32(IN_CREATE) != 0, mask & UInt32(IN_ISDIR) == 0 {
            // A new file counts once closed; a new link at once.
            guard Self.isSymbolicLink(watch.directory + "/" + name) else { return }
        }
        guard Self.isDirectory(checkpoint, following: false) else { return }
        if mask & UInt32(IN_ISDIR) != 0 { resync(checkpoint: checkpoint, in: watch.folder) }
        continuation.yield(.fileReady(path: checkpoint, folder: watch.folder.name))
    }
}
