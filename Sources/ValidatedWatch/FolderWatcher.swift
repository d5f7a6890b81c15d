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
    /// A file with a checkpoint's name that will not be validated, and why (see ``FolderWatcher/refusal(_:)``).
    /// `path` shows a name that is not UTF-8 with `\u{FFFD}` in place of its bad bytes.
    case refused(path: String, folder: String, reason: String)
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
        try scan(path, filter: filter).checkpoints
    }

    /// What a folder already holds: its checkpoints (as ``existingCheckpoints(in:filter:)``), and the files with a
    /// checkpoint's name that are refused, each with the reason (see ``refusal(_:)``; names not valid UTF-8).
    public static func scan(
        _ path: String,
        filter: FileNameFilter
    ) throws -> (checkpoints: [String], refused: [(path: String, reason: String)]) {
        var checkpoints: [String] = []
        var refused: [(path: String, reason: String)] = []
        for bytes in try rawNames(in: path) {
            guard let name = String(validating: bytes, as: UTF8.self) else {
                let lossy = String(decoding: bytes, as: UTF8.self)
                if filter.accepts(lossy) || filter.acceptsFolder(lossy) {
                    refused.append((path + "/" + lossy, nameRefusal(bytes)))
                }
                continue
            }
            let child = path + "/" + name
            if isDirectory(child, following: false) {
                if filter.acceptsFolder(name) { checkpoints.append(child) }
            } else if filter.accepts(name) {
                if let reason = refusal(child) {
                    refused.append((child, reason))
                } else if isRegularFile(child) {
                    checkpoints.append(child)
                }
            }
        }
        return (checkpoints.sorted(), refused.sorted { $0.path < $1.path })
    }

    /// Whether some process has the regular file at `path` open for writing: `true` or `false` when the kernel
    /// can tell (a read lease, `F_SETLEASE`, is refused exactly then), `nil` when it cannot tell us (the daemon
    /// does not own the file and lacks `CAP_LEASE`, or the file is gone).
    public static func isOpenForWriting(_ path: String) -> Bool? {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let setLease: Int32 = 1024  // F_SETLEASE, which Glibc's module does not export.
        if fcntl(descriptor, setLease, Int32(F_RDLCK)) == 0 {
            _ = fcntl(descriptor, setLease, Int32(F_UNLCK))
            return false
        }
        return errno == EAGAIN ? true : nil
    }

    /// Seconds since the file at `path` was last modified, or `nil` when it is gone.
    public static func secondsSinceModified(_ path: String) -> Double? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        return Date().timeIntervalSince1970 - modified
    }

    /// The names in the folder at `path` as the bytes the file system holds.
    private static func rawNames(in path: String) throws -> [[UInt8]] {
        guard let directory = opendir(path) else {
            throw WatchError(description: "\(path): cannot list the folder; check it exists and is readable")
        }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name != [46], name != [46, 46] { names.append(name) }
        }
        return names
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
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                refuseName(Array(nameBytes), watch: watch, mask: mask)
                continue
            }
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
        if mask & UInt32(IN_CREATE) != 0 || mask & UInt32(IN_MOVED_TO) != 0 {
            // Regular files made in place count once closed; anything else counts (or is refused) at once.
            if mask & UInt32(IN_CREATE) != 0, Self.fileType(path) == S_IFREG { return }
            if let reason = Self.refusal(path) {
                continuation.yield(.refused(path: path, folder: folder.name, reason: reason))
                return
            }
            guard Self.isRegularFile(path) else { return }
        }
        continuation.yield(.fileReady(path: path, folder: folder.name))
    }

    /// A file or folder whose name is not valid UTF-8 arrived: it cannot be named in the store, so it is refused
    /// once (when complete) and the operator is told to rename it.
    private func refuseName(_ bytes: [UInt8], watch: Watch, mask: UInt32) {
        guard watch.checkpoint == nil, mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 else { return }
        let lossy = String(decoding: bytes, as: UTF8.self)
        let filter = watch.folder.filter
        guard mask & UInt32(IN_ISDIR) != 0 ? filter.acceptsFolder(lossy) : filter.accepts(lossy) else { return }
        continuation.yield(
            .refused(path: watch.folder.path + "/" + lossy, folder: watch.folder.name, reason: Self.nameRefusal(bytes))
        )
    }

    /// Why a name that is not valid UTF-8 is refused, with its bytes in hex.
    static func nameRefusal(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { byte in
            (0x20..<0x80).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
        }.joined()
        return "has a name (\(hex)) that is not valid UTF-8, so it cannot be stored or named in a verdict; rename "
            + "it to a UTF-8 name and it is validated"
    }

    /// Why the file at `path`, with a checkpoint's name, cannot be validated: a FIFO, socket or device, a link
    /// that loops, leads nowhere or to something other than a regular file. `nil` for a regular file, a link to
    /// one, a folder, or a file that is gone.
    public static func refusal(_ path: String) -> String? {
        switch fileType(path) {
        case nil, S_IFREG, S_IFDIR: return nil
        case S_IFLNK: return linkRefusal(path)
        default:
            return "is a FIFO, socket or device, not a checkpoint file; only regular files (or links to them) are "
                + "validated"
        }
    }

    private static func linkRefusal(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            switch errno {
            case ELOOP: return "is a symbolic link that loops; point it at the checkpoint file"
            case ENOENT: return "is a symbolic link to nothing (its target does not exist); fix or remove the link"
            default:
                return "is a symbolic link the daemon cannot follow (\(String(cString: strerror(errno)))); check "
                    + "that the daemon's user may reach its target"
            }
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR:
            return "is a symbolic link to a folder; rename the checkpoint folder itself into the watched folder"
        default: return "is a symbolic link to a FIFO, socket or device, not to a checkpoint file"
        }
    }

    /// The file type (`S_IFREG`, `S_IFLNK`, …) of `path` itself, not following a link; `nil` when it is gone.
    static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
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
