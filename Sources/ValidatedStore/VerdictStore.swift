// Over 450 lines: every write transaction of the store in one place, so the queue's and the verdict's invariants
// (one transaction per verdict, checks and promotion) can be read together; reads live in VerdictStore+Queries.
import Foundation
import GRDB
import Glibc
import ValidatedCore

/// The daemon's SQLite store: models, the durable run queue, verdicts, champions and the heartbeat.
///
/// Every method is one transaction, so a crash never leaves a verdict half-written. The daemon opens it
/// read-write (WAL mode); `validatectl` opens it read-only and works while the daemon writes.
public struct VerdictStore: VerdictStoring {
    private let connection: StoreConnection

    /// Opens (creating if needed, `0640` whatever the umask) and migrates the store at `path`.
    ///
    /// - Parameter onRecreated: Told, with what happened and what to do, when the store file was deleted while
    ///   open and has been written again at `path` from the open copy (see ``StoreConnection``).
    /// - Throws: ``StoreError`` naming the file when it cannot be opened or migrated.
    public init(path: String, onRecreated: @escaping @Sendable (String) -> Void = { _ in }) throws(StoreError) {
        do {
            connection = try StoreConnection(path: path, configuration: Self.configuration, onRecreated: onRecreated)
            try Migrations.migrator.migrate(connection.reader)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(
                description: "\(path): cannot open the store (\(error)); check the directory exists and is writable"
            )
        }
    }

    @Sendable private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return configuration
    }

    /// Opens an existing store read-only, for readers such as `validatectl`.
    public init(readOnlyPath path: String) throws(StoreError) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(description: "\(path): no store here yet; has validated run with this configuration?")
        }
        do {
            connection = try StoreConnection(readOnlyPath: Self.readablePath(path)) {
                var configuration = Configuration()
                configuration.readonly = true
                configuration.busyMode = .timeout(10)
                return configuration
            }
        } catch {
            throw StoreError(
                description:
                    "\(path): cannot open the store read-only (\(error)); check that it is the daemon's SQLite store and that your user may read it and its folder"
            )
        }
    }

    /// `path`, or an `immutable` SQLite URI for it when no daemon has it open (no `-shm` file) and the caller may
    /// not write its directory: a reader of a WAL store must create the `-shm` file otherwise, and a member of
    /// the daemon's group reading a stopped daemon's store would get "attempt to write a readonly database".
    static func readablePath(_ path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        guard !FileManager.default.fileExists(atPath: path + "-shm"),
            access(directory.isEmpty ? "." : directory, W_OK) != 0,
            let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["?", "#"]))
        else { return path }
        return "file:\(encoded)?immutable=1"
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T { try connection.reader.read(body) }

    func write<T: Sendable>(_ body: (Database) throws -> T) throws -> T { try connection.write(body) }

    /// Records a model and queues a run for it, unless the folder has already seen this content.
    public func enqueue(
        folder: String,
        path: String,
        sha256: String,
        size: Int,
        at date: Date = Date()
    ) throws -> EnqueueResult {
        try write { db in
            if let existing = try Int64.fetchOne(
                db,
                sql: "SELECT id FROM model WHERE folder = ? AND sha256 = ?",
                arguments: [folder, sha256]
            ) {
                return .duplicate(modelID: existing)
            }
            try db.execute(
                sql: "INSERT INTO model (folder, path, sha256, size, first_seen) VALUES (?, ?, ?, ?, ?)",
                arguments: [folder, path, sha256, size, date]
            )
            let modelID = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO run (model_id, state, queued_at) VALUES (?, 'queued', ?)",
                arguments: [modelID, date]
            )
            return .queued(runID: db.lastInsertedRowID, modelID: modelID)
        }
    }

    /// Returns runs left `running` by a crash or kill to the queue. Call once at start-up.
    ///
    /// - Returns: How many runs were requeued.
    @discardableResult
    public func requeueInterrupted() throws -> Int {
        try write { db in
            try db.execute(sql: "UPDATE run SET state = 'queued', started_at = NULL WHERE state = 'running'")
            return db.changesCount
        }
    }

    /// Takes the oldest queued run, of a folder not in `skipping`, and marks it running. `serving` is not read: the
    /// one daemon of an SQLite store takes every run, and a run of a folder no longer configured gets an error
    /// verdict saying so.
    public func claimNextRun(serving: [String], skipping folders: [String], at date: Date) throws -> RunRecord? {
        try write { db in
            let placeholders = folders.map { _ in "?" }.joined(separator: ",")
            let others = folders.isEmpty ? "" : "AND model.folder NOT IN (\(placeholders))"
            guard
                let id = try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT run.id FROM run JOIN model ON model.id = run.model_id
                        WHERE run.state = 'queued' \(others) ORDER BY run.id LIMIT 1
                        """,
                    arguments: StatementArguments(folders)
                )
            else { return nil }
            try db.execute(
                sql: "UPDATE run SET state = 'running', started_at = ?, attempts = attempts + 1 WHERE id = ?",
                arguments: [date, id]
            )
            return try Self.run(id: id, db)
        }
    }

    /// Returns a claimed run to the queue without counting the attempt (its folder cannot validate yet).
    public func unclaim(runID: Int64) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE run SET state = 'queued', started_at = NULL, attempts = MAX(attempts - 1, 0)
                    WHERE id = ? AND state = 'running'
                    """,
                arguments: [runID]
            )
        }
    }

    /// Stores a finished run's verdict, its checks and, if asked, the promotion — all or nothing. A model judged
    /// against a champion that is no longer its folder's (`validatectl promote` during the run) is not promoted.
    @discardableResult
    public func complete(_ completion: RunCompletion, at date: Date) throws -> CompletionOutcome {
        try write { db in
            let state: RunState = completion.verdict == .error ? .failed : .done
            try db.execute(
                sql: """
                    UPDATE run SET state = ?, finished_at = ?, verdict = ?, summary = ?, report = ?,
                        config_fingerprint = ?, eval_fingerprint = ?, champion_model_id = ?
                    WHERE id = ?
                    """,
                arguments: [
                    state.rawValue, date, completion.verdict.rawValue, completion.summary, completion.reportJSON,
                    completion.configFingerprint, completion.evalFingerprint, completion.championModelID,
                    completion.runID,
                ]
            )
            guard db.changesCount == 1 else {
                throw StoreError(description: "run \(completion.runID) does not exist")
            }
            try db.execute(sql: "DELETE FROM check_result WHERE run_id = ?", arguments: [completion.runID])
            for check in completion.checks {
                try db.execute(
                    sql: "INSERT INTO check_result (run_id, suite, verdict, summary, metrics) VALUES (?, ?, ?, ?, ?)",
                    arguments: [
                        completion.runID, check.suite.rawValue, check.verdict.rawValue, check.summary,
                        check.metricsJSON,
                    ]
                )
            }
            if let scores = completion.scores, let fingerprint = completion.evalFingerprint {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO score_cache (model_id, eval_fingerprint, scores)
                        SELECT model_id, ?, ? FROM run WHERE id = ?
                        """,
                    arguments: [fingerprint, Self.encode(scores), completion.runID]
                )
            }
            guard completion.promote,
                let row = try Row.fetchOne(
                    db,
                    sql:
                        "SELECT model.id, model.folder FROM run JOIN model ON model.id = run.model_id WHERE run.id = ?",
                    arguments: [completion.runID]
                )
            else { return .stored }
            let modelID: Int64 = row[0]
            let current = try Self.champion(folder: row[1], db)?.model.id
            guard current == completion.championModelID || current == modelID else {
                return .championChanged(current: current)
            }
            try Self.promote(modelID: modelID, folder: row[1], runID: completion.runID, reason: .auto, at: date, db)
            return .promoted
        }
    }

    /// Makes `modelID` its folder's champion.
    public func promote(modelID: Int64, reason: PromotionReason, at date: Date) throws {
        try write { db in
            guard
                let folder = try String.fetchOne(db, sql: "SELECT folder FROM model WHERE id = ?", arguments: [modelID])
            else { throw StoreError(description: "model \(modelID) does not exist") }
            let runID = try Int64.fetchOne(
                db,
                sql: "SELECT id FROM run WHERE model_id = ? ORDER BY id DESC LIMIT 1",
                arguments: [modelID]
            )
            try Self.promote(modelID: modelID, folder: folder, runID: runID, reason: reason, at: date, db)
        }
    }

    /// Returns `folder` to the champion before the current one, recording the change as a `rollback` promotion.
    ///
    /// - Returns: The restored champion.
    /// - Throws: ``StoreError`` when the folder has no champion or no earlier one.
    @discardableResult
    public func rollback(folder: String, at date: Date) throws -> ModelRecord {
        try write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT model_id, previous_model_id FROM promotion WHERE folder = ? ORDER BY id DESC LIMIT 1",
                    arguments: [folder]
                )
            else { throw StoreError(description: "folder \"\(folder)\" has no champion to roll back") }
            guard let previous: Int64 = row["previous_model_id"] else {
                throw StoreError(
                    description: "folder \"\(folder)\" has had only one champion; there is nothing to roll back to"
                )
            }
            let runID = try Int64.fetchOne(
                db,
                sql: "SELECT id FROM run WHERE model_id = ? ORDER BY id DESC LIMIT 1",
                arguments: [previous]
            )
            // The earlier champion's own predecessor becomes the next rollback target.
            let before = try Int64.fetchOne(
                db,
                sql:
                    "SELECT previous_model_id FROM promotion WHERE folder = ? AND model_id = ? ORDER BY id DESC LIMIT 1",
                arguments: [folder, previous]
            )
            try db.execute(
                sql: """
                    INSERT INTO promotion (folder, model_id, run_id, previous_model_id, reason, promoted_at)
                    VALUES (?, ?, ?, ?, 'rollback', ?)
                    """,
                arguments: [folder, previous, runID, before, date]
            )
            guard
                let model = try Row.fetchOne(db, sql: "SELECT * FROM model WHERE id = ?", arguments: [previous]).map({
                    ModelRecord(row: $0)
                })
            else { throw StoreError(description: "model \(previous) does not exist") }
            return model
        }
    }

    /// Every champion change of `folder`, oldest first, with the run that justified it.
    public func promotions(folder: String) throws -> [(promotion: PromotionRecord, run: RunRecord?)] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT promotion.reason, promotion.promoted_at, promotion.run_id, model.* FROM promotion
                    JOIN model ON model.id = promotion.model_id WHERE promotion.folder = ? ORDER BY promotion.id
                    """,
                arguments: [folder]
            ).map { row in
                let record = PromotionRecord(row: row, folder: folder)
                let runID: Int64? = row["run_id"]
                return (record, try runID.flatMap { try Self.run(id: $0, db) })
            }
        }
    }

    /// The folders that have models.
    public func folders() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT DISTINCT folder FROM model ORDER BY folder") }
    }

    /// A model's stored scores on the evaluation set with `evalFingerprint`; `nil` when it was never scored on
    /// exactly that set (a changed evaluation set has another fingerprint, so old scores are never used).
    public func cachedScores(modelID: Int64, evalFingerprint: String) throws -> [Double]? {
        try read { db in
            try Data.fetchOne(
                db,
                sql: "SELECT scores FROM score_cache WHERE model_id = ? AND eval_fingerprint = ?",
                arguments: [modelID, evalFingerprint]
            ).map(Self.decode)
        }
    }

    static func encode(_ scores: [Double]) -> Data {
        var data = Data(capacity: scores.count * 8)
        for score in scores { withUnsafeBytes(of: score.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    static func decode(_ data: Data) -> [Double] {
        let bytes = [UInt8](data)
        var scores: [Double] = []
        scores.reserveCapacity(bytes.count / 8)
        var start = 0
        while start + 8 <= bytes.count {
            var bits: UInt64 = 0
            for offset in 0..<8 { bits |= UInt64(bytes[start + offset]) << UInt64(8 * offset) }
            scores.append(Double(bitPattern: bits))
            start += 8
        }
        return scores
    }

    /// The current champion of `folder`, if it has one.
    public func champion(folder: String) throws -> ModelRecord? {
        try read { db in try Self.champion(folder: folder, db)?.model }
    }

    /// Writes the daemon's heartbeat.
    public func beat(_ heartbeat: Heartbeat) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO heartbeat (id, host, pid, started_at, beat_at, status, folders)
                    VALUES (1, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid,
                        started_at = excluded.started_at, beat_at = excluded.beat_at, status = excluded.status,
                        folders = excluded.folders
                    """,
                arguments: [
                    heartbeat.host, heartbeat.pid, heartbeat.startedAt, heartbeat.beatAt, heartbeat.status,
                    heartbeat.folders.joined(separator: "\n"),
                ]
            )
        }
    }

    /// Counts of queued and running runs.
    public func queueCounts() throws -> (queued: Int, running: Int) {
        try read { db in
            let queued = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run WHERE state = 'queued'") ?? 0
            let running = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run WHERE state = 'running'") ?? 0
            return (queued, running)
        }
    }

    /// Everything `validatectl status` shows.
    public func status(recent limit: Int) throws -> StatusSnapshot {
        try read { db in
            let current = try Int64.fetchOne(db, sql: "SELECT id FROM run WHERE state = 'running' ORDER BY id LIMIT 1")
            let heartbeat = try Row.fetchOne(db, sql: "SELECT * FROM heartbeat WHERE id = 1").map { row in
                Heartbeat(
                    host: row["host"],
                    pid: row["pid"],
                    startedAt: row["started_at"],
                    beatAt: row["beat_at"],
                    status: row["status"],
                    folders: (row["folders"] as String).split(separator: "\n").map(String.init),
                    runID: current
                )
            }
            let queued = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run WHERE state = 'queued'") ?? 0
            let running = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run WHERE state = 'running'") ?? 0
            let folders = try String.fetchAll(db, sql: "SELECT DISTINCT folder FROM promotion ORDER BY folder")
            let champions = try folders.compactMap { try Self.champion(folder: $0, db) }
            let ids = try Int64.fetchAll(
                db,
                sql: "SELECT id FROM run WHERE state IN ('done', 'failed') ORDER BY finished_at DESC, id DESC LIMIT ?",
                arguments: [limit]
            )
            let recent = try ids.compactMap { try Self.run(id: $0, db) }
            return StatusSnapshot(
                daemons: heartbeat.map { [$0] } ?? [],
                queued: queued,
                running: running,
                champions: champions,
                recent: recent
            )
        }
    }

    /// Finds a model by SHA-256 prefix (at least 6 hex digits), full path, or file name.
    ///
    /// - Throws: ``StoreError`` when nothing or more than one model matches.
    public func findModel(_ query: String) throws -> ModelRecord {
        try read { db in
            let isHex = query.count >= 6 && query.allSatisfy(\.isHexDigit)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM model WHERE path = ?1 OR path LIKE '%/' || ?1 OR (?2 AND sha256 LIKE ?1 || '%')
                    ORDER BY id
                    """,
                arguments: [query, isHex]
            )
            return try ModelMatch.one(rows.map { ModelRecord(row: $0) }, for: query)
        }
    }

    /// The runs of a model, newest first.
    public func runs(modelID: Int64) throws -> [RunRecord] {
        try read { db in
            let ids = try Int64.fetchAll(
                db,
                sql: "SELECT id FROM run WHERE model_id = ? ORDER BY id DESC",
                arguments: [modelID]
            )
            return try ids.compactMap { try Self.run(id: $0, db) }
        }
    }

    /// A run's per-suite results.
    public func checks(runID: Int64) throws -> [CheckRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM check_result WHERE run_id = ? ORDER BY rowid",
                arguments: [runID]
            ).compactMap(CheckRecord.init(row:))
        }
    }

    /// A model by row id.
    public func model(id: Int64) throws -> ModelRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM model WHERE id = ?", arguments: [id]).map { ModelRecord(row: $0) }
        }
    }

    /// Always ``FolderCopyCheck/same``: an SQLite store has one daemon, whose files are the only copy.
    public func checkFolderCopy(folder: String, fingerprint: String, replacing: Bool) throws -> FolderCopyCheck {
        .same
    }

    /// Runs `PRAGMA integrity_check` and returns its rows (`["ok"]` when healthy).
    public func integrityCheck() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    // MARK: - Row mapping, inside a transaction

    private static func promote(
        modelID: Int64,
        folder: String,
        runID: Int64?,
        reason: PromotionReason,
        at date: Date,
        _ db: Database
    ) throws {
        let previous = try champion(folder: folder, db)?.model.id
        guard previous != modelID else { return }
        try db.execute(
            sql: """
                INSERT INTO promotion (folder, model_id, run_id, previous_model_id, reason, promoted_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [folder, modelID, runID, previous, reason.rawValue, date]
        )
    }

    private static func champion(folder: String, _ db: Database) throws -> PromotionRecord? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT promotion.reason, promotion.promoted_at, model.* FROM promotion
                    JOIN model ON model.id = promotion.model_id
                    WHERE promotion.folder = ? ORDER BY promotion.id DESC LIMIT 1
                    """,
                arguments: [folder]
            )
        else { return nil }
        return PromotionRecord(row: row, folder: folder)
    }

    private static func run(id: Int64, _ db: Database) throws -> RunRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM run WHERE id = ?", arguments: [id]),
            let modelRow = try Row.fetchOne(
                db,
                sql: "SELECT * FROM model WHERE id = ?",
                arguments: [row["model_id"] as Int64]
            )
        else { return nil }
        return RunRecord(row: row, model: ModelRecord(row: modelRow))
    }
}
