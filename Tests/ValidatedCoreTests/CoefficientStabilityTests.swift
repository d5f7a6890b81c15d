import Foundation
import Testing
import ValidatedCore
import ValidatedTestSupport

/// Visani et al.'s coefficient stability index (CSI): the standard errors of LIME's ridge coefficients against
/// `Tests/Fixtures/stability/csi_cases.json` (written by `make_csi_fixture.py` beside it), and the index itself.
@Suite struct CoefficientStabilityTests {
    struct Case: Decodable {
        var zeroColumns: [[Int]]
        var columns: Int
        var targets: [Double]
        var weights: [Double]
        var subset: [Int]
        var alpha: Double
        var standardErrors: [Double]
    }

    @Test func standardErrorsMatchTheReferenceFormula() throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        struct File: Decodable { var cases: [Case] }
        let cases = try decoder.decode(File.self, from: Data(contentsOf: Fixtures.url("stability/csi_cases.json")))
            .cases
        #expect(cases.count == 3)
        for reference in cases {
            var design = BinaryDesign(columns: reference.columns)
            for zeros in reference.zeroColumns { design.append(zeroColumns: zeros) }
            let moments = WeightedMoments(design: design, targets: reference.targets, weights: reference.weights)
            let errors = moments.coefficientStandardErrors(columns: reference.subset, alpha: reference.alpha)
            #expect(errors.count == reference.standardErrors.count)
            for (mine, theirs) in zip(errors, reference.standardErrors) {
                #expect(abs(mine - theirs) < 1e-9, "\(mine) vs \(theirs)")
            }
        }
    }

    @Test func csiIsTheShareOfOverlappingIntervalsPerFeature() {
        func run(_ weights: [(String, Double, Double)]) -> Explanation {
            var explanation = Explanation(
                documentID: "d",
                label: 1,
                weights: weights.map { FeatureWeight(feature: $0.0, weight: $0.1) },
                intercept: 0,
                score: 1,
                localPrediction: 0.5,
                prediction: 0.5
            )
            explanation.standardErrors = weights.map(\.2)
            return explanation
        }
        // "good": [0.9, 1.1] and [0.95, 1.15] overlap; "film": [0.18, 0.22] and [0.48, 0.52] do not; "dull" is
        // selected once and does not count.
        let seeds = [
            run([("good", 1.0, 0.1 / 1.96), ("film", 0.2, 0.02 / 1.96)]),
            run([("good", 1.05, 0.1 / 1.96), ("film", 0.5, 0.02 / 1.96), ("dull", -0.3, 0.1)]),
        ]
        let report = StabilityCheck.evaluate([seeds], topK: 3, settings: StabilitySettings())
        #expect(report.seed?.csi == 50)
    }

    @Test func explanationsCarryOneStandardErrorPerWeight() throws {
        let explanation = try LimeTextExplainer(settings: LimeSettings(samples: 500, certifyConfidence: nil)).explain(
            "a good film with a dull ending",
            documentID: "d",
            label: 1,
            classifier: KeywordClassifier(),
            seed: 3
        )
        #expect(explanation.standardErrors.count == explanation.weights.count)
        #expect(explanation.standardErrors.allSatisfy { $0.isFinite && $0 > 0 })
    }
}
