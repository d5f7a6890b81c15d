import Foundation
import Testing
import ValidatedCore

/// Three topics; the model's score for a class grows with that class's keyword.
struct TopicClassifier: TextClassifier {
    var classes: [String] { ["arts", "science", "sport"] }
    var keywords = ["paint", "atom", "goal"]
    var strength = 2.0

    func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
        var values: [Double] = []
        for text in texts {
            let words = Set(IndexedText(text).words)
            let logits = keywords.map { words.contains($0) ? strength : 0 }
            let exps = logits.map { exp($0) }
            let total = exps.reduce(0, +)
            values += exps.map { $0 / total }
        }
        return ProbabilityMatrix(rows: texts.count, columns: 3, values: values)
    }
}

@Suite struct MultiClassTests {
    static let evaluation: EvaluationSet = {
        let topics = [("arts", "paint"), ("science", "atom"), ("sport", "goal")]
        var documents: [LabeledDocument] = []
        for i in 0..<90 {
            let (label, keyword) = topics[i % 3]
            // Two in three documents carry their topic's keyword; the rest only filler.
            let text = i % 9 < 6 ? "the \(keyword) of day \(i)" : "the news of day \(i)"
            documents.append(LabeledDocument(id: "d\(i)", text: text, isPositive: label == "science", label: label))
        }
        return EvaluationSet(documents: documents)
    }()

    @Test func influenceContributionsReproduceDeLongsVarianceAndCovariance() throws {
        let positives = [true, false, true, true, false, false, true, false]
        let a = [0.9, 0.3, 0.6, 0.8, 0.4, 0.35, 0.5, 0.6]
        let b = [0.7, 0.2, 0.65, 0.6, 0.5, 0.1, 0.55, 0.3]
        let (_, ia) = try AUC.influence(scores: a, positives: positives)
        let (_, ib) = try AUC.influence(scores: b, positives: positives)
        let test = try AUC.pairedDeLong(challenger: a, champion: b, positives: positives)
        #expect(abs(ia.map { $0 * $0 }.reduce(0, +) - test.challenger.variance) < 1e-12)
        #expect(abs(zip(ia, ib).map(*).reduce(0, +) - test.covariance) < 1e-12)
    }

    @Test func perClassOneVsRestAUCAndTheirMacroAverage() throws {
        let settings = AUCSettings()
        let model = TopicClassifier()
        let texts = Self.evaluation.documents.map(\.text)
        let probabilities = try model.predictProbabilities(texts)
        let columns = Dictionary(
            uniqueKeysWithValues: model.classes.enumerated().map { ($1, probabilities.column($0)) }
        )
        let labels = Self.evaluation.documents.map(\.label)
        let report = try AUCCheck.evaluateMultiClass(
            challenger: columns,
            champion: nil,
            labels: labels,
            settings: settings
        )
        let perClass = try #require(report.perClass)
        #expect(perClass.map(\.label) == ["arts", "science", "sport"])
        for entry in perClass {
            let expected = try AUC.auc(scores: columns[entry.label]!, positives: labels.map { $0 == entry.label })
            #expect(entry.auc == expected)
            #expect(entry.nPos == 30)
            #expect(entry.aucCI[0] < entry.auc && entry.auc < entry.aucCI[1])
        }
        #expect(abs(report.auc - perClass.map(\.auc).reduce(0, +) / 3) < 1e-15)
        #expect(report.aucCI[0] < report.auc && report.auc < report.aucCI[1])
        #expect(report.verdict == .pass, "\(report.summary)")
    }

    @Test func aChallengerWorseOnOneClassFailsThroughTheValidator() async throws {
        var settings = ValidationSettings()
        settings.lime.samples = 200
        settings.spurious.documents = 6
        settings.stability.documents = 2
        // The challenger no longer knows "goal": sport is no better than chance for it.
        let report = await Validator.validate(
            ValidationRequest(
                challenger: TopicClassifier(keywords: ["paint", "atom", "xxx"]),
                challengerSHA256: "a",
                champion: TopicClassifier(),
                evaluation: Self.evaluation,
                positiveClass: "science",
                settings: settings
            )
        )
        let auc = try #require(report.checks.auc)
        let sport = try #require(auc.perClass?.first { $0.label == "sport" })
        #expect(try #require(sport.delta) < -0.05)
        #expect(auc.verdict == .fail, "\(auc.summary)")
        #expect(auc.summary.contains("sport"))
        #expect(try #require(auc.delta) < 0)
    }

    @Test func theSpuriousSuiteExplainsTheConfiguredClasses() async throws {
        func validate(_ labels: ExplainedLabels) async -> ValidationReport {
            var settings = ValidationSettings(labels: labels)
            settings.lime.samples = 200
            settings.spurious.documents = 6
            settings.stability.documents = 2
            return await Validator.validate(
                ValidationRequest(
                    challenger: TopicClassifier(),
                    challengerSHA256: "a",
                    champion: TopicClassifier(),
                    evaluation: Self.evaluation,
                    positiveClass: "science",
                    settings: settings
                )
            )
        }
        func spurious(_ labels: ExplainedLabels) async throws -> SpuriousReport {
            let report = await validate(labels)
            return try #require(report.checks.spurious, "\(report.summary)")
        }
        #expect(try await spurious(.positive).explained == 6)
        let named = try await spurious(.classes(["sport", "science"]))
        #expect(named.explained == 12)
        #expect(named.champion?.explained == 12)
        #expect(try await spurious(.top(3)).explained == 18)
        let unknown = await validate(.classes(["music"]))
        #expect(unknown.verdict == .error && unknown.summary.contains("Labels=") && unknown.summary.contains("music"))
    }

    @Test func aLabelTheModelDoesNotKnowIsAnError() {
        #expect(throws: StatisticsError.self) {
            try AUCCheck.evaluateMultiClass(
                challenger: ["a": [0.1, 0.2, 0.3]],
                champion: nil,
                labels: ["a", "b", "c"],
                settings: AUCSettings()
            )
        }
    }
}
