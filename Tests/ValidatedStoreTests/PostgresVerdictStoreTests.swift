import Foundation
import Testing
import ValidatedCore
import ValidatedStore
import ValidatedTestSupport

/// The shared store on a real PostgreSQL server: the queue's claims, leases and verdicts, serialized champions,
/// folder copies, and the errors a daemon sees.
@Suite(.enabled(if: PostgresServer.missing == nil, "\(PostgresServer.missing ?? "")"), .timeLimit(.minutes(3)))
struct PostgresVerdictStoreTests {
    static func store(
        _ server: PostgresServer,
        holder: String,
        lease: Duration = .seconds(60)
    ) throws
        -> PostgresVerdictStore
    {
        guard case .postgres(let location) = try StoreLocation.parse(server.url) else {
            throw TestSetupError(description: "\(server.url) is not a PostgreSQL URL")
        }
        return try PostgresVerdictStore(location: location, password: server.password, holder: holder, lease: lease)
    }

    static func completion(
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
            reportJSON: "{}",
            checks: [
                CheckRecord(suite: .spurious, verdict: verdict, summary: "s", metricsJSON: "{}"),
                CheckRecord(suite: .auc, verdict: verdict, summary: "a", metricsJSON: "{}"),
            ],
            configFingerprint: "config",
            evalFingerprint: "eval",
            championModelID: champion,
            promote: promote,
            scores: [0.25, 0.75]
        )
    }

    @Test func aRunGoesFromArrivalToVerdictAndChampion() throws {
        let server = try PostgresServer.start()
        defer { server.remove() }
        let store = try Self.store(server, holder: "a")
        guard case .queued(_, let modelID) = try store.enqueue(folder: "f", path: "/m/a", sha256: "aa11bb", size: 3)
        else { throw TestSetupError(description: "the first arrival was not queued") }
        #expect(try store.enqueue(folder: "f", path: "/m/b", sha256: "aa11bb", size: 3) == .duplicate(modelID: modelID))
        #expect(try store.claimNextRun(serving: ["other"]) == nil, "a folder this daemon does not serve")
        let run = try #require(try store.claimNextRun(serving: ["f"]))
        #expect(run.state == .running && run.attempts == 1)
        #expect(try store.complete(Self.completion(run.id, .pass, promote: true)) == .promoted)

        let stored = try #require(try store.run(id: run.id))
        #expect(stored.verdict == .pass && stored.state == .done && stored.summary == "summary pass")
        #expect(try store.checks(runID: run.id).map(\.suite) == [.spurious, .auc], "in the order stored")
        #expect(try store.champion(folder: "f")?.id == modelID)
        #expect(try store.cachedScores(modelID: modelID, evalFingerprint: "eval") == [0.25, 0.75])
        #expect(try store.findModel("aa11bb").id == modelID)
        #expect(try store.runs(RunFilter(folder: "f", verdict: .pass)).map(\.id) == [run.id])
        #expect(try store.runs(RunFilter(folder: "g")).isEmpty)
        #expect(try store.requeue(modelID: modelID).isNew)
        #expect(try store.queueCounts().queued == 1)
        let status = try store.status(recent: 5)
        #expect(status.recent.map(\.id) == [run.id])
        #expect(status.champions.map(\.model.id) == [modelID])
    }

    @Test func concurrentClaimsNeverShareARun() async throws {
        let server = try PostgresServer.start()
        defer { server.remove() }
        let stores = try (0..<3).map { try Self.store(server, holder: "daemon-\($0)") }
        for index in 0..<60 {
            _ = try stores[0].enqueue(folder: "f", path: "/m/\(index)", sha256: String(format: "%06x", index), size: 1)
        }
        let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for store in stores {
                group.addTask {
                    var mine: [Int64] = []
                    while let run = try store.claimNextRun(serving: ["f"]) { mine.append(run.id) }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claimed.count == 60)
        #expect(Set(claimed).count == 60, "a run was claimed twice")
    }

    @Test func anExpiredLeaseIsTakenOverAndOnlyTheNewHolderWritesTheVerdict() async throws {
        let server = try PostgresServer.start()
        defer { server.remove() }
        let killed = try Self.store(server, holder: "killed", lease: .seconds(1))
        let survivor = try Self.store(server, holder: "survivor")
        _ = try killed.enqueue(folder: "f", path: "/m/a", sha256: "aa", size: 1)
        let run = try #require(try killed.claimNextRun(serving: ["f"]))
        #expect(try survivor.claimNextRun(serving: ["f"]) == nil, "the lease still holds")
        // No heartbeat renews the lease: within a few seconds it runs out and the survivor takes the run.
        var taken: RunRecord?
        try await waitUntil(timeout: .seconds(20), "the survivor takes over the run") {
            taken = try survivor.claimNextRun(serving: ["f"])
            return taken != nil
        }
        #expect(taken?.id == run.id && taken?.attempts == 2)
        #expect(try killed.complete(Self.completion(run.id, .fail, promote: false)) == .leaseLost(holder: "survivor"))
        #expect(try survivor.complete(Self.completion(run.id, .pass, promote: false)) == .stored)
        #expect(try survivor.run(id: run.id)?.verdict == .pass)
    }

    @Test func aHeartbeatKeepsTheLeaseAndShowsTheDaemon() async throws {
        let server = try PostgresServer.start()
        defer { server.remove() }
        let holder = try Self.store(server, holder: "beating", lease: .seconds(2))
        let other = try Self.store(server, holder: "other")
        _ = try holder.enqueue(folder: "f", path: "/m/a", sha256: "aa", size: 1)
        let run = try #require(try holder.claimNextRun(serving: ["f"]))
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(5) {
            try holder.beat(Heartbeat(host: "h1", pid: 7, startedAt: Date(), beatAt: Date(), status: "ok", folders: []))
            #expect(try other.claimNextRun(serving: ["f"]) == nil, "the lease was renewed")
            try await Task.sleep(for: .milliseconds(500))
        }
        let daemons = try other.status(recent: 1).daemons
        #expect(daemons.map(\.host) == ["h1"])
        #expect(daemons.first?.runID == run.id)
    }

    @Test func twoChallengersJudgedAtOnceLeaveOneChampionAndALineageInOrder() throws {
        let server = try PostgresServer.start()
        defer { server.remove() }
        let first = try Self.store(server, holder: "first")
        let second = try Self.store(server, holder: "second")
        _ = try first.enqueue(folder: "f", path: "/m/a", sha256: "aa", size: 1)
        _ = try first.enqueue(folder: "f", path: "/m/b", sha256: "bb", size: 1)
        let a = try #require(try first.claimNextRun(serving: ["f"]))
        let b = try #require(try second.claimNextRun(serving: ["f"]))
        // Both were judged against no champion; the second to finish was never compared with the first.
        #expect(try first.complete(Self.completion(a.id, .pass, promote: true)) == .promoted)
        #expect(
            try second.complete(Self.completion(b.id, .pass, promote: true)) == .championChanged(current: a.model.id)
        )
        #expect(try second.champion(folder: "f")?.id == a.model.id)
        #expect(try second.promotions(folder: "f").map(\.promotion.model.id) == [a.model.id])
        // Judged again against the champion, it is promoted, recording the one it replaced.
        _ = try second.requeue(modelID: b.model.id)
        let again = try #require(try second.claimNextRun(serving: ["f"]))
        #expect(
            try second.complete(Self.completion(again.id, .pass, champion: a.model.id, promote: true)) == .promoted
        )
        let lineage = try server.rows("SELECT model_id, coalesce(previous_model_id, 0) FROM promotion ORDER BY id")
        #expect(lineage == "\(a.model.id)|0\n\(b.model.id)|\(a.model.id)")
        #expect(try first.rollback(folder: "f").id == a.model.id)
    }

    @Test func aFolderIsJudgedWithOneCopyOfItsFiles() throws {
        let server = try PostgresServer.start()
        defer { server.remove() }
        let first = try Self.store(server, holder: "first")
        let second = try Self.store(server, holder: "second")
        #expect(try first.checkFolderCopy(folder: "f", fingerprint: "old", replacing: false) == .same)
        guard case .differs(let by, _) = try second.checkFolderCopy(folder: "f", fingerprint: "new", replacing: false)
        else {
            Issue.record("a different copy was not noticed")
            return
        }
        #expect(by == "first")
        #expect(try second.checkFolderCopy(folder: "f", fingerprint: "new", replacing: true) == .same)
        #expect(try second.checkFolderCopy(folder: "f", fingerprint: "new", replacing: false) == .same)
        if case .same = try first.checkFolderCopy(folder: "f", fingerprint: "old", replacing: false) {
            Issue.record("the old copy is still taken after the new one was adopted")
        }
    }

    @Test func aWrongPasswordAndAStoppedServerAreNamedErrors() throws {
        let server = try PostgresServer.start()
        defer { server.remove() }
        guard case .postgres(let location) = try StoreLocation.parse(server.url) else { return }
        let refused = #expect(throws: StoreError.self) {
            try PostgresVerdictStore(location: location, password: "wrong", holder: "x")
        }
        #expect(
            refused?.description.contains("password authentication failed") == true,
            "\(refused.map { "\($0)" } ?? "")"
        )
        #expect(refused?.description.contains("wrong") == false, "the password is never printed")

        let store = try Self.store(server, holder: "x")
        try server.stop()
        let away = #expect(throws: StoreError.self) { try store.queueCounts() }
        #expect(away?.description.contains("127.0.0.1:\(server.port)") == true, "\(away.map { "\($0)" } ?? "")")
        try server.startAgain()
        #expect(try store.queueCounts().queued == 0, "the store connects again once the server is back")
    }
}

/// A test's precondition that did not hold.
struct TestSetupError: Error, CustomStringConvertible {
    var description: String
}

extension PostgresServer {
    /// ``psql(_:)``'s output without its final newline.
    func rows(_ sql: String) throws -> String {
        try psql(sql).trimmingCharacters(in: .newlines)
    }
}
