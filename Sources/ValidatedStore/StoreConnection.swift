import Foundation
import GRDB
import Glibc
import Synchronization

/// The daemon's connection to its store file, which notices the file being deleted while it is open.
///
/// It keeps a descriptor of the file it opened; once that file's link count is 0 (`rm` of the store while the
/// daemon runs), the next use copies the still-open database, every verdict up to that moment included, to a
/// new file at the same path and goes on with it, then reports the recovery through `onRecreated`. Writes hold
/// the connection's lock, so none lands in the deleted file after its copy.
///
/// A store file the connection creates is made `0640` whatever the umask; its `-wal` and `-shm` files follow
/// (SQLite gives them the database file's mode).
final class StoreConnection: Sendable {
    private struct Open {
        var pool: DatabasePool
        /// A read-only descriptor of the file the pool opened, for its link count.
        var descriptor: Int32
    }

    /// The mode of the store files the connection creates.
    static let fileMode: mode_t = 0o640

    let path: String
    private let open: Mutex<Open>
    private let configuration: @Sendable () -> Configuration
    private let onRecreated: @Sendable (String) -> Void

    /// Opens (creating it `0640` if needed) the store at `path`.
    init(
        path: String,
        configuration: @escaping @Sendable () -> Configuration,
        onRecreated: @escaping @Sendable (String) -> Void
    ) throws {
        self.path = path
        self.configuration = configuration
        self.onRecreated = onRecreated
        try Self.createFile(path)
        let pool = try DatabasePool(path: path, configuration: configuration())
        open = Mutex(Open(pool: pool, descriptor: try Self.descriptor(path)))
    }

    /// Opens the existing store at `path` read-only: nothing is created or recovered.
    init(readOnlyPath path: String, configuration: @escaping @Sendable () -> Configuration) throws {
        self.path = path
        self.configuration = configuration
        onRecreated = { _ in }
        open = Mutex(Open(pool: try DatabasePool(path: path, configuration: configuration()), descriptor: -1))
    }

    deinit {
        open.withLock { if $0.descriptor >= 0 { _ = Glibc.close($0.descriptor) } }
    }

    /// The pool, for a read; a deleted file is recovered first.
    var reader: DatabasePool {
        get throws { try open.withLock { try recoverIfDeleted(&$0) } }
    }

    /// Runs `body` in a write transaction of the pool in use, holding the lock so no write reaches a file being
    /// replaced; a deleted file is recovered first.
    func write<T: Sendable>(_ body: (Database) throws -> T) throws -> T {
        try open.withLock { open in try recoverIfDeleted(&open).write(body) }
    }

    private func recoverIfDeleted(_ open: inout Open) throws -> DatabasePool {
        var info = stat()
        guard open.descriptor >= 0, fstat(open.descriptor, &info) == 0, info.st_nlink == 0 else { return open.pool }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(
                description:
                    "\(path): the store file was deleted while in use and another file now has its name; move that "
                    + "file away so the daemon can write its store there again"
            )
        }
        try Self.createFile(path)
        let copy = try DatabaseQueue(path: path)
        try open.pool.writeWithoutTransaction { source in
            try copy.writeWithoutTransaction { target in try source.backup(to: target) }
        }
        try copy.close()
        let pool = try DatabasePool(path: path, configuration: configuration())
        let descriptor = try Self.descriptor(path)
        try? open.pool.close()
        Glibc.close(open.descriptor)
        open = Open(pool: pool, descriptor: descriptor)
        onRecreated(
            "\(path): the store file was deleted while the daemon was using it; it was written again from the "
                + "open copy, with every verdict stored so far. Find out what deletes it (a cleanup job?) and stop it"
        )
        return pool
    }

    /// Creates an empty file at `path` with ``fileMode`` unless there is one.
    private static func createFile(_ path: String) throws {
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        if descriptor < 0 {
            guard errno == EEXIST else {
                throw StoreError(
                    description: "\(path): cannot create the store (\(String(cString: strerror(errno))))"
                )
            }
            return
        }
        defer { Glibc.close(descriptor) }
        _ = fchmod(descriptor, fileMode)  // The umask cannot widen or narrow it.
    }

    private static func descriptor(_ path: String) throws -> Int32 {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw StoreError(description: "\(path): cannot open the store (\(String(cString: strerror(errno))))")
        }
        return descriptor
    }
}
