import Foundation
import ValidatedCore

/// What the daemon and `validatectl` need of a store, served by the embedded SQLite file (``VerdictStore``) and by
/// a PostgreSQL server several daemons share (``PostgresVerdictStore``).
///
/// Every method is one transaction and blocks its caller for it: a file write, or a round trip to the server.
/// A method that cannot reach its store throws ``StoreError`` saying why; callers retry.
public protocol VerdictStoring: Sendable {
    /// Records a model and queues a run for it, unless the folder has already seen this content.
    func enqueue(folder: String, path: String, sha256: String, size: Int, at date: Date) throws -> EnqueueResult
    /// Returns runs that no daemon holds any more (SQLite: every `running` run, after a crash; PostgreSQL: runs
    /// whose lease ran out) to the queue. Call once at start-up.
    @discardableResult func requeueInterrupted() throws -> Int
    /// Takes the oldest queued run of a folder in `serving` and not in `skipping`, and marks it running.
    ///
    /// A shared store hands out only runs of the folders the caller serves, and also runs whose holder's lease
    /// ran out; the embedded store ignores `serving`, so a run of a folder no longer configured gets an error
    /// verdict saying so.
    func claimNextRun(serving: [String], skipping: [String], at date: Date) throws -> RunRecord?
    /// Returns a claimed run to the queue without counting the attempt (its folder cannot validate yet).
    func unclaim(runID: Int64) throws
    /// Stores a finished run's verdict, its checks and, if asked and still right, the promotion: all or nothing.
    @discardableResult func complete(_ completion: RunCompletion, at date: Date) throws -> CompletionOutcome
    /// Makes `modelID` its folder's champion.
    func promote(modelID: Int64, reason: PromotionReason, at date: Date) throws
    /// Returns `folder` to the champion before the current one, recording the change as a `rollback` promotion.
    @discardableResult func rollback(folder: String, at date: Date) throws -> ModelRecord
    /// Every champion change of `folder`, oldest first, with the run that justified it.
    func promotions(folder: String) throws -> [(promotion: PromotionRecord, run: RunRecord?)]
    /// The folders that have models.
    func folders() throws -> [String]
    /// A model's stored scores on the evaluation set with `evalFingerprint`, if it was scored on exactly that set.
    func cachedScores(modelID: Int64, evalFingerprint: String) throws -> [Double]?
    /// The current champion of `folder`, if it has one.
    func champion(folder: String) throws -> ModelRecord?
    /// Writes the daemon's heartbeat (and, in a shared store, renews the leases of the runs it holds).
    func beat(_ heartbeat: Heartbeat) throws
    /// Counts of queued and running runs.
    func queueCounts() throws -> (queued: Int, running: Int)
    /// Everything `validatectl status` shows.
    func status(recent limit: Int) throws -> StatusSnapshot
    /// Finds a model by SHA-256 prefix (at least 6 hex digits), full path, or file name.
    func findModel(_ query: String) throws -> ModelRecord
    /// The runs of a model, newest first.
    func runs(modelID: Int64) throws -> [RunRecord]
    /// A run's per-suite results, in the order they were stored.
    func checks(runID: Int64) throws -> [CheckRecord]
    /// A model by row id.
    func model(id: Int64) throws -> ModelRecord?
    /// Runs matching `filter`, newest first (by queue time, then id).
    func runs(_ filter: RunFilter) throws -> [RunRecord]
    /// The run with row id `id`, if there is one.
    func run(id: Int64) throws -> RunRecord?
    /// Queues a new run of a model the store already has; a model with a queued run keeps that one.
    func requeue(modelID: Int64, at date: Date) throws -> (runID: Int64, isNew: Bool)
    /// Compares this daemon's copy of `folder`'s evaluation set and banned list (`fingerprint`) with the copy the
    /// store recorded, recording it when there is none or when `replacing`.
    func checkFolderCopy(folder: String, fingerprint: String, replacing: Bool) throws -> FolderCopyCheck
}

extension VerdictStoring {
    /// ``enqueue(folder:path:sha256:size:at:)`` now.
    public func enqueue(folder: String, path: String, sha256: String, size: Int) throws -> EnqueueResult {
        try enqueue(folder: folder, path: path, sha256: sha256, size: size, at: Date())
    }

    /// ``claimNextRun(serving:skipping:at:)`` now.
    public func claimNextRun(serving: [String], skipping: [String] = []) throws -> RunRecord? {
        try claimNextRun(serving: serving, skipping: skipping, at: Date())
    }

    /// ``complete(_:at:)`` now.
    @discardableResult public func complete(_ completion: RunCompletion) throws -> CompletionOutcome {
        try complete(completion, at: Date())
    }

    /// ``promote(modelID:reason:at:)`` now.
    public func promote(modelID: Int64, reason: PromotionReason) throws {
        try promote(modelID: modelID, reason: reason, at: Date())
    }

    /// ``rollback(folder:at:)`` now.
    @discardableResult public func rollback(folder: String) throws -> ModelRecord {
        try rollback(folder: folder, at: Date())
    }

    /// ``status(recent:)`` with the ten most recent runs.
    public func status() throws -> StatusSnapshot { try status(recent: 10) }

    /// ``requeue(modelID:at:)`` now.
    public func requeue(modelID: Int64) throws -> (runID: Int64, isNew: Bool) {
        try requeue(modelID: modelID, at: Date())
    }
}

/// How a newly arrived file was recorded.
public enum EnqueueResult: Sendable, Equatable {
    /// A new model, with a queued run.
    case queued(runID: Int64, modelID: Int64)
    /// The same content was already seen in this folder.
    case duplicate(modelID: Int64)
}

/// What ``VerdictStoring/complete(_:at:)`` did.
public enum CompletionOutcome: Sendable, Equatable {
    /// The verdict is stored; no promotion was asked for.
    case stored
    /// The verdict is stored and the model is its folder's champion.
    case promoted
    /// The verdict is stored, but the model was judged against a champion that is no longer its folder's (another
    /// daemon, or `validatectl promote`, changed it meanwhile to `current`): it is not promoted, since it was
    /// never compared with the new champion; `validatectl rerun` compares it.
    case championChanged(current: Int64?)
    /// Nothing was written: the caller's lease on the run ran out and another daemon (`holder`) took it over,
    /// so that one writes the verdict.
    case leaseLost(holder: String?)
}

/// What a daemon's copy of a folder's evaluation set and banned list is, next to the one the store recorded.
public enum FolderCopyCheck: Sendable, Equatable {
    /// The same as the recorded copy, or now recorded as the first.
    case same
    /// Another copy was recorded, by `recordedBy` at `recordedAt`: this daemon must not judge the folder with its own.
    case differs(recordedBy: String, recordedAt: Date)
}

/// The store's answer to a model query: one model, or an error saying what to give instead.
enum ModelMatch {
    /// The newest of `models` when they all have one content; otherwise an error naming `query`.
    static func one(_ models: [ModelRecord], for query: String) throws -> ModelRecord {
        guard let last = models.last else {
            throw StoreError(
                description:
                    "no model matches \"\(query)\"; give a path, a file name or a sha256 prefix (see validatectl status)"
            )
        }
        guard Set(models.map(\.sha256)).count == 1 else {
            throw StoreError(description: "\"\(query)\" matches \(models.count) models; give more of the sha256")
        }
        return last
    }
}
