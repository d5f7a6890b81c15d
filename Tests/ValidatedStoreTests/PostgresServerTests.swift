import Foundation
import Testing
import ValidatedTestSupport

@Suite struct PostgresServerTests {
    @Test(.enabled(if: PostgresServer.missing == nil))
    func aServerStartsStopsAndStartsAgainOnItsPort() async throws {
        let server = try await onOwnThread { try PostgresServer.start() }
        defer { server.remove() }
        #expect(try server.psql("SELECT current_setting('port')") == "\(server.port)\n")
        _ = try server.psql("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('survives a restart')")

        try await onOwnThread { try server.stop() }
        try await onOwnThread { try server.stop() }  // a second stop does nothing
        try await onOwnThread { try server.startAgain() }

        #expect(try server.psql("SELECT note FROM kept") == "survives a restart\n")
        #expect(try String(contentsOfFile: server.passwordFile, encoding: .utf8) == server.password)
        let wrong = try await onOwnThread { try connect(to: server, password: "wrong") }
        #expect(wrong.status != 0, "a wrong password is accepted: \(wrong.output)")
        let right = try await onOwnThread { try connect(to: server, password: server.password) }
        #expect(right.status == 0, "the right password is refused: \(right.output)")
        #expect(right.output == "validated\n")
    }
}

/// Runs the server's own `psql` over TCP as the `validated` role with `password`.
private func connect(to server: PostgresServer, password: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: server.binDirectory + "/psql")
    process.arguments = [
        "-X", "-At", "-c", "SELECT current_user",
        "host=127.0.0.1 port=\(server.port) user=\(server.user) dbname=\(server.database) sslmode=disable",
    ]
    var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
    environment["PGPASSWORD"] = password
    process.environment = environment
    let output = Pipe.closedOnExec()
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let printed = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
}
