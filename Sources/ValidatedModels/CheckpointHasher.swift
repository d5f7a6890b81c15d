import Foundation
import Glibc
import Synchronization
import ValidatedCore

/// The content identity of a checkpoint: a file's SHA-256, or a folder's (see ``CheckpointHasher``).
public struct Fingerprint: Sendable, Equatable {
    /// Lowercase hex SHA-256.
    public var sha256: String
    /// Bytes hashed: the file's size, or the sum of a folder's file sizes.
    public var size: Int

    /// Creates a fingerprint.
    public init(sha256: String, size: Int) {
        self.sha256 = sha256
        self.size = size
    }
}

/// Hashes checkpoints, streaming, and remembers each by its file-system stamp so that one content is hashed
/// once: the daemon hashes a file on arrival, and its run finds the hash again without reading the file.
///
/// A file's fingerprint is the SHA-256 of its bytes. A folder's is the SHA-256 of this stream, for each
/// regular file below it (at any depth) in ascending byte order of its relative path:
///
/// ```text
/// relative/path/in/utf8  0x00  size-in-decimal-ascii  0x0A  the file's bytes
/// ```
///
/// Paths use `/` and never start with `./`. Every file counts, hidden or not. A symbolic link inside the
/// folder counts as the file it points to, under the link's name; a link to a directory, a dangling link, or
/// any other kind of file (a FIFO, a socket, a device) makes the folder unreadable as a checkpoint. Empty
/// directories do not count. In Python:
///
/// ```python
/// digest = hashlib.sha256()
/// for name in sorted(names, key=str.encode):  # relative paths of the files
///     digest.update(name.encode() + b"\0" + str(os.path.getsize(name)).encode() + b"\n")
///     digest.update(open(name, "rb").read())
/// ```
///
/// A remembered hash is used again while the checkpoint's stamp (device, inode, size, modification and
/// change times to the nanosecond, of every file of a folder) is unchanged.
public final class CheckpointHasher: Sendable {
    /// The most checkpoints remembered; beyond it the memory starts afresh.
    static let capacity = 4096
    static let chunkBytes = 1 << 20

    private let remembered = Mutex<[String: (stamp: CheckpointStamp, fingerprint: Fingerprint)]>([:])

    /// Creates a hasher that remembers nothing yet.
    public init() {}

    /// The fingerprint of the file or folder at `path`, hashed unless its stamp is unchanged since the last time.
    ///
    /// - Throws: ``ModelError`` naming the file that cannot be read.
    public func fingerprint(_ path: String) throws(ModelError) -> Fingerprint {
        let before = try CheckpointStamp(path)
        if let known = remembered(path, stamp: before) { return known }
        let fingerprint = try before.isFolder ? Self.hashFolder(path, files: before.files) : Self.hashFile(path)
        if try CheckpointStamp(path) == before { remember(path, stamp: before, fingerprint) }
        return fingerprint
    }

    /// The remembered fingerprint of `path` if it was taken at `stamp`.
    func remembered(_ path: String, stamp: CheckpointStamp) -> Fingerprint? {
        remembered.withLock { $0[path] }.flatMap { $0.stamp == stamp ? $0.fingerprint : nil }
    }

    /// Remembers `fingerprint` for `path` as of `stamp`.
    func remember(_ path: String, stamp: CheckpointStamp, _ fingerprint: Fingerprint) {
        remembered.withLock { memory in
            if memory.count >= Self.capacity { memory.removeAll(keepingCapacity: true) }
            memory[path] = (stamp, fingerprint)
        }
    }

    static func hashFile(_ path: String) throws(ModelError) -> Fingerprint {
        var digest = SHA256()
        let size = try stream(path, into: &digest)
        return Fingerprint(sha256: SHA256.hex(digest.finalize()), size: size)
    }

    static func hashFolder(_ path: String, files: [CheckpointStamp.File]) throws(ModelError) -> Fingerprint {
        var digest = SHA256()
        var total = 0
        for file in files {
            digest.update(Array(file.name.utf8) + [0] + Array("\(file.size)\n".utf8))
            let size = try stream(path + "/" + file.name, into: &digest)
            guard size == file.size else {
                throw ModelError(
                    file: path,
                    reason: "\(file.name) changed while it was read; it is read again once it is written"
                )
            }
            total += size
        }
        return Fingerprint(sha256: SHA256.hex(digest.finalize()), size: total)
    }

    /// Adds the bytes of the file at `path` to `digest`, a chunk at a time; the number of bytes.
    static func stream(_ path: String, into digest: inout SHA256) throws(ModelError) -> Int {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ModelError(
                file: path,
                reason:
                    "cannot be read (\(String(cString: strerror(errno)))); check that it exists and is readable by the daemon's user"
            )
        }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: chunkBytes)
        var total = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ModelError(file: path, reason: "cannot be read (\(String(cString: strerror(errno))))")
            }
            if count == 0 { return total }
            buffer.withUnsafeBytes { digest.update(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
            total += count
        }
    }
}

/// What the file system says about a checkpoint without reading it: enough to tell that its content may have
/// changed. A folder's stamp lists each of its files (see ``CheckpointHasher`` for which count).
struct CheckpointStamp: Sendable, Equatable {
    /// One file of a folder, by its relative path.
    struct File: Sendable, Equatable {
        var name: String
        var size: Int
        var identity: [Int]
    }

    var isFolder: Bool
    var identity: [Int]
    var files: [File]

    init(_ path: String) throws(ModelError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ModelError(
                file: path,
                reason:
                    "cannot be read (\(String(cString: strerror(errno)))); check that it exists and is readable by the daemon's user"
            )
        }
        isFolder = (info.st_mode & S_IFMT) == S_IFDIR
        identity = Self.identity(info)
        files = isFolder ? try Self.files(in: path) : []
    }

    static func identity(_ info: stat) -> [Int] {
        [
            Int(info.st_dev), Int(info.st_ino), Int(info.st_size), info.st_mtim.tv_sec, info.st_mtim.tv_nsec,
            info.st_ctim.tv_sec, info.st_ctim.tv_nsec,
        ]
    }

    /// Every file below `root`, in ascending byte order of the relative path.
    static func files(in root: String) throws(ModelError) -> [File] {
        var found: [File] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let directory = relative.isEmpty ? root : root + "/" + relative
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory)
            } catch {
                throw ModelError(file: directory, reason: "cannot be listed; check that the daemon's user may read it")
            }
            for name in names {
                let child = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(root + "/" + child, &info) == 0 else { continue }  // Removed meanwhile.
                switch info.st_mode & S_IFMT {
                case S_IFDIR: pending.append(child)
                case S_IFREG: found.append(File(name: child, size: Int(info.st_size), identity: identity(info)))
                case S_IFLNK: found.append(try linked(child, in: root, link: info))
                default:
                    throw ModelError(
                        file: root,
                        reason:
                            "\(child) is not a regular file; a checkpoint folder holds only files, folders and links to files"
                    )
                }
            }
        }
        return found.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    /// A symbolic link inside a folder, as the regular file it points to (its own times count too).
    private static func linked(_ child: String, in root: String, link: stat) throws(ModelError) -> File {
        var target = stat()
        guard stat(root + "/" + child, &target) == 0, (target.st_mode & S_IFMT) == S_IFREG else {
            throw ModelError(
                file: root,
                reason: "\(child) is a link to a folder or to nothing; replace it by the file it should point to"
            )
        }
        return File(name: child, size: Int(target.st_size), identity: identity(target) + identity(link))
    }
}
