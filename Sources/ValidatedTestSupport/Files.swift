import Foundation

/// A fresh directory under the system's temporary directory.
public struct TemporaryDirectory: Sendable {
    /// Its path.
    public let path: String

    /// Creates the directory.
    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("validated-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Deletes it and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Files under `Tests/Fixtures` of this checkout.
public enum Fixtures {
    /// The repository's root directory.
    public static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/<relativePath>`.
    public static func url(_ relativePath: String) -> URL {
        repository.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relativePath)
    }
}

/// The package's built executables, found beside the running test bundle.
public enum Binaries {
    /// The executable `name` in the build products directory.
    public static func url(_ name: String) -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 where !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent(name).path)
        {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent(name)
    }

    /// Copies the executable at `source` to `destination` in a `cp` child process.
    ///
    /// A copy written by this process holds a descriptor open for writing, and every child another test forks
    /// meanwhile inherits it: while any of them lives, starting the copy fails with "Text file busy" (ETXTBSY).
    /// The descriptor `cp` opens is never shared with this process's children.
    public static func copyExecutable(from source: String, to destination: String) throws {
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/bin/cp")
        copy.arguments = [source, destination]
        try copy.run()
        copy.waitUntilExit()
        guard copy.terminationStatus == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination])
        }
    }
}
