import Foundation
import Testing
import ValidatedCore
import ValidatedStore
import ValidatedTestSupport

/// Issue 15's daemon-side findings, each on the real binary, real inotify and the real journal: a replaced
/// champion, refused inputs, a deleted store, the store's file mode, and reloads that cannot be applied.
@Suite(.serialized) struct RuntimeFaultTests {
    static let championChanged = "a477bcb18edc4f7fb3e67e781a5d25c2"
    static let checkpointRefused = "c755d90c2ab5463baa820e7c652a5bf7"
    static let storeRecreated = "817dd760235d446c9e919e92b01d4d8e"
    static let configRejected = "a88d6ced47544d9f97586b6e1b3ab65d"

    static func checkpoint(_ name: String) throws -> Data {
        try Data(contentsOf: Fixtures.repository.appendingPathComponent("demo/checkpoints/" + name))
    }

    /// Writes `data` as `.name.part` and renames it to `name` in `folder`, over a file of that name (as `mv`).
    static func drop(_ data: Data, as name: String, in folder: String) throws {
        try data.write(to: URL(fileURLWithPath: folder + "/." + name + ".part"))
        #expect(rename(folder + "/." + name + ".part", folder + "/" + name) == 0)
    }

    static func entries(_ messageID: String, pid: Int32) throws -> [[String: String]] {
        try Journald.entries(matching: ["MESSAGE_ID": messageID, "_PID": "\(pid)"])
    }

    /// B1: the champion's file replaced by other content (`mv` over it) is never used as the champion: the run
    /// says so in its summary and the journal has the champion-changed message naming what to do.
    @Test(.timeLimit(.minutes(5)))
    func aReplacedChampionFileIsNotUsedAsTheChampion() async throws {
        try Journald.ensureRunning()
        let layout = try DaemonLayout()
        defer { layout.directory.remove() }
        let (daemon, _) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }
        let store = try VerdictStore(readOnlyPath: layout.database)

        try Self.drop(try Self.checkpoint("01-clean.safetensors"), as: "champion.safetensors", in: layout.incoming)
        try await waitUntil(timeout: .seconds(120), "the clean model to become champion") {
            try store.champion(folder: layout.folder) != nil
        }
        let champion = try #require(try store.champion(folder: layout.folder))
        // The artefact model moved onto the champion's file name.
        try Self.drop(try Self.checkpoint("02-artefact.safetensors"), as: "champion.safetensors", in: layout.incoming)
        var changed: [[String: String]] = []
        try await waitUntil(timeout: .seconds(120), "the champion-changed message") {
            changed = try Self.entries(Self.championChanged, pid: daemon.pid)
            return !changed.isEmpty
        }
        let message = changed[0]["MESSAGE"] ?? ""
        #expect(message.contains("no longer holds the champion"), "\(message)")
        #expect(message.contains("validatectl promote"), "\(message)")
        try await waitUntil(timeout: .seconds(60), "the artefact's verdict") { try store.status().recent.count == 2 }
        let run = try #require(try store.status().recent.first { $0.model.sha256 != champion.sha256 })
        #expect(run.summary?.contains("no longer holds the champion") == true, "\(run.summary ?? "")")
        #expect(try store.champion(folder: layout.folder)?.sha256 == champion.sha256)
        try await layout.stop(daemon)
    }

    /// W4: a link named like a checkpoint to a file that is not one stores "not a safetensors file", never the
    /// bytes it points at (read as a header length).
    @Test(.timeLimit(.minutes(3)))
    func aLinkToAnotherFileDoesNotLeakItsBytes() async throws {
        try Journald.ensureRunning()
        let layout = try DaemonLayout()
        defer { layout.directory.remove() }
        let (daemon, _) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }
        let secret = Array("root:$y$j9T$secretsecret:19000:0:99999:7:::\n".utf8)
        try Data(secret).write(to: URL(fileURLWithPath: layout.root + "/shadow"))
        try FileManager.default.createSymbolicLink(
            atPath: layout.incoming + "/x.safetensors",
            withDestinationPath: layout.root + "/shadow"
        )
        let store = try VerdictStore(readOnlyPath: layout.database)
        try await waitUntil(timeout: .seconds(60), "the link's verdict") { try store.status().recent.count == 1 }
        let run = try #require(try store.status().recent.first)
        let leaked = String(secret.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        #expect(run.verdict == .error)
        #expect(run.summary?.contains("not a safetensors file") == true, "\(run.summary ?? "")")
        #expect(run.reportJSON?.contains(leaked) == false, "\(run.reportJSON ?? "")")
        #expect(run.summary?.contains(leaked) == false)
        try await layout.stop(daemon)
    }

    /// W7: the store and its WAL files are created 0640 even by a daemon started with umask 000.
    @Test(.timeLimit(.minutes(3)))
    func theStoreIsCreated0640WhateverTheUmask() async throws {
        try Journald.ensureRunning()
        let layout = try DaemonLayout()
        defer { layout.directory.remove() }
        let notify = try NotifySocket()
        let daemon = try RunningProcess(
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: [
                "-c", "umask 000; exec \"$0\" --config \"$1\" --log-target journal", Binaries.url("validated").path,
                layout.config,
            ],
            environment: ["NOTIFY_SOCKET": notify.path]
        )
        defer { daemon.terminate(signal: SIGKILL) }
        _ = try await notify.waitFor(timeout: .seconds(60)) { $0.contains("READY=1") }
        try layout.dropCheckpoints(1)
        let store = try VerdictStore(readOnlyPath: layout.database)
        try await waitUntil(timeout: .seconds(60), "a verdict") { try store.status().recent.count == 1 }
        for suffix in ["", "-wal", "-shm"] {
            var info = stat()
            #expect(stat(layout.database + suffix, &info) == 0, "\(suffix)")
            let mode = String(info.st_mode & 0o777, radix: 8)
            #expect(info.st_mode & 0o777 == 0o640, "validated.sqlite\(suffix) is \(mode)")
        }
        try await layout.stop(daemon)
    }

    /// B6: the store files deleted while the daemon runs: the deletion is noticed and alerted, the store is
    /// written again with everything it held, later verdicts land in it, and a restart re-validates nothing.
    @Test(.timeLimit(.minutes(5)))
    func aDeletedStoreIsNoticedAndRecoveredWithoutLosingVerdicts() async throws {
        try Journald.ensureRunning()
        let layout = try DaemonLayout()
        defer { layout.directory.remove() }
        let (daemon, _) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }
        try layout.dropCheckpoints(1)
        try await waitUntil(timeout: .seconds(60), "the first verdict") {
            try VerdictStore(readOnlyPath: layout.database).status().recent.count == 1
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: layout.database + suffix) }
        try await waitUntil(timeout: .seconds(30), "the store-recreated alert") {
            try !Self.entries(Self.storeRecreated, pid: daemon.pid).isEmpty
        }
        let clean = try Self.checkpoint("01-clean.safetensors")
        try Self.drop(clean + Data("later".utf8), as: "later.safetensors", in: layout.incoming)
        try await waitUntil(timeout: .seconds(60), "both verdicts in the store at its path") {
            (try? VerdictStore(readOnlyPath: layout.database).status().recent.count) == 2
        }
        try await layout.stop(daemon)

        let (again, _) = try await layout.startReady()
        defer { again.terminate(signal: SIGKILL) }
        let store = try VerdictStore(readOnlyPath: layout.database)
        #expect(try store.status().recent.count == 2)
        #expect(try store.queueCounts().queued == 0, "a restart must not re-validate what was judged")
        #expect(try store.integrityCheck() == ["ok"])
        try await layout.stop(again)
    }

    /// B4 and W3: a name that is not UTF-8, a FIFO, a dangling link and a link loop with a checkpoint's name
    /// are each refused with the refusal MESSAGE_ID, both when found at start and when they arrive.
    @Test(.timeLimit(.minutes(3)))
    func unusableFilesAreRefusedWithAMessageID() async throws {
        try Journald.ensureRunning()
        let layout = try DaemonLayout()
        defer { layout.directory.remove() }
        func oddFiles(_ prefix: String) throws {
            let name = Array((layout.incoming + "/" + prefix + "-latin1-").utf8) + [0xE9] + Array(".safetensors".utf8)
            let descriptor = (name + [0]).withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o644) }
            }
            #expect(descriptor >= 0)
            let bytes = try Self.checkpoint("01-clean.safetensors")
            _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
            #expect(mkfifo(layout.incoming + "/" + prefix + "-fifo.safetensors", 0o644) == 0)
            try FileManager.default.createSymbolicLink(
                atPath: layout.incoming + "/" + prefix + "-dangling.safetensors",
                withDestinationPath: layout.root + "/nothing-here"
            )
            try FileManager.default.createSymbolicLink(
                atPath: layout.incoming + "/" + prefix + "-loop.safetensors",
                withDestinationPath: layout.incoming + "/" + prefix + "-loop.safetensors"
            )
        }
        try oddFiles("early")
        let (daemon, _) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }
        try oddFiles("late")
        var refused: [String] = []
        try await waitUntil(timeout: .seconds(30), "eight refusals") {
            refused = try Self.entries(Self.checkpointRefused, pid: daemon.pid).compactMap { $0["MESSAGE"] }
            return refused.count >= 8
        }
        for prefix in ["early", "late"] {
            func says(_ kind: String, _ reason: String) -> Bool {
                refused.contains { $0.contains("/\(prefix)-\(kind)") && $0.contains(reason) }
            }
            #expect(says("latin1", "not valid UTF-8"), "\(refused)")
            #expect(says("fifo", "FIFO"), "\(refused)")
            #expect(says("dangling", "link to nothing"), "\(refused)")
            #expect(says("loop", "loops"), "\(refused)")
        }
        #expect(daemon.isRunning)
        try await layout.stop(daemon)
    }

    /// B5: SIGHUP with a new folder file or another Database= is refused with the reason, not announced as
    /// reloaded, and the heartbeat (what `validatectl status` shows) keeps the folders really watched.
    @Test(.timeLimit(.minutes(3)))
    func aReloadThatNeedsARestartIsRefusedAndStatusShowsWhatIsInForce() async throws {
        try Journald.ensureRunning()
        let layout = try DaemonLayout()
        defer { layout.directory.remove() }
        let (daemon, _) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }
        let store = try VerdictStore(readOnlyPath: layout.database)
        try await waitUntil(timeout: .seconds(30), "the first heartbeat") { try store.status().heartbeat != nil }
        let watched = try #require(try store.status().heartbeat?.folders)

        try FileManager.default.createDirectory(atPath: layout.root + "/elsewhere", withIntermediateDirectories: true)
        let demo = Fixtures.repository.appendingPathComponent("demo").path
        try "[Folder]\nPath=../elsewhere\nEvaluationSet=\(demo)/eval.jsonl\n".write(
            toFile: layout.root + "/folders.d/added.conf",
            atomically: true,
            encoding: .utf8
        )
        daemon.terminate(signal: SIGHUP)
        var rejected: [[String: String]] = []
        try await waitUntil(timeout: .seconds(30), "the refusal of the new folder") {
            rejected = try Self.entries(Self.configRejected, pid: daemon.pid)
            return !rejected.isEmpty
        }
        #expect(rejected[0]["MESSAGE"]?.contains("restart validated") == true, "\(rejected[0])")
        try FileManager.default.removeItem(atPath: layout.root + "/folders.d/added.conf")

        try DaemonLayout.mainFile(floor: "0.70").replacingOccurrences(of: "state/validated", with: "state/other")
            .write(toFile: layout.config, atomically: true, encoding: .utf8)
        daemon.terminate(signal: SIGHUP)
        try await waitUntil(timeout: .seconds(30), "the refusal of the new Database=") {
            rejected = try Self.entries(Self.configRejected, pid: daemon.pid)
            return rejected.count >= 2
        }
        #expect(rejected.contains { $0["MESSAGE"]?.contains("Database=") == true }, "\(rejected)")
        let beatAfter = try #require(try store.status().heartbeat?.beatAt)
        try await waitUntil(timeout: .seconds(10), "a later heartbeat") {
            try (store.status().heartbeat?.beatAt ?? beatAfter) > beatAfter
        }
        #expect(try store.status().heartbeat?.folders == watched)
        #expect(try Self.entries("735ea5408e57443c9e04d2e21140460b", pid: daemon.pid).isEmpty, "announced as reloaded")
        try await layout.stop(daemon)
    }

    /// W2: a file its producer still has open for writing when the daemon starts (a restart during a slow
    /// write) is not judged half-written: it gets one verdict, on its whole content, once it is closed.
    @Test(.timeLimit(.minutes(3)))
    func aFileStillBeingWrittenAtStartGetsOneVerdictOnceClosed() async throws {
        try Journald.ensureRunning()
        let layout = try DaemonLayout()
        defer { layout.directory.remove() }
        let path = layout.incoming + "/slow.safetensors"
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        writer.arguments = [
            "python3", "-c",
            """
            import sys
            data = open(sys.argv[2], "rb").read()
            out = open(sys.argv[1], "wb")
            out.write(data[: len(data) // 2]); out.flush()
            print("half", flush=True)
            sys.stdin.readline()
            out.write(data[len(data) // 2 :]); out.close()
            """,
            path, Fixtures.repository.appendingPathComponent("demo/checkpoints/01-clean.safetensors").path,
        ]
        let (input, output) = (Pipe.closedOnExec(), Pipe.closedOnExec())
        writer.standardInput = input
        writer.standardOutput = output
        try writer.run()
        defer { writer.terminate() }
        _ = output.fileHandleForReading.availableData  // "half": half of the file is written, and it is open

        let (daemon, _) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }
        try await waitUntil(timeout: .seconds(30), "the daemon to wait for the open file") {
            try Journald.entries(matching: ["_PID": "\(daemon.pid)", "VALIDATED_MODEL": path]).contains {
                $0["MESSAGE"]?.contains("still being written") == true
            }
        }
        input.fileHandleForWriting.write(Data("go\n".utf8))
        writer.waitUntilExit()
        let store = try VerdictStore(readOnlyPath: layout.database)
        try await waitUntil(timeout: .seconds(60), "the verdict") { try store.status().recent.count == 1 }
        let runs = try store.status().recent
        #expect(runs.count == 1 && runs[0].verdict == .pass, "\(runs.map { $0.summary ?? "" })")
        try await layout.stop(daemon)
    }

    /// W5: a broken evaluation set is reported as the folder's problem at start and in the status row; the
    /// checkpoints that arrive meanwhile wait (no error verdict) and are validated once the file is fixed.
    @Test(.timeLimit(.minutes(3)))
    func aBrokenEvaluationSetIsTheFoldersProblemAndWhatItBlockedRunsOnceFixed() async throws {
        try Journald.ensureRunning()
        let evaluation = FileManager.default.temporaryDirectory.appendingPathComponent("eval-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: evaluation) }
        try Data("{\"text\": \"broken".utf8).write(to: URL(fileURLWithPath: evaluation))
        let layout = try DaemonLayout(evaluationSet: evaluation)
        defer { layout.directory.remove() }
        let (daemon, _) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }
        var problems: [[String: String]] = []
        try await waitUntil(timeout: .seconds(30), "the folder problem at start") {
            problems = try Self.entries("71de86e7e9254d88b0b2851936ba4ffe", pid: daemon.pid)
            return !problems.isEmpty
        }
        #expect(problems[0]["VALIDATED_FOLDER"] == layout.folder)
        #expect(problems[0]["VALIDATED_ERROR"]?.contains(evaluation) == true, "\(problems[0])")
        let store = try VerdictStore(readOnlyPath: layout.database)
        try await waitUntil(timeout: .seconds(30), "the problem in the status row") {
            try store.status().heartbeat?.status.contains("cannot validate") == true
        }
        try layout.dropCheckpoints(2)
        try await waitUntil(timeout: .seconds(30), "both checkpoints queued") { try store.queueCounts().queued == 2 }
        #expect(try store.status().recent.isEmpty, "no verdict while the folder is broken")

        let demo = Fixtures.repository.appendingPathComponent("demo/eval.jsonl")
        try FileManager.default.removeItem(atPath: evaluation)
        try FileManager.default.copyItem(atPath: demo.path, toPath: evaluation)
        try await waitUntil(timeout: .seconds(120), "verdicts once the set is fixed") {
            try store.status().recent.count == 2
        }
        #expect(try store.status().recent.allSatisfy { $0.verdict == .pass })
        #expect(try store.status().heartbeat?.status.contains("cannot validate") == false)
        try await layout.stop(daemon)
    }

    /// W1: an evaluation text of 2 MB is cut to `[Run] MaxTextChars=`, and the verdict names the limit and how
    /// many texts it cut.
    @Test(.timeLimit(.minutes(3)))
    func aHugeEvaluationTextIsCutAndTheVerdictNamesTheLimit() async throws {
        try Journald.ensureRunning()
        let evaluation = FileManager.default.temporaryDirectory.appendingPathComponent("eval-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: evaluation) }
        let demo = try String(
            contentsOf: Fixtures.repository.appendingPathComponent("demo/eval.jsonl"),
            encoding: .utf8
        )
        let huge = String(repeating: "Posting-Host: nntp.cs.example.edu ", count: 60_000)
        let lines = demo.split(separator: "\n").enumerated().map { index, line in
            index == 2 ? #"{"id": "huge", "text": "\#(huge)", "label": 1}"# : String(line)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: evaluation, atomically: true, encoding: .utf8)
        let layout = try DaemonLayout(
            mainFile: DaemonLayout.mainFile(floor: "0.70") + "\n[Run]\nMaxTextChars=2000\n",
            evaluationSet: evaluation
        )
        defer { layout.directory.remove() }
        let (daemon, _) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }
        try layout.dropCheckpoints(1)
        let store = try VerdictStore(readOnlyPath: layout.database)
        try await waitUntil(timeout: .seconds(120), "the verdict") { try store.status().recent.count == 1 }
        let run = try #require(try store.status().recent.first)
        #expect(run.verdict != .error, "\(run.summary ?? "")")
        #expect(
            run.summary?.contains("1 evaluation text(s) longer than 2000 characters") == true,
            "\(run.summary ?? "")"
        )
        #expect(run.summary?.contains("MaxTextChars=2000") == true)
        try await layout.stop(daemon)
    }
}
