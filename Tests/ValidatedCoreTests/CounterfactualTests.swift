import Foundation
import Testing

@testable import ValidatedCore

/// The counterfactual suite's statistics against hand-computed values (and scipy's), and the suite on a model that
/// leans on a token the evaluation set never holds.
@Suite struct CounterfactualTests {
    @Test func theStudentTIntervalOfPairedDifferencesIsTheTextbookOne() throws {
        // mean 0.25, s = √(0.05/3) = 0.129099, t(0.975, 3) = 3.182446, half-width 3.182446 · 0.129099 / 2.
        let mean = IntervalStatistics.pairedMean([0.1, 0.2, 0.3, 0.4])
        let interval = try #require(mean.interval)
        #expect(abs(mean.mean - 0.25) < 1e-12)
        #expect(abs(mean.standardDeviation - 0.1290994) < 1e-6)
        #expect(abs(interval.lowerBound - 0.0445740) < 1e-6)
        #expect(abs(interval.upperBound - 0.4554260) < 1e-6)
        #expect(IntervalStatistics.pairedMean([0.3]).interval == nil)
        #expect(abs(IntervalStatistics.studentTQuantile(0.975, degrees: 10) - 2.228139) < 1e-6)
        #expect(abs(IntervalStatistics.studentTQuantile(0.975, degrees: 1) - 12.706205) < 1e-5)
        #expect(abs(IntervalStatistics.studentTQuantile(0.025, degrees: 30) + 2.042272) < 1e-6)
    }

    @Test func wilsonIntervalsMatchTheScoreFormula() throws {
        // The Wilson score interval of 5 in 20 (scipy: 0.1118617, 0.4687009).
        let interval = try #require(IntervalStatistics.wilson(successes: 5, trials: 20))
        #expect(abs(interval.lowerBound - 0.1118617) < 1e-6)
        #expect(abs(interval.upperBound - 0.4687009) < 1e-6)
        // 0 in 600: 0 to 0.0063617.
        let none = try #require(IntervalStatistics.wilson(successes: 0, trials: 600))
        #expect(none.lowerBound == 0 && abs(none.upperBound - 0.0063617) < 1e-6)
        #expect(IntervalStatistics.wilson(successes: 0, trials: 0) == nil)
    }

    @Test func theExactBinomialTestAndBenjaminiHochbergMatchR() {
        // binom.test(7, 10)$p.value = 0.34375; binom.test(9, 10) = 0.02148438; binom.test(3, 20, 0.6) = 8.390656e-05 (scipy's binomtest).
        #expect(abs(IntervalStatistics.binomialTwoSided(successes: 7, trials: 10, rate: 0.5) - 0.34375) < 1e-9)
        #expect(abs(IntervalStatistics.binomialTwoSided(successes: 9, trials: 10, rate: 0.5) - 0.02148438) < 1e-8)
        #expect(abs(IntervalStatistics.binomialTwoSided(successes: 3, trials: 20, rate: 0.6) - 8.390656e-05) < 1e-10)
        // p.adjust(c(0.01, 0.04, 0.03, 0.2), "BH") = 0.04 0.0533 0.0533 0.2.
        let q = IntervalStatistics.benjaminiHochberg([0.01, 0.04, 0.03, 0.2])
        for (got, want) in zip(q, [0.04, 0.16 / 3, 0.16 / 3, 0.2]) { #expect(abs(got - want) < 1e-12) }
    }

    @Test func kendallsTauCountsConcordantPairs() {
        // One discordant pair of six: (5 − 1) / 6.
        #expect(abs(ExplanationAgreement.kendallTauB([1, 2, 3, 4], [1, 3, 2, 4]) - 4.0 / 6) < 1e-12)
        #expect(ExplanationAgreement.kendallTauB([1, 2, 3], [3, 2, 1]) == -1)
    }

    @Test func erasureRemovesEveryOccurrenceAndInjectionPutsTheEntryAtThreePlaces() throws {
        let lime = LimeSettings()
        let erased = CounterfactualPlan.erasing("NNTP host, nntp and more", lime: lime) { $0.lowercased() == "nntp" }
        #expect(erased == " host,  and more")
        #expect(CounterfactualPlan.erasing("nothing here", lime: lime) { $0 == "nntp" } == nil)
        var generator = SeededGenerator(seed: 1)
        let texts = InjectionPosition.allCases.map {
            CounterfactualPlan.injecting("nntp", into: "one two three", at: $0, using: &generator)
        }
        #expect(texts[0] == "nntp one two three" && texts[1] == "one two three nntp")
        #expect(texts[2].split(separator: " ").count == 4 && texts[2].contains("nntp "))
    }

    /// `n` documents, half positive, none holding `nntp`.
    static func evaluation(_ n: Int = 60) -> EvaluationSet {
        EvaluationSet(
            documents: (0..<n).map { index in
                let positive = index.isMultiple(of: 2)
                let topic = positive ? "good" : "bad"
                return LabeledDocument(
                    id: "d\(index)",
                    text: "a \(topic) text number w\(index % 7)",
                    isPositive: positive
                )
            }
        )
    }

    /// The suite's report on `model`; every test measures all its documents unless `stopEarly`.
    static func validate(
        _ model: LogisticWordsClassifier,
        champion: LogisticWordsClassifier? = nil,
        stopEarly: Bool = false
    )
        async throws -> CounterfactualReport
    {
        var settings = ValidationSettings()
        settings.lime.samples = 300
        settings.spurious.documents = 6
        settings.stability.documents = 0
        settings.counterfactual.artefacts = ["X-Host: nntp7.example.edu"]
        settings.counterfactual.stopEarly = stopEarly
        let report = await Validator.validate(
            ValidationRequest(
                challenger: model,
                challengerSHA256: "test",
                champion: champion,
                evaluation: evaluation(),
                banned: try BannedTokenList.parse("nntp\n/nntp[0-9]+/\n/zz[a-z]*/\n", source: "test"),
                settings: settings
            )
        )
        return try #require(report.checks.counterfactual, "\(report.summary)")
    }

    static let clean = LogisticWordsClassifier(coefficients: ["good": 2, "bad": -2], bias: 0)
    static let shortcut = LogisticWordsClassifier(coefficients: ["good": 2, "bad": -2, "nntp": 3, "nntp7": 3], bias: 0)

    @Test func aModelLeaningOnATokenTheEvaluationSetNeverHoldsFailsAndItsCleanTwinPasses() async throws {
        let leaning = try await Self.validate(Self.shortcut)
        let twin = try await Self.validate(Self.clean)
        #expect(leaning.verdict == .fail, "\(leaning.summary)")
        #expect(twin.verdict == .pass, "\(twin.summary)")
        #expect(leaning.absent == ["nntp", "/nntp[0-9]+/", "/zz[a-z]*/"])
        #expect(leaning.erasureOnly == ["/zz[a-z]*/"])
        let word = try #require(leaning.tests.first { $0.kind == "injection" && $0.entry == "nntp" })
        // Negative documents sit at sigmoid(−2) = 0.119; with nntp at sigmoid(1) = 0.731: a shift of 0.612.
        #expect(word.documents == 60 && word.texts == 180)
        #expect(abs(word.meanAbsShift - (0.5 * (0.7311 - 0.1192) + 0.5 * (0.9933 - 0.8808))) < 1e-3)
        #expect(abs(word.flipRate - 0.5) < 1e-12)
        #expect(abs(word.netFlipRate - 0.5) < 1e-12, "every flip is to the positive class")
        let all = try #require(leaning.tests.first { $0.entry == CounterfactualPlan.allEntries })
        #expect(all.inserted == "X-Host: nntp7.example.edu nntp")
        let artefact = try #require(leaning.tests.first { $0.entry == "artefact" })
        #expect((artefact.meanAbsShiftCI?.first ?? 0) > 0.1)
        #expect(twin.tests.allSatisfy { $0.meanAbsShift == 0 && $0.flipRate == 0 })
        #expect(leaning.modelCalls ?? 0 > 0)
    }

    @Test func aTestStopsAtTheFirstLookThatSettlesItsVerdictAndReportsWhatItLookedAt() async throws {
        for model in [Self.shortcut, Self.clean] {
            let early = try await Self.validate(model, stopEarly: true)
            let every = try await Self.validate(model)
            #expect(early.verdict == every.verdict, "\(early.summary)")
            let (word, all) = try #require(
                zip(early.tests, every.tests).first { $0.0.kind == "injection" && $0.0.entry == "nntp" }
            )
            // The shortcut moves every text by the same amount, and the clean model none: a quarter settles both.
            #expect(word.documents == 15 && word.texts == 45 && all.documents == 60)
            #expect(word.verdict == all.verdict && abs(word.meanShift - all.meanShift) < 0.05)
            #expect(early.modelCalls ?? 0 < every.modelCalls ?? 0)
        }
        // With a champion, its answers to the same texts are kept from look to look beside the challenger's.
        let compared = try await Self.validate(Self.shortcut, champion: Self.clean, stopEarly: true)
        let word = try #require(compared.tests.first { $0.kind == "injection" && $0.entry == "nntp" })
        let champion = try #require(word.champion)
        #expect(word.documents == 15 && abs(champion.meanShift) < 1e-12 && (champion.differenceCI?.first ?? 0) > 0.2)
    }

    @Test(arguments: [
        ([0.06, 0.2], [0.0, 0.0], true),  // surely beyond the fail limit: fail, whatever the rest
        ([0.0, 0.01], [0.06, 0.3], true),
        ([0.03, 0.045], [0.0, 0.01], true),  // surely a warning
        ([-0.01, 0.02], [-0.01, 0.01], true),  // surely a pass
        ([0.03, 0.06], [0.0, 0.0], false),  // a warning or a failure
        ([0.01, 0.03], [0.0, 0.0], false),  // a pass or a warning
        ([-0.2, 0.2], [0.0, 0.0], false),
    ])
    func anInterimLookSettlesOnlyAVerdictMoreDocumentsCouldNotChange(
        shift: [Double],
        flips: [Double],
        settled: Bool
    ) async throws {
        let report = try await Self.validate(Self.clean)
        var test = try #require(report.tests.first)
        test.meanShiftCI = shift
        test.netFlipRateCI = flips
        #expect(CounterfactualCheck.isSettled(test, settings: CounterfactualSettings()) == settled)
        test.meanShiftCI = nil  // fewer than two documents
        #expect(!CounterfactualCheck.isSettled(test, settings: CounterfactualSettings()) || flips[0] > 0.05)
    }

    @Test func editsThatMoveAModelEitherWayAreNotReliance() async throws {
        var jittery = Self.clean
        jittery.jitter = 1.5
        let noisy = try await Self.validate(jittery)
        #expect(noisy.verdict == .pass, "\(noisy.summary)")
        let moved = noisy.tests.map(\.meanAbsShift).max() ?? 0
        #expect(moved > 0.1, "every edit moves the model, by \(moved) on average in the test that moves it most")
        #expect(noisy.tests.allSatisfy { CounterfactualCheck.distanceFromZero($0.meanShiftCI) < 0.05 })

        var leaning = Self.shortcut
        leaning.jitter = 1.5
        let report = try await Self.validate(leaning)
        #expect(report.verdict == .fail, "\(report.summary)")
        let word = try #require(report.tests.first { $0.kind == "injection" && $0.entry == "nntp" })
        #expect((word.meanShiftCI?.first ?? 0) > 0.1 && (word.netFlipRateCI?.first ?? 0) > 0.2)
    }

    @Test func intervalsAreJudgedByHowFarTheyLieFromZeroOnEitherSide() {
        #expect(CounterfactualCheck.distanceFromZero([0.12, 0.3]) == 0.12)
        #expect(CounterfactualCheck.distanceFromZero([-0.3, -0.07]) == 0.07)
        #expect(CounterfactualCheck.distanceFromZero([-0.2, 0.4]) == 0)
        #expect(CounterfactualCheck.distanceFromZero(nil) == 0)
    }

    @Test func aChallengerMovedMoreThanTheChampionOnTheSameTextsFails() async throws {
        let halfway = LogisticWordsClassifier(coefficients: ["good": 2, "bad": -2, "nntp": 0.2, "nntp7": 0.2], bias: 0)
        var settings = CounterfactualSettings()
        settings.maxShift = 1
        settings.maxFlipRate = 1
        let report = try await Self.validate(Self.shortcut, champion: halfway)
        let word = try #require(report.tests.first { $0.kind == "injection" && $0.entry == "nntp" })
        let champion = try #require(word.champion)
        #expect(champion.meanShift < 0.1 && (champion.differenceCI?.first ?? 0) > 0.2)
        var loose = word
        loose.meanShiftCI = [0, 0]
        loose.netFlipRateCI = [0, 0]
        #expect(CounterfactualCheck.verdict(of: loose, settings: settings) == .fail)
        loose.champion = nil
        #expect(CounterfactualCheck.verdict(of: loose, settings: settings) == .pass)
    }

    @Test func aTokenSkewedToOneLabelThatMovesTheModelIsACandidateShortcut() async throws {
        let report = try await Self.validate(Self.clean)
        let good = try #require(report.candidates.first { $0.token == "good" })
        #expect(good.positiveRate == 1 && good.baseRate == 0.5 && good.labelDocuments == 30)
        #expect(good.meanShift < -0.3 && good.qValue < 1e-6)
        #expect(!report.candidates.contains { $0.token == "text" })
        #expect(report.verdict == .pass, "candidates are off the verdict by default")
        let tau = try #require(report.agreement?.kendallTau)
        #expect(tau > 0, "LIME and erasure agree that good and bad matter and the filler words do not")
    }
}
