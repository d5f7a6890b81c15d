import Foundation

/// A command of ``PostgresServer`` that failed: which, how it exited, what it and the server printed last, and
/// what to do.
public struct PostgresServerError: Error, CustomStringConvertible {
    /// The whole explanation.
    public var description: String
}

/// A real PostgreSQL server of its own for one test: Debian's server binaries with a fresh data directory under
/// `/tmp`, listening on a free port of 127.0.0.1 and on a unix socket in its directory.
///
/// The server has a login role ``user`` with a random ``password`` that owns the database ``database``. The
/// superuser role `postgres` connects without a password over the socket only (``psql(_:)``); TCP clients give a
/// password (SCRAM). When the tests run as root, the server's commands run as the OS user `postgres`, as
/// `initdb` and `pg_ctl` refuse root.
public final class PostgresServer: Sendable {
    /// The TCP port on 127.0.0.1.
    public let port: Int
    /// The temporary directory holding the data, the socket, the server's log and the password file.
    public let directory: String
    /// The folder of the server's binaries (`initdb`, `pg_ctl`, `psql`), `/usr/lib/postgresql/<version>/bin`.
    public let binDirectory: String
    /// The login role the daemon connects as.
    public let user = "validated"
    /// The database owned by ``user``.
    public let database = "validated"
    /// The password of ``user``.
    public let password: String

    /// A file holding ``password`` alone, mode 0600, owned by this process's user.
    public var passwordFile: String { directory + "/password" }
    /// A connection URL without the password: `postgresql://validated@127.0.0.1:PORT/validated?sslmode=disable`.
    public var url: String { "postgresql://\(user)@127.0.0.1:\(port)/\(database)?sslmode=disable" }
    /// The server's log file.
    public var logFile: String { directory + "/server.log" }

    private var dataDirectory: String { directory + "/data" }
    private var socketDirectory: String { directory + "/socket" }

    private init(binDirectory: String, directory: String, port: Int, password: String) {
        self.binDirectory = binDirectory
        self.directory = directory
        self.port = port
        self.password = password
    }

    /// Why no server can run here, or nil when one can.
    public static var missing: String? {
        guard installedBinDirectory != nil else {
            return "no PostgreSQL server in /usr/lib/postgresql/*/bin; "
                + "install Debian's postgresql package: scripts/setup.sh test"
        }
        guard !isRoot || (runuser != nil && getpwnam("postgres") != nil) else {
            return "running as root needs runuser and the OS user postgres; "
                + "install Debian's postgresql package: scripts/setup.sh test"
        }
        return nil
    }

    /// Creates, starts and prepares a fresh server; ``remove()`` it when done.
    ///
    /// - Throws: ``PostgresServerError`` when the server cannot run here (see ``missing``) or one of its
    ///   commands fails.
    public static func start() throws -> PostgresServer {
        if let missing { throw PostgresServerError(description: missing) }
        let directory = "/tmp/validated-pg-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/socket", withIntermediateDirectories: true)
        let server = PostgresServer(
            binDirectory: installedBinDirectory!,
            directory: directory,
            port: try freePort(),
            password: randomHex()
        )
        do {
            try server.initialize()
            try server.startAgain()
            try server.createRoleAndDatabase()
        } catch {
            server.remove()
            throw error
        }
        return server
    }

    /// Stops the server (fast shutdown), waiting until it has; nothing happens when it is not running.
    public func stop() throws {
        guard try isRunning() else { return }
        _ = try run(pgCtl + ["stop", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60"], "stop the server")
    }

    /// Starts the stopped server again on the same port with the same data, waiting until it accepts connections;
    /// nothing happens when it is running.
    public func startAgain() throws {
        guard try !isRunning() else { return }
        let options = [
            "-p \(port)", "-c listen_addresses=127.0.0.1", "-k \(socketDirectory)", "-c fsync=off",
            "-c max_connections=200",
        ]
        let arguments = [
            "start", "-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-o", options.joined(separator: " "),
        ]
        _ = try run(
            pgCtl + arguments,
            closingDescriptors: true,
            "check the server log above; another process may have taken port \(port)"
        )
    }

    /// Stops the server if it runs and deletes its directory.
    public func remove() {
        try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `sql` as the superuser in ``database`` over the unix socket and returns what `psql -qAt` printed:
    /// one line per row (each ending in a newline), columns separated by `|`, no command tags.
    ///
    /// - Throws: ``PostgresServerError`` with psql's message when a statement fails.
    public func psql(_ sql: String) throws -> String {
        try superuserSQL(sql, in: database)
    }

    private func superuserSQL(_ sql: String, in database: String) throws -> String {
        let arguments = [
            "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p", String(port), "-U", "postgres",
            "-d", database, "-c", sql,
        ]
        return try run([binDirectory + "/psql"] + arguments, asPostgres: false, "check the SQL: \(sql)")
    }

    private func initialize() throws {
        let superuserPasswordFile = directory + "/superuser-password"
        try writePrivately(Self.randomHex(), to: superuserPasswordFile)
        if Self.isRoot {
            for path in [directory, socketDirectory, superuserPasswordFile] { try giveToPostgres(path) }
        }
        let arguments = [
            "-D", dataDirectory, "--username=postgres", "--pwfile=\(superuserPasswordFile)", "--auth-local=trust",
            "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
        ]
        _ = try run([binDirectory + "/initdb"] + arguments, "check that the OS user postgres can write to \(directory)")
    }

    private func createRoleAndDatabase() throws {
        _ = try superuserSQL("CREATE ROLE \(user) LOGIN PASSWORD '\(password)'", in: "postgres")
        _ = try superuserSQL("CREATE DATABASE \(database) OWNER \(user)", in: "postgres")
        try writePrivately(password, to: passwordFile)
    }

    /// `pg_ctl status`: 0 when running, 3 when not.
    private func isRunning() throws -> Bool {
        let command = pgCtl + ["status", "-D", dataDirectory]
        let status = try Self.execute(launcher(command, asPostgres: true, closingDescriptors: false))
        guard status.code == 0 || status.code == 3 else {
            throw failure(command, status, "check that \(dataDirectory) is a data directory")
        }
        return status.code == 0
    }

    private var pgCtl: [String] { [binDirectory + "/pg_ctl"] }

    /// Runs `command` (an executable and its arguments), as the OS user postgres when `asPostgres` and this
    /// process is root, and returns its standard output.
    ///
    /// - Parameter closingDescriptors: whether `command` starts with no descriptors but standard input, output and
    ///   error. A daemon it leaves behind would otherwise inherit the socket through which `Process` learns that
    ///   its child exited, and `waitUntilExit` would wait for the daemon instead.
    private func run(
        _ command: [String],
        asPostgres: Bool = true,
        closingDescriptors: Bool = false,
        _ advice: String
    ) throws -> String {
        let result = try Self.execute(launcher(command, asPostgres: asPostgres, closingDescriptors: closingDescriptors))
        guard result.code == 0 else { throw failure(command, result, advice) }
        return result.stdout
    }

    private func launcher(_ command: [String], asPostgres: Bool, closingDescriptors: Bool) -> [String] {
        var launched = command
        if closingDescriptors {
            let script =
                #"for fd in /proc/self/fd/*; do fd=${fd##*/}; [ "$fd" -le 2 ] || exec {fd}>&-; done; exec "$@""#
            launched = ["/bin/bash", "-c", script, "bash"] + launched
        }
        if asPostgres && Self.isRoot, let runuser = Self.runuser {
            launched = [runuser, "-u", "postgres", "--"] + launched
        }
        return launched
    }

    private func failure(_ command: [String], _ result: ProcessResult, _ advice: String) -> PostgresServerError {
        let output = (result.stdout + result.stderr).suffix(2_000)
        let log = ((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "").suffix(2_000)
        return PostgresServerError(
            description: """
                \(command.joined(separator: " ")) exited with status \(result.code): \(advice).
                Its output ends with:
                \(output)
                The server log \(logFile) ends with:
                \(log)
                """
        )
    }

    private func giveToPostgres(_ path: String) throws {
        try FileManager.default.setAttributes(
            [.ownerAccountName: "postgres", .groupOwnerAccountName: "postgres"],
            ofItemAtPath: path
        )
    }
}

/// What a child process printed and how it exited.
private struct ProcessResult {
    var code: Int32
    var stdout: String
    var stderr: String
}

extension PostgresServer {
    private static var isRoot: Bool { geteuid() == 0 }

    private static var runuser: String? {
        ["/usr/sbin/runuser", "/sbin/runuser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The `bin` folder of the highest PostgreSQL version under `/usr/lib/postgresql` with `initdb`, `pg_ctl` and
    /// `psql`.
    private static var installedBinDirectory: String? {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let complete = versions.filter { version in
            ["initdb", "pg_ctl", "psql"].allSatisfy {
                FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/\($0)")
            }
        }
        let highest = complete.max { versionNumbers($0).lexicographicallyPrecedes(versionNumbers($1)) }
        return highest.map { "\(root)/\($0)/bin" }
    }

    private static func versionNumbers(_ version: String) -> [Int] {
        version.split(separator: ".").map { Int($0) ?? 0 }
    }

    private static func randomHex() -> String {
        (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// A TCP port of 127.0.0.1 that nothing listens on: the one the kernel gives a socket bound to port 0.
    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw PostgresServerError(description: "socket failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            throw PostgresServerError(description: "cannot bind a socket to 127.0.0.1 port 0: errno \(errno)")
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs a command with no PG* variables of this process (so nothing but its arguments chooses the server),
    /// reading standard output and error to their ends before waiting for its exit.
    private static func execute(_ command: [String]) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let output = Pipe.closedOnExec()
        let errors = Pipe.closedOnExec()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stderr = BackgroundRead(errors.fileHandleForReading)
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderrData = stderr.wait()
        process.waitUntilExit()
        return ProcessResult(
            code: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self)
        )
    }
}

/// Reads a handle to its end on a thread of its own, so a child blocked writing to one pipe cannot stall the
/// reading of the other.
private final class BackgroundRead: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
        .start()
    }

    /// What was read, once the writers closed the pipe.
    func wait() -> Data {
        done.wait()
        return data
    }
}

/// Writes `text` to a new file of mode 0600 through a close-on-exec descriptor that is closed before returning.
private func writePrivately(_ text: String, to path: String) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw PostgresServerError(description: "cannot create \(path): errno \(errno)") }
    defer { close(descriptor) }
    let bytes = Array(text.utf8)
    guard write(descriptor, bytes, bytes.count) == bytes.count else {
        throw PostgresServerError(description: "cannot write \(path): errno \(errno)")
    }
}
