import Testing

@testable import ValidatedCore

/// What the reports say: the AUC line, suites that measured nothing, lists without repeats.
@Suite struct ReportWordingTests {
    static let positives = (0..<200).map { $0 % 2 == 0 }
    /// A clean separator, and a weaker one.
    static let strong = positives.indices.map { (positives[$0] ? 0.6 : 0.4) + Double(($0 * 37) % 41) / 100 }
    static let weak = positives.indices.map { (positives[$0] ? 0.55 : 0.45) + Double(($0 * 37) % 41) / 100 }

    @Test func theAUCLineGivesTheTwoSidedPWithTheDirectionAndTheInterval() throws {
        let better = try AUCCheck.evaluate(
            challenger: Self.strong,
            champion: Self.weak,
            positives: Self.positives,
            settings: AUCSettings()
        )
        let test = try AUC.pairedDeLong(challenger: Self.strong, champion: Self.weak, positives: Self.positives)
        #expect(test.pValueTwoSided < 0.001 && test.pValueChallengerWorse > 0.999, "the case of the issue")
        let interval =
            "[\(fixed(test.deltaConfidenceInterval.lowerBound, 3)), \(fixed(test.deltaConfidenceInterval.upperBound, 3))]"
        #expect(
            better.summary
                == "AUC \(fixed(test.challenger.auc, 3)) vs champion \(fixed(test.champion.auc, 3)), Δ \(signed(test.delta, 3)) \(interval), better (p < 0.001)"
        )
        #expect(better.championDifference == "Δ \(signed(test.delta, 3)) \(interval), better (p < 0.001)")

        let worse = try AUCCheck.evaluate(
            challenger: Self.weak,
            champion: Self.strong,
            positives: Self.positives,
            settings: AUCSettings()
        )
        #expect(worse.verdict == .fail)
        #expect(worse.summary.contains("significantly worse than the champion (one-sided p < 0.001): AUC "))
        #expect(worse.summary.hasSuffix(", worse (p < 0.001)"), "\(worse.summary)")

        let same = try AUCCheck.evaluate(
            challenger: Self.strong,
            champion: Self.strong,
            positives: Self.positives,
            settings: AUCSettings()
        )
        #expect(same.summary.contains("Δ +0.000 [0.000, 0.000], no significant difference"), "\(same.summary)")
    }

    @Test func aStabilitySuiteWithNoDocumentsIsSkippedAndLeavesTheRunToTheOthers() {
        let empty = StabilityCheck.evaluate([], topK: 2, settings: StabilitySettings())
        #expect(empty.verdict == .skipped)
        let report = ValidationRun.combine(ValidationReport.Checks(stability: empty), scores: [])
        #expect(report.verdict == .pass)
        #expect(Verdict.skipped < .pass)
    }

    @Test func theLeastStableListNamesADocumentOnce() {
        func explanation(_ features: [String]) -> Explanation { StabilityCheckTests.explanation("k", features) }
        let shaky = [explanation(["a", "b"]), explanation(["a", "c"]), explanation(["c", "d"])]
        let shakier = [explanation(["a", "b"]), explanation(["c", "d"]), explanation(["e", "f"])]
        let report = StabilityCheck.evaluate([shaky, shakier], topK: 2, settings: StabilitySettings())
        #expect(report.leastStable.map(\.document) == ["k"])
        #expect(report.leastStable.first?.jaccard == 0, "at its lowest Jaccard")
    }
}
