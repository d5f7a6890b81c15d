import GRDB
import ValidatedCore

// Row mapping shared by VerdictStore and VerdictQueries.

extension ModelRecord {
    /// A model from a row of the `model` table, or from columns renamed with `prefix` in a join
    /// (`model.id AS m_id`, … with prefix `m_`).
    init(row: Row, prefix: String = "") {
        self.init(
            id: row[prefix + "id"],
            folder: row[prefix + "folder"],
            path: row[prefix + "path"],
            sha256: row[prefix + "sha256"],
            size: row[prefix + "size"],
            firstSeen: row[prefix + "first_seen"]
        )
    }
}

extension RunRecord {
    /// A run from a row of the `run` table and its model.
    init(row: Row, model: ModelRecord) {
        self.init(
            id: row["id"],
            model: model,
            state: RunState(rawValue: row["state"]) ?? .queued,
            queuedAt: row["queued_at"],
            startedAt: row["started_at"],
            finishedAt: row["finished_at"],
            attempts: row["attempts"],
            verdict: (row["verdict"] as String?).flatMap(Verdict.init(rawValue:)),
            summary: row["summary"],
            reportJSON: row["report"],
            configFingerprint: row["config_fingerprint"],
            evalFingerprint: row["eval_fingerprint"],
            championModelID: row["champion_model_id"]
        )
    }
}

extension CheckRecord {
    /// A check from a row of the `check_result` table; `nil` for a suite this version does not know (written by a
    /// newer daemon).
    init?(row: Row) {
        guard let suite = CheckSuite(rawValue: row["suite"]) else { return nil }
        self.init(
            suite: suite,
            verdict: Verdict(rawValue: row["verdict"]) ?? .error,
            summary: row["summary"],
            metricsJSON: row["metrics"]
        )
    }
}

extension PromotionRecord {
    /// A promotion of `folder` from a row with the `promotion` table's `reason` and `promoted_at` and the model's
    /// columns. The store writes only the three known reasons; any other reads as `manual`.
    init(row: Row, folder: String) {
        self.init(
            folder: folder,
            model: ModelRecord(row: row),
            reason: PromotionReason(rawValue: row["reason"]) ?? .manual,
            promotedAt: row["promoted_at"]
        )
    }
}
