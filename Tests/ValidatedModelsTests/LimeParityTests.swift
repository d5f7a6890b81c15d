import Foundation
import Testing
import ValidatedCore
import ValidatedModels
import ValidatedTestSupport

/// Our LIME against the `lime` package (0.2.0.1) on a real model: the WordNet-gloss TF-IDF logistic regression
/// of `Tests/Fixtures/lime/model.safetensors`, explained by `scripts/lime_reference.py fixture` under 5 seeds
/// with LimeTextExplainer(num_samples=5000, num_features=10). Random streams differ, so parity is judged
/// against the reference's own seed-to-seed variation: our top-10 must overlap the reference's as much as the
/// reference's runs overlap each other, and our weights must sit within its spread.
@Suite struct LimeParityTests {
    struct Reference: Decodable {
        var documents: [Document]
        var options: Options
    }

    struct Document: Decodable {
        var id: String
        var text: String
        var proba: [Double]
        var words: [String]
        var runs: [Run]
    }

    struct Run: Decodable {
        var features: [Feature]
        var intercept: Double
        var score: Double
        var local_pred: Double

        var words: [String] { features.map(\.word) }
    }

    struct Feature: Decodable {
        var word: String
        var weight: Double

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            word = try container.decode(String.self)
            weight = try container.decode(Double.self)
        }
    }

    struct Options: Decodable {
        var text: String
        var cases: [OptionCase]
        var top_labels_2: [Int]
    }

    struct OptionCase: Decodable {
        struct Settings: Decodable {
            var bow: Bool?
            var split_expression: String?
            var char_level: Bool?
            var feature_selection: String?
        }

        var name: String
        var settings: Settings
        var num_features: Int
        var runs: [Run]
    }

    /// The fixture (``LimeFixture``).
    static func reference() throws -> Reference { try LimeFixture.reference() }

    static func model() throws -> any TextClassifier {
        try ModelLoader().load(Fixtures.url("lime/model.safetensors").path).classifier
    }

    static func jaccard(_ a: [String], _ b: [String]) -> Double {
        let a = Set(a)
        let b = Set(b)
        return Double(a.intersection(b).count) / Double(a.union(b).count)
    }

    /// Mean Jaccard over all pairs of the reference's runs, and over all (ours, reference) pairs.
    static func overlaps(ours: [[String]], reference: [[String]]) -> (reference: Double, ours: Double) {
        var within: [Double] = []
        for i in reference.indices {
            for j in reference.indices where j > i { within.append(jaccard(reference[i], reference[j])) }
        }
        let across = ours.flatMap { a in reference.map { jaccard(a, $0) } }
        return (within.reduce(0, +) / Double(within.count), across.reduce(0, +) / Double(across.count))
    }

    /// Our explanations of `text` under `count` seeds, in parallel.
    static func explain(
        _ text: String,
        id: String,
        settings: LimeSettings,
        classifier: any TextClassifier,
        count: Int
    ) async throws -> [Explanation] {
        let explainer = LimeTextExplainer(settings: settings)
        return try await withThrowingTaskGroup(of: (Int, Explanation).self) { group in
            for index in 0..<count {
                group.addTask {
                    let seed = ExplanationSeed.derive(modelSHA256: "lime-parity", documentID: id, seedIndex: index)
                    return (
                        index, try explainer.explain(text, documentID: id, label: 1, classifier: classifier, seed: seed)
                    )
                }
            }
            var results: [(Int, Explanation)] = []
            for try await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    @Test func theExportedModelScoresAsScikitLearnDid() throws {
        let model = try Self.model()
        let documents = try Self.reference().documents
        let scores = try model.predictProbabilities(documents.map(\.text))
        for (row, document) in documents.enumerated() {
            #expect(abs(scores[row, 1] - document.proba[1]) < 1e-9)
        }
        for document in documents { #expect(IndexedText(document.text).words == document.words) }
    }

    @Test(.timeLimit(.minutes(2)))
    func topFeaturesAndWeightsAgreeWithTheReferenceWithinItsOwnSeedSpread() async throws {
        let model = try Self.model()
        var within: [Double] = []
        var across: [Double] = []
        var differences: [Double] = []
        var spreads: [Double] = []
        var outliers: [String] = []
        var summaries: [(ours: Double, reference: Double, spread: Double, name: String)] = []
        for document in try Self.reference().documents {
            let ours = try await Self.explain(
                document.text,
                id: document.id,
                settings: LimeSettings(certifyConfidence: nil),
                classifier: model,
                count: 4
            )
            let overlap = Self.overlaps(
                ours: ours.map { $0.top(10).map(\.feature) },
                reference: document.runs.map(\.words)
            )
            within.append(overlap.reference)
            across.append(overlap.ours)
            // Features every run of both sides keeps: compare the mean weights with the reference's spread.
            let shared = Set(document.runs[0].words).filter { word in
                document.runs.allSatisfy { $0.words.contains(word) }
                    && ours.allSatisfy { $0.weights.contains { $0.feature == word } }
            }
            for word in shared {
                let reference = document.runs.map { run in run.features.first { $0.word == word }!.weight }
                let mine = ours.map { explanation in explanation.weights.first { $0.feature == word }!.weight }
                let spread = Self.standardDeviation(reference)
                let difference = abs(Self.mean(mine) - Self.mean(reference))
                differences.append(difference)
                spreads.append(spread)
                if difference > 4 * spread + 2e-3 {
                    outliers.append("\(document.id) \(word): \(difference) vs sd \(spread)")
                }
            }
            for (name, mine, theirs) in [
                ("intercept", ours.map(\.intercept), document.runs.map(\.intercept)),
                ("score", ours.map(\.score), document.runs.map(\.score)),
                ("local prediction", ours.map(\.localPrediction), document.runs.map(\.local_pred)),
            ] {
                summaries.append(
                    (Self.mean(mine), Self.mean(theirs), Self.standardDeviation(theirs), "\(document.id) \(name)")
                )
            }
        }
        let referenceJaccard = Self.mean(within)
        let oursJaccard = Self.mean(across)
        let meanDifference = Self.mean(differences)
        let meanSpread = Self.mean(spreads)
        print(
            "LIME parity on \(within.count) documents: top-10 Jaccard reference-vs-reference \(referenceJaccard), "
                + "ours-vs-reference \(oursJaccard); \(differences.count) shared features: mean |Δweight| "
                + "\(meanDifference), reference seed sd \(meanSpread)"
        )
        #expect(oursJaccard >= referenceJaccard - 0.03)
        #expect(differences.count >= 50)
        #expect(meanDifference <= 1.5 * meanSpread)
        #expect(outliers.isEmpty, "\(outliers)")
        for summary in summaries {
            #expect(
                abs(summary.ours - summary.reference) <= 4 * summary.spread + 2e-3,
                "\(summary.name): ours \(summary.ours), reference \(summary.reference) ± \(summary.spread)"
            )
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func everyOptionAgreesWithTheReferenceOnTheSameText() async throws {
        let model = try Self.model()
        let options = try Self.reference().options
        let text = options.text
        for option in options.cases {
            var settings = LimeSettings(features: option.num_features, certifyConfidence: nil)
            settings.bow = option.settings.bow ?? true
            settings.charLevel = option.settings.char_level ?? false
            settings.splitExpression = option.settings.split_expression ?? IndexedText.defaultSplitExpression
            if let method = option.settings.feature_selection {
                settings.featureSelection = try #require(FeatureSelection(rawValue: method))
            }
            let ours = try await Self.explain(text, id: option.name, settings: settings, classifier: model, count: 3)
            let overlap = Self.overlaps(
                ours: ours.map { $0.weights.map(\.feature) },
                reference: option.runs.map(\.words)
            )
            print(
                "LIME parity, \(option.name): Jaccard reference-vs-reference \(overlap.reference), ours-vs-reference \(overlap.ours)"
            )
            #expect(overlap.ours >= overlap.reference - 0.1, "\(option.name)")
            #expect(ours.allSatisfy { $0.weights.count == option.runs[0].features.count }, "\(option.name)")
            let top = option.runs[0].features[0]
            let mine = ours.compactMap { $0.weights.first { $0.feature == top.word }?.weight }
            #expect(
                mine.count == ours.count && mine.allSatisfy { abs($0 - top.weight) < 0.05 },
                "\(option.name): \(top.word)"
            )
        }
        let explainer = LimeTextExplainer(settings: LimeSettings(samples: 500, certifyConfidence: nil))
        let top = try explainer.explain(text, documentID: "top", topLabels: 2, classifier: model, seed: 1)
        #expect(top.map(\.label) == options.top_labels_2)
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

    static func standardDeviation(_ values: [Double]) -> Double {
        let m = mean(values)
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(values.count - 1, 1))).squareRoot()
    }
}
