import Foundation
import GRDB
import ValidatedCore

/// Which runs ``VerdictStoring/runs(_:)`` returns.
public struct RunFilter: Sendable, Equatable {
    /// Only runs of models in this folder.
    public var folder: String?
    /// Only runs with this verdict (finished runs only).
    public var verdict: Verdict?
    /// Only runs queued at or after this date.
    public var since: Date?
    /// At most this many runs. Default 20.
    public var limit: Int

    /// Creates a filter; with no arguments it keeps the 20 newest runs.
    public init(folder: String? = nil, verdict: Verdict? = nil, since: Date? = nil, limit: Int = 20) {
        self.folder = folder
        self.verdict = verdict
        self.since = since
        self.limit = limit
    }
}

// Queries for `validatectl`: filtered run listings and re-queuing a model already seen.
extension VerdictStore {
    /// Runs matching `filter`, newest first (by queue time, then id).
    public func runs(_ filter: RunFilter) throws -> [RunRecord] {
        try read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let folder = filter.folder {
                conditions.append("model.folder = ?")
                _ = arguments.append(contentsOf: [folder])
            }
            if let verdict = filter.verdict {
                conditions.append("run.verdict = ?")
                _ = arguments.append(contentsOf: [verdict.rawValue])
            }
            if let since = filter.since {
                conditions.append("run.queued_at >= ?")
                _ = arguments.append(contentsOf: [since])
            }
            _ = arguments.append(contentsOf: [max(0, filter.limit)])
            let rows = try Row.fetchAll(
                db,
                sql: """
                    \(Self.selectRuns)
                    \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                    ORDER BY run.queued_at DESC, run.id DESC LIMIT ?
                    """,
                arguments: arguments
            )
            return rows.map(Self.run)
        }
    }

    /// The run with row id `id`, if there is one.
    public func run(id: Int64) throws -> RunRecord? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: "\(Self.selectRuns) WHERE run.id = ?",
                arguments: [id]
            ).map(Self.run)
        }
    }

    /// Queues a new run of a model the store already has, even though its content was validated before: for a
    /// changed evaluation set, banned list or settings. A model that already has a queued run keeps that one.
    ///
    /// A running daemon's worker takes the run within a heartbeat, once the runs queued before it are done.
    ///
    /// - Returns: The queued run's id and whether it was newly queued.
    /// - Throws: ``StoreError`` when the model does not exist.
    public func requeue(modelID: Int64, at date: Date) throws -> (runID: Int64, isNew: Bool) {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM model WHERE id = ?", arguments: [modelID]) != nil else {
                throw StoreError(description: "model \(modelID) does not exist; see validatectl list")
            }
            if let queued = try Int64.fetchOne(
                db,
                sql: "SELECT id FROM run WHERE model_id = ? AND state = 'queued' ORDER BY id LIMIT 1",
                arguments: [modelID]
            ) {
                return (queued, false)
            }
            try db.execute(
                sql: "INSERT INTO run (model_id, state, queued_at) VALUES (?, 'queued', ?)",
                arguments: [modelID, date]
            )
            return (db.lastInsertedRowID, true)
        }
    }

    /// Every column of `run`, and the model's as `m_*`.
    private static let selectRuns = """
        SELECT run.*, model.id AS m_id, model.folder AS m_folder, model.path AS m_path, model.sha256 AS m_sha256,
            model.size AS m_size, model.first_seen AS m_first_seen
        FROM run JOIN model ON model.id = run.model_id
        """

    private static func run(_ row: Row) -> RunRecord {
        RunRecord(row: row, model: ModelRecord(row: row, prefix: "m_"))
    }
}
