import ArgumentParser
import Foundation
import ValidatedCore
import ValidatedModels

/// Batched scoring of native checkpoints (a 100,000-term TF-IDF (1, 2)-gram vocabulary into a logistic regression
/// and into a 256-unit MLP), in documents per second on one thread and on every core, beside scikit-learn's
/// `predict_proba` on the same models and documents. `scripts/bench_score.sh` prepares both and runs this.
struct ScoreBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Time batched scoring of native checkpoints beside scikit-learn's predict_proba.",
        discussion: "Run scripts/bench_score.sh to train the models, time scikit-learn and run this in one go."
    )

    @Option(help: "The directory scripts/bench_score.py wrote (reference.json, documents.json, the checkpoints).")
    var directory: String

    @Option(help: "Timed passes over the documents; the best is reported.")
    var repetitions = 3

    @Option(help: "Documents per task when scoring on every core.")
    var chunk = 1024

    struct Reference: Decodable {
        struct Model: Decodable {
            var name: String
            var file: String
            var seconds_one_thread: Double
            var cpu_seconds_one_thread: Double
            var seconds_default_threads: Double
            var proba: [Double]
        }

        var vocabulary: Int
        var models: [Model]
    }

    func run() async throws {
        let folder = URL(fileURLWithPath: directory)
        let reference = try JSONDecoder().decode(
            Reference.self,
            from: Data(contentsOf: folder.appendingPathComponent("reference.json"))
        )
        let documents = try JSONDecoder().decode(
            [String].self,
            from: Data(contentsOf: folder.appendingPathComponent("documents.json"))
        )
        guard !documents.isEmpty else {
            throw ValidationError("\(directory)/documents.json holds no documents; run scripts/bench_score.py again")
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let words = Double(documents.map { IndexedText($0).words.count }.reduce(0, +)) / Double(documents.count)
        print(
            "scoring \(documents.count) documents (mean \(String(format: "%.1f", words)) distinct words), vocabulary \(reference.vocabulary) terms, best of \(repetitions)"
        )
        for model in reference.models {
            let classifier = try ModelLoader().load(folder.appendingPathComponent(model.file).path).classifier
            var single = Double.infinity
            var singleCPU = Double.infinity
            var scores: ProbabilityMatrix?
            for _ in 0..<repetitions {
                let start = ContinuousClock.now
                let startCPU = threadCPUSeconds()
                scores = try classifier.predictProbabilities(documents)
                singleCPU = min(singleCPU, threadCPUSeconds() - startCPU)
                single = min(single, seconds(ContinuousClock.now - start))
            }
            var parallel = Double.infinity
            var busyCores = 0.0
            for _ in 0..<repetitions {
                let start = ContinuousClock.now
                let startCPU = processCPUSeconds()
                _ = try await scoreOnEveryCore(documents, classifier: classifier, width: cores)
                let elapsed = seconds(ContinuousClock.now - start)
                if elapsed < parallel {
                    parallel = elapsed
                    busyCores = (processCPUSeconds() - startCPU) / elapsed
                }
            }
            let gap = zip(scores?.column(1) ?? [], model.proba).map { abs($0 - $1) }.max() ?? .nan
            let n = Double(documents.count)
            print("\(model.name) (largest |p - predict_proba| \(String(format: "%.1e", gap)))")
            print("                               documents/s   per CPU second")
            print(String(format: "  validated, 1 thread          %10.0f   %10.0f", n / single, n / singleCPU))
            print(
                String(
                    format:
                        "  validated, %2d cores          %10.0f   (%.1fx the single thread; %.1f cores busy on average)",
                    cores,
                    n / parallel,
                    single / parallel,
                    busyCores
                )
            )
            print(
                String(
                    format: "  scikit-learn, 1 thread       %10.0f   %10.0f",
                    n / model.seconds_one_thread,
                    n / model.cpu_seconds_one_thread
                )
            )
            print(String(format: "  scikit-learn, BLAS threads   %10.0f", n / model.seconds_default_threads))
            print(
                String(
                    format: "  ratio, 1 thread              %10.1fx  %10.1fx",
                    model.seconds_one_thread / single,
                    model.cpu_seconds_one_thread / singleCPU
                )
            )
        }
    }

    /// Scores `documents` in chunks of ``chunk``, `width` chunks at a time, and reassembles the rows in order.
    private func scoreOnEveryCore(
        _ documents: [String],
        classifier: any TextClassifier,
        width: Int
    ) async throws -> [Double] {
        let starts = Array(stride(from: 0, to: documents.count, by: chunk))
        var parts = [[Double]](repeating: [], count: starts.count)
        try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
            var next = 0
            func add() {
                let index = next
                let range = starts[index]..<min(starts[index] + chunk, documents.count)
                group.addTask { (index, try classifier.predictProbabilities(Array(documents[range])).values) }
                next += 1
            }
            while next < min(width, starts.count) { add() }
            while let (index, values) = try await group.next() {
                parts[index] = values
                if next < starts.count { add() }
            }
        }
        return parts.flatMap { $0 }
    }

    /// The CPU time this thread has used (wall time misleads on a machine shared with other work).
    private func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The CPU time all of this process's threads have used.
    private func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        return user + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
