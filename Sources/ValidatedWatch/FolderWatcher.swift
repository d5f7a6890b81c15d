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
    /// A checkpoint is complete: closed after writing, or renamed (or linked) into the folder.
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

/// Watches folders with inotify for complete files.
///
/// A file counts once it is closed after writing (`IN_CLOSE_WRITE`) or renamed into the folder (`IN_MOVED_TO`).
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
    private let folders: Mutex<[Int32: WatchedFolder]>
    private let stopped = Mutex(false)

    /// Starts watching.
    ///
    /// - Throws: ``WatchError`` naming the folder when it is missing, not a directory, or the inotify limits are
    ///   reached.
    public init(folders watched: [WatchedFolder]) throws {
        let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else {
            throw WatchError(description: "cannot create an inotify instance (\(String(cString: strerror(errno)))); raise fs.inotify.max_user_instances")
        }
        var map: [Int32: WatchedFolder] = [:]
        let mask = Self.mask
        for folder in watched {
            let wd = inotify_add_watch(fd, folder.path, mask)
            guard wd >= 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                let hint = errno == ENOSPC ? "raise fs.inotify.max_user_watches" : "create it or fix Path= in its folder file"
                throw WatchError(description: "\(folder.path): cannot watch folder \(folder.name) (\(reason)); \(hint)")
            }
            map[wd] = folder
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

    /// Watches `folder` again after it was deleted or moved and has been recreated.
    ///
    /// - Throws: ``WatchError`` while the folder does not exist (yet).
    public func rewatch(_ folder: WatchedFolder) throws {
        let wd = inotify_add_watch(descriptor, folder.path, Self.mask)
        guard wd >= 0 else {
            throw WatchError(description: "\(folder.path): cannot watch folder \(folder.name) (\(String(cString: strerror(errno))))")
        }
        folders.withLock { map in
            map = map.filter { $0.value.name != folder.name }
            map[wd] = folder
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

    /// The checkpoints already in `path`, sorted by name: regular files, and links to regular files.
    public static func existingFiles(in path: String, filter: FileNameFilter) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw WatchError(description: "\(path): cannot list the folder; check it exists and is readable")
        }
        return names.filter(filter.accepts).sorted().map { path + "/" + $0 }.filter(isRegularFile)
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
        var polls = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
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
            UInt32(buffer[at]) | UInt32(buffer[at + 1]) << 8 | UInt32(buffer[at + 2]) << 16 | UInt32(buffer[at + 3]) << 24
        }
        while offset + 16 <= count {
            let wd = Int32(bitPattern: u32(offset))
            let mask = u32(offset + 4)
            let length = Int(u32(offset + 12))
            let nameBytes = buffer[(offset + 16)..<min(offset + 16 + length, count)].prefix { $0 != 0 }
            offset += 16 + length
            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                for folder in folders.withLock({ Array($0.values) }) { continuation.yield(.rescanNeeded(folder: folder.name)) }
                continue
            }
            guard let folder = folders.withLock({ $0[wd] }) else { continue }
            if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
                // A deleted folder's watch is gone already; a moved one's would follow it to its new name.
                folders.withLock { _ = $0.removeValue(forKey: wd) }
                inotify_rm_watch(descriptor, wd)
                continuation.yield(.folderGone(folder: folder.name))
                continue
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            guard folder.filter.accepts(name) else { continue }
            let path = folder.path + "/" + name
            if mask & UInt32(IN_CREATE) != 0 {
                // Only links count on creation; regular files count once closed.
                guard Self.isSymbolicLink(path), Self.isRegularFile(path) else { continue }
            } else if mask & UInt32(IN_MOVED_TO) != 0 {
                guard Self.isRegularFile(path) else { continue }
            }
            continuation.yield(.fileReady(path: path, folder: folder.name))
        }
    }
}
