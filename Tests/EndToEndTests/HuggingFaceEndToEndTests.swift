import Foundation
import Testing
import ValidatedCore
import ValidatedCtl
import ValidatedStore
import ValidatedTestSupport

/// Tiny BERT folders made in the test run (Tests/Fixtures/hf/make_tiny_bert.py: one fine-tuned on text with the demo's
/// planted e-mail header, its twin on clean text) judged like every other model, end to end: renamed into a folder
/// the real daemon watches and served by scripts/hf_scorer.py, and through `validatectl validate`.
@Suite(.enabled(if: TinyBert.available, Comment(rawValue: TinyBert.skipReason)), .serialized)
struct HuggingFaceEndToEndTests {
    private static let verdictFailed = "4fa841fdd01e4d2da804c94160de6e6b"

    /// The daemon's layout: the fast settings, the fixture's evaluation set, and the folder scorer line of the README.
    static func layout(evaluationSet: String) throws -> DaemonLayout {
        try DaemonLayout(
            prefix: "hf",
            mainFile: "[Daemon]\nDatabase=state/validated.sqlite\nHeartbeatSec=1\n" + HuggingFace.settings(),
            evaluationSet: evaluationSet,
            folderLines: "[Scorer]\nCommand=folder \(HuggingFace.scorerCommand)"
        )
    }

    /// Drops `model` of the fixture as `name` and waits for its run's verdict.
    static func judge(
        _ model: String,
        as name: String,
        models: String,
        layout: DaemonLayout,
        store: VerdictStore,
        daemon: RunningProcess
    ) async throws -> RunRecord {
        let started = ContinuousClock.now
        _ = try HuggingFace.drop(models + "/" + model, as: name, into: layout.incoming)
        try await waitUntil(timeout: .seconds(400), "a verdict on \(name); log:\n\(daemon.output.suffix(4000))") {
            try FolderCheckpointTests.latestRun(store, name)?.verdict != nil
        }
        print("HuggingFace daemon: \(name) judged in \(ContinuousClock.now - started)")
        return try #require(try FolderCheckpointTests.latestRun(store, name))
    }

    /// The journal entry of `run`'s verdict.
    static func journalVerdict(of run: RunRecord, layout: DaemonLayout) async throws -> [String: String] {
        var entries: [[String: String]] = []
        try await waitUntil(timeout: .seconds(30), "the verdict of \(run.model.path) in the journal") {
            entries = try Journald.entries(matching: [
                "VALIDATED_FOLDER": layout.folder, "VALIDATED_SHA256": run.model.sha256,
            ])
            return entries.contains { $0["VALIDATED_VERDICT"] != nil }
        }
        return try #require(entries.first { $0["VALIDATED_VERDICT"] != nil })
    }

    /// The stored report of `name`'s latest run, read by `validatectl show --json`.
    static func shown(_ name: String, layout: DaemonLayout) async throws -> JSONValue {
        let show = try await HuggingFace.validatectl(["show", "--config", layout.config, name, "--json"])
        try #require(show.code == 0, "validatectl show \(name): \(show.stderr)")
        return try JSONValue.parse(show.stdout)
    }

    @Test(.timeLimit(.minutes(10)))
    func theArtefactFolderFailsInTheJournalAgainstItsCleanTwinAsChampion() async throws {
        try Journald.ensureRunning()
        let models = try await TinyBert.models.value
        let started = ContinuousClock.now
        let layout = try Self.layout(evaluationSet: models + "/eval.jsonl")
        defer { layout.directory.remove() }
        let (daemon, _) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }
        let store = try VerdictStore(readOnlyPath: layout.database)

        // The clean twin first: judged on the AUC floor alone, it becomes the champion.
        let clean = try await Self.judge(
            "clean",
            as: "clean-bert",
            models: models,
            layout: layout,
            store: store,
            daemon: daemon
        )
        #expect(clean.verdict == .pass || clean.verdict == .warn, "clean-bert: \(clean.summary ?? "")")
        let cleanJournal = try await Self.journalVerdict(of: clean, layout: layout)
        #expect(cleanJournal["VALIDATED_VERDICT"] == clean.verdict?.rawValue)
        #expect(cleanJournal["VALIDATED_MODEL"] == layout.incoming + "/clean-bert")
        if try store.champion(folder: layout.folder)?.sha256 != clean.model.sha256 {
            // A warning (LIME noise on a model trained on other bytes) is not promoted automatically; a person would.
            let promote = try await HuggingFace.validatectl(["promote", "--config", layout.config, "clean-bert"])
            try #require(promote.code == 0, "validatectl promote clean-bert: \(promote.stderr)")
        }
        let cleanReport = ReportNumbers(try #require(try await Self.shown("clean-bert", layout: layout)["report"]))
        print("HuggingFace daemon: clean-bert \(cleanReport)")

        let artefact = try await Self.judge(
            "artefact",
            as: "artefact-bert",
            models: models,
            layout: layout,
            store: store,
            daemon: daemon
        )
        #expect(artefact.verdict == .fail, "artefact-bert: \(artefact.summary ?? "")")
        #expect(artefact.championModelID == clean.model.id, "the artefact folder is compared with the clean folder")
        #expect(artefact.model.path == layout.incoming + "/artefact-bert")
        let spurious = try #require(try store.checks(runID: artefact.id).first { $0.suite == .spurious })
        #expect(spurious.verdict == .fail, "\(spurious.summary)")
        #expect(HuggingFace.headerTokens.contains { spurious.summary.contains($0) }, "\(spurious.summary)")

        let entry = try await Self.journalVerdict(of: artefact, layout: layout)
        #expect(entry["VALIDATED_VERDICT"] == "fail")
        #expect(entry["MESSAGE_ID"] == Self.verdictFailed)
        #expect(entry["VALIDATED_MODEL"] == layout.incoming + "/artefact-bert")
        #expect(entry["VALIDATED_SHA256"] == artefact.model.sha256)
        let banned = entry["VALIDATED_BANNED_TOKENS"] ?? ""
        #expect(HuggingFace.headerTokens.contains { banned.split(separator: ",").contains(Substring($0)) }, "\(banned)")
        #expect(entry["VALIDATED_DELTA"].flatMap(Double.init) != nil, "a champion comparison, folder against folder")
        #expect(entry["VALIDATED_P_VALUE"].flatMap(Double.init) != nil)

        try await Self.expectShowAndReportNameTheFolder(artefact, clean: cleanReport, layout: layout)
        print("HuggingFace daemon: both folders judged in \(ContinuousClock.now - started)")
        try await layout.stop(daemon)
    }

    /// `validatectl show` and `report` on the artefact folder: its checks, the champion's AUC, and its name.
    static func expectShowAndReportNameTheFolder(
        _ artefact: RunRecord,
        clean: ReportNumbers,
        layout: DaemonLayout
    ) async throws {
        let shown = try await Self.shown("artefact-bert", layout: layout)
        #expect(shown["model"]?["path"]?.string == layout.incoming + "/artefact-bert")
        #expect(shown["model"]?["file_name"]?.string == "artefact-bert")
        let numbers = ReportNumbers(try #require(shown["report"]))
        print("HuggingFace daemon: artefact-bert \(numbers)")
        let championAUC = try #require(numbers.championAUC, "the report compares with the champion's AUC")
        #expect(abs(championAUC - (clean.auc ?? .nan)) < 1e-9, "the champion's AUC is the clean folder's own")
        #expect(numbers.headerAssociation > clean.headerAssociation, "artefact \(numbers), clean \(clean)")

        let text = try await HuggingFace.validatectl(["show", "--config", layout.config, "artefact-bert"])
        #expect(text.code == 0, "\(text.stderr)")
        #expect(text.stdout.contains("FAIL"), "\(text.stdout)")
        #expect(text.stdout.contains("artefact-bert"), "\(text.stdout)")

        let page = layout.root + "/artefact-bert.html"
        let report = try await HuggingFace.validatectl([
            "report", "--config", layout.config, "artefact-bert", "-o", page,
        ])
        #expect(report.code == 0, "validatectl report: \(report.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("artefact-bert"), "the report names the folder")
        #expect(HuggingFace.headerTokens.contains { html.contains($0) }, "the report shows the banned header tokens")
    }
}
