import Foundation
import Testing
import ValidatedCtl
import ValidatedTestSupport

/// `validatectl validate DIR --scorer folder=… --eval … --banned … --json`, the CI gate, on the tiny BERT folders.
extension HuggingFaceEndToEndTests {
    /// The gate's settings file: the same fast settings as the daemon's.
    static func gateConfiguration(in directory: TemporaryDirectory) throws -> String {
        let path = directory.path + "/gate.conf"
        try HuggingFace.settings().write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Validates `model` with the folder scorer, the fixture's evaluation set and the demo's banned list, and returns
    /// the exit code and the parsed report.
    static func gate(
        _ model: String,
        champion: String? = nil,
        models: String,
        configuration: String
    ) async throws -> (code: Int32, report: JSONValue) {
        let banned = Fixtures.repository.appendingPathComponent("demo/banned-tokens.txt").path
        var arguments = [
            "validate", model, "--config", configuration, "--scorer", "folder=\(HuggingFace.scorerCommand)",
            "--eval", models + "/eval.jsonl", "--banned", banned, "--json",
        ]
        if let champion { arguments += ["--champion", champion] }
        let started = ContinuousClock.now
        let result = try await HuggingFace.validatectl(arguments)
        let name = URL(fileURLWithPath: model).lastPathComponent
        print(
            "HuggingFace gate: \(name) against \(champion.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "no champion"): "
                + "exit \(result.code) in \(ContinuousClock.now - started)"
        )
        try #require(
            result.code != 2,
            "validatectl could not evaluate \(name): \(result.stderr)\(result.stdout.prefix(2000))"
        )
        return (result.code, try JSONValue.parse(result.stdout))
    }

    @Test(.timeLimit(.minutes(10)))
    func theGatePassesTheCleanFolderAndFailsTheArtefactFolderAgainstANativeChampion() async throws {
        let models = try await TinyBert.models.value
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = try Self.gateConfiguration(in: directory)

        let clean = try await Self.gate(models + "/clean", models: models, configuration: configuration)
        let cleanNumbers = ReportNumbers(clean.report)
        print("HuggingFace gate: clean \(cleanNumbers)")
        #expect(clean.code == 0, "clean: \(cleanNumbers)")
        #expect(clean.report["model"]?.string == models + "/clean")
        #expect(clean.report["champion"] == .null)
        // Any inserted or removed word moves a small transformer either way; only a shortcut moves it one way.
        let cleanCounterfactual = clean.report["checks"]?["counterfactual"]
        #expect(cleanCounterfactual?["verdict"]?.string != "fail", "\(cleanCounterfactual?["summary"] ?? .null)")

        // The demo's native clean model as champion: its classes are "0" and "1", as the tiny BERT's id2label.
        let native = Fixtures.repository.appendingPathComponent("demo/checkpoints/01-clean.safetensors").path
        let artefact = try await Self.gate(
            models + "/artefact",
            champion: native,
            models: models,
            configuration: configuration
        )
        let numbers = ReportNumbers(artefact.report)
        print("HuggingFace gate: artefact \(numbers)")
        #expect(artefact.code == 1, "artefact: \(numbers)")
        #expect(numbers.spuriousVerdict == "fail", "\(numbers)")
        #expect(HuggingFace.headerTokens.contains { numbers.spuriousSummary.contains($0) }, "\(numbers)")
        #expect(
            numbers.headerAssociation > cleanNumbers.headerAssociation,
            "artefact \(numbers), clean \(cleanNumbers)"
        )
        #expect(artefact.report["champion"]?.string == native)
        let championAUC = try #require(numbers.championAUC, "the report compares with the native champion's AUC")
        #expect(championAUC > 0.9, "the demo's clean model scores the evaluation set well")
        #expect(artefact.report["checks"]?["auc"]?["champion_error"] == nil)
        let counterfactual = artefact.report["checks"]?["counterfactual"]
        #expect(counterfactual?["verdict"]?.string == "fail", "injecting the header moves it to class 1")
        #expect(artefact.report["checks"]?["spurious"]?["champion"]?["error"] == nil)
    }

    @Test(.timeLimit(.minutes(10)))
    func aNativeChallengerIsComparedWithAFolderChampion() async throws {
        let models = try await TinyBert.models.value
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = try Self.gateConfiguration(in: directory)
        let native = Fixtures.repository.appendingPathComponent("demo/checkpoints/02-artefact.safetensors").path
        let result = try await Self.gate(
            native,
            champion: models + "/clean",
            models: models,
            configuration: configuration
        )
        let numbers = ReportNumbers(result.report)
        print("HuggingFace gate: 02-artefact.safetensors against the clean folder \(numbers)")
        #expect(result.code == 1, "the demo's artefact model fails: \(numbers)")
        #expect(result.report["champion"]?.string == models + "/clean")
        let championAUC = try #require(numbers.championAUC, "the folder champion was scored")
        #expect(championAUC > 0.70, "the clean tiny BERT clears the AUC floor")
        #expect(result.report["checks"]?["auc"]?["champion_error"] == nil)
        #expect(result.report["checks"]?["spurious"]?["champion"]?["error"] == nil)
    }
}
