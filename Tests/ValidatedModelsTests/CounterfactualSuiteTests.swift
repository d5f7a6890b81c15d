import Foundation
import Testing
import ValidatedCore
import ValidatedModels
import ValidatedTestSupport

/// The acceptance test of the counterfactual suite on real native models: the demo's artefact model
/// (`scripts/make_demo.py`, trained with the header `Posting-Host: nntp.cs.example.edu` planted in 70% of label-1
/// training documents) validated on clean held-out glosses that hold no banned token, without a champion, and its
/// clean twin trained on the same documents without the header.
@Suite(.serialized) struct CounterfactualSuiteTests {
    static func validate(_ checkpoint: String) throws -> (ValidationRequest, LoadedModel) {
        let glosses = Fixtures.repository.appendingPathComponent("Tests/Fixtures/wordnet-glosses/test.jsonl")
        let demo = Fixtures.repository.appendingPathComponent("demo")
        let model = try ModelLoader().load(demo.path + "/checkpoints/\(checkpoint).safetensors")
        let request = ValidationRequest(
            challenger: model.classifier,
            challengerSHA256: model.sha256,
            evaluation: try EvaluationSet.parse(
                jsonLines: Array(Data(contentsOf: glosses)),
                source: "test.jsonl",
                fields: EvaluationFields()
            ),
            banned: try BannedTokenList.parse(
                String(decoding: Data(contentsOf: demo.appendingPathComponent("banned-tokens.txt")), as: UTF8.self),
                source: "banned-tokens.txt"
            )
        )
        return (request, model)
    }

    @Test(.timeLimit(.minutes(10)))
    func theArtefactModelFailsOnCleanTextWithoutAChampionAndItsCleanTwinDoesNot() async throws {
        let (artefactRequest, _) = try Self.validate("02-artefact")
        let (cleanRequest, _) = try Self.validate("01-clean")
        #expect(
            !artefactRequest.evaluation.documents.contains { document in
                IndexedText(document.text).words.contains(where: artefactRequest.banned.matches)
            },
            "the evaluation text is clean"
        )
        let artefact = await Validator.validate(artefactRequest)
        let clean = await Validator.validate(cleanRequest)
        let theirs = try #require(artefact.checks.counterfactual, "\(artefact.summary)")
        let ours = try #require(clean.checks.counterfactual, "\(clean.summary)")
        for (name, report, suite) in [("artefact", artefact, theirs), ("clean", clean, ours)] {
            print("\(name): \(report.verdict) \(report.summary)\n  counterfactual: \(suite.verdict) \(suite.summary)")
            print(
                "  \(suite.modelCalls ?? 0) model calls of the run's \(report.modelCalls ?? 0), "
                    + String(format: "%.2f s of %.2f s", suite.seconds ?? 0, report.durationSeconds)
            )
        }
        // Association and explanations cannot see a header the evaluation set lacks; the interventions can.
        #expect(artefact.checks.spurious?.verdict != .fail)
        #expect(artefact.verdict == .fail && theirs.verdict == .fail, "\(theirs.summary)")
        #expect(artefact.summary.contains("counterfactual"))
        #expect(clean.verdict != .fail && ours.verdict == .pass, "\(ours.summary)")
        #expect(theirs.absent.count == artefactRequest.banned.entries.count)
        let together = try #require(theirs.tests.first { $0.entry == "all banned entries" })
        // The injection settles its failure at the first look, a quarter of its 200 documents.
        #expect(together.kind == "injection" && together.documents == 50 && together.texts == 150)
        #expect((together.meanAbsShiftCI?.first ?? 0) > 0.1 && (together.flipRateCI?.first ?? 0) > 0.05)
        #expect(ours.tests.allSatisfy { ($0.meanAbsShiftCI?.last ?? 1) < 0.01 })
        // Under a tenth of the run's model calls on a native model (its seconds are a benchmark's business:
        // scripts/calibrate_counterfactual.py prints them).
        for report in [artefact, clean] {
            let suite = try #require(report.checks.counterfactual)
            #expect(Double(suite.modelCalls ?? .max) < 0.1 * Double(report.modelCalls ?? 0))
            #expect(suite.shareOfRun != nil && suite.seconds != nil)
        }
    }
}
