import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import ValidatedCore
import ValidatedModels
import ValidatedRuntime
import ValidatedStore
import ValidatedSystemd

/// Works off the durable queue in order: validates each run, stores its verdict in one transaction, and
/// announces it in the journal and in the service status.
struct ValidationWorker: Service {
    let store: any VerdictStoring
    let state: SharedState
    let signal: WorkSignal
    let status: StatusReporter
    let logger: Logger
    /// The hasher the intake fingerprinted the queued checkpoints with: a run finds their hash there.
    let hasher: CheckpointHasher
    /// Told when a folder's evaluation set or banned-token list cannot be used; its runs then wait.
    let health: FolderHealth
    /// Told when a run is claimed and when it ends, when metrics are on.
    var metrics: DaemonMetrics? = nil
    /// A test hook (`VALIDATED_TEST_WEDGE_WORKER=1`): the worker blocks forever on its first run, so tests can
    /// see the watchdog pings stop.
    var wedgeForTesting = false

    func run() async throws {
        try await cancelWhenGracefulShutdown { [self] in try await workOffQueue() }
    }

    private func workOffQueue() async throws {
        repeat {
            while !Task.isCancelled, let run = await claim() {
                state.markProgress()
                metrics?.queueChanged()
                guard let result = await abandonOnCancel({ [self] in await validate(run) }) else {
                    // Back to the queue at once, for another daemon of a shared store or the next start.
                    let returned = (try? store.unclaim(runID: run.id)) != nil
                    logger.notice(
                        "Stopping during run \(run.id); \(returned ? "it is back in the queue" : "it will be redone")"
                    )
                    return
                }
                guard let outcome = result else {
                    // Its folder cannot validate: back to the queue, where it waits for the fix.
                    state.record(currentModel: nil)
                    status.publish(current: nil)
                    guard
                        await StoreRetry(logger: logger).run(
                            "return run \(run.id) to the queue",
                            {
                                try store.unclaim(runID: run.id)
                            }
                        ) != nil
                    else { return }
                    continue
                }
                guard await finish(run, outcome) else { return }
            }
            state.markIdle()
        } while await signal.wait()
    }

    private func claim() async -> RunRecord? {
        let blocked = Array(state.folderProblems.keys)
        let serving = state.configuration.folders.map(\.name)
        return await StoreRetry(logger: logger).run("read the queue") {
            try store.claimNextRun(serving: serving, skipping: blocked)
        } ?? nil
    }

    private struct Outcome: Sendable {
        var result: ValidationOutcome
        var folder: FolderConfiguration?
        var champion: ModelRecord?
        var evaluationFingerprint: String?
    }

    /// Validates `run`; `nil` when its folder's evaluation set or banned-token list cannot be used.
    private func validate(_ run: RunRecord) async -> Outcome? {
        state.record(currentModel: run.model.path)
        status.publish(current: run.model.path)
        guard let folder = state.folder(named: run.model.folder) else {
            return Outcome(
                result: ValidationOutcome(
                    path: run.model.path,
                    sha256: run.model.sha256,
                    report: .failure("folder \"\(run.model.folder)\" is no longer configured"),
                    championProblem: nil
                ),
                folder: nil,
                champion: nil
            )
        }
        let champion = (try? store.champion(folder: folder.name)).flatMap { $0?.id == run.model.id ? nil : $0 }
        var recipe = JobRecipe(modelPath: run.model.path, folder: folder)
        recipe.championPath = champion?.path
        recipe.championSHA256 = champion?.sha256
        if let id = champion?.id {
            recipe.storedChampionScores = { [store] fingerprint in
                try? store.cachedScores(modelID: id, evalFingerprint: fingerprint)
            }
        }
        let job: ValidationJob
        do {
            // Waiting for a scorer within its time limits is progress: the watchdog is for a wedged worker.
            job = try recipe.job(hasher: hasher) { [state] in state.markProgress() }
        } catch {
            health.blocked(folder, by: error)
            return nil
        }
        // In a shared store, files changed since (validatectl adopt elsewhere) leave the run to other daemons.
        guard health.isRecordedCopy(job.resources, of: folder) else { return nil }
        while wedgeForTesting { usleep(1_000_000) }
        state.markRunStarted(limit: folder.settings.runTimeoutSeconds)
        defer { state.markRunEnded() }
        var result = await job.run { [state] _ in state.markProgress() }
        if let sha = result.sha256, sha != run.model.sha256 {
            let what = ModelLoader.isFolder(run.model.path) ? "the folder's content" : "the file"
            result.report = .failure(
                "\(what) changed after it was queued (sha256 \(sha.prefix(12)) ≠ \(run.model.sha256.prefix(12))); the new content is validated separately"
            )
        }
        return Outcome(
            result: result,
            folder: folder,
            champion: champion,
            evaluationFingerprint: job.resources.evaluationFingerprint
        )
    }

    /// Stores the verdict (retrying while the store cannot be written) and announces it.
    ///
    /// - Returns: `false` when the daemon is stopping before the verdict could be stored; the run, still marked
    ///   running, is then redone at the next start.
    private func finish(_ run: RunRecord, _ outcome: Outcome) async -> Bool {
        let report = outcome.result.report
        let reportJSON = Self.json(report)
        let checks = report.checkRecords
        let promote = report.verdict == .pass && (outcome.folder?.autoPromote ?? false)
        let completion = RunCompletion(
            runID: run.id,
            verdict: report.verdict,
            summary: report.summary,
            reportJSON: reportJSON,
            checks: checks,
            configFingerprint: outcome.folder?.fingerprint,
            evalFingerprint: outcome.evaluationFingerprint,
            championModelID: outcome.champion?.id,
            promote: promote,
            scores: report.scores
        )
        guard
            let stored = await StoreRetry(logger: logger).run(
                "store the verdict of run \(run.id)",
                { try store.complete(completion) }
            )
        else {
            logger.notice(
                "Stopping before the verdict of run \(run.id) was stored; it will be redone at the next start"
            )
            return false
        }
        guard noteOutcome(stored, of: run) else {
            state.record(currentModel: nil)
            status.publish(current: nil)
            return true
        }
        if let problem = outcome.result.championProblem {
            var metadata: Logger.Metadata = ["VALIDATED_MODEL": "\(run.model.path)"]
            if outcome.result.championReplaced {
                metadata["MESSAGE_ID"] = "\(ValidatedMessageID.championChanged.rawValue)"
                metadata["VALIDATED_FOLDER"] = "\(run.model.folder)"
            }
            logger.warning("\(problem)", metadata: metadata)
        }
        announce(run, report)
        metrics?.runEnded(folder: run.model.folder, report: report)
        if stored == .promoted {
            logger.notice(
                "\(run.model.path) is now the champion of folder \(run.model.folder)",
                metadata: [
                    "MESSAGE_ID": "\(ValidatedMessageID.championPromoted.rawValue)",
                    "VALIDATED_MODEL": "\(run.model.path)", "VALIDATED_SHA256": "\(run.model.sha256)",
                    "VALIDATED_FOLDER": "\(run.model.folder)", "VALIDATED_RUN_ID": "\(run.id)",
                ]
            )
        }
        state.record(lastVerdict: "\(Self.fileName(run.model.path)) \(report.verdict.rawValue)")
        state.record(currentModel: nil)
        status.publish(current: nil)
        return true
    }

    /// Logs what the store did with a verdict other than storing it; `false` when it stored nothing (the run was
    /// taken over), so there is nothing to announce.
    private func noteOutcome(_ outcome: CompletionOutcome, of run: RunRecord) -> Bool {
        switch outcome {
        case .stored, .promoted:
            return true
        case .championChanged:
            let message =
                "\(run.model.path) passed, but against a champion that another daemon or validatectl replaced during "
                + "the run; it is not promoted, since it was not compared with folder \(run.model.folder)'s new "
                + "champion: validatectl rerun \(run.model.sha256.prefix(12)) compares it"
            logger.notice(
                "\(message)",
                metadata: ["VALIDATED_MODEL": "\(run.model.path)", "VALIDATED_RUN_ID": "\(run.id)"]
            )
            return true
        case .leaseLost(let holder):
            let message =
                "Run \(run.id) was taken over by \(holder ?? "another daemon") after this daemon's lease ran out "
                + "(no heartbeat reached the store in time); its verdict is left to that daemon"
            logger.warning(
                "\(message)",
                metadata: ["VALIDATED_MODEL": "\(run.model.path)", "VALIDATED_RUN_ID": "\(run.id)"]
            )
            return false
        }
    }

    private func announce(_ run: RunRecord, _ report: ValidationReport) {
        var metadata: Logger.Metadata = [
            "VALIDATED_MODEL": "\(run.model.path)",
            "VALIDATED_SHA256": "\(run.model.sha256)",
            "VALIDATED_FOLDER": "\(run.model.folder)",
            "VALIDATED_VERDICT": "\(report.verdict.rawValue)",
            "VALIDATED_RUN_ID": "\(run.id)",
        ]
        if let auc = report.checks.auc {
            metadata["VALIDATED_AUC"] = "\(auc.auc)"
            if let delta = auc.delta { metadata["VALIDATED_DELTA"] = "\(delta)" }
            if let p = auc.pValue { metadata["VALIDATED_P_VALUE"] = "\(p)" }
        }
        if let spurious = report.checks.spurious, !spurious.bannedHits.isEmpty {
            metadata["VALIDATED_BANNED_TOKENS"] = "\(spurious.bannedHits.map(\.token).joined(separator: ","))"
        }
        if let error = report.error { metadata["VALIDATED_ERROR"] = "\(error)" }
        let message = "\(Self.fileName(run.model.path)): \(report.verdict.rawValue) — \(report.summary)"
        switch report.verdict {
        case .skipped, .pass, .warn:
            metadata["MESSAGE_ID"] = "\(ValidatedMessageID.verdictPassed.rawValue)"
            logger.log(level: report.verdict == .pass ? .info : .notice, "\(message)", metadata: metadata)
        case .fail:
            metadata["MESSAGE_ID"] = "\(ValidatedMessageID.verdictFailed.rawValue)"
            logger.warning("\(message)", metadata: metadata)
        case .error:
            metadata["MESSAGE_ID"] = "\(ValidatedMessageID.verdictError.rawValue)"
            logger.error("\(message)", metadata: metadata)
        }
    }

    static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func json(_ report: ValidationReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(report)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }
}

/// Runs `operation` in its own task and returns its result, or `nil` as soon as the caller is cancelled.
///
/// The suites are CPU-bound and do not poll for cancellation; on shutdown the daemon stops waiting for them
/// instead, and the interrupted run, still marked running, is redone at the next start. The abandoned task is
/// cancelled all the same, so cancellation handlers inside it run at once (a ``ValidationJob`` kills its
/// scorer processes there).
func abandonOnCancel<T: Sendable>(_ operation: @escaping @Sendable () async -> T) async -> T? {
    let slot = ResumeOnce<T?>()
    let worker = Mutex<Task<Void, Never>?>(nil)
    return await withTaskCancellationHandler {
        await withCheckedContinuation { continuation in
            slot.install(continuation)
            let task = Task.detached { slot.resume(await operation()) }
            worker.withLock { $0 = task }
            if Task.isCancelled { task.cancel() }
        }
    } onCancel: {
        slot.resume(nil)
        worker.withLock { $0 }?.cancel()
    }
}

/// A continuation that is resumed by whichever comes first, the result or the cancellation.
private final class ResumeOnce<T: Sendable>: Sendable {
    private enum Phase {
        case waiting
        case installed(CheckedContinuation<T, Never>)
        case finished(T)
        case consumed
    }

    private let phase = Mutex(Phase.waiting)

    func install(_ continuation: CheckedContinuation<T, Never>) {
        let ready: T? = phase.withLock { phase in
            if case .finished(let value) = phase {
                phase = .consumed
                return value
            }
            phase = .installed(continuation)
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }

    func resume(_ value: T) {
        let continuation: CheckedContinuation<T, Never>? = phase.withLock { phase in
            switch phase {
            case .waiting:
                phase = .finished(value)
                return nil
            case .installed(let continuation):
                phase = .consumed
                return continuation
            case .finished, .consumed:
                return nil
            }
        }
        continuation?.resume(returning: value)
    }
}
