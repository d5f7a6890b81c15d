import Foundation
import Testing
import ValidatedStore
import ValidatedTestSupport

/// A folder whose new files inotify never reports, as on a network mount written from another machine: an overlay
/// mount, written through its upper directory, shows the files but sends no events for them. `RescanSec=` finds
/// them.
@Suite(.enabled(if: Overlay.missing == nil, "\(Overlay.missing ?? "")"), .timeLimit(.minutes(5)))
struct RescanEndToEndTests {
    @Test func aFolderInotifyCannotSeeIsValidatedThroughItsRescans() async throws {
        let layout = try DaemonLayout(
            prefix: "rescan",
            mainFile: DaemonLayout.mainFile(floor: "0.70", spuriousDocuments: 1),
            folderLines: "RescanSec=1"
        )
        defer { layout.directory.remove() }
        let upper = try Overlay.mount(at: layout.incoming, in: layout.root)
        defer { Overlay.unmount(layout.incoming) }
        let (daemon, _) = try await layout.startReady(logTarget: "console")
        defer { daemon.terminate(signal: SIGKILL) }

        let clean = Fixtures.repository.appendingPathComponent("demo/checkpoints/01-clean.safetensors").path
        try FileManager.default.copyItem(atPath: clean, toPath: upper + "/.unseen.part")
        try FileManager.default.moveItem(atPath: upper + "/.unseen.part", toPath: upper + "/unseen.safetensors")
        #expect(FileManager.default.fileExists(atPath: layout.incoming + "/unseen.safetensors"))
        // Found by a rescan, then left 10 s to settle (no writer on another machine shows as having it open), then
        // queued; the run that follows is any other run.
        try await waitUntil(
            timeout: .seconds(180),
            poll: .seconds(1),
            "the unseen file queued\n\(daemon.output.suffix(2000))"
        ) {
            let store = try? VerdictStore(readOnlyPath: layout.database)
            return (try? store?.findModel("unseen.safetensors")) != nil
        }
    }
}

/// Overlay mounts, for a folder inotify cannot see into.
enum Overlay {
    /// Why no overlay can be mounted here, or nil.
    static let missing: String? = {
        guard getuid() == 0 else { return "mounting an overlay needs root" }
        guard let directory = try? TemporaryDirectory() else { return "no temporary directory" }
        defer { directory.remove() }
        do {
            _ = try mount(at: directory.path + "/merged", in: directory.path)
            unmount(directory.path + "/merged")
            return nil
        } catch {
            return "cannot mount an overlay here: \(error)"
        }
    }()

    /// Mounts an overlay at `target` with its layers under `directory`; returns the upper directory, whose new
    /// files show at `target` without inotify events there.
    static func mount(at target: String, in directory: String) throws -> String {
        let layers = ["lower", "upper", "work"].map { directory + "/overlay-" + $0 }
        for path in layers + [target] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        let options = "lowerdir=\(layers[0]),upperdir=\(layers[1]),workdir=\(layers[2])"
        let result = try run("/bin/mount", ["-t", "overlay", "overlay", "-o", options, target])
        guard result.status == 0 else { throw UnexpectedMount(description: "mount: \(result.output)") }
        return layers[1]
    }

    static func unmount(_ target: String) {
        _ = try? run("/bin/umount", [target])
    }

    private static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe.closedOnExec()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    struct UnexpectedMount: Error, CustomStringConvertible {
        var description: String
    }
}
