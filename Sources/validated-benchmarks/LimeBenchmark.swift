import ArgumentParser
import Foundation
import ValidatedCore
import ValidatedModels

/// LIME explanations of real documents by a real checkpoint (target: at least 300× faster than the `lime`
/// package single-threaded at 5000 samples and 10 features), beside the reference's timing of the same model
/// and documents, for one or more document sets (say documents of 5, 20 and 50 words). `scripts/bench_lime.sh`
/// prepares both and runs this.
struct LimeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lime",
        abstract: "Time LIME explanations per document, single-threaded and on every core, by stage.",
        discussion: "Run scripts/bench_lime.sh to train the model, time the Python reference and run this in one go."
    )

    @Option(help: "The checkpoint (.safetensors) to explain.")
    var model: String

    @Option(help: "A JSON array of {\"id\", \"text\"} documents to explain; repeat for several sets.")
    var documents: [String]

    @Option(
        help:
            "The reference's timing of each set (reference-timing.json from scripts/lime_reference.py bench), in the order of --documents."
    )
    var reference: [String] = []

    @Option(help: "Perturbed samples per explanation.")
    var samples = 5000

    @Option(help: "Features per explanation.")
    var features = 10

    @Option(help: "Timed passes over the documents; the best is reported.")
    var repetitions = 5

    /// The single-threaded ratio to lime this benchmark checks.
    static let target = 300.0

    struct Document: Decodable, Sendable {
        var id: String
        var text: String
    }

    struct ReferenceTiming: Decodable {
        var seconds_per_explanation: Double
        var cpu_seconds_per_explanation: Double?
        var stages_per_explanation: [String: Double]
    }

    /// One document set's results, for the closing table.
    struct Row {
        var words: Double
        var single: Timing
        var parallel: Double
        var lime: ReferenceTiming?
    }

    /// Seconds per explanation on the wall clock and in CPU time (the process's, one thread running).
    struct Timing {
        var wall: Double
        var cpu: Double
    }

    func run() async throws {
        guard reference.isEmpty || reference.count == documents.count else {
            throw ValidationError("give one --reference per --documents (\(documents.count)), or none")
        }
        let loaded = try ModelLoader().load(model)
        var rows: [Row] = []
        for (index, path) in documents.enumerated() {
            let timing =
                try reference.isEmpty
                ? nil
                : JSONDecoder().decode(
                    ReferenceTiming.self,
                    from: Data(contentsOf: URL(fileURLWithPath: reference[index]))
                )
            rows.append(try await measure(path, loaded: loaded, timing: timing))
        }
        printTable(rows)
    }

    /// Times the explanations of the documents in `path` and prints their stages.
    private func measure(_ path: String, loaded: LoadedModel, timing: ReferenceTiming?) async throws -> Row {
        let classifier = loaded.classifier
        let documents = try JSONDecoder().decode([Document].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        guard !documents.isEmpty else { throw ValidationError("\(path) holds no documents; give at least one") }
        // Fixed samples, as lime draws them: the same work on both sides.
        let explainer = LimeTextExplainer(
            settings: LimeSettings(samples: samples, features: features, certifyConfidence: nil)
        )
        let seeds = documents.map {
            ExplanationSeed.derive(modelSHA256: loaded.sha256, documentID: $0.id, seedIndex: 0)
        }
        _ = try explainer.explain(
            documents[0].text,
            documentID: documents[0].id,
            label: 1,
            classifier: classifier,
            seed: seeds[0]
        )

        var single = Timing(wall: .infinity, cpu: .infinity)
        var stages = LimeStageTimes.never
        for _ in 0..<repetitions {
            var pass = LimeStageTimes()
            let start = ContinuousClock.now
            let startCPU = processCPUSeconds()
            for (document, seed) in zip(documents, seeds) {
                _ = try explainer.explain(
                    document.text,
                    documentID: document.id,
                    label: 1,
                    classifier: classifier,
                    seed: seed,
                    stages: &pass
                )
            }
            single.cpu = min(single.cpu, (processCPUSeconds() - startCPU) / Double(documents.count))
            single.wall = min(single.wall, seconds(ContinuousClock.now - start) / Double(documents.count))
            stages = pass.fastest(stages)
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var parallel = Double.infinity
        for _ in 0..<repetitions {
            let start = ContinuousClock.now
            try await explainAll(documents, seeds: seeds, explainer: explainer, classifier: classifier, width: cores)
            parallel = min(parallel, seconds(ContinuousClock.now - start) / Double(documents.count))
        }
        let words = documents.map { Double(IndexedText($0.text).words.count) }.reduce(0, +) / Double(documents.count)
        let bytes = documents.map { Double($0.text.utf8.count) }.reduce(0, +) / Double(documents.count)
        print(
            "LIME, \(documents.count) documents (mean \(fixed(words, 1)) distinct words, \(fixed(bytes, 0)) bytes), \(samples) samples, \(features) features, model \(loaded.sha256.prefix(12))"
        )
        print(
            String(
                format: "  validated, 1 thread      %9.3f ms per explanation (%.3f ms CPU)",
                single.wall * 1000,
                single.cpu * 1000
            )
        )
        print(
            String(
                format: "  validated, %2d cores      %9.3f ms per explanation (%.1fx the single thread)",
                cores,
                parallel * 1000,
                single.wall / parallel
            )
        )
        if let timing {
            print(
                String(
                    format: "  lime 0.2.0.1, 1 thread   %9.3f ms per explanation (%.3f ms CPU)",
                    timing.seconds_per_explanation * 1000,
                    limeCPU(timing) * 1000
                )
            )
        }
        printStages(
            stages,
            documents: documents.count,
            words: words,
            bytes: bytes,
            classifier: classifier,
            timing: timing
        )
        try await printMemory(documents, seeds: seeds, explainer: explainer, classifier: classifier, width: cores)
        return Row(words: words, single: single, parallel: parallel, lime: timing)
    }

    /// Each stage's time per explanation (its fastest pass: robust to other load) beside its arithmetic floor and the reference's.
    private func printStages(
        _ stages: LimeStageTimes,
        documents: Int,
        words: Double,
        bytes: Double,
        classifier: any TextClassifier,
        timing: ReferenceTiming?
    ) {
        let n = Double(samples)
        let floors: [(String, Duration, Double, String)] = [
            ("sampling", stages.sampling, n * (words + 1) / 2 * 1e-9, "n(D+1)/2 bounded draws at 1 ns"),
            classifier is any MaskedTextScoring
                ? (
                    "scoring", stages.scoring, n * (words / 4 + 20) * 1e-9,
                    "nD/4 term additions at 1 ns + n logistic functions at 20 ns"
                )
                : (
                    "scoring", stages.scoring, n * bytes * 1e-9 + n * words * 20e-9,
                    "n texts of L bytes at 1 byte/ns + nD vocabulary lookups at 20 ns"
                ),
            (
                "distances", stages.distances, (words + 1) * 10e-9 + n * 1e-9,
                "D+1 kernel weights at 10 ns, n lookups at 1 ns"
            ),
            ("fit", stages.fit, fitFloor(words: words), "(D²/2)(n/64 + D) popcounts and weighted sums at 1 ns"),
        ]
        print("  stage         validated   floor        python     (floor model)")
        for (name, measured, floor, model) in floors {
            let ours = seconds(measured) / Double(documents)
            let python =
                timing?.stages_per_explanation[name].map { String(format: "%8.3f ms", $0 * 1000) } ?? "       -"
            print(
                String(
                    format: "  %@ %9.3f ms %8.3f ms  %@   (%@)",
                    name.padding(toLength: 10, withPad: " ", startingAt: 0),
                    ours * 1000,
                    floor * 1000,
                    python,
                    model
                )
            )
        }
    }

    /// The Gram matrix of the binary design by kept-count groups: `D(D+1)/2` column pairs, each `n/64` words
    /// plus one partial word and one weighted sum per group, at 1 ns apiece.
    private func fitFloor(words d: Double) -> Double {
        d * (d + 1) / 2 * (Double(samples) / 64 + 2 * d) * 1e-9
    }

    /// Peak memory after the timed passes and after four more passes: it must stay flat.
    private func printMemory(
        _ documents: [Document],
        seeds: [UInt64],
        explainer: LimeTextExplainer,
        classifier: any TextClassifier,
        width: Int
    ) async throws {
        let peakOnce = peakResidentMiB()
        let repeated = Array(repeating: documents, count: 4).flatMap { $0 }
        try await explainAll(
            repeated,
            seeds: Array(repeating: seeds, count: 4).flatMap { $0 },
            explainer: explainer,
            classifier: classifier,
            width: width
        )
        let peakFourTimes = peakResidentMiB()
        print(
            String(
                format:
                    "  peak resident memory: %.1f MiB after the timed passes over %d documents, %.1f MiB after %d more explanations (flat: %@)",
                peakOnce,
                documents.count,
                peakFourTimes,
                repeated.count,
                peakFourTimes < peakOnce * 1.1 + 1 ? "yes" : "NO"
            )
        )
    }

    /// The sets side by side: lime and validated per explanation and their ratio, in CPU time single-threaded
    /// (robust to other load on the machine) and on the wall clock.
    private func printTable(_ rows: [Row]) {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("")
        print("lime 0.2.0.1 against validated, \(samples) samples, \(features) features, ms per explanation")
        print(
            "  words   lime CPU  validated CPU    ratio   |  lime wall  validated wall   ratio  | validated \(cores) cores  ratio"
        )
        for row in rows {
            guard let lime = row.lime else {
                print(
                    String(
                        format: "  %5.1f          -  %13.3f        -   |          -  %14.3f       -  | %17.3f       -",
                        row.words,
                        row.single.cpu * 1000,
                        row.single.wall * 1000,
                        row.parallel * 1000
                    )
                )
                continue
            }
            let cpuRatio = limeCPU(lime) / row.single.cpu
            let wallRatio = lime.seconds_per_explanation / row.single.wall
            print(
                String(
                    format: "  %5.1f  %9.1f  %13.3f  %6.0fx   |  %9.1f  %14.3f  %6.0fx  | %17.3f  %5.0fx",
                    row.words,
                    limeCPU(lime) * 1000,
                    row.single.cpu * 1000,
                    cpuRatio,
                    lime.seconds_per_explanation * 1000,
                    row.single.wall * 1000,
                    wallRatio,
                    row.parallel * 1000,
                    lime.seconds_per_explanation / row.parallel
                )
            )
        }
        let ratios = rows.compactMap { row in row.lime.map { limeCPU($0) / row.single.cpu } }
        if let worst = ratios.min() {
            print(
                String(
                    format: "  smallest single-thread CPU ratio %.0fx (target >= %.0fx: %@)",
                    worst,
                    Self.target,
                    worst >= Self.target ? "met" : "MISSED"
                )
            )
        } else {
            print("  lime 0.2.0.1 not measured: run scripts/bench_lime.sh")
        }
    }

    private func limeCPU(_ timing: ReferenceTiming) -> Double {
        timing.cpu_seconds_per_explanation ?? timing.seconds_per_explanation
    }

    private func explainAll(
        _ documents: [Document],
        seeds: [UInt64],
        explainer: LimeTextExplainer,
        classifier: any TextClassifier,
        width: Int
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                let document = documents[next]
                let seed = seeds[next]
                group.addTask {
                    _ = try explainer.explain(
                        document.text,
                        documentID: document.id,
                        label: 1,
                        classifier: classifier,
                        seed: seed
                    )
                }
                next += 1
            }
            while next < min(width, documents.count) { add() }
            while try await group.next() != nil {
                if next < documents.count { add() }
            }
        }
    }

    /// This process's CPU time so far, in seconds.
    private func processCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
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

extension LimeStageTimes {
    /// Stage times longer than any pass.
    static var never: LimeStageTimes {
        var times = LimeStageTimes()
        times.sampling = .seconds(1_000_000)
        times.scoring = times.sampling
        times.distances = times.sampling
        times.fit = times.sampling
        return times
    }

    /// Each stage's shorter time of `self` and `other`.
    func fastest(_ other: LimeStageTimes) -> LimeStageTimes {
        var times = self
        times.sampling = min(sampling, other.sampling)
        times.scoring = min(scoring, other.scoring)
        times.distances = min(distances, other.distances)
        times.fit = min(fit, other.fit)
        return times
    }
}
