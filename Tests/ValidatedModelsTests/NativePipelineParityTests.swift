import Foundation
import Testing
import ValidatedCore
import ValidatedModels
import ValidatedTestSupport

/// Trains a scikit-learn pipeline on the WordNet glosses in this test run, exports it with
/// `scripts/export_sklearn.py`, and checks the Swift scorer against `predict_proba` on every test document.
@Suite struct NativePipelineParityTests {
    @Test(.timeLimit(.minutes(5)))
    func swiftScorerReproducesScikitLearnOnEveryTestDocument() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let training = try await runPython(
            "scripts/train_reference_model.py",
            [
                "--train", Fixtures.url("wordnet-glosses/train.jsonl").path, "--test",
                Fixtures.url("wordnet-glosses/test.jsonl").path,
                "--out", directory.path,
            ]
        )
        try #require(
            training.status == 0,
            "train_reference_model.py failed (run scripts/setup.sh):\n\(training.stderr.suffix(2000))"
        )

        struct Expected: Decodable {
            var texts: [String]
            var proba: [[Double]]
        }
        let expected = try JSONDecoder().decode(
            Expected.self,
            from: Data(contentsOf: URL(fileURLWithPath: directory.path + "/expected.json"))
        )
        let model = try ModelLoader().load(directory.path + "/model.safetensors")
        #expect(model.classifier.classes == ["0", "1"])
        let scores = try model.classifier.predictProbabilities(expected.texts)
        #expect(scores.rows == expected.texts.count)
        var worst = 0.0
        for row in 0..<scores.rows {
            for column in 0..<2 { worst = max(worst, abs(scores[row, column] - expected.proba[row][column])) }
        }
        #expect(expected.texts.count > 2000)
        #expect(worst < 1e-6, "largest difference from predict_proba: \(worst)")
    }
}
