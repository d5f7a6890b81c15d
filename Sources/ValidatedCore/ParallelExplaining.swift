import Foundation

/// The progress of one batch of a phase's work: the phase and the batch's units.
struct PhaseProgress: Sendable {
    /// The phase reported.
    var phase: ValidationPhase
    /// Units in the batch.
    var total: Int
    /// Where progress goes.
    var sink: ProgressSink?
}

/// Runs explanation jobs in parallel, at most one per core at a time.
enum ParallelExplaining {
    /// Runs `body` on every job; each job beside its result, in job order. A failure of the model (anything but
    /// an ``ExplanationError`` or a ``ValidationFailure``) is reported naming the document.
    static func run<Result: Sendable>(
        _ jobs: [ExplanationJob],
        progress: PhaseProgress,
        _ body: @escaping @Sendable (ExplanationJob) throws -> Result
    ) async throws -> [(job: ExplanationJob, result: Result)] {
        let width = max(ProcessInfo.processInfo.activeProcessorCount, 1)
        return try await withThrowingTaskGroup(of: (index: Int, result: Result).self) { group in
            var results: [Result?] = Array(repeating: nil, count: jobs.count)
            var next = 0
            var done = 0
            func add() {
                guard next < jobs.count else { return }
                let index = next
                next += 1
                group.addTask { (index, try explaining(jobs[index], body)) }
            }
            for _ in 0..<width { add() }
            while let (index, result) = try await group.next() {
                results[index] = result
                done += 1
                let total = progress.total
                progress.sink?(ValidationProgress(phase: progress.phase, done: done, total: total))
                try Task.checkCancellation()
                add()
            }
            return zip(jobs, results).compactMap { job, result in result.map { (job, $0) } }
        }
    }

    private static func explaining<Result>(
        _ job: ExplanationJob,
        _ body: (ExplanationJob) throws -> Result
    ) throws -> Result {
        do {
            return try body(job)
        } catch let error as ExplanationError {
            throw error
        } catch let error as ValidationFailure {
            throw error
        } catch {
            throw ValidationFailure("the model failed while explaining document \(job.documentID): \(error)")
        }
    }
}
