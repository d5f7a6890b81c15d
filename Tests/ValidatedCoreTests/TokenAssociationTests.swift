import Foundation
import Testing
import ValidatedCore
import ValidatedTestSupport

/// Theil's U and the token association against `Tests/Fixtures/association/association.json`, which
/// `make_association_fixture.py` computed with scikit-learn's mutual information and scipy's entropy.
@Suite struct TokenAssociationTests {
    struct Reference: Decodable {
        struct Table: Decodable {
            var table: [[Int]]
            var u: Double
        }

        struct Document: Decodable {
            var id: String
            var text: String
            var label: String
            var predicted: String
        }

        var tables: [Table]
        var min_documents: Int
        var documents: [Document]
        var tokens: [TokenAssociationReport.Token]
    }

    struct MissingFixture: Error, CustomStringConvertible {
        var description: String
    }

    static func reference() throws -> Reference {
        let url = Fixtures.url("association/association.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw MissingFixture(
                description:
                    "\(url.path) is missing; run python3 Tests/Fixtures/association/make_association_fixture.py"
            )
        }
        return try JSONDecoder().decode(Reference.self, from: data)
    }

    @Test func theilsUMatchesTheReferenceOnContingencyTables() throws {
        for entry in try Self.reference().tables {
            #expect(abs(TheilsU.coefficient(entry.table) - entry.u) < 1e-9, "\(entry.table)")
        }
    }

    @Test func everyTokenOfRealGlossesMatchesTheReference() throws {
        let reference = try Self.reference()
        var settings = SpuriousSettings()
        settings.minTokenDocuments = reference.min_documents
        settings.reportTokens = .max
        let report = try #require(
            TokenAssociationCheck.evaluate(
                words: reference.documents.map { IndexedText($0.text).words },
                predicted: reference.documents.map(\.predicted),
                labels: reference.documents.map(\.label),
                banned: .empty,
                settings: settings
            )
        )
        #expect(report.documents == reference.documents.count)
        let measured = Dictionary(uniqueKeysWithValues: report.strongest.map { ($0.token, $0) })
        #expect(Set(measured.keys) == Set(reference.tokens.map(\.token)))
        for expected in reference.tokens {
            let actual = try #require(measured[expected.token], "\(expected.token) not measured")
            #expect(actual.documents == expected.documents, "\(expected.token)")
            #expect(abs(actual.uPredicted - expected.uPredicted) < 1e-9, "\(expected.token)")
            #expect(abs(actual.uLabel - expected.uLabel) < 1e-9, "\(expected.token)")
            #expect(actual.predictedClass == expected.predictedClass, "\(expected.token)")
            #expect(abs(actual.predictedShare - expected.predictedShare) < 1e-9, "\(expected.token)")
            #expect(abs(actual.lift - expected.lift) < 1e-9, "\(expected.token)")
        }
    }

    @Test func aBannedTokenFailsOnlyWhenThePredictionsFollowItMoreThanTheLabels() throws {
        // 100 documents; "nntp" in 40. The labels follow it loosely (30 of its 40 are positive); the leaning
        // model predicts positive for all 40, the faithful model predicts the labels.
        var words: [[String]] = []
        var labels: [String] = []
        var leaning: [String] = []
        for i in 0..<100 {
            let hasToken = i < 40
            let label = hasToken ? (i < 30 ? "1" : "0") : (i < 70 ? "1" : "0")
            words.append(hasToken ? ["nntp", "word\(i % 5)"] : ["word\(i % 5)"])
            labels.append(label)
            leaning.append(hasToken ? "1" : label)
        }
        let banned = try BannedTokenList.parse("nntp", source: "banned.txt")
        let settings = SpuriousSettings()
        let faithful = try #require(
            TokenAssociationCheck.evaluate(
                words: words,
                predicted: labels,
                labels: labels,
                banned: banned,
                settings: settings
            )
        )
        let nntp = try #require(faithful.banned.first)
        #expect(nntp.token == "nntp" && abs(nntp.uPredicted - nntp.uLabel) < 1e-12)
        #expect(faithful.verdict == .pass)
        let leaningReport = try #require(
            TokenAssociationCheck.evaluate(
                words: words,
                predicted: leaning,
                labels: labels,
                banned: banned,
                settings: settings
            )
        )
        let leaningToken = try #require(leaningReport.banned.first)
        #expect(leaningToken.uPredicted > leaningToken.uLabel)
        #expect(leaningToken.predictedClass == "1" && leaningToken.predictedShare == 1)
        #expect(leaningReport.verdict == (leaningToken.uPredicted > settings.maxTokenAssociation ? .fail : .warn))
        #expect(leaningReport.reasons.first?.contains("nntp") == true)
        // Too few documents: not measured.
        var strict = settings
        strict.minTokenDocuments = 41
        #expect(
            TokenAssociationCheck.evaluate(
                words: words,
                predicted: leaning,
                labels: labels,
                banned: banned,
                settings: strict
            )?.banned.isEmpty == true
        )
    }

    @Test func spuriousReportsStoredBeforeTheseMeasurementsStillDecode() throws {
        let stored = #"""
            {"verdict": "pass", "summary": "no banned token", "explained": 2, "top_k": 10, "banned_hits": [], "worst": [],
             "global_importance": [{"token": "plot", "mean_abs_weight": 0.2, "top_k_rate": 0.5}]}
            """#
        let report = try JSONDecoder().decode(SpuriousReport.self, from: Data(stored.utf8))
        #expect(
            report.globalImportance == [
                SpuriousReport.Importance(
                    token: "plot",
                    meanAbsWeight: 0.2,
                    topKRate: 0.5,
                    importance: 0,
                    share: 0,
                    rank: 0
                )
            ]
        )
        #expect(report.association == nil && report.champion == nil && report.pick == nil)
        // And a new report survives a round trip, except the association's reasons, which only feed the summary.
        var association = try #require(
            TokenAssociationCheck.evaluate(
                words: [["nntp"], ["plot"], ["nntp"]],
                predicted: ["1", "0", "1"],
                labels: ["1", "0", "0"],
                banned: try BannedTokenList.parse("nntp", source: "banned.txt"),
                settings: SpuriousSettings(minTokenDocuments: 1)
            )
        )
        var full = report
        full.association = association
        full.pick = [SpuriousReport.Picked(document: "d1", coverage: 0.5)]
        full.champion = SpuriousReport.ChampionComparison(
            explained: 2,
            top: 15,
            newReasons: [
                SpuriousReport.NewReason(token: "nntp", rank: 1, share: 0.5, championRank: nil, championShare: 0)
            ],
            championImportance: [],
            seconds: 0.1,
            shareOfRun: 0.2
        )
        let decoded = try JSONDecoder().decode(SpuriousReport.self, from: JSONEncoder().encode(full))
        association.reasons = []
        full.association = association
        #expect(decoded == full)
    }

    @Test func globalImportanceIsSPLimesAggregateAndPickCoversTheMostImportance() {
        func explanation(_ id: String, _ weights: [(String, Double)]) -> Explanation {
            Explanation(
                documentID: id,
                label: 1,
                weights: weights.map { FeatureWeight(feature: $0.0, weight: $0.1) },
                intercept: 0,
                score: 1,
                localPrediction: 0.5,
                prediction: 0.5
            )
        }
        let explanations = [
            explanation("a", [("Host", 0.5), ("host", -0.25), ("plot", 0.25)]),
            explanation("b", [("plot", 0.75), ("music", -0.09)]),
            explanation("c", [("host", 0.25), ("music", 0.16)]),
        ]
        let global = GlobalImportance(explanations)
        #expect(global.importance["host"] == 1)  // √(0.5 + 0.25 + 0.25)
        #expect(global.importance["plot"] == 1)
        #expect(abs((global.importance["music"] ?? 0) - 0.5) < 1e-12)  // √(0.09 + 0.16)
        #expect(global.ranked == ["host", "plot", "music"])
        #expect(abs(global.share(of: "music") - 0.2) < 1e-12)
        // "a" covers host and plot (2 of 2.5); then "b" or "c" add music: "b" comes first.
        let pick = global.pick(3)
        #expect(pick.map(\.explanation) == [0, 1])
        #expect(abs(pick[1].coverage - 1) < 1e-12)

        let champion = GlobalImportance([
            explanation("a", [("plot", 0.9), ("music", 0.1)]), explanation("b", [("host", 0.01)]),
        ])
        let fresh = global.newReasons(against: champion, top: 2, ratio: 3)
        // The champion ranks plot #1, music #2, host #3 with a share of 7%, against the challenger's 40%.
        #expect(fresh.map(\.token) == ["host"])
        #expect(fresh.first?.championRank == 3 && fresh.first?.rank == 1)
        #expect(global.newReasons(against: global, top: 2, ratio: 3).isEmpty)
    }
}
