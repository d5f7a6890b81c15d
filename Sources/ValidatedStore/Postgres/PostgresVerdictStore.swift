// Over 400 lines: the shared store's every statement in one place, so the queue's invariants (one holder per run,
// one verdict per run, champions changed one at a time per folder) can be read together.
import Foundation
import Logging
import PostgresNIO
import ValidatedCore

/// The store several daemons share: PostgreSQL as their models, work queue, verdicts and champions.
///
/// - A run is claimed with `SELECT … FOR UPDATE SKIP LOCKED` under a lease that ``beat(_:)`` renews; a run whose
///   lease ran out (its daemon killed or cut off) is claimed again by another daemon, and only the run's current
///   holder may store its verdict, so each run gets one.
/// - Champion changes of a folder take a lock on the folder for the transaction, so they happen one at a time and
///   each records the champion it replaced.
/// - Queued runs are announced with `NOTIFY validated_queue`, the folder as payload (see ``QueueListener``).
public final class PostgresVerdictStore: VerdictStoring {
    /// This daemon (or `validatectl`), as the runs it holds and its heartbeat name it: `host:pid:start`.
    public let holder: String
    /// How long a claim lasts without a heartbeat.
    public let lease: Duration
    let session: PostgresSession

    /// The channel queue changes are announced on.
    public static let channel = "validated_queue"

    /// Connects to the server at `location` and brings its schema up to date.
    ///
    /// - Parameters:
    ///   - password: The role's password, or `nil` for a server that asks none.
    ///   - holder: The name this process's claims and heartbeat carry.
    ///   - lease: How long a claimed run stays this process's without a heartbeat.
    /// - Throws: ``StoreError`` naming the server and the reason.
    public init(
        location: PostgresLocation,
        password: String?,
        holder: String,
        lease: Duration = .seconds(60),
        logger: Logger = Logger(label: "validated.store")
    ) throws(StoreError) {
        self.holder = holder
        self.lease = lease
        session = PostgresSession(location: location, password: password, logger: logger)
        do {
            try session.transaction { try PostgresSchema.migrate($0) }
        } catch {
            throw PostgresSession.storeError(error, location: location)
        }
    }

    private var leaseSeconds: Double {
        Double(lease.components.seconds) + Double(lease.components.attoseconds) / 1e18
    }

    private func transaction<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        try session.transaction(body)
    }

    // MARK: - The queue

    public func enqueue(
        folder: String,
        path: String,
        sha256: String,
        size: Int,
        at date: Date
    ) throws
        -> EnqueueResult
    {
        try transaction { sql in
            guard
                let inserted = try sql.row(
                    """
                    INSERT INTO model (folder, path, sha256, size, first_seen)
                    VALUES (\(folder), \(path), \(sha256), \(Int64(size)), \(date))
                    ON CONFLICT (folder, sha256) DO NOTHING RETURNING id
                    """
                )
            else {
                let existing = try sql.row("SELECT id FROM model WHERE folder = \(folder) AND sha256 = \(sha256)")
                return .duplicate(modelID: try existing?.value("id") ?? 0)
            }
            let modelID: Int64 = try inserted.value("id")
            let runID = try queueRun(modelID: modelID, at: date, sql)
            return .queued(runID: runID, modelID: modelID)
        }
    }

    private func queueRun(modelID: Int64, at date: Date, _ sql: PostgresTransaction) throws -> Int64 {
        let row = try sql.row(
            "INSERT INTO run (model_id, state, queued_at) VALUES (\(modelID), 'queued', \(date)) RETURNING id"
        )
        try announce(modelID: modelID, sql)
        return try row?.value("id") ?? 0
    }

    /// Tells listening daemons (at commit) that a run of the model's folder is queued; the payload is the folder.
    private func announce(modelID: Int64, _ sql: PostgresTransaction) throws {
        try sql.execute("SELECT pg_notify(\(Self.channel), folder) FROM model WHERE id = \(modelID)")
    }

    public func requeueInterrupted() throws -> Int {
        try transaction { sql in
            let requeued = try sql.rows(
                """
                UPDATE run SET state = 'queued', started_at = NULL, holder = NULL, lease_until = NULL
                WHERE state = 'running' AND lease_until < now() RETURNING model_id
                """
            )
            for row in requeued { try announce(modelID: try row.value("model_id"), sql) }
            return requeued.count
        }
    }

    public func claimNextRun(serving: [String], skipping: [String], at date: Date) throws -> RunRecord? {
        try transaction { sql in
            guard
                let claimed = try sql.row(
                    """
                    UPDATE run SET state = 'running', started_at = \(date), attempts = run.attempts + 1,
                        holder = \(holder), lease_until = now() + make_interval(secs => \(leaseSeconds))
                    WHERE run.id = (
                        SELECT run.id FROM run JOIN model ON model.id = run.model_id
                        WHERE (run.state = 'queued' OR (run.state = 'running' AND run.lease_until < now()))
                            AND model.folder = ANY(\(serving)) AND NOT model.folder = ANY(\(skipping))
                        ORDER BY run.id LIMIT 1 FOR UPDATE OF run SKIP LOCKED
                    )
                    RETURNING run.id
                    """
                )
            else { return nil }
            return try run(id: try claimed.value("id"), sql)
        }
    }

    public func unclaim(runID: Int64) throws {
        try transaction { sql in
            let returned = try sql.row(
                """
                UPDATE run SET state = 'queued', started_at = NULL, attempts = GREATEST(attempts - 1, 0),
                    holder = NULL, lease_until = NULL
                WHERE id = \(runID) AND state = 'running' AND holder = \(holder) RETURNING model_id
                """
            )
            if let returned { try announce(modelID: try returned.value("model_id"), sql) }
        }
    }

    public func complete(_ completion: RunCompletion, at date: Date) throws -> CompletionOutcome {
        try transaction { sql in
            let current = try sql.row("SELECT holder, state FROM run WHERE id = \(completion.runID) FOR UPDATE")
            guard let current else { throw StoreError(description: "run \(completion.runID) does not exist") }
            let holderNow: String? = try current.value("holder")
            guard holderNow == holder, try current.value("state", as: String.self) == "running" else {
                return .leaseLost(holder: holderNow)
            }
            try storeVerdict(completion, at: date, sql)
            guard completion.promote else { return .stored }
            return try promoteIfChampionUnchanged(completion, at: date, sql)
        }
    }

    private func storeVerdict(_ completion: RunCompletion, at date: Date, _ sql: PostgresTransaction) throws {
        let state: RunState = completion.verdict == .error ? .failed : .done
        try sql.execute(
            """
            UPDATE run SET state = \(state.rawValue), finished_at = \(date), verdict = \(completion.verdict.rawValue),
                summary = \(completion.summary), report = \(completion.reportJSON),
                config_fingerprint = \(completion.configFingerprint), eval_fingerprint = \(completion.evalFingerprint),
                champion_model_id = \(completion.championModelID), lease_until = NULL
            WHERE id = \(completion.runID)
            """
        )
        try sql.execute("DELETE FROM check_result WHERE run_id = \(completion.runID)")
        for (position, check) in completion.checks.enumerated() {
            try sql.execute(
                """
                INSERT INTO check_result (run_id, position, suite, verdict, summary, metrics)
                VALUES (\(completion.runID), \(position), \(check.suite.rawValue), \(check.verdict.rawValue),
                    \(check.summary), \(check.metricsJSON))
                """
            )
        }
        if let scores = completion.scores, let fingerprint = completion.evalFingerprint {
            try sql.execute(
                """
                INSERT INTO score_cache (model_id, eval_fingerprint, scores)
                SELECT model_id, \(fingerprint), \(VerdictStore.encode(scores)) FROM run WHERE id = \(completion.runID)
                ON CONFLICT (model_id, eval_fingerprint) DO UPDATE SET scores = excluded.scores
                """
            )
        }
    }

    private func promoteIfChampionUnchanged(
        _ completion: RunCompletion,
        at date: Date,
        _ sql: PostgresTransaction
    )
        throws -> CompletionOutcome
    {
        guard
            let row = try sql.row(
                "SELECT model.id, model.folder FROM run JOIN model ON model.id = run.model_id WHERE run.id = \(completion.runID)"
            )
        else { return .stored }
        let modelID: Int64 = try row.value("id")
        let folder: String = try row.value("folder")
        try lockChampion(folder: folder, sql)
        let current = try champion(folder: folder, sql)?.model.id
        guard current == completion.championModelID || current == modelID else {
            return .championChanged(current: current)
        }
        try insertPromotion(modelID: modelID, folder: folder, runID: completion.runID, reason: .auto, at: date, sql)
        return .promoted
    }

    // MARK: - Champions

    /// Holds the folder's champion lock until the transaction ends: champion changes of one folder are serial.
    private func lockChampion(folder: String, _ sql: PostgresTransaction) throws {
        try sql.execute("SELECT pg_advisory_xact_lock(hashtext('validated champion ' || \(folder)))")
    }

    private func insertPromotion(
        modelID: Int64,
        folder: String,
        runID: Int64?,
        reason: PromotionReason,
        at date: Date,
        _ sql: PostgresTransaction
    ) throws {
        let previous = try champion(folder: folder, sql)?.model.id
        guard previous != modelID else { return }
        try sql.execute(
            """
            INSERT INTO promotion (folder, model_id, run_id, previous_model_id, reason, promoted_at)
            VALUES (\(folder), \(modelID), \(runID), \(previous), \(reason.rawValue), \(date))
            """
        )
    }

    public func promote(modelID: Int64, reason: PromotionReason, at date: Date) throws {
        try transaction { sql in
            guard let model = try model(id: modelID, sql) else {
                throw StoreError(description: "model \(modelID) does not exist")
            }
            try lockChampion(folder: model.folder, sql)
            let run = try sql.row("SELECT id FROM run WHERE model_id = \(modelID) ORDER BY id DESC LIMIT 1")
            try insertPromotion(
                modelID: modelID,
                folder: model.folder,
                runID: try run?.value("id"),
                reason: reason,
                at: date,
                sql
            )
        }
    }

    public func rollback(folder: String, at date: Date) throws -> ModelRecord {
        try transaction { sql in
            try lockChampion(folder: folder, sql)
            guard
                let last = try sql.row(
                    "SELECT model_id, previous_model_id FROM promotion WHERE folder = \(folder) ORDER BY id DESC LIMIT 1"
                )
            else { throw StoreError(description: "folder \"\(folder)\" has no champion to roll back") }
            guard let previous: Int64 = try last.value("previous_model_id") else {
                throw StoreError(
                    description: "folder \"\(folder)\" has had only one champion; there is nothing to roll back to"
                )
            }
            let run = try sql.row("SELECT id FROM run WHERE model_id = \(previous) ORDER BY id DESC LIMIT 1")
            let runID: Int64? = try run?.value("id")
            // The earlier champion's own predecessor becomes the next rollback target.
            let before: Int64? = try sql.row(
                """
                SELECT previous_model_id FROM promotion WHERE folder = \(folder) AND model_id = \(previous)
                ORDER BY id DESC LIMIT 1
                """
            )?.value("previous_model_id")
            try sql.execute(
                """
                INSERT INTO promotion (folder, model_id, run_id, previous_model_id, reason, promoted_at)
                VALUES (\(folder), \(previous), \(runID), \(before), 'rollback', \(date))
                """
            )
            guard let model = try model(id: previous, sql) else {
                throw StoreError(description: "model \(previous) does not exist")
            }
            return model
        }
    }

    public func promotions(folder: String) throws -> [(promotion: PromotionRecord, run: RunRecord?)] {
        try transaction { sql in
            try sql.rows(
                """
                SELECT promotion.reason, promotion.promoted_at, promotion.run_id, \(unescaped: Self.modelColumns)
                FROM promotion JOIN model ON model.id = promotion.model_id
                WHERE promotion.folder = \(folder) ORDER BY promotion.id
                """
            ).map { row in
                let runID: Int64? = try row.value("run_id")
                return (try Self.promotion(row, folder: folder), try runID.flatMap { try run(id: $0, sql) })
            }
        }
    }

    public func champion(folder: String) throws -> ModelRecord? {
        try transaction { try champion(folder: folder, $0)?.model }
    }

    private func champion(folder: String, _ sql: PostgresTransaction) throws -> PromotionRecord? {
        try sql.row(
            """
            SELECT promotion.reason, promotion.promoted_at, \(unescaped: Self.modelColumns)
            FROM promotion JOIN model ON model.id = promotion.model_id
            WHERE promotion.folder = \(folder) ORDER BY promotion.id DESC LIMIT 1
            """
        ).map { try Self.promotion($0, folder: folder) }
    }

    // MARK: - Heartbeats and status

    public func beat(_ heartbeat: Heartbeat) throws {
        try transaction { sql in
            try sql.execute(
                """
                INSERT INTO heartbeat (daemon, host, pid, started_at, beat_at, status, folders)
                VALUES (\(holder), \(heartbeat.host), \(heartbeat.pid), \(heartbeat.startedAt), \(heartbeat.beatAt),
                    \(heartbeat.status), \(heartbeat.folders.joined(separator: "\n")))
                ON CONFLICT (daemon) DO UPDATE SET host = excluded.host, pid = excluded.pid,
                    started_at = excluded.started_at, beat_at = excluded.beat_at, status = excluded.status,
                    folders = excluded.folders
                """
            )
            try sql.execute(
                """
                UPDATE run SET lease_until = now() + make_interval(secs => \(leaseSeconds))
                WHERE holder = \(holder) AND state = 'running'
                """
            )
        }
    }

    public func queueCounts() throws -> (queued: Int, running: Int) {
        try transaction { try Self.counts($0) }
    }

    private static func counts(_ sql: PostgresTransaction) throws -> (queued: Int, running: Int) {
        let row = try sql.row(
            """
            SELECT count(*) FILTER (WHERE state = 'queued') AS queued,
                count(*) FILTER (WHERE state = 'running') AS running
            FROM run WHERE state IN ('queued', 'running')
            """
        )
        return (Int(try row?.value("queued", as: Int64.self) ?? 0), Int(try row?.value("running", as: Int64.self) ?? 0))
    }

    public func status(recent limit: Int) throws -> StatusSnapshot {
        try transaction { sql in
            let daemons = try sql.rows(
                """
                SELECT heartbeat.*, (SELECT min(id) FROM run WHERE run.holder = heartbeat.daemon
                    AND run.state = 'running') AS run_id
                FROM heartbeat WHERE beat_at > now() - interval '1 day' ORDER BY beat_at DESC
                """
            ).map(Self.heartbeat)
            let counts = try Self.counts(sql)
            let folders = try sql.rows("SELECT DISTINCT folder FROM promotion ORDER BY folder").map {
                try $0.value("folder", as: String.self)
            }
            let ids = try sql.rows(
                """
                SELECT id FROM run WHERE state IN ('done', 'failed') ORDER BY finished_at DESC, id DESC
                LIMIT \(Int64(max(0, limit)))
                """
            ).map { try $0.value("id", as: Int64.self) }
            return StatusSnapshot(
                daemons: daemons,
                queued: counts.queued,
                running: counts.running,
                champions: try folders.compactMap { try champion(folder: $0, sql) },
                recent: try ids.compactMap { try run(id: $0, sql) }
            )
        }
    }

    // MARK: - Reads

    public func folders() throws -> [String] {
        try transaction { sql in
            try sql.rows("SELECT DISTINCT folder FROM model ORDER BY folder").map { try $0.value("folder") }
        }
    }

    public func cachedScores(modelID: Int64, evalFingerprint: String) throws -> [Double]? {
        try transaction { sql in
            try sql.row(
                "SELECT scores FROM score_cache WHERE model_id = \(modelID) AND eval_fingerprint = \(evalFingerprint)"
            ).map { VerdictStore.decode(try $0.value("scores", as: Data.self)) }
        }
    }

    public func findModel(_ query: String) throws -> ModelRecord {
        let models = try transaction { sql in
            let isHex = query.count >= 6 && query.allSatisfy(\.isHexDigit)
            return try sql.rows(
                """
                SELECT \(unescaped: Self.modelColumns) FROM model
                WHERE path = \(query) OR path LIKE '%/' || \(query) OR (\(isHex) AND sha256 LIKE \(query) || '%')
                ORDER BY id
                """
            ).map(Self.model)
        }
        return try ModelMatch.one(models, for: query)
    }

    public func runs(modelID: Int64) throws -> [RunRecord] {
        try transaction { sql in
            try sql.rows("SELECT id FROM run WHERE model_id = \(modelID) ORDER BY id DESC").compactMap {
                try run(id: try $0.value("id"), sql)
            }
        }
    }

    public func checks(runID: Int64) throws -> [CheckRecord] {
        try transaction { sql in
            try sql.rows("SELECT * FROM check_result WHERE run_id = \(runID) ORDER BY position").compactMap { row in
                guard let suite = CheckSuite(rawValue: try row.value("suite")) else { return nil }
                return CheckRecord(
                    suite: suite,
                    verdict: Verdict(rawValue: try row.value("verdict")) ?? .error,
                    summary: try row.value("summary"),
                    metricsJSON: try row.value("metrics")
                )
            }
        }
    }

    public func model(id: Int64) throws -> ModelRecord? {
        try transaction { try model(id: id, $0) }
    }

    private func model(id: Int64, _ sql: PostgresTransaction) throws -> ModelRecord? {
        try sql.row("SELECT \(unescaped: Self.modelColumns) FROM model WHERE id = \(id)").map(Self.model)
    }

    public func runs(_ filter: RunFilter) throws -> [RunRecord] {
        try transaction { sql in
            try sql.rows(
                """
                SELECT run.id FROM run JOIN model ON model.id = run.model_id
                WHERE (\(filter.folder)::text IS NULL OR model.folder = \(filter.folder))
                    AND (\(filter.verdict?.rawValue)::text IS NULL OR run.verdict = \(filter.verdict?.rawValue))
                    AND (\(filter.since)::timestamptz IS NULL OR run.queued_at >= \(filter.since))
                ORDER BY run.queued_at DESC, run.id DESC LIMIT \(Int64(min(max(0, filter.limit), Int(Int64.max))))
                """
            ).compactMap { try run(id: try $0.value("id"), sql) }
        }
    }

    public func run(id: Int64) throws -> RunRecord? {
        try transaction { try run(id: id, $0) }
    }

    public func requeue(modelID: Int64, at date: Date) throws -> (runID: Int64, isNew: Bool) {
        try transaction { sql in
            guard try model(id: modelID, sql) != nil else {
                throw StoreError(description: "model \(modelID) does not exist; see validatectl list")
            }
            if let queued = try sql.row(
                "SELECT id FROM run WHERE model_id = \(modelID) AND state = 'queued' ORDER BY id LIMIT 1"
            ) {
                return (try queued.value("id"), false)
            }
            return (try queueRun(modelID: modelID, at: date, sql), true)
        }
    }

    public func checkFolderCopy(folder: String, fingerprint: String, replacing: Bool) throws -> FolderCopyCheck {
        try transaction { sql in
            try sql.execute(
                """
                INSERT INTO folder_copy (folder, fingerprint, recorded_by, recorded_at)
                VALUES (\(folder), \(fingerprint), \(holder), now())
                ON CONFLICT (folder) DO UPDATE SET fingerprint = excluded.fingerprint,
                    recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
                WHERE \(replacing)
                """
            )
            guard let row = try sql.row("SELECT * FROM folder_copy WHERE folder = \(folder)"),
                try row.value("fingerprint", as: String.self) != fingerprint
            else { return .same }
            return .differs(recordedBy: try row.value("recorded_by"), recordedAt: try row.value("recorded_at"))
        }
    }

    // MARK: - Row mapping

    private static let modelColumns =
        "model.id, model.folder, model.path, model.sha256, model.size, model.first_seen"

    private func run(id: Int64, _ sql: PostgresTransaction) throws -> RunRecord? {
        guard
            let row = try sql.row(
                """
                SELECT run.*, model.folder, model.path, model.sha256, model.size, model.first_seen
                FROM run JOIN model ON model.id = run.model_id WHERE run.id = \(id)
                """
            )
        else { return nil }
        let model = ModelRecord(
            id: try row.value("model_id"),
            folder: try row.value("folder"),
            path: try row.value("path"),
            sha256: try row.value("sha256"),
            size: try row.value("size"),
            firstSeen: try row.value("first_seen")
        )
        return RunRecord(
            id: try row.value("id"),
            model: model,
            state: RunState(rawValue: try row.value("state")) ?? .queued,
            queuedAt: try row.value("queued_at"),
            startedAt: try row.value("started_at"),
            finishedAt: try row.value("finished_at"),
            attempts: Int(try row.value("attempts", as: Int32.self)),
            verdict: (try row.value("verdict", as: String?.self)).flatMap(Verdict.init(rawValue:)),
            summary: try row.value("summary"),
            reportJSON: try row.value("report"),
            configFingerprint: try row.value("config_fingerprint"),
            evalFingerprint: try row.value("eval_fingerprint"),
            championModelID: try row.value("champion_model_id")
        )
    }

    private static func model(_ row: PostgresRandomAccessRow) throws -> ModelRecord {
        ModelRecord(
            id: try row.value("id"),
            folder: try row.value("folder"),
            path: try row.value("path"),
            sha256: try row.value("sha256"),
            size: try row.value("size"),
            firstSeen: try row.value("first_seen")
        )
    }

    private static func promotion(_ row: PostgresRandomAccessRow, folder: String) throws -> PromotionRecord {
        PromotionRecord(
            folder: folder,
            model: try model(row),
            reason: PromotionReason(rawValue: try row.value("reason")) ?? .manual,
            promotedAt: try row.value("promoted_at")
        )
    }

    private static func heartbeat(_ row: PostgresRandomAccessRow) throws -> Heartbeat {
        Heartbeat(
            host: try row.value("host"),
            pid: try row.value("pid"),
            startedAt: try row.value("started_at"),
            beatAt: try row.value("beat_at"),
            status: try row.value("status"),
            folders: (try row.value("folders", as: String.self)).split(separator: "\n").map(String.init),
            runID: try row.value("run_id")
        )
    }
}
