import Foundation
import Testing
import ValidatedCore
import ValidatedModels
import ValidatedTestSupport

/// The spurious-feature suite on the demo's real models and evaluation set (`scripts/make_demo.py`: the header
/// `Posting-Host: nntp.cs.example.edu` planted in 70% of label-1 and 5% of label-0 documents), with two more
/// models `scripts/train_artefact_variants.py` trains in this run: one that saw the header in 5% of its training
/// documents of either label, and a clean one trained on another 90% of the data.
@Suite(.serialized) struct SpuriousSuiteTests {
    static let header = ["posting", "host", "nntp", "cs", "example", "edu"]

    struct Demo {
        var evaluation: EvaluationSet
        var banned: BannedTokenList
        var clean: LoadedModel
        var artefact: LoadedModel
        var occasional: LoadedModel
        var resampled: LoadedModel
    }

    static func demo() async throws -> Demo {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let training = try await runPython("scripts/train_artefact_variants.py", ["--out", directory.path])
        try #require(
            training.status == 0,
            "train_artefact_variants.py failed (run scripts/setup.sh):\n\(training.stderr.suffix(2000))"
        )
        let demo = Fixtures.repository.appendingPathComponent("demo")
        let loader = ModelLoader()
        return Demo(
            evaluation: try EvaluationSet.parse(
                jsonLines: Array(Data(contentsOf: demo.appendingPathComponent("eval.jsonl"))),
                source: "eval.jsonl",
                fields: EvaluationFields()
            ),
            banned: try BannedTokenList.parse(
                String(decoding: Data(contentsOf: demo.appendingPathComponent("banned-tokens.txt")), as: UTF8.self),
                source: "banned-tokens.txt"
            ),
            clean: try loader.load(demo.path + "/checkpoints/01-clean.safetensors"),
            artefact: try loader.load(demo.path + "/checkpoints/02-artefact.safetensors"),
            occasional: try loader.load(directory.path + "/occasional.safetensors"),
            resampled: try loader.load(directory.path + "/resampled.safetensors")
        )
    }

    static var settings: ValidationSettings {
        var settings = ValidationSettings()
        settings.lime.samples = 2000
        settings.stability.documents = 0
        return settings
    }

    static func validate(
        _ model: LoadedModel,
        against champion: LoadedModel?,
        _ demo: Demo
    ) async throws -> SpuriousReport {
        let report = await Validator.validate(
            ValidationRequest(
                challenger: model.classifier,
                challengerSHA256: model.sha256,
                champion: champion?.classifier,
                evaluation: demo.evaluation,
                banned: demo.banned,
                settings: settings
            )
        )
        return try #require(report.checks.spurious, "\(report.error ?? report.summary)")
    }

    static func describe(_ name: String, _ report: SpuriousReport) -> String {
        let banned =
            report.association?.banned.map {
                "\($0.token) U(pred)=\(String(format: "%.4f", $0.uPredicted)) U(label)=\(String(format: "%.4f", $0.uLabel)) n=\($0.documents)"
            } ?? []
        let fresh =
            report.champion?.newReasons.map {
                "\($0.token) #\($0.rank) (champion \($0.championRank.map(String.init) ?? "-"))"
            } ?? []
        return "\(name): \(report.verdict) \(report.summary)\n  association: \(banned.joined(separator: "; "))\n"
            + "  top: \(report.globalImportance.prefix(16).map { "\($0.token) \(String(format: "%.3f", $0.share))" })\n  new reasons: \(fresh)\n"
            + "  hits: \(report.bannedHits.map { "\($0.token) \($0.hits) mass \(String(format: "%.3f", $0.massShare)) w \(String(format: "%.4f", $0.meanAbsWeight))" })\n"
            + "  champion top: \(report.champion?.championImportance.prefix(16).map { "\($0.token) \(String(format: "%.3f", $0.share))" } ?? [])\n"
            + "  champion explanations: \(report.champion.map { String(format: "%.2f s, %.0f%% of the run", $0.seconds, 100 * ($0.shareOfRun ?? 0)) } ?? "none")"
    }

    @Test(.timeLimit(.minutes(10)))
    func theArtefactModelFollowsTheHeaderAndItsTokensAreNewReasonsAgainstTheCleanChampion() async throws {
        let demo = try await Self.demo()
        let clean = try await Self.validate(demo.clean, against: nil, demo)
        let artefact = try await Self.validate(demo.artefact, against: demo.clean, demo)
        let occasional = try await Self.validate(demo.occasional, against: demo.clean, demo)
        let resampled = try await Self.validate(demo.resampled, against: demo.clean, demo)
        for (name, report) in [
            ("clean", clean), ("artefact", artefact), ("occasional", occasional), ("resampled", resampled),
        ] {
            print(Self.describe(name, report))
        }
        // Attribution-free: the header tokens explain the artefact model's predictions more than the labels.
        let artefactU = Dictionary(
            uniqueKeysWithValues: try #require(artefact.association).banned.map { ($0.token, $0) }
        )
        let cleanU = Dictionary(uniqueKeysWithValues: try #require(clean.association).banned.map { ($0.token, $0) })
        for token in ["nntp", "host", "edu"] {
            let theirs = try #require(artefactU[token])
            let ours = try #require(cleanU[token])
            #expect(theirs.uPredicted > 0.3 && theirs.uPredicted > theirs.uLabel, "\(token)")
            #expect(ours.uPredicted < 0.2 && ours.uPredicted < ours.uLabel, "\(token)")
        }
        #expect(artefact.association?.verdict == .fail)
        #expect(clean.association?.verdict == .pass)
        #expect(artefact.association?.strongest.prefix(6).map(\.token).sorted() == Self.header.sorted())
        // Explanations: the header tokens are new reasons against the clean champion, banned or not.
        let fresh = Set(try #require(artefact.champion).newReasons.map(\.token))
        #expect(fresh.isSuperset(of: ["nntp", "host", "edu"]))
        #expect(fresh.contains("posting") || fresh.contains("cs"))
        // A model that saw the header now and then, unrelated to the class, does not fail on it.
        #expect(occasional.verdict != .fail, "\(occasional.summary)")
        #expect(occasional.association?.verdict == .pass)
        #expect(occasional.association?.banned.allSatisfy { $0.uPredicted < $0.uLabel } == true)
        // A clean model retrained on other data has no new reasons against the clean champion.
        #expect(resampled.champion?.newReasons.isEmpty == true, "\(resampled.champion?.newReasons ?? [])")
        // It may warn: a banned word of a short gloss reaches the top 10 of one or two explanations by LIME's sampling
        // noise alone, and which ones depends on the seeds, derived from the model's bytes (which differ in the last
        // bits between BLAS builds). It must never fail.
        #expect(resampled.verdict != .fail, "\(resampled.summary)")
    }
}
