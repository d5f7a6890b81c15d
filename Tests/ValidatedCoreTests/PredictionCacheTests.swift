import Foundation
import Testing

@testable import ValidatedCore

/// Scores texts only, as a scorer process does, and counts the texts it is sent.
final class CountingTextClassifier: TextClassifier, @unchecked Sendable {
    let wrapped: any TextClassifier
    private let lock = NSLock()
    private var sent = 0, calls = 0

    init(_ wrapped: any TextClassifier = KeywordClassifier()) {
        self.wrapped = wrapped
    }

    var classes: [String] { wrapped.classes }
    /// Texts sent so far, and the calls that sent them.
    var counts: (texts: Int, calls: Int) { lock.withLock { (sent, calls) } }

    func predictProbabilities(_ texts: [String]) throws -> ProbabilityMatrix {
        lock.withLock {
            sent += texts.count
            calls += 1
        }
        return try wrapped.predictProbabilities(texts)
    }
}

@Suite struct PredictionCacheTests {
    @Test func aTextIsScoredOnceAndRepeatsWithinARequestAreSentOnce() throws {
        let model = CountingTextClassifier()
        let cache = PredictionCache()
        let meter = ScoringMeter()
        let cached = cache.classifier(model, role: .challenger, meter: meter)
        let first = try cached.predictProbabilities(["good plot", "bad plot", "good plot"])
        #expect(model.counts == (texts: 2, calls: 1))
        #expect(first == (try KeywordClassifier().predictProbabilities(["good plot", "bad plot", "good plot"])))
        let second = try cached.predictProbabilities(["bad plot", "good story", "good plot"])
        #expect(model.counts == (texts: 3, calls: 2))
        #expect(second == (try KeywordClassifier().predictProbabilities(["bad plot", "good story", "good plot"])))
        #expect(meter.calls == ModelCalls(sent: 3, cached: 3))
        _ = try cached.predictProbabilities(["good plot", "bad plot"])
        #expect(model.counts.calls == 2, "every text was cached: the model is not called")
        // The champion is another model: the same text is scored again for it.
        _ = try cache.classifier(model, role: .champion, meter: meter).predictProbabilities(["good plot"])
        #expect(model.counts == (texts: 4, calls: 3))
    }

    @Test func outputThatCannotBeSplitIntoRowsReachesTheCallerAsTheModelGaveIt() throws {
        let cache = PredictionCache()
        let meter = ScoringMeter()
        let short = ScriptedClassifier(rows: { $0 - 1 })
        let probabilities = try cache.classifier(short, role: .challenger, meter: meter)
            .predictProbabilities(["a", "b", "a"])
        #expect(probabilities.rows == 2, "the model was asked for all three texts, and returned two rows")
        #expect(meter.calls.sent == 2 + 3)
    }

    @Test func aFullCacheStartsAgainEmpty() throws {
        let model = CountingTextClassifier()
        let cache = PredictionCache(budget: 300)
        let cached = cache.classifier(model, role: .challenger, meter: ScoringMeter())
        _ = try cached.predictProbabilities(["good plot", "bad plot", "good story"])
        _ = try cached.predictProbabilities(["good plot"])
        #expect(model.counts.texts == 4, "only the last entry fitted in 300 bytes")
    }

    /// The saving on a model scored from texts (a scorer process): the validation of ``ValidatorTests``'s set.
    @Test func aValidationSendsAScorerEachTextOnce() async throws {
        let model = CountingTextClassifier()
        let report = await Validator.validate(
            ValidationRequest(
                challenger: model,
                challengerSHA256: "ab",
                evaluation: ValidatorTests.evaluation,
                settings: ValidatorTests.settings
            )
        )
        let sent = model.counts.texts
        let calls = try #require(report.modelCalls)
        let cached = try #require(report.cachedCalls)
        #expect(calls == sent, "model calls count the texts the model was sent")
        let suites = [
            report.checks.auc?.modelCalls, report.checks.spurious?.modelCalls, report.checks.stability?.modelCalls,
        ]
        #expect(suites.map { $0 ?? -1 }.reduce(0, +) == calls)
        #expect(report.checks.auc?.modelCalls == 8, "the evaluation set's 60 documents have 8 distinct texts")
        // Documents of 4 to 6 words have at most 64 distinct perturbations of LIME's 300.
        #expect(Double(sent) < 0.2 * Double(calls + cached), "sent \(sent) of \(calls + cached)")
        print("PredictionCache: a scorer was sent \(sent) of \(calls + cached) texts requested (\(cached) cached)")
    }

    @Test func aMaskedScoringModelKeepsItsFastPathAndItsPerturbationsCount() async throws {
        let model = MaskedKeywordClassifier()
        let report = await Validator.validate(
            ValidationRequest(
                challenger: model,
                challengerSHA256: "ab",
                evaluation: ValidatorTests.evaluation,
                settings: ValidatorTests.settings
            )
        )
        #expect(report.verdict != .error, "\(report.summary)")
        let texts = model.textsScored
        // Only the evaluation set and the edited texts' label checks are sent as texts.
        #expect(texts < 200, "\(texts) texts sent")
        let spurious = try #require(report.checks.spurious)
        // Certified sampling draws what each explanation needed: its recorded samples are the perturbations scored.
        let sampling = try #require(spurious.sampling)
        #expect(sampling.explanations == spurious.explained)
        #expect(spurious.modelCalls == sampling.samples)
        #expect(try #require(report.modelCalls) > 28 * ValidatorTests.settings.lime.samples)
    }
}
