import ArgumentParser
import Foundation
import ValidatedCore
import ValidatedModels

/// Certified LIME sample sizes beside fixed 5000-sample LIME and the `lime` package on the same model and
/// documents: model calls and seconds per explanation, top-k Jaccard against lime and seed to seed, the share
/// certified and the mean samples. `scripts/bench_certify.sh` prepares the reference runs and runs this on a native
/// checkpoint; `scripts/bench_certify_hf.sh` on a Hugging Face classifier folder served by `--scorer`.
struct CertifyBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certify",
        abstract: "Compare certified LIME sample sizes with fixed 5000-sample LIME and the lime package.",
        discussion: "Run scripts/bench_certify.sh to train the model, run lime under two seeds and run this in one go."
    )

    @Option(help: "The checkpoint to explain: a .safetensors file, or with --scorer a checkpoint folder.")
    var model: String

    @Option(
        help: ArgumentHelp(
            "Serve the --model folder by this scorer command (docs/scorer-protocol.md), as validatectl validate --scorer 'folder=COMMAND' does, e.g. \"python3 scripts/hf_scorer.py\".",
            valueName: "command"
        )
    )
    var scorer: String?

    @Option(help: "A JSON array of {\"id\", \"text\"} documents to explain.")
    var documents: String

    @Option(help: "lime's runs under two seeds (lime-seeds.json from scripts/lime_reference.py seeds).")
    var reference: String

    @Option(help: "The certification confidence.")
    var confidence = 0.95

    @Option(help: "The samples a certified explanation starts with (one run of each configuration per value).")
    var start: [Int] = [250]

    @Option(help: "The sample ceiling, and the fixed runs' sample count.")
    var samples = 5000

    @Option(help: "Negligible-weight shares to compare (0 = every boundary pair must be separated).")
    var negligible: [Double] = [0]

    @Option(help: "Saturation margins δ to compare, each with negligible share 0 (a Jaccard difference).")
    var saturation: [Double] = [0.005, 0.01, 0.02, 0.05]

    /// Whether to skip the ``saturation`` configurations: a slow model (a transformer behind a scorer) runs only
    /// fixed and certified LIME.
    @Flag(help: "Skip the saturation configurations (run fixed and certified LIME only).")
    var withoutSaturation = false

    @Option(
        help: "The first of the two seed indices each document is explained with (another value: another seed set)."
    )
    var seedIndex = 0

    struct Document: Decodable {
        var id: String
        var text: String
    }

    struct Reference: Decodable {
        struct Entry: Decodable {
            struct Run: Decodable {
                var seconds: Double
                var model_calls: Int
                var top: [String]
            }

            var id: String
            var runs: [Run]
            /// The probabilities lime's classifier gave the document (`hf-seeds` writes them).
            var proba: [Double]?
        }

        var features: Int
        var documents: [Entry]
    }

    /// One configuration's two seeds over every document.
    struct Runs {
        var tops: [[Set<String>]] = []
        /// The top features at least 5% of the largest weight: those the spurious suite counts.
        var counted: [[Set<String>]] = []
        var samples: [Int] = []
        var certified: [Bool] = []
        var stops: [SamplingStop?] = []
        var seconds = 0.0
    }

    /// What keeps the benchmark from running, with what to do about it.
    enum Failure: Error, CustomStringConvertible {
        /// `--scorer` could not be split into arguments.
        case unreadableScorer(String)
        /// `--scorer` was given for a model that is not a folder.
        case scorerNeedsFolder(String)

        var description: String {
            switch self {
            case .unreadableScorer(let command):
                "--scorer \"\(command)\" is empty or has an unclosed quote; give the command line, e.g. --scorer \"python3 scripts/hf_scorer.py\""
            case .scorerNeedsFolder(let model):
                "--scorer serves checkpoint folders and \(model) is not one; give a save_pretrained folder (scripts/bench_hf.py --out makes one), or drop --scorer for a .safetensors file"
            }
        }
    }

    func run() throws {
        let loaded = try load()
        defer { loaded.close() }
        let documents = try JSONDecoder().decode(
            [Document].self,
            from: Data(contentsOf: URL(fileURLWithPath: self.documents))
        )
        let reference = try JSONDecoder().decode(
            Reference.self,
            from: Data(contentsOf: URL(fileURLWithPath: self.reference))
        )
        let lime = Dictionary(uniqueKeysWithValues: reference.documents.map { ($0.id, $0.runs) })
        let k = reference.features
        let limeRuns = documents.compactMap { lime[$0.id] }
        guard limeRuns.count == documents.count else {
            throw ValidationError("\(self.reference) lacks some documents of \(self.documents)")
        }
        let limeTops = limeRuns.map { $0.map { Set($0.top) } }
        let words = documents.map { IndexedText($0.text).words.count }
        print(
            "Certified LIME, \(documents.count) documents (\(words.filter { $0 > k }.count) with more than \(k) distinct words), model \(loaded.sha256.prefix(12)), top \(k)"
        )
        print(
            "  configuration                       calls/expl  ms/expl  certified  J vs lime(5000)  J seed-to-seed"
                + "  J counted ≥5%  ≤500 samples  certified/saturated/ceiling"
        )
        let limeSeconds = limeRuns.flatMap { $0.map(\.seconds) }.reduce(0, +) / Double(2 * limeRuns.count)
        let limeCalls = Double(limeRuns.flatMap { $0.map(\.model_calls) }.reduce(0, +)) / Double(2 * limeRuns.count)
        let limeSelf = mean(limeTops.map { jaccard($0[0], $0[1]) })
        print(row("lime 0.2.0.1, \(samples)", limeCalls, limeSeconds, nil, nil, limeSelf))
        try printAgreement(documents, limeRuns: reference.documents, classifier: loaded.classifier)
        let fixed = try explainAll(
            documents,
            settings: LimeSettings(samples: samples, features: k, certifyConfidence: nil),
            loaded: loaded
        )
        print(row("validated, fixed \(samples)", fixed, limeTops))
        var subsets: [(String, Runs)] = [("fixed \(samples)", fixed)]
        for first in start {
            for configuration in configurations() {
                let settings = LimeSettings(
                    samples: samples,
                    features: k,
                    certifyConfidence: confidence,
                    certifyStartSamples: first,
                    certifyNegligible: configuration.share,
                    certifySaturation: configuration.delta
                )
                let name =
                    configuration.delta.map { "start \(first), saturated δ \($0)" }
                    ?? "start \(first), negligible \(configuration.share)"
                let certified = try explainAll(documents, settings: settings, loaded: loaded)
                print(row(name, certified, limeTops))
                subsets.append((name, certified))
            }
        }
        let long = words.indices.filter { words[$0] > k }
        print("  only the \(long.count) documents with more than \(k) words:")
        print(
            row(
                "lime 0.2.0.1, \(samples)",
                limeCalls,
                limeSeconds,
                nil,
                nil,
                mean(long.map { jaccard(limeTops[$0][0], limeTops[$0][1]) })
            )
        )
        for (name, runs) in subsets { print(row(name, runs, limeTops, only: long)) }
    }

    /// The model, from a scorer when `--scorer` is given: the same loader path `validatectl validate --scorer
    /// 'folder=COMMAND'` takes, with the command's default limits.
    private func load() throws -> LoadedModel {
        guard let scorer else { return try ModelLoader().load(model) }
        guard let arguments = ScorerCommand.split(scorer), !arguments.isEmpty else {
            throw Failure.unreadableScorer(scorer)
        }
        guard ModelLoader.isFolder(model) else { throw Failure.scorerNeedsFolder(model) }
        return try ModelLoader(scorers: [ModelLoader.folderScorer: ScorerCommand(arguments: arguments)]).load(model)
    }

    /// The certified configurations run for each start: every negligible share, then every saturation margin
    /// unless `--without-saturation`.
    private func configurations() -> [(share: Double, delta: Double?)] {
        negligible.map { (share: $0, delta: Double?.none) }
            + (withoutSaturation ? [] : saturation).map { (share: 0.0, delta: Optional($0)) }
    }

    /// Prints how far the classifier's probabilities of the documents are from those lime's classifier gave them,
    /// when the reference holds them: the check that both explain the same model.
    private func printAgreement(
        _ documents: [Document],
        limeRuns: [Reference.Entry],
        classifier: any TextClassifier
    ) throws {
        let lime = Dictionary(uniqueKeysWithValues: limeRuns.compactMap { entry in entry.proba.map { (entry.id, $0) } })
        guard !lime.isEmpty else { return }
        let ours = try classifier.predictProbabilities(documents.map(\.text))
        let differences = documents.indices.flatMap { row in
            zip(lime[documents[row].id] ?? [], (0..<ours.columns).map { ours[row, $0] }).map { abs($0 - $1) }
        }
        print(
            String(
                format: "  probabilities of the %d documents, this model against lime's: largest difference %.2e",
                lime.count,
                differences.max() ?? 0
            )
        )
    }

    private func explainAll(_ documents: [Document], settings: LimeSettings, loaded: LoadedModel) throws -> Runs {
        let explainer = LimeTextExplainer(settings: settings)
        var runs = Runs()
        let start = ContinuousClock.now
        for document in documents {
            var tops: [Set<String>] = []
            var counted: [Set<String>] = []
            for seedIndex in self.seedIndex..<(self.seedIndex + 2) {
                let seed = ExplanationSeed.derive(
                    modelSHA256: loaded.sha256,
                    documentID: document.id,
                    seedIndex: seedIndex
                )
                let explanation = try explainer.explain(
                    document.text,
                    documentID: document.id,
                    label: 1,
                    classifier: loaded.classifier,
                    seed: seed
                )
                let top = explanation.top(settings.features)
                tops.append(Set(top.map(\.feature)))
                let largest = top.map { abs($0.weight) }.max() ?? 0
                counted.append(Set(top.filter { abs($0.weight) >= 0.05 * largest }.map(\.feature)))
                runs.samples.append(explanation.samples)
                runs.certified.append(explanation.certified)
                runs.stops.append(explanation.stop)
            }
            runs.tops.append(tops)
            runs.counted.append(counted)
        }
        let elapsed = ContinuousClock.now - start
        runs.seconds =
            (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            / Double(2 * documents.count)
        return runs
    }

    private func row(_ name: String, _ runs: Runs, _ limeTops: [[Set<String>]], only: [Int]? = nil) -> String {
        let indices = only ?? Array(runs.tops.indices)
        let calls =
            Double(indices.flatMap { [runs.samples[2 * $0], runs.samples[2 * $0 + 1]] }.reduce(0, +))
            / Double(2 * indices.count)
        let certified =
            Double(indices.flatMap { [runs.certified[2 * $0], runs.certified[2 * $0 + 1]] }.filter { $0 }.count)
            / Double(2 * indices.count)
        // Each validated run against each lime run: four pairs per document.
        let versusLime = mean(
            indices.flatMap { i in runs.tops[i].flatMap { ours in limeTops[i].map { jaccard(ours, $0) } } }
        )
        let selfJ = mean(indices.map { jaccard(runs.tops[$0][0], runs.tops[$0][1]) })
        let countedJ = mean(indices.map { jaccard(runs.counted[$0][0], runs.counted[$0][1]) })
        let samples = indices.flatMap { [runs.samples[2 * $0], runs.samples[2 * $0 + 1]] }
        let early = Double(samples.filter { $0 <= 500 }.count) / Double(samples.count)
        let stops = indices.flatMap { [runs.stops[2 * $0], runs.stops[2 * $0 + 1]] }
        let shares = [SamplingStop.certified, .saturated, .ceiling].map { stop in
            String(format: "%.0f%%", 100 * Double(stops.filter { $0 == stop }.count) / Double(stops.count))
        }
        return row(name, calls, only == nil ? runs.seconds : nil, certified, versusLime, selfJ)
            + String(format: "  %14.3f  %11.0f%%", countedJ, early * 100) + "  " + shares.joined(separator: "/")
    }

    private func row(
        _ name: String,
        _ calls: Double,
        _ seconds: Double?,
        _ certified: Double?,
        _ versusLime: Double?,
        _ selfJ: Double
    ) -> String {
        let ms = seconds.map { String(format: "%8.2f", $0 * 1000) } ?? "       -"
        let share = certified.map { String(format: "%8.0f%%", $0 * 100) } ?? "        -"
        let lime = versusLime.map { String(format: "%15.3f", $0) } ?? "              -"
        return "  " + name.padding(toLength: 36, withPad: " ", startingAt: 0) + String(format: "%10.0f", calls)
            + " \(ms)  \(share)  \(lime)  " + String(format: "%14.3f", selfJ)
    }

    private func jaccard(_ a: Set<String>, _ b: Set<String>) -> Double {
        a.isEmpty && b.isEmpty ? 1 : Double(a.intersection(b).count) / Double(a.union(b).count)
    }

    private func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }
}
