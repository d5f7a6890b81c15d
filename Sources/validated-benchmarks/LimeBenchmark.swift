import ArgumentParser
import Foundation
import ValidatedCore
import ValidatedModels

/// LIME explanations of real documents by a real checkpoint (target: at least 100× faster than the `lime`
/// package single-threaded at 5000 samples and 10 features), beside the reference's timing of the same model
/// and documents. `scripts/bench_lime.sh` prepares both and runs this.
struct LimeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lime",
        abstract: "Time LIME explanations per document, single-threaded and on every core, by stage.",
        discussion: "Run scripts/bench_lime.sh to train the model, time the Python reference and run this in one go."
    )

    @Option(help: "The checkpoint (.safetensors) to explain.")
    var model: String

    @Option(help: "A JSON array of {\"id\", \"text\"} documents to explain.")
    var documents: String

    @Option(help: "The reference's timing (reference-timing.json from scripts/lime_reference.py bench).")
    var reference: String?

    @Option(help: "Perturbed samples per explanation.")
    var samples = 5000

    @Option(help: "Features per explanation.")
    var features = 10

    @Option(help: "Timed passes over the documents; the best is reported.")
    var repetitions = 3

    struct Document: Decodable, Sendable {
        var id: String
        var text: String
    }

    struct ReferenceTiming: Decodable {
        var seconds_per_explanation: Double
        var stages_per_explanation: [String: Double]
    }

    func run() async throws {
        let loaded = try ModelLoader().load(model)
        let classifier = loaded.classifier
        let documents = try JSONDecoder().decode([Document].self, from: Data(contentsOf: URL(fileURLWithPath: self.documents)))
        guard !documents.isEmpty else { throw ValidationError("\(self.documents) holds no documents; give at least one") }
        let explainer = LimeTextExplainer(settings: LimeSettings(samples: samples, features: features))
        let seeds = documents.map { ExplanationSeed.derive(modelSHA256: loaded.sha256, documentID: $0.id, seedIndex: 0) }
        _ = try explainer.explain(documents[0].text, documentID: documents[0].id, label: 1, classifier: classifier, seed: seeds[0])

        var single = Double.infinity
        var stages = LimeStageTimes()
        for _ in 0..<repetitions {
            var pass = LimeStageTimes()
            let start = ContinuousClock.now
            for (document, seed) in zip(documents, seeds) {
                _ = try explainer.explain(document.text, documentID: document.id, label: 1, classifier: classifier, seed: seed, stages: &pass)
            }
            let elapsed = seconds(ContinuousClock.now - start) / Double(documents.count)
            if elapsed < single {
                single = elapsed
                stages = pass
            }
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var parallel = Double.infinity
        for _ in 0..<repetitions {
            let start = ContinuousClock.now
            try await explainAll(documents, seeds: seeds, explainer: explainer, classifier: classifier, width: cores)
            parallel = min(parallel, seconds(ContinuousClock.now - start) / Double(documents.count))
        }
        let peakOnce = peakResidentMiB()
        let repeated = Array(repeating: documents, count: 4).flatMap { $0 }
        try await explainAll(repeated, seeds: Array(repeating: seeds, count: 4).flatMap { $0 }, explainer: explainer, classifier: classifier, width: cores)
        let peakFourTimes = peakResidentMiB()

        let words = documents.map { Double(IndexedText($0.text).words.count) }.reduce(0, +) / Double(documents.count)
        let bytes = documents.map { Double($0.text.utf8.count) }.reduce(0, +) / Double(documents.count)
        print("LIME, \(documents.count) documents (mean \(fixed(words, 1)) distinct words, \(fixed(bytes, 0)) bytes), \(samples) samples, \(features) features, model \(loaded.sha256.prefix(12))")
        let timing = try reference.map { try JSONDecoder().decode(ReferenceTiming.self, from: Data(contentsOf: URL(fileURLWithPath: $0))) }
        print(String(format: "  validated, 1 thread      %9.3f ms per explanation", single * 1000))
        print(String(format: "  validated, %2d cores      %9.3f ms per explanation (%.1fx the single thread)", cores, parallel * 1000, single / parallel))
        if let timing {
            let python = timing.seconds_per_explanation
            print(String(format: "  lime 0.2.0.1, 1 thread   %9.3f ms per explanation", python * 1000))
            print(String(format: "  ratio, 1 thread          %9.1fx   (target >= 100x: %@)", python / single, python / single >= 100 ? "met" : "MISSED"))
            print(String(format: "  ratio, all cores         %9.1fx", python / parallel))
        } else {
            print("  lime 0.2.0.1             not measured: run scripts/bench_lime.sh")
        }
        let n = Double(samples)
        let floors: [(String, Duration, Double, String)] = [
            ("sampling", stages.sampling, n * (words + 1) / 2 * 1e-9, "n(D+1)/2 bounded draws at 1 ns"),
            classifier is any MaskedTextScoring
                ? ("scoring", stages.scoring, n * (words + 20) * 1e-9, "nD term additions at 1 ns + n logistic functions at 20 ns")
                : ("scoring", stages.scoring, n * bytes * 1e-9 + n * words * 20e-9, "n texts of L bytes at 1 byte/ns + nD vocabulary lookups at 20 ns"),
            ("distances", stages.distances, n * 10e-9, "n kernel weights at 10 ns"),
            ("fit", stages.fit, n * words * words / 4 * 1e-9, "nD²/4 weighted sums at 1 ns"),
        ]
        print("  stage         validated   floor        python     (floor model)")
        for (name, measured, floor, model) in floors {
            let ours = seconds(measured) / Double(documents.count)
            let python = timing?.stages_per_explanation[name].map { String(format: "%8.3f ms", $0 * 1000) } ?? "       -"
            print(String(format: "  %@ %9.3f ms %8.3f ms  %@   (%@)", name.padding(toLength: 10, withPad: " ", startingAt: 0), ours * 1000, floor * 1000, python, model))
        }
        print(String(format: "  peak resident memory: %.1f MiB after the timed passes over %d documents, %.1f MiB after %d more explanations (flat: %@)", peakOnce, documents.count, peakFourTimes, repeated.count, peakFourTimes < peakOnce * 1.1 + 1 ? "yes" : "NO"))
    }

    private func explainAll(
        _ documents: [Document], seeds: [UInt64], explainer: LimeTextExplainer, classifier: any TextClassifier, width: Int
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                let document = documents[next], seed = seeds[next]
                group.addTask {
                    _ = try explainer.explain(document.text, documentID: document.id, label: 1, classifier: classifier, seed: seed)
                }
                next += 1
            }
            while next < min(width, documents.count) { add() }
            while try await group.next() != nil {
                if next < documents.count { add() }
            }
        }
    }

    /// This process's peak resident set so far, in MiB (VmHWM in /proc/self/status).
    private func peakResidentMiB() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return .nan }
        return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan) / 1024
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
