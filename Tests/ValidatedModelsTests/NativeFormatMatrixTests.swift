import Foundation
import Testing
import ValidatedCore
import ValidatedModels
import ValidatedTestSupport

/// Every pipeline the native format covers, trained on the WordNet glosses in this test run by
/// `scripts/train_native_matrix.py` (one Python process), exported by `scripts/export_sklearn.py`, and scored by
/// the Swift pipeline against `predict_proba` on held-out documents; pipelines the exporter must refuse are
/// refused by its command line with exit code 2 and a message naming the option.
@Suite(.serialized) struct NativeFormatMatrixTests {
    struct Matrix: Decodable {
        struct Model: Decodable {
            var name: String
            var file: String
            var classes: [String]
            var proba: [[Double]]
        }

        struct Refused: Decodable {
            var name: String
            var file: String
            var expect: String
        }

        var texts: [String]
        var models: [Model]
        var refused: [Refused]
    }

    static func trainMatrix(into directory: TemporaryDirectory, refusedOnly: Bool = false) async throws -> Matrix {
        let run = try await runPython(
            "scripts/train_native_matrix.py",
            [
                "--train", Fixtures.url("wordnet-glosses/train.jsonl").path,
                "--test", Fixtures.url("wordnet-glosses/test.jsonl").path,
                "--out", directory.path,
            ] + (refusedOnly ? ["--refused-only"] : [])
        )
        try #require(run.status == 0, "train_native_matrix.py failed (run scripts/setup.sh): \(run.stderr)")
        return try JSONDecoder().decode(
            Matrix.self,
            from: Data(contentsOf: URL(fileURLWithPath: directory.path + "/matrix.json"))
        )
    }

    @Test(.timeLimit(.minutes(5)))
    func everyExportedPipelineReproducesPredictProba() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let matrix = try await Self.trainMatrix(into: directory)
        let names = matrix.models.map(\.name)
        // The matrix covers what it claims: n-grams, calibrated SVMs, every MLP activation, binary and multiclass.
        for part in [
            "tfidf12+", "tfidf13-stopwords+", "count12-binary+", "+svc-sigmoid", "+sgd-hinge-sigmoid",
            "+svc-temperature", "+svc-temperature-single-3", "+svc-sigmoid-single", "+svc-sigmoid-3", "+lr-multinomial",
            "numpy-mlp",
            "tfidf12-spaced-tokens+",
        ] {
            #expect(names.contains { $0.contains(part) }, "no configuration with \(part)")
        }
        for activation in ["relu", "tanh", "logistic", "identity"] {
            #expect(
                names.contains { $0.hasSuffix("mlp-\(activation)-2") }
                    && names.contains { $0.hasSuffix("mlp-\(activation)-3") }
            )
        }
        var worst = 0.0
        for model in matrix.models {
            let loaded = try ModelLoader().load(directory.path + "/" + model.file)
            #expect(loaded.classifier.classes == model.classes, "\(model.name)")
            let scores = try loaded.classifier.predictProbabilities(matrix.texts)
            var gap = 0.0
            for row in 0..<scores.rows {
                for column in 0..<scores.columns { gap = max(gap, abs(scores[row, column] - model.proba[row][column])) }
            }
            #expect(gap < 1e-6, "\(model.name): largest difference from predict_proba \(gap)")
            worst = max(worst, gap)
        }
        #expect(matrix.models.count >= 30 && matrix.texts.count > 200)
        print(
            "native format matrix: \(matrix.models.count) pipelines, \(matrix.texts.count) documents, largest difference \(worst)"
        )
    }

    @Test(.timeLimit(.minutes(5)))
    func unsupportedPipelinesAreRefusedByName() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let matrix = try await Self.trainMatrix(into: directory, refusedOnly: true)
        #expect(matrix.refused.count >= 5)
        for refused in matrix.refused {
            let out = directory.path + "/\(refused.name).safetensors"
            let run = try await runPython("scripts/export_sklearn.py", [directory.path + "/" + refused.file, out])
            #expect(run.status == 2, "\(refused.name) exited \(run.status)")
            #expect(run.stderr.contains(refused.expect), "\(refused.name): \(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }
}
