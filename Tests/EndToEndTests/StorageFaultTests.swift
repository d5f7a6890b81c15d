import Foundation
import Testing
import ValidatedCore
import ValidatedStore
import ValidatedTestSupport

private struct MountError: Error, CustomStringConvertible {
    var description: String
}

/// A small tmpfs mounted over a layout's state folder, so a test can fill it or make it read-only.
private struct Tmpfs {
    let path: String

    /// Whether this process may mount (root, outside a restricted container).
    static let isAvailable: Bool = {
        guard getuid() == 0, let probe = try? TemporaryDirectory() else { return false }
        defer { probe.remove() }
        guard (try? mount(["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe.path])) != nil else { return false }
        try? mount(["-u", probe.path], command: "/bin/umount")
        return true
    }()

    init(at path: String, size: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Self.mount(["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
        self.path = path
    }

    func remount(readOnly: Bool) throws {
        try Self.mount(["-o", readOnly ? "remount,ro" : "remount,rw", path])
    }

    func unmount() {
        try? Self.mount(["-l", path], command: "/bin/umount")
    }

    /// Writes zeros to `name` until the file system is full.
    func fill(_ name: String) {
        let filler = path + "/" + name
        let descriptor = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while chunk.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
    }

    private static func mount(_ arguments: [String], command: String = "/bin/mount") throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw MountError(description: "\(command) \(arguments.joined(separator: " ")) failed")
        }
    }
}

/// The store's file system misbehaving under the real daemon: full, then read-only. The daemon reports a store
/// error in the journal, retries, and loses and corrupts nothing once the store is usable again.
@Suite(.serialized, .enabled(if: Tmpfs.isAvailable, "needs root to mount a tmpfs"))
struct StorageFaultTests {
    private static let storeError = "bb81273c51ad49ff8a0180060034a7a2"

    @Test(.timeLimit(.minutes(8)))
    func aFullDiskIsRetriedAndNothingIsLostOnceSpaceReturns() async throws {
        try Journald.ensureRunning()
        let layout = try DaemonLayout()
        defer { layout.directory.remove() }
        let state = try Tmpfs(at: layout.root + "/state", size: "8m")
        defer { state.unmount() }
        let (daemon, _) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }

        state.fill("filler")
        try layout.dropCheckpoints(3)
        try await waitUntil(timeout: .seconds(60), "a store error in the journal") {
            try !Journald.entries(matching: ["MESSAGE_ID": Self.storeError, "_PID": "\(daemon.pid)"]).isEmpty
        }
        #expect(daemon.isRunning)

        try FileManager.default.removeItem(atPath: state.path + "/filler")
        let store = try VerdictStore(readOnlyPath: layout.root + "/state/validated.sqlite")
        do {
            // Alone this takes 20 s; the full test run on two cores once took over 120 s (the retry waits up to 30 s,
            // then three runs share the machine with the other suites).
            try await waitUntil(timeout: .seconds(360), "every verdict once space returns") {
                try store.status(recent: 10).recent.count == 3 && store.queueCounts().queued == 0
            }
        } catch {
            Issue.record("the daemon's log:\n\(daemon.output.suffix(4000))")
            throw error
        }
        let finished = try store.status(recent: 10).recent
        #expect(finished.allSatisfy { $0.verdict == .pass }, "\(finished.map { $0.summary ?? "" })")
        #expect(Set(finished.map(\.model.sha256)).count == 3)
        #expect(try store.integrityCheck() == ["ok"])
        try await layout.stop(daemon)
    }

    @Test(.timeLimit(.minutes(5)))
    func aReadOnlyStoreIsWaitedForAndUsedOnceWritable() async throws {
        try Journald.ensureRunning()
        let layout = try DaemonLayout()
        defer { layout.directory.remove() }
        let state = try Tmpfs(at: layout.root + "/state", size: "16m")
        defer { state.unmount() }
        let (first, _) = try await layout.startReady()
        try await layout.stop(first)

        try state.remount(readOnly: true)
        try layout.dropCheckpoints(1)
        let notify = try NotifySocket()
        let daemon = try layout.start(notify: notify)
        defer { daemon.terminate(signal: SIGKILL) }
        try await waitUntil(timeout: .seconds(60), "a store error in the journal") {
            try !Journald.entries(matching: ["MESSAGE_ID": Self.storeError, "_PID": "\(daemon.pid)"]).isEmpty
        }
        _ = try await notify.waitFor(timeout: .seconds(30)) { $0.hasPrefix("STATUS=Waiting for the store") }
        #expect(!notify.messages.contains { $0.contains("READY=1") }, "ready before the store could be written")
        #expect(daemon.isRunning)

        try state.remount(readOnly: false)
        _ = try await notify.waitFor(timeout: .seconds(60)) { $0.contains("READY=1") }
        let store = try VerdictStore(readOnlyPath: layout.root + "/state/validated.sqlite")
        try await waitUntil(timeout: .seconds(120), "the verdict once the store is writable") {
            try store.status().recent.count == 1
        }
        #expect(try store.status().recent.first?.verdict == .pass)
        #expect(try store.integrityCheck() == ["ok"])
        try await layout.stop(daemon)
    }
}

/// Runs interrupted on purpose: SIGTERM in the middle of one, and its file replaced while it is validated.
@Suite(.serialized) struct InterruptedRunTests {
    /// A layout whose runs take several seconds, so a test can act while one is in progress.
    private func slowLayout() throws -> DaemonLayout {
        let layout = try DaemonLayout()
        try DaemonLayout.mainFile(floor: "0.70", spuriousDocuments: 40)
            .write(toFile: layout.config, atomically: true, encoding: .utf8)
        return layout
    }

    @Test(.timeLimit(.minutes(5)))
    func sigtermDuringARunStopsPromptlyAndTheRunIsRedoneAtTheNextStart() async throws {
        try Journald.ensureRunning()
        let layout = try slowLayout()
        defer { layout.directory.remove() }
        let (daemon, _) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }
        try layout.dropCheckpoints(1)
        let store = try VerdictStore(readOnlyPath: layout.root + "/state/validated.sqlite")
        try await waitUntil(timeout: .seconds(60), "the run to start") { try store.queueCounts().running == 1 }

        let clock = ContinuousClock()
        let stopped = clock.now
        daemon.terminate(signal: SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(30)) == 0)
        let stopTime = clock.now - stopped
        // The run was abandoned, not finished: it has no verdict. The stop must also fit well within the unit's
        // TimeoutStopSec=30s, with room for a machine as loaded as a parallel test run makes it.
        #expect(try store.status().recent.isEmpty, "the interrupted run must not have a verdict")
        #expect(stopTime < .seconds(20), "SIGTERM took \(stopTime)")

        let (restarted, _) = try await layout.startReady()
        defer { restarted.terminate(signal: SIGKILL) }
        try await waitUntil(timeout: .seconds(120), "the redone run's verdict") { try store.status().recent.count == 1 }
        #expect(try store.status().recent.first?.verdict == .pass)
        #expect(try store.queueCounts().queued == 0)
        try await layout.stop(restarted)
    }

    @Test(.timeLimit(.minutes(5)))
    func aFileReplacedWhileItIsValidatedGetsAVerdictForEachContent() async throws {
        try Journald.ensureRunning()
        let layout = try slowLayout()
        defer { layout.directory.remove() }
        let (daemon, _) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }
        let clean = try Data(
            contentsOf: Fixtures.repository.appendingPathComponent("demo/checkpoints/01-clean.safetensors")
        )
        let path = layout.incoming + "/model.safetensors"
        try (clean + Data("old".utf8)).write(to: URL(fileURLWithPath: path))
        let store = try VerdictStore(readOnlyPath: layout.root + "/state/validated.sqlite")
        try await waitUntil(timeout: .seconds(60), "the run to start") { try store.queueCounts().running == 1 }

        try (clean + Data("new".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
        try await waitUntil(timeout: .seconds(180), "both contents' verdicts") {
            try store.status().recent.count == 2 && store.queueCounts().queued == 0
        }
        let finished = try store.status().recent
        let old = try #require(finished.first { $0.model.sha256 == SHA256.hex(SHA256.hash(clean + Data("old".utf8))) })
        let new = try #require(finished.first { $0.model.sha256 == SHA256.hex(SHA256.hash(clean + Data("new".utf8))) })
        // Judged on its own bytes: the clean model passes, or warns when LIME's noise puts a banned word in one
        // explanation's top 10 (the seeds follow the bytes, which differ from the demo's by the appended tag).
        #expect(new.verdict == .pass || new.verdict == .warn, "\(new.summary ?? "")")
        // The old content is judged on its own bytes when it was read before the replacement, and is an error
        // saying so when it was not; never a verdict on the wrong bytes.
        #expect(
            old.verdict == .pass || old.summary?.contains("the file changed after it was queued") == true,
            "\(old.summary ?? "")"
        )
        try await layout.stop(daemon)
    }
}
