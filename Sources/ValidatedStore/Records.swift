import Foundation
import Glibc
import ValidatedCore

/// A checkpoint the daemon has seen.
public struct ModelRecord: Sendable, Equatable {
    /// Row id.
    public var id: Int64
    /// The watched folder's name.
    public var folder: String
    /// Where the file was when it was first seen.
    public var path: String
    /// Lowercase hex SHA-256 of its content.
    public var sha256: String
    /// Size in bytes.
    public var size: Int64
    /// When it was first seen.
    public var firstSeen: Date
}

/// The lifecycle state of a run.
public enum RunState: String, Sendable, Codable {
    /// Waiting for the worker.
    case queued
    /// Being validated now (or interrupted by a crash: requeued at the next start).
    case running
    /// Finished with a pass, warn or fail verdict.
    case done
    /// Finished with an error verdict: the model could not be evaluated.
    case failed
}

/// One validation of one model.
public struct RunRecord: Sendable, Equatable {
    /// Row id.
    public var id: Int64
    /// The model validated.
    public var model: ModelRecord
    /// Where the run is in its lifecycle.
    public var state: RunState
    /// When it was queued.
    public var queuedAt: Date
    /// When the worker started it.
    public var startedAt: Date?
    /// When its verdict was stored.
    public var finishedAt: Date?
    /// How many times a worker started it.
    public var attempts: Int
    /// The verdict, once finished.
    public var verdict: Verdict?
    /// A one-line summary of the verdict.
    public var summary: String?
    /// The full report as JSON.
    public var reportJSON: String?
    /// The configuration fingerprint the run used.
    public var configFingerprint: String?
    /// The evaluation set fingerprint the run used.
    public var evalFingerprint: String?
    /// The champion it was compared with.
    public var championModelID: Int64?
}

/// A suite of checks, as stored in a check row's `suite` column.
public enum CheckSuite: String, Sendable, Equatable, Codable, CaseIterable {
    /// Spurious features: banned tokens among the explanations' top features.
    case spurious
    /// Interpretation stability under seeds and edits.
    case stability
    /// AUC against the floor and the champion.
    case auc
    /// Banned entries erased and injected; shortcuts that are not on the list.
    case counterfactual
}

/// One suite's result within a run.
public struct CheckRecord: Sendable, Equatable {
    /// The suite.
    public var suite: CheckSuite
    /// The suite's verdict.
    public var verdict: Verdict
    /// A one-line summary.
    public var summary: String
    /// The suite's metrics as JSON.
    public var metricsJSON: String

    /// Creates a record.
    public init(suite: CheckSuite, verdict: Verdict, summary: String, metricsJSON: String) {
        self.suite = suite
        self.verdict = verdict
        self.summary = summary
        self.metricsJSON = metricsJSON
    }
}

/// Everything written when a run finishes, in one transaction.
public struct RunCompletion: Sendable {
    /// The run.
    public var runID: Int64
    /// The overall verdict.
    public var verdict: Verdict
    /// A one-line summary.
    public var summary: String
    /// The full report as JSON.
    public var reportJSON: String
    /// Per-suite results.
    public var checks: [CheckRecord]
    /// Fingerprint of the folder's effective configuration.
    public var configFingerprint: String?
    /// Fingerprint of the evaluation set.
    public var evalFingerprint: String?
    /// The champion compared with, if any.
    public var championModelID: Int64?
    /// Whether to make this model its folder's champion in the same transaction.
    public var promote: Bool
    /// The model's scores on the evaluation set (fingerprint ``evalFingerprint``), cached for when it is champion.
    public var scores: [Double]?

    /// Creates a completion.
    public init(
        runID: Int64,
        verdict: Verdict,
        summary: String,
        reportJSON: String,
        checks: [CheckRecord],
        configFingerprint: String?,
        evalFingerprint: String?,
        championModelID: Int64?,
        promote: Bool,
        scores: [Double]? = nil
    ) {
        self.runID = runID
        self.verdict = verdict
        self.summary = summary
        self.reportJSON = reportJSON
        self.checks = checks
        self.configFingerprint = configFingerprint
        self.evalFingerprint = evalFingerprint
        self.championModelID = championModelID
        self.promote = promote
        self.scores = scores
    }
}

/// Why a model became its folder's champion, as stored in a promotion row's `reason` column.
public enum PromotionReason: String, Sendable, Equatable, Codable, CaseIterable {
    /// It passed every check and its folder promotes automatically.
    case auto
    /// `validatectl promote`.
    case manual
    /// `validatectl rollback` returned the folder to it.
    case rollback
}

/// A champion change.
public struct PromotionRecord: Sendable, Equatable {
    /// The folder.
    public var folder: String
    /// The new champion.
    public var model: ModelRecord
    /// Why it became champion.
    public var reason: PromotionReason
    /// When.
    public var promotedAt: Date
}

/// A daemon's last heartbeat.
public struct Heartbeat: Sendable, Equatable {
    /// The host the daemon runs on.
    public var host: String
    /// The daemon's process id.
    public var pid: Int32
    /// When the daemon started.
    public var startedAt: Date
    /// When it last wrote.
    public var beatAt: Date
    /// Its status line.
    public var status: String
    /// The watched folders, `name=path`.
    public var folders: [String]
    /// The run it holds, as the store knows it (filled in by ``VerdictStoring/status(recent:)``).
    public var runID: Int64?

    /// Creates a heartbeat of a daemon on `host` (this machine's name by default).
    public init(
        host: String = ThisHost.name,
        pid: Int32,
        startedAt: Date,
        beatAt: Date,
        status: String,
        folders: [String],
        runID: Int64? = nil
    ) {
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.beatAt = beatAt
        self.status = status
        self.folders = folders
        self.runID = runID
    }
}

/// What `validatectl status` shows.
public struct StatusSnapshot: Sendable {
    /// The most recent heartbeat, if a daemon ever ran.
    public var heartbeat: Heartbeat? { daemons.max { $0.beatAt < $1.beatAt } }
    /// Every daemon's last heartbeat (one for an SQLite store; for a shared store, those of the last day),
    /// most recent first.
    public var daemons: [Heartbeat]
    /// Runs waiting.
    public var queued: Int
    /// Runs in progress.
    public var running: Int
    /// The champion of each folder that has one.
    public var champions: [PromotionRecord]
    /// The most recent finished runs, newest first.
    public var recent: [RunRecord]
}

/// Errors of the store.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and what to do.
    public var description: String
}

/// This machine's host name, as `gethostname(2)` gives it.
public enum ThisHost {
    /// The name, or `localhost` when it cannot be read.
    public static let name: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()
}
