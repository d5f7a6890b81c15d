import GRDB
import ValidatedCore

// Row mapping shared by VerdictStore and VerdictQueries.

extension ModelRecord {
    /// A model from a row of the `model` table, or from columns renamed with `prefix` in a join
    /// (`model.id AS m_id`, … with prefix `m_`).
    init(row: Row, prefix: String = "") {
        self.init(
            id: row[prefix + "id"], folder: row[prefix + "folder"], path: row[prefix + "path"], sha256: row[prefix + "sha256"],
            size: row[prefix + "size"], firstSeen: row[prefix + "first_seen"]
        )
    }
}

extension RunRecord {
    /// A run from a row of the `run` table and its model.
    init(row: Row, model: ModelRecord) {
        self.init(
            id: row["id"], model: model, state: RunState(rawValue: row["state"]) ?? .queued,
            queuedAt: row["queued_at"], startedAt: row["started_at"], finishedAt: row["finished_at"],
            attempts: row["attempts"], verdict: (row["verdict"] as String?).flatMap(Verdict.init(rawValue:)),
            summary: row["summary"], reportJSON: row["report"], configFingerprint: row["config_fingerprint"],
            evalFingerprint: row["eval_fingerprint"], championModelID: row["champion_model_id"]
        )
    }
}
