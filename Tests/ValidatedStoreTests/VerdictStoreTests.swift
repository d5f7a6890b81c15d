import Foundation
import Testing
import ValidatedCore
import ValidatedStore

@Suite struct VerdictStoreTests {
    let directory: String
    let store: VerdictStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try VerdictStore(path: directory + "/validated.sqlite")
    }

    private func completion(
        _ runID: Int64,
        _ verdict: Verdict,
        champion: Int64? = nil,
        promote: Bool
    )
        -> RunCompletion
    {
        RunCompletion(
            runID: runID,
            verdict: verdict,
            summary: "summary \(verdict)",
            reportJSON: "{\"verdict\":\"\(verdict)\"}",
            checks: [CheckRecord(suite: .auc, verdict: verdict, summary: "auc summary", metricsJSON: "{}")],
            configFingerprint: "config",
            evalFingerprint: "eval",
            championModelID: champion,
            promote: promote
        )
    }

    @Test func identicalContentIsQueuedOncePerFolder() throws {
        let first = try store.enqueue(folder: "topics", path: "/m/a.safetensors", sha256: "aa11", size: 10)
        let again = try store.enqueue(folder: "topics", path: "/m/b.safetensors", sha256: "aa11", size: 10)
        let otherFolder = try store.enqueue(folder: "other", path: "/n/a.safetensors", sha256: "aa11", size: 10)
        guard case .queued(_, let modelID) = first else {
            Issue.record("first arrival not queued")
            return
        }
        #expect(again == .duplicate(modelID: modelID))
        if case .duplicate = otherFolder { Issue.record("another folder must validate the same content again") }
        #expect(try store.queueCounts().queued == 2)
    }

    @Test func runsAreClaimedInOrderAndInterruptedOnesRequeued() throws {
        _ = try store.enqueue(folder: "f", path: "/m/1", sha256: "01", size: 1)
        _ = try store.enqueue(folder: "f", path: "/m/2", sha256: "02", size: 1)
        let first = try #require(try store.claimNextRun(serving: []))
        #expect(first.model.path == "/m/1")
        #expect(first.state == .running)
        #expect(first.attempts == 1)
        // A crash now leaves run 1 running: the next start puts it back in front of the queue.
        #expect(try store.requeueInterrupted() == 1)
        let again = try #require(try store.claimNextRun(serving: []))
        #expect(again.id == first.id)
        #expect(again.attempts == 2)
    }

    @Test func completionStoresVerdictChecksAndPromotionTogether() throws {
        _ = try store.enqueue(folder: "f", path: "/m/1", sha256: "01", size: 1)
        let run = try #require(try store.claimNextRun(serving: []))
        try store.complete(completion(run.id, .pass, promote: true))
        let champion = try #require(try store.champion(folder: "f"))
        #expect(champion.id == run.model.id)
        let stored = try #require(try store.runs(modelID: run.model.id).first)
        #expect(stored.state == .done)
        #expect(stored.verdict == .pass)
        #expect(stored.reportJSON == "{\"verdict\":\"pass\"}")
        #expect(try store.checks(runID: run.id).map(\.suite) == [.auc])
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test func rollbackWalksBackThroughTheLineage() throws {
        var models: [Int64] = []
        for index in 1...3 {
            _ = try store.enqueue(folder: "f", path: "/m/\(index)", sha256: "0\(index)", size: 1)
            let run = try #require(try store.claimNextRun(serving: []))
            let outcome = try store.complete(completion(run.id, .pass, champion: models.last, promote: true))
            #expect(outcome == .promoted)
            models.append(run.model.id)
        }
        #expect(try store.champion(folder: "f")?.id == models[2])
        #expect(try store.rollback(folder: "f").id == models[1])
        #expect(try store.rollback(folder: "f").id == models[0])
        #expect(throws: StoreError.self) { try store.rollback(folder: "f") }
        #expect(
            try store.promotions(folder: "f").map(\.promotion.reason) == [.auto, .auto, .auto, .rollback, .rollback]
        )
        #expect(throws: StoreError.self) { try store.rollback(folder: "none") }
    }

    @Test func aModelJudgedAgainstAReplacedChampionIsNotPromoted() throws {
        for index in 1...3 { _ = try store.enqueue(folder: "f", path: "/m/\(index)", sha256: "0\(index)", size: 1) }
        let first = try #require(try store.claimNextRun(serving: []))
        #expect(try store.complete(completion(first.id, .pass, promote: true)) == .promoted)
        let second = try #require(try store.claimNextRun(serving: []))
        // validatectl promote during the run: the run compared the model with the champion replaced since.
        let third = try store.findModel("/m/3")
        try store.promote(modelID: third.id, reason: .manual)
        let outcome = try store.complete(completion(second.id, .pass, champion: first.model.id, promote: true))
        #expect(outcome == .championChanged(current: third.id))
        #expect(try store.champion(folder: "f")?.id == third.id)
        #expect(try store.run(id: second.id)?.verdict == .pass, "the verdict is stored all the same")
    }

    @Test func scoresAreCachedPerEvaluationSetInTheVerdictTransaction() throws {
        _ = try store.enqueue(folder: "f", path: "/m/1", sha256: "01", size: 1)
        let run = try #require(try store.claimNextRun(serving: []))
        var done = completion(run.id, .pass, promote: true)
        done.scores = [0.25, 1e-300, 0.999_999_999_999]
        try store.complete(done)
        #expect(
            try store.cachedScores(modelID: run.model.id, evalFingerprint: "eval") == [0.25, 1e-300, 0.999_999_999_999]
        )
        #expect(try store.cachedScores(modelID: run.model.id, evalFingerprint: "changed") == nil)
    }

    @Test func errorVerdictMarksRunFailedAndNeverPromotes() throws {
        _ = try store.enqueue(folder: "f", path: "/m/1", sha256: "01", size: 1)
        let run = try #require(try store.claimNextRun(serving: []))
        try store.complete(completion(run.id, .error, promote: false))
        #expect(try store.runs(modelID: run.model.id).first?.state == .failed)
        #expect(try store.champion(folder: "f") == nil)
    }

    @Test func completingAnUnknownRunWritesNothing() throws {
        #expect(throws: (any Error).self) { try store.complete(completion(999, .pass, promote: true)) }
        #expect(try store.champion(folder: "f") == nil)
    }

    @Test func readOnlyReaderSeesTheWritersCommits() throws {
        _ = try store.enqueue(folder: "f", path: "/m/model.safetensors", sha256: "abcdef0123", size: 1)
        try store.beat(Heartbeat(pid: 42, startedAt: Date(), beatAt: Date(), status: "queue 1", folders: ["f=/m"]))
        let reader = try VerdictStore(readOnlyPath: directory + "/validated.sqlite")
        let snapshot = try reader.status()
        #expect(snapshot.queued == 1)
        #expect(snapshot.heartbeat?.pid == 42)
        #expect(snapshot.heartbeat?.folders == ["f=/m"])
        #expect(try reader.findModel("model.safetensors").sha256 == "abcdef0123")
        #expect(try reader.findModel("abcdef").path == "/m/model.safetensors")
        #expect(throws: (any Error).self) { try reader.findModel("nothing-like-it") }
        #expect(throws: (any Error).self) { try reader.enqueue(folder: "f", path: "/x", sha256: "99", size: 1) }
    }
}
