import Foundation
import Testing
import ValidatedCore

@Suite struct ValidatorTests {
    /// Reviews are positive when they say "good"; half the positive ones also carry the artefact "nntp".
    static let evaluation: EvaluationSet = {
        var documents: [LabeledDocument] = []
        let fillers = ["plot", "music", "actors", "scenes", "story", "camera", "script", "ending"]
        for i in 0..<60 {
            let positive = i % 2 == 0
            var words = [fillers[i % 8], fillers[(i + 3) % 8], "and", "more"]
            words.append(positive ? "good" : "bad")
            if positive && i % 4 == 0 { words.insert("nntp", at: 1) }
            documents.append(LabeledDocument(id: "d\(i)", text: words.joined(separator: " "), isPositive: positive))
        }
        return EvaluationSet(documents: documents)
    }()

    static var settings: ValidationSettings {
        var settings = ValidationSettings()
        settings.lime.samples = 300
        settings.spurious.documents = 20
        settings.stability.documents = 4
        return settings
    }

    @Test func aModelThatLeansOnABannedTokenFailsNamingIt() async throws {
        let banned = try BannedTokenList.parse("# artefacts\nnntp\n/x-.*/\n", source: "banned.txt")
        let report = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(positive: "nntp", negative: "bad"), challengerSHA256: "aa",
                evaluation: Self.evaluation, banned: banned, settings: Self.settings
            )
        )
        #expect(report.verdict == .fail)
        let spurious = try #require(report.checks.spurious)
        #expect(spurious.verdict == .fail)
        #expect(spurious.bannedHits.map(\.token) == ["nntp"])
        #expect(spurious.bannedHits[0].rate > 0.2)
        #expect(spurious.summary.contains("nntp"))
    }

    @Test func aCleanModelPassesAndIsComparedWithTheChampion() async throws {
        let banned = try BannedTokenList.parse("nntp", source: "banned.txt")
        let report = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(), challengerSHA256: "bb",
                champion: KeywordClassifier(positive: "plot", negative: "music"), championSHA256: "cc",
                evaluation: Self.evaluation, banned: banned, settings: Self.settings
            )
        )
        #expect(report.verdict == .pass, "\(report.summary)")
        let auc = try #require(report.checks.auc)
        #expect(abs(auc.auc - 1) < 1e-12)
        #expect(try #require(auc.delta) > 0)
        #expect(report.checks.stability?.verdict == .pass)
        #expect(report.checks.spurious?.bannedHits.isEmpty == true)
    }

    @Test func storedChampionScoresAreUsedInsteadOfScoringTheChampion() async throws {
        let championScores = try KeywordClassifier(positive: "plot", negative: "music")
            .predictProbabilities(Self.evaluation.documents.map(\.text)).column(1)
        let report = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(), challengerSHA256: "bb", champion: FailingClassifier(),
                championSHA256: "cc", championScores: championScores, evaluation: Self.evaluation, settings: Self.settings
            )
        )
        #expect(report.verdict == .pass, "\(report.summary)")
        #expect(report.checks.auc?.championAUC == (try AUC.auc(scores: championScores, positives: Self.evaluation.documents.map(\.isPositive))))
        #expect(report.scores?.count == Self.evaluation.documents.count)
    }

    @Test func aModelBelowTheFloorFails() async throws {
        let report = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(positive: "plot", negative: "music"), challengerSHA256: "dd",
                evaluation: Self.evaluation, settings: Self.settings
            )
        )
        let auc = try #require(report.checks.auc)
        #expect(auc.auc < 0.7)
        #expect(auc.verdict == .fail)
        #expect(report.verdict == .fail)
    }

    @Test func aModelThatScoresEverythingAlikeIsAnErrorNotANaN() async {
        let report = await Validator.validate(
            ValidationRequest(
                challenger: KeywordClassifier(positive: "zzz", negative: "yyy"), challengerSHA256: "dd",
                evaluation: Self.evaluation, settings: Self.settings
            )
        )
        #expect(report.verdict == .error)
        #expect(report.error?.contains("same score") == true)
    }

    @Test func aClassifierThatThrowsGetsAnErrorVerdict() async {
        let report = await Validator.validate(
            ValidationRequest(challenger: FailingClassifier(), challengerSHA256: "ee", evaluation: Self.evaluation)
        )
        #expect(report.verdict == .error)
        #expect(report.error != nil)
    }

    @Test func rerunsGiveTheSameReport() async {
        let request = ValidationRequest(
            challenger: KeywordClassifier(), challengerSHA256: "ff", evaluation: Self.evaluation, settings: Self.settings
        )
        var first = await Validator.validate(request)
        var second = await Validator.validate(request)
        first.durationSeconds = 0
        second.durationSeconds = 0
        #expect(first == second)
    }
}

@Suite struct ParserTests {
    @Test func bannedListsTakeWordsRegexesAndComments() throws {
        let list = try BannedTokenList.parse("# header\nNNTP  # trailing comment\n\n/x-[a-z]+/\n", source: "b")
        #expect(list.entries == ["NNTP", "/x-[a-z]+/"])
        #expect(list.matches("nntp"))
        #expect(list.matches("Nntp"))
        #expect(list.matches("X-Mailer"))
        #expect(!list.matches("x-"))
        #expect(!list.matches("news"))
    }

    @Test func aBadRegexNamesItsLine() {
        #expect {
            try BannedTokenList.parse("ok\n/([/\n", source: "b.txt")
        } throws: { error in
            "\(error)" == "b.txt:2: \"/([/\" is not a valid regular expression"
        }
    }

    @Test func evaluationSetsParseLabelsOfEveryKind() throws {
        let text = """
            {"id": "a", "text": "one", "label": 1}
            {"text": "two", "label": "0"}

            {"id": 7, "text": "three", "label": true}
            """
        let set = try EvaluationSet.parse(jsonLines: Array(text.utf8), source: "e.jsonl", fields: EvaluationFields())
        #expect(set.documents.map(\.id) == ["a", "line-2", "7"])
        #expect(set.documents.map(\.isPositive) == [true, false, false])
    }

    @Test(arguments: [
        ("{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\" \"label\": 0}\n", "e.jsonl:2: line is not valid JSON; each line must be one JSON object"),
        ("{\"text\": \"a\", \"label\": 1}\n{\"label\": 0}\n", "e.jsonl:2: line field \"text\" is missing or not a string; set TextField= if the text is elsewhere"),
        ("{\"text\": \"a\", \"label\": 1}\n[1]\n", "e.jsonl:2: line is not a JSON object"),
        ("{\"text\": \"a\", \"label\": 1}\n", "e.jsonl: has 1 documents labelled \"1\" and 0 others; AUC needs both classes (check PositiveLabel=)"),
        ("\n\n", "e.jsonl: holds no documents"),
    ])
    func malformedEvaluationSetsNameFileAndLine(text: String, message: String) {
        do {
            _ = try EvaluationSet.parse(jsonLines: Array(text.utf8), source: "e.jsonl", fields: EvaluationFields())
            Issue.record("expected an error")
        } catch {
            #expect(error.description == message)
        }
    }
}
