import Foundation
import Glibc
import ValidatedTestSupport

/// Another user, for running the real `validatectl` as an administrator who is not root (the tests run as root).
struct OtherUser {
    var uid: UInt32
    var gid: UInt32
    /// Supplementary groups.
    var groups: [UInt32] = []

    /// A set-up step that did not work.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// What a command wrote and its exit status.
    struct Output {
        var code: Int32
        var stdout: String
        var stderr: String
    }

    /// `nobody`, in no group of the store's.
    static let nobody = OtherUser(uid: 65534, gid: 65534)

    /// Runs `validatectl arguments` as this user, through setpriv(1).
    func validatectl(_ arguments: [String]) throws -> Output {
        let groupOption =
            groups.isEmpty ? "--clear-groups" : "--groups=\(groups.map(String.init).joined(separator: ","))"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments =
            ["--reuid=\(uid)", "--regid=\(gid)", groupOption, "--", Binaries.url("validatectl").path] + arguments
        process.environment = ["PATH": "/usr/bin:/bin", "NO_COLOR": "1"]
        let output = Pipe.closedOnExec()
        let error = Pipe.closedOnExec()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            code: process.terminationStatus,
            stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self)
        )
    }

    /// Makes `directory` and every file in it readable by everyone, as a store an administrator may read.
    static func share(_ directory: String) throws {
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory + "/" + name)
        }
    }

    /// The group `name`, created when missing; its id.
    static func group(_ name: String) throws -> UInt32 {
        let add = Process()
        add.executableURL = URL(fileURLWithPath: "/usr/sbin/groupadd")
        add.arguments = ["-f", name]
        try add.run()
        add.waitUntilExit()
        guard let entry = getgrnam(name) else { throw Failure(description: "groupadd \(name) failed") }
        return entry.pointee.gr_gid
    }
}
