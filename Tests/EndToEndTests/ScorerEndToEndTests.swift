import Foundation
import Testing
import ValidatedCore
import ValidatedStore
import ValidatedTestSupport

/// `.onnx` checkpoints through the real daemon: served by the reference ONNX scorer, a scorer that hangs gets an
/// `error` verdict within its time limit, and SIGTERM during a hung batch stops the daemon and its scorer at once.
@Suite(.serialized) struct ScorerEndToEndTests {
    /// The process ids whose parent is `parent`, from /proc.
    static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            // After "pid (comm)": state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent
        }
    }

    static func verdict(_ store: VerdictStore, _ name: String) throws -> RunRecord? {
        guard let model = try? store.findModel(name) else { return nil }
        return try store.runs(modelID: model.id).first { $0.verdict != nil }
    }

    /// Explanations that wait on a hung scorer run on the validation threads, not on the threads Swift
    /// concurrency shares with the daemon's services: the heartbeat keeps beating and SIGTERM is served at once.
    @Test(.timeLimit(.minutes(3)))
    func theHeartbeatKeepsBeatingWhileEveryExplanationWaitsOnAHungScorer() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.path
        for name in ["incoming", "folders.d"] {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
        }
        // Ten documents: the evaluation set is one batch, so the scorer hangs in the explanations, which run
        // one per core, each waiting on the scorer or on its lock.
        // The honest scorer's probability follows the text's length, so lengths differ.
        let documents = (0..<10).map {
            #"{"id": "d\#($0)", "text": "\#(String(repeating: "word ", count: $0 + 1))end", "label": \#($0 % 2)}"#
        }
        try documents.joined(separator: "\n").write(toFile: root + "/eval.jsonl", atomically: true, encoding: .utf8)
        try """
        [Daemon]
        Database=state/validated.sqlite
        HeartbeatSec=1
        [Explain]
        Samples=500
        """.write(toFile: root + "/validated.conf", atomically: true, encoding: .utf8)
        try """
        [Folder]
        Path=../incoming
        EvaluationSet=\(root)/eval.jsonl
        Extensions=hang
        [Scorer]
        Command=hang python3 \(Fixtures.url("scorers/misbehaving_scorer.py").path) hang-after-first-batch
        BatchTimeoutSec=600
        """.write(toFile: root + "/folders.d/stalled.conf", atomically: true, encoding: .utf8)

        let (daemon, _) = try await DaemonLayout.startReady(config: root + "/validated.conf", logTarget: "console")
        defer { daemon.terminate(signal: SIGKILL) }
        try Data("a model".utf8).write(to: URL(fileURLWithPath: root + "/incoming/slow.hang"))
        try await waitUntil(timeout: .seconds(60), "the scorer to start; log:\n\(daemon.output)") {
            !Self.children(of: daemon.pid).isEmpty
        }
        // It answers the evaluation set at once and hangs on the first explanation's batch; heartbeats must go on
        // well past that moment.
        let started = Date()
        let store = try VerdictStore(readOnlyPath: root + "/state/validated.sqlite")
        try await waitUntil(timeout: .seconds(30), "heartbeats while the scorer hangs; log:\n\(daemon.output)") {
            try store.status().heartbeat.map { $0.beatAt.timeIntervalSince(started) > 6 } ?? false
        }
        let runs = try store.runs(modelID: try store.findModel("slow.hang").id)
        #expect(runs.first?.state == .running, "the run is still waiting on the scorer: \(runs.first?.summary ?? "")")
        daemon.terminate(signal: SIGTERM)
        #expect(try await daemon.waitForExit(timeout: .seconds(15)) == 0)
    }

    @Test(.timeLimit(.minutes(10)))
    func onnxCheckpointsAreServedByScorersAndAHungScorerIsAnErrorVerdict() async throws {
        try Journald.ensureRunning()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.path
        let folder = "onnx-\(UUID().uuidString.prefix(8).lowercased())"
        let repository = Fixtures.repository.path
        let training = Process()
        training.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        training.arguments = [
            "python3", Fixtures.url("scorers/make_onnx_model.py").path,
            "--train", Fixtures.url("wordnet-glosses/train.jsonl").path,
            "--test", Fixtures.url("wordnet-glosses/test.jsonl").path, "--limit-test", "1",
            "--out", root + "/model", "--limit-train", "2000",
        ]
        try training.run()
        let status = try await onOwnThread {
            training.waitUntilExit()
            return training.terminationStatus
        }
        try #require(status == 0, "make_onnx_model.py failed; run scripts/setup.sh")
        for name in ["incoming", "stalled", "folders.d"] {
            try FileManager.default.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
        }
        try """
        [Daemon]
        Database=state/validated.sqlite
        HeartbeatSec=1
        [Explain]
        Samples=1000
        [Spurious]
        Documents=8
        [Stability]
        Documents=2
        """.write(toFile: root + "/validated.conf", atomically: true, encoding: .utf8)
        try """
        [Folder]
        Path=../incoming
        EvaluationSet=\(repository)/demo/eval.jsonl
        BannedTokens=\(repository)/demo/banned-tokens.txt
        Extensions=onnx hang
        [Scorer]
        Command=onnx python3 \(repository)/scripts/onnx_scorer.py
        Command=hang python3 \(Fixtures.url("scorers/misbehaving_scorer.py").path) hang-on-batch
        StartTimeoutSec=60
        BatchTimeoutSec=5
        TextTimeoutSec=0
        MemoryLimit=2G
        """.write(toFile: root + "/folders.d/\(folder).conf", atomically: true, encoding: .utf8)
        try """
        [Folder]
        Path=../stalled
        EvaluationSet=\(repository)/demo/eval.jsonl
        Extensions=hang
        [Scorer]
        Command=hang python3 \(Fixtures.url("scorers/misbehaving_scorer.py").path) hang-on-batch
        BatchTimeoutSec=600
        """.write(toFile: root + "/folders.d/\(folder)-stalled.conf", atomically: true, encoding: .utf8)

        let (daemon, _) = try await DaemonLayout.startReady(config: root + "/validated.conf")
        defer { daemon.terminate(signal: SIGKILL) }
        let store = try VerdictStore(readOnlyPath: root + "/state/validated.sqlite")

        // A real ONNX model: scored by onnx_scorer.py, judged like any checkpoint, and its scorer is gone after.
        try FileManager.default.copyItem(
            atPath: root + "/model/model.onnx",
            toPath: root + "/incoming/.topics.onnx.part"
        )
        try FileManager.default.moveItem(
            atPath: root + "/incoming/.topics.onnx.part",
            toPath: root + "/incoming/topics.onnx"
        )
        try await waitUntil(timeout: .seconds(300), "a verdict on topics.onnx") {
            try Self.verdict(store, "topics.onnx") != nil
        }
        let onnx = try #require(try Self.verdict(store, "topics.onnx"))
        #expect(onnx.verdict == .pass || onnx.verdict == .warn, "topics.onnx: \(onnx.summary ?? "")")
        #expect(Self.children(of: daemon.pid).isEmpty, "scorer processes left behind: \(Self.children(of: daemon.pid))")

        // A scorer that hangs on its first batch: an error verdict once BatchTimeoutSec=5 has passed.
        try Data("not really a model".utf8).write(to: URL(fileURLWithPath: root + "/incoming/stuck.hang"))
        try await waitUntil(timeout: .seconds(60), "a verdict on stuck.hang") {
            try Self.verdict(store, "stuck.hang") != nil
        }
        let stuck = try #require(try Self.verdict(store, "stuck.hang"))
        // Timed by the daemon itself (the run's start and end), not by this test's task on a loaded machine. The run
        // is the scorer's start (python, seconds on a loaded machine: 20.5 s in all once in CI) and the 5 s batch
        // limit; the next limit that could end it instead is StartTimeoutSec=60, and the summary names which did.
        if let begun = stuck.startedAt, let ended = stuck.finishedAt {
            #expect(
                ended.timeIntervalSince(begun) < 50,
                "the hung scorer's run took \(ended.timeIntervalSince(begun)) s"
            )
        }
        #expect(stuck.verdict == .error)
        let summary = stuck.summary ?? ""
        #expect(summary.contains("did not manage to answer a batch"), "\(summary)")
        #expect(summary.contains("within 5 s (BatchTimeoutSec=5 + "), "\(summary)")
        #expect(summary.contains("stuck on a batch"), "the stderr tail is missing: \(summary)")
        #expect(Self.children(of: daemon.pid).isEmpty, "scorer processes left behind: \(Self.children(of: daemon.pid))")
        var journal: [[String: String]] = []
        try await waitUntil(timeout: .seconds(30), "the error verdict in the journal") {
            journal = try Journald.entries(matching: ["VALIDATED_FOLDER": folder, "VALIDATED_VERDICT": "error"])
            return !journal.isEmpty
        }
        #expect(journal.first?["VALIDATED_ERROR"]?.contains("stuck on a batch") == true)

        // SIGTERM while a scorer hangs under a 600 s batch limit: the daemon stops at once and kills its scorer.
        try Data("another stuck model".utf8).write(to: URL(fileURLWithPath: root + "/stalled/later.hang"))
        var scorers: [Int32] = []
        try await waitUntil(timeout: .seconds(60), "the stalled folder's scorer to start") {
            scorers = Self.children(of: daemon.pid)
            return !scorers.isEmpty
        }
        daemon.terminate(signal: SIGTERM)
        #expect(
            try await daemon.waitForExit(timeout: .seconds(15)) == 0,
            "the daemon waited on its scorer's 600 s limit"
        )
        for pid in scorers {
            #expect(kill(pid, 0) == -1, "scorer \(pid) outlived the daemon")
        }
    }
}
