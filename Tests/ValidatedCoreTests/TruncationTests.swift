import Foundation
import Synchronization
import Testing
import ValidatedCore

/// A keyword model that reads only its first `limit` words, as a transformer reads only its first tokens, and
/// says which texts it cut.
final class FirstWordsClassifier: TruncatingClassifier {
    let limit: Int
    private let cut = Mutex<Set<String>>([])

    init(limit: Int) {
        self.limit = limit
    }

    var classes: [String] { ["0", "1"] }
    var maximumInputLength: Int? { limit }

    func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
        let read = texts.map { text in
            let words = IndexedText(text).words
            if words.count > limit { cut.withLock { _ = $0.insert(text) } }
            return words.prefix(limit).joined(separator: " ")
        }
        return try KeywordClassifier().predictProbabilities(read)
    }

    func truncatedTexts(among texts: [String]) -> [Int] {
        cut.withLock { cut in texts.indices.filter { cut.contains(texts[$0]) } }
    }
}

@Suite struct TruncationTests {
    @Test func documentsAModelReadOnlyInPartAreCountedInTheReportAndItsSummary() async throws {
        // Every third document is long: "good" or "bad" comes after the model's 6-word limit.
        let documents = (0..<30).map { i in
            let tail = i % 2 == 0 ? "good" : "bad"
            let words =
                i % 3 == 0 ? ["plot", "music", "actors", "scenes", "story", "camera", "script", tail] : ["plot", tail]
            return LabeledDocument(id: "d\(i)", text: words.joined(separator: " "), isPositive: i % 2 == 0)
        }
        var settings = ValidationSettings()
        settings.lime.samples = 100
        settings.spurious.documents = 15
        settings.stability.documents = 0
        let report = await Validator.validate(
            ValidationRequest(
                challenger: FirstWordsClassifier(limit: 6),
                challengerSHA256: "cut",
                evaluation: EvaluationSet(documents: documents),
                settings: settings
            )
        )
        let truncation = try #require(report.truncation, "\(report.summary)")
        #expect(truncation.maximumLength == 6)
        #expect(truncation.documents == 10)
        #expect(truncation.ofDocuments == 30)
        #expect(truncation.examples == ["d0", "d3", "d6", "d9", "d12"])
        #expect(truncation.explained == 5)
        #expect(report.summary.contains("10 of 30 evaluation documents exceed the model's 6-token input and were cut"))
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"max_length\":6"))
    }

    @Test func aModelThatCutsNothingHasNoTruncationReport() async throws {
        let documents = (0..<20).map {
            LabeledDocument(id: "d\($0)", text: $0 % 2 == 0 ? "plot good" : "plot bad", isPositive: $0 % 2 == 0)
        }
        var settings = ValidationSettings()
        settings.lime.samples = 50
        settings.stability.documents = 0
        let report = await Validator.validate(
            ValidationRequest(
                challenger: FirstWordsClassifier(limit: 6),
                challengerSHA256: "whole",
                evaluation: EvaluationSet(documents: documents),
                settings: settings
            )
        )
        #expect(report.truncation == nil)
        #expect(!report.summary.contains("were cut"))
    }
}
