import Foundation
import Glibc
import Testing
import ValidatedCore
import ValidatedModels
import ValidatedRuntime
import ValidatedTestSupport

/// [Run] TimeoutSec=: a run past its limit ends in an error naming the limit, its scorer killed, instead of
/// holding up the folder.
@Suite struct RunBudgetTests {
    @Test(.timeLimit(.minutes(2)))
    func aRunPastItsLimitIsAnErrorNamingTheLimitAndItsScorerIsGone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let model = directory.path + "/model.slow"
        try Data("a slow model".utf8).write(to: URL(fileURLWithPath: model))
        let resources = try FolderResources.load(
            evaluationSet: Fixtures.repository.path + "/demo/eval.jsonl",
            fields: EvaluationFields(),
            bannedTokens: nil
        )
        var settings = ValidationSettings()
        settings.runTimeoutSeconds = 2
        var job = ValidationJob(modelPath: model, championPath: nil, resources: resources, settings: settings)
        // 0.05 s per text: the evaluation set alone would take tens of seconds.
        let scorer = ScorerCommand(
            arguments: ["python3", Fixtures.url("scorers/misbehaving_scorer.py").path, "slow"],
            batchSize: 64
        )
        job.loader = ModelLoader(scorers: ["slow": scorer])
        let started = ContinuousClock.now
        let outcome = await job.run()
        let took = ContinuousClock.now - started
        #expect(outcome.report.verdict == .error)
        #expect(
            outcome.report.summary.contains("took longer than its limit of 2 s ([Run] TimeoutSec=2)"),
            "\(outcome.report.summary)"
        )
        #expect(outcome.sha256?.count == 64)
        // Unstopped, scoring the evaluation set alone would take over 120 s; a loaded machine may be slow to resume.
        #expect(took < .seconds(60), "the run was stopped only after \(took)")
        #expect(Self.scorers(of: model).isEmpty, "scorer processes left behind: \(Self.scorers(of: model))")
    }

    /// Processes of the slow test scorer serving `model` still alive (not zombies); other tests run the same
    /// scorer at the same time for their own models.
    static func scorers(of model: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.compactMap { pid -> String? in
            guard let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
                command.contains("misbehaving_scorer.py\u{0}slow"), command.contains(model),
                let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                !status.contains(") Z ")
            else { return nil }
            return pid
        }
    }
}
