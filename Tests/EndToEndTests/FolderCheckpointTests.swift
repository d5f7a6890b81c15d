import Foundation
import Testing
import ValidatedCore
import ValidatedStore
import ValidatedTestSupport

/// Checkpoint folders through the real daemon and real inotify: served by the scorer for `folder` (here a test
/// scorer that ignores its model), renamed in atomically, judged again when a file inside them changes.
@Suite(.serialized) struct FolderCheckpointTests {
    static let scorer = "python3 \(Fixtures.url("scorers/misbehaving_scorer.py").path) honest"
    static let fast = DaemonLayout.mainFile(floor: "0.40") + "\n[Explain]\nSamples=300\n"

    /// Writes a small model folder as `.name.part/` and renames it to `name` in `directory`.
    static func dropFolder(_ name: String, in directory: String, vocabulary: String = "[PAD]\nhello\n") throws {
        let partial = directory + "/." + name + ".part"
        try FileManager.default.createDirectory(atPath: partial + "/tokenizer", withIntermediateDirectories: true)
        try Data("{\"model_type\": \"bert\"}".utf8).write(to: URL(fileURLWithPath: partial + "/config.json"))
        try Data(vocabulary.utf8).write(to: URL(fileURLWithPath: partial + "/tokenizer/vocab.txt"))
        try FileManager.default.moveItem(atPath: partial, toPath: directory + "/" + name)
    }

    /// The folder's identity by scripts/folder_sha256.py.
    static func referenceSHA256(_ folder: String) async throws -> String {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let run = try await runPython("scripts/folder_sha256.py", [folder, "--out", directory.path + "/sha.txt"])
        try #require(run.status == 0, "folder_sha256.py: \(run.stderr)")
        return try String(contentsOfFile: directory.path + "/sha.txt", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func latestRun(_ store: VerdictStore, _ name: String) throws -> RunRecord? {
        guard let model = try? store.findModel(name) else { return nil }
        return try store.runs(modelID: model.id).first
    }

    @Test(.timeLimit(.minutes(5)))
    func aFolderRenamedInGetsAJournalVerdictAndAChangeInsideItIsANewRun() async throws {
        try Journald.ensureRunning()
        let layout = try DaemonLayout(
            prefix: "dir",
            mainFile: Self.fast,
            folderLines: "[Scorer]\nCommand=folder \(Self.scorer)"
        )
        defer { layout.directory.remove() }
        let (daemon, _) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }
        let store = try VerdictStore(readOnlyPath: layout.database)

        // Hidden and partial folders are left alone; so is one made in place.
        for name in [".hidden", "unfinished.part"] {
            try FileManager.default.createDirectory(
                atPath: layout.incoming + "/" + name,
                withIntermediateDirectories: true
            )
            try Data("{}".utf8).write(to: URL(fileURLWithPath: layout.incoming + "/" + name + "/config.json"))
        }
        try Self.dropFolder("tiny-bert", in: layout.incoming)
        try await waitUntil(timeout: .seconds(120), "a verdict on tiny-bert; log:\n\(daemon.output)") {
            try Self.latestRun(store, "tiny-bert")?.verdict != nil
        }
        let first = try #require(try Self.latestRun(store, "tiny-bert"))
        #expect(first.verdict != .error, "tiny-bert: \(first.summary ?? "")")
        #expect(first.model.path == layout.incoming + "/tiny-bert")
        #expect(first.model.sha256.count == 64)
        var journal: [[String: String]] = []
        try await waitUntil(timeout: .seconds(30), "the folder's verdict in the journal") {
            journal = try Journald.entries(matching: [
                "VALIDATED_FOLDER": layout.folder, "VALIDATED_SHA256": first.model.sha256,
            ])
            return journal.contains { $0["VALIDATED_VERDICT"] != nil }
        }
        #expect(journal.contains { $0["VALIDATED_MODEL"] == layout.incoming + "/tiny-bert" })

        let reference = try await Self.referenceSHA256(layout.incoming + "/tiny-bert")
        #expect(first.model.sha256 == reference)

        // A file rewritten inside the arrived folder: its new content is a new run.
        try Data("[PAD]\nhello\nworld\n".utf8).write(
            to: URL(fileURLWithPath: layout.incoming + "/tiny-bert/tokenizer/vocab.txt")
        )
        let changed = try await Self.referenceSHA256(layout.incoming + "/tiny-bert")
        try await waitUntil(timeout: .seconds(120), "a run of the changed folder; log:\n\(daemon.output)") {
            try Self.latestRun(store, changed)?.verdict != nil
        }
        let second = try #require(try Self.latestRun(store, changed))
        #expect(second.verdict != .error, "\(second.summary ?? "")")
        #expect(second.model.path == first.model.path)
        for name in [".hidden", "unfinished.part"] {
            #expect(throws: (any Error).self, "\(name) was queued") { try store.findModel(name) }
        }
        try await layout.stop(daemon)
    }

    @Test(.timeLimit(.minutes(3)))
    func aFolderWithoutAFolderScorerGetsAnErrorVerdictNamingTheLineToAdd() async throws {
        let layout = try DaemonLayout(prefix: "dir", mainFile: Self.fast)
        defer { layout.directory.remove() }
        let (daemon, _) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }
        let store = try VerdictStore(readOnlyPath: layout.database)
        try Self.dropFolder("orphan", in: layout.incoming)
        try await waitUntil(timeout: .seconds(60), "a verdict on orphan; log:\n\(daemon.output)") {
            try Self.latestRun(store, "orphan")?.verdict != nil
        }
        let run = try #require(try Self.latestRun(store, "orphan"))
        #expect(run.verdict == .error)
        #expect(
            run.summary?.contains("Command=folder python3 /usr/local/lib/validated/hf_scorer.py") == true,
            "\(run.summary ?? "")"
        )
        try await layout.stop(daemon)
    }

    @Test(.timeLimit(.minutes(3)))
    func validatectlValidatesAFolderWithTheFolderScorer() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Self.dropFolder("model", in: directory.path)
        let demo = Fixtures.repository.appendingPathComponent("demo").path
        let process = Process()
        process.executableURL = Binaries.url("validatectl")
        process.arguments = [
            "validate", directory.path + "/model", "--config", directory.path + "/none.conf", "--eval",
            demo + "/eval.jsonl",
            "--scorer", "folder=\(Self.scorer)", "--json",
        ]
        let output = Pipe.closedOnExec()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = try await onOwnThread { output.fileHandleForReading.readDataToEndOfFile() }
        process.waitUntilExit()
        #expect(
            process.terminationStatus != 2,
            "validatectl could not evaluate the folder: \(String(decoding: data, as: UTF8.self))"
        )
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["model"] as? String == directory.path + "/model")
        let reference = try await Self.referenceSHA256(directory.path + "/model")
        #expect(json["sha256"] as? String == reference)
    }
}
