import Foundation
import Testing
import ValidatedCore
import ValidatedTestSupport

/// AUC and the paired DeLong test against R's pROC (`Tests/Fixtures/delong/make_delong_fixture.R`).
@Suite struct DeLongTests {
    struct Case: Decodable {
        var name: String
        var labels: [Int]
        var scores1: [Double]
        var scores2: [Double]
        var auc1: Double
        var auc2: Double
        var var1: Double
        var var2: Double
        var cov12: Double
        var ci1: [Double]
        var ci2: [Double]
        var z: Double
        var p_value: Double
        var delta_ci: [Double]
    }

    static let cases: [Case] = {
        let data = try! Data(contentsOf: Fixtures.url("delong/delong_cases.json"))
        return try! JSONDecoder().decode([Case].self, from: data)
    }()

    @Test(arguments: DeLongTests.cases.map(\.name))
    func matchesPROC(name: String) throws {
        let c = try #require(Self.cases.first { $0.name == name })
        let positives = c.labels.map { $0 == 1 }
        let result = try AUC.pairedDeLong(challenger: c.scores1, champion: c.scores2, positives: positives)
        let tolerance = 1e-9
        #expect(abs(result.challenger.auc - c.auc1) < tolerance)
        #expect(abs(result.champion.auc - c.auc2) < tolerance)
        #expect(abs(result.challenger.variance - c.var1) < tolerance)
        #expect(abs(result.champion.variance - c.var2) < tolerance)
        #expect(abs(result.covariance - c.cov12) < tolerance)
        #expect(abs(result.z - c.z) < 1e-9 * max(1, abs(c.z)))
        #expect(abs(result.pValueTwoSided - c.p_value) < tolerance)
        #expect(abs(result.challenger.confidenceInterval.lowerBound - c.ci1[0]) < tolerance)
        #expect(abs(result.challenger.confidenceInterval.upperBound - c.ci1[1]) < tolerance)
        #expect(abs(result.champion.confidenceInterval.lowerBound - c.ci2[0]) < tolerance)
        #expect(abs(result.champion.confidenceInterval.upperBound - c.ci2[1]) < tolerance)
        #expect(abs(result.deltaConfidenceInterval.lowerBound - c.delta_ci[0]) < tolerance)
        #expect(abs(result.deltaConfidenceInterval.upperBound - c.delta_ci[1]) < tolerance)
    }

    @Test func matchesPROCOnOneHundredThousandDocuments() throws {
        struct Large: Decodable {
            var auc1, auc2, var1, var2, cov12, z, p_value: Double
            var delta_ci: [Double]
        }
        let expected = try JSONDecoder().decode(
            Large.self,
            from: Data(contentsOf: Fixtures.url("delong/delong_100k.json"))
        )
        // The same integer formulas as make_delong_fixture.R.
        let indices = 1...100_000
        let positives = indices.map { $0 % 3 == 0 }
        let s1 = indices.map { Double(($0 * 7919) % 10007) / 10007 + ($0 % 3 == 0 ? 0.25 : 0) }
        let s2 = indices.map { Double(($0 * 104729) % 10009) / 10009 + ($0 % 3 == 0 ? 0.2 : 0) }
        let result = try AUC.pairedDeLong(challenger: s1, champion: s2, positives: positives)
        #expect(abs(result.challenger.auc - expected.auc1) < 1e-9)
        #expect(abs(result.champion.auc - expected.auc2) < 1e-9)
        #expect(abs(result.challenger.variance - expected.var1) < 1e-12)
        #expect(abs(result.champion.variance - expected.var2) < 1e-12)
        #expect(abs(result.covariance - expected.cov12) < 1e-12)
        #expect(abs(result.z - expected.z) < 1e-9 * abs(expected.z))
        #expect(abs(result.deltaConfidenceInterval.lowerBound - expected.delta_ci[0]) < 1e-9)
        #expect(abs(result.deltaConfidenceInterval.upperBound - expected.delta_ci[1]) < 1e-9)
        #expect(abs(result.pValueTwoSided - expected.p_value) < 1e-9 * expected.p_value + 1e-300)
    }

    @Test func normalQuantileInvertsTheDistributionFunction() {
        // R: qnorm(c(0.975, 0.95, 0.8, 0.5, 1e-10))
        #expect(abs(AUC.normalQuantile(0.975) - 1.959963984540054) < 1e-12)
        #expect(abs(AUC.normalQuantile(0.95) - 1.6448536269514722) < 1e-12)
        #expect(abs(AUC.normalQuantile(0.8) - 0.8416212335729143) < 1e-12)
        #expect(AUC.normalQuantile(0.5) == 0)
        #expect(abs(AUC.normalQuantile(1e-10) - -6.361340902404056) < 1e-9)
    }

    @Test func powerAnalysisFollowsTheDifferencesStandardError() throws {
        let c = try #require(Self.cases.first { $0.name == "realistic_close" })
        let positives = c.labels.map { $0 == 1 }
        var settings = AUCSettings()
        settings.targetDelta = 0.01
        let report = try AUCCheck.evaluate(
            challenger: c.scores1,
            champion: c.scores2,
            positives: positives,
            settings: settings
        )
        let test = try AUC.pairedDeLong(challenger: c.scores1, champion: c.scores2, positives: positives)
        let detectable = (1.6448536269514722 + 0.8416212335729143) * test.deltaVariance.squareRoot()
        #expect(abs(try #require(report.minDetectableDelta) - detectable) < 1e-12)
        // Variance shrinks as 1/N: detecting 0.01 needs N·(detectable/0.01)² documents.
        let needed = Double(c.labels.count) * (detectable / 0.01) * (detectable / 0.01)
        #expect(report.docsNeeded == Int(needed.rounded(.up)))
        #expect(report.deltaCI?.count == 2)
    }

    @Test func nonInferiorityFailsUnlessShownWithinTheMargin() throws {
        let c = try #require(Self.cases.first { $0.name == "realistic_close" })
        let positives = c.labels.map { $0 == 1 }
        var settings = AUCSettings()
        settings.comparison = .nonInferiority
        settings.margin = 0.05
        let generous = try AUCCheck.evaluate(
            challenger: c.scores1,
            champion: c.scores2,
            positives: positives,
            settings: settings
        )
        #expect(generous.verdict == .pass, "\(generous.summary)")
        settings.margin = 0.0001
        let strict = try AUCCheck.evaluate(
            challenger: c.scores1,
            champion: c.scores2,
            positives: positives,
            settings: settings
        )
        #expect(strict.verdict == .fail, "\(strict.summary)")
        #expect(try #require(strict.pValueNonInferiority) > 0.05)
    }

    @Test func tiesCountHalf() throws {
        // Pairs (pos, neg): (0.5, 0.5) tie, (0.5, 0.1) win, (0.9, 0.5) win, (0.9, 0.1) win → 3.5 / 4.
        #expect(try AUC.auc(scores: [0.5, 0.9, 0.5, 0.1], positives: [true, true, false, false]) == 0.875)
    }

    @Test func degenerateInputsAreErrorsNotNaN() {
        #expect(throws: StatisticsError.self) { try AUC.auc(scores: [0.1, 0.2], positives: [true, true]) }
        #expect(throws: StatisticsError.self) { try AUC.auc(scores: [0.1, .nan], positives: [true, false]) }
        #expect(throws: StatisticsError.self) { try AUC.auc(scores: [0.1, .infinity], positives: [true, false]) }
        #expect(throws: StatisticsError.self) { try AUC.auc(scores: [0.3, 0.3, 0.3], positives: [true, false, true]) }
        #expect(throws: StatisticsError.self) {
            try AUC.pairedDeLong(challenger: [0.1, 0.2], champion: [0.1], positives: [true, false])
        }
    }

    @Test func identicalModelsGiveZAndPOfNoDifference() throws {
        let scores = [0.1, 0.4, 0.35, 0.8, 0.7, 0.2]
        let positives = [false, true, false, true, true, false]
        let result = try AUC.pairedDeLong(challenger: scores, champion: scores, positives: positives)
        #expect(result.z == 0)
        #expect(result.pValueTwoSided == 1)
        #expect(result.pValueChallengerWorse == 0.5)
    }

    @Test func aHandCheckedCaseWithTiesAndAClippedInterval() throws {
        // Positives 0.5, 0.9, 0.5, 0.7; negatives 0.1, 0.5, 0.3, 0.5, 0.9. Placements by hand: V10 = 0.6, 0.9,
        // 0.6, 0.8 (ties ½); V01 = 1, 0.75, 1, 0.75, 0.125. AUC = 14.5/20; variance = s²(V10)/4 + s²(V01)/5.
        let estimate = try AUC.delong(
            scores: [0.5, 0.1, 0.9, 0.5, 0.5, 0.3, 0.7, 0.5, 0.9],
            positives: [true, false, true, false, true, false, true, false, false]
        )
        #expect(abs(estimate.auc - 0.725) < 1e-15)
        #expect(abs(estimate.variance - 0.03125) < 1e-15)
        #expect(
            abs(estimate.confidenceInterval.lowerBound - (0.725 - 1.959963984540054 * 0.03125.squareRoot())) < 1e-15
        )
        #expect(estimate.confidenceInterval.upperBound == 1, "clipped to [0, 1] like pROC's ci.auc")
        #expect(estimate.positives == 4 && estimate.negatives == 5)
    }

    @Test func theIntervalIsClippedAtOneLikePROC() throws {
        // R: ci.auc(roc(labels, scores, direction = "<", levels = c(0, 1)), method = "delong") and var(…)
        let estimate = try AUC.delong(
            scores: [0.9, 0.8, 0.95, 0.1, 0.5, 0.85, 0.2, 0.3],
            positives: [true, true, true, false, false, false, false, false]
        )
        #expect(abs(estimate.auc - 0.93333333333333335) < 1e-12)
        #expect(abs(estimate.variance - 0.0088888888888888854) < 1e-12)
        #expect(abs(estimate.confidenceInterval.lowerBound - 0.74854615675337643) < 1e-9)
        #expect(estimate.confidenceInterval.upperBound == 1)
    }

    @Test func fastPlacementsMatchTheQuadraticDefinition() throws {
        // Scores on a coarse grid, so ties abound, in a fixed pseudo-random order.
        var generator = SeededGenerator(seed: 17)
        let positives = (0..<300).map { _ in generator.uniform(below: 3) == 0 }
        let a = positives.map { Double(generator.uniform(below: 12) + ($0 ? 3 : 0)) / 10 }
        let b = positives.map { Double(generator.uniform(below: 20) + ($0 ? 4 : 0)) / 10 }
        func placements(_ s: [Double]) -> (v10: [Double], v01: [Double]) {
            let x = zip(s, positives).filter { $0.1 }.map(\.0)
            let y = zip(s, positives).filter { !$0.1 }.map(\.0)
            let psi = { (p: Double, q: Double) in p > q ? 1.0 : (p == q ? 0.5 : 0) }
            return (
                x.map { p in y.map { psi(p, $0) }.reduce(0, +) / Double(y.count) },
                y.map { q in x.map { psi($0, q) }.reduce(0, +) / Double(x.count) }
            )
        }
        func covariance(_ u: [Double], _ v: [Double]) -> Double {
            let mu = u.reduce(0, +) / Double(u.count)
            let mv = v.reduce(0, +) / Double(v.count)
            return zip(u, v).map { ($0 - mu) * ($1 - mv) }.reduce(0, +) / Double(u.count - 1)
        }
        let pa = placements(a)
        let pb = placements(b)
        let m = Double(pa.v10.count)
        let n = Double(pa.v01.count)
        let result = try AUC.pairedDeLong(challenger: a, champion: b, positives: positives)
        #expect(abs(result.challenger.auc - pa.v10.reduce(0, +) / m) < 1e-12)
        #expect(abs(result.champion.auc - pb.v10.reduce(0, +) / m) < 1e-12)
        #expect(
            abs(result.challenger.variance - (covariance(pa.v10, pa.v10) / m + covariance(pa.v01, pa.v01) / n)) < 1e-12
        )
        #expect(abs(result.covariance - (covariance(pa.v10, pb.v10) / m + covariance(pa.v01, pb.v01) / n)) < 1e-12)
        let z =
            result.delta / (result.challenger.variance + result.champion.variance - 2 * result.covariance).squareRoot()
        #expect(abs(result.z - z) < 1e-9)
        #expect(abs(result.pValueChallengerWorse - AUC.normalCDF(z)) < 1e-12)
        #expect(abs(result.pValueTwoSided - 2 * AUC.normalCDF(-abs(z))) < 1e-12)
    }

    @Test func aSignificantlyWorseChallengerFailsAndASlightlyWorseOneWarns() throws {
        let c = try #require(Self.cases.first { $0.name == "realistic_close" })
        let positives = c.labels.map { $0 == 1 }
        // Reversed roles: the better model as champion.
        let better =
            try AUC.auc(scores: c.scores1, positives: positives) >= AUC.auc(scores: c.scores2, positives: positives)
        let (strong, weak) = better ? (c.scores1, c.scores2) : (c.scores2, c.scores1)
        let report = try AUCCheck.evaluate(
            challenger: weak,
            champion: strong,
            positives: positives,
            settings: AUCSettings()
        )
        let test = try AUC.pairedDeLong(challenger: weak, champion: strong, positives: positives)
        #expect(test.delta <= 0)
        #expect(report.verdict == (test.pValueChallengerWorse < 0.05 ? .fail : (test.delta < 0 ? .warn : .pass)))
        #expect(report.pValue == test.pValueChallengerWorse)
        let noise = positives.indices.map { Double(($0 * 7919) % 101) / 101 }
        let hopeless = try AUCCheck.evaluate(
            challenger: noise,
            champion: strong,
            positives: positives,
            settings: AUCSettings()
        )
        #expect(hopeless.verdict == .fail)
        #expect(hopeless.summary.contains("significantly worse than the champion"))
    }
}
