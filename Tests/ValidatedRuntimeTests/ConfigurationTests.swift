import Foundation
import Testing
import ValidatedCore
import ValidatedModels
import ValidatedRuntime
import ValidatedTestSupport

@Suite struct ConfigurationTests {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/folders.d", withIntermediateDirectories: true)
    }

    private func write(_ relative: String, _ text: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func shippedConfigurationParsesToTheDefaults() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../etc/validated/validated.conf").standardized.path
        try write("validated.conf", try String(contentsOfFile: shipped, encoding: .utf8))
        try write("folders.d/topics.conf", "[Folder]\nPath=/srv/models\nEvaluationSet=eval.jsonl\n")
        let configuration = try DaemonConfiguration.load(mainFile: root + "/validated.conf")
        #expect(configuration.settings == ValidationSettings())
        #expect(configuration.database == "/var/lib/validated/validated.sqlite")
        #expect(configuration.folders.map(\.name) == ["topics"])
        #expect(configuration.folders[0].evaluationSet == root + "/folders.d/eval.jsonl")
    }

    @Test func everyDefaultTheShippedConfigurationDocumentsIsTheDefault() throws {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../etc/validated/validated.conf").standardized.path
        let lines = try String(contentsOfFile: shipped, encoding: .utf8).split(
            separator: "\n",
            omittingEmptySubsequences: false
        )
        let uncommented = lines.map { line in
            line.range(of: #"^#[A-Z][A-Za-z]*="#, options: .regularExpression) != nil ? line.dropFirst() : line
        }
        #expect(uncommented.filter { $0.contains("=") && !$0.hasPrefix("#") }.count > 40)
        // The shipped FoldersDirectory is /etc/validated/folders.d: point it at the test's.
        try write("validated.conf", uncommented.joined(separator: "\n") + "\n[Daemon]\nFoldersDirectory=folders.d\n")
        try write("folders.d/topics.conf", "[Folder]\nPath=/srv/models\nEvaluationSet=eval.jsonl\n")
        let configuration = try DaemonConfiguration.load(mainFile: root + "/validated.conf")
        #expect(configuration.settings == ValidationSettings())
        #expect(
            ConfigurationKeys.values(of: configuration.settings) == ConfigurationKeys.values(of: ValidationSettings())
        )
        let daemon = ConfigurationKeys.values(of: configuration).entries.filter { $0.key != "FoldersDirectory" }
        let defaults = ConfigurationKeys.values(of: DaemonConfiguration(mainFile: "/etc/validated/validated.conf"))
        #expect(daemon == defaults.entries.filter { $0.key != "FoldersDirectory" })
        #expect(
            defaults.entries.last == .init(key: "FoldersDirectory", value: .text("/etc/validated/folders.d")),
            "the shipped file documents the default of a main file in /etc/validated"
        )
    }

    /// Every key of the table is documented, commented out, in the shipped files, in the table's order, and they
    /// document no other; the tests above hold the documented values to the defaults.
    @Test func theShippedFilesDocumentEveryKeyOfTheTableAndNoOther() throws {
        func documented(_ path: String) throws -> [String] {
            var section = ""
            var keys: [String] = []
            let text = try String(contentsOf: Fixtures.repository.appendingPathComponent(path), encoding: .utf8)
            for line in text.split(separator: "\n") {
                if line.hasPrefix("[") { section = String(line.dropFirst().dropLast()) }
                if let key = line.firstMatch(of: /^#([A-Z][A-Za-z]*)=/) { keys.append("\(section).\(key.1)") }
            }
            return keys
        }
        func table(_ sections: [(section: String, keys: [String])]) -> [String] {
            sections.flatMap { section in section.keys.map { "\(section.section).\($0)" } }
        }
        #expect(try documented("etc/validated/validated.conf") == table(ConfigurationKeys.mainFileSections))
        // A folder file documents its own sections; the suites' are documented once, in validated.conf.
        let folderSections = ConfigurationKeys.folderFileSections.filter { ["Folder", "Scorer"].contains($0.section) }
        #expect(try documented("etc/validated/folders.d/example.conf.sample") == table(folderSections))
        #expect(
            Set(ConfigurationKeys.folderFileSections.map(\.section)).subtracting(["Folder", "Scorer"])
                == Set(ConfigurationKeys.mainFileSections.map(\.section)).subtracting(["Daemon"])
        )
    }

    @Test func limeOptionsAndTheSpuriousSuitesNewKeysParse() throws {
        try write(
            "validated.conf",
            "[Explain]\nFeatureSelection=lasso_path\nBow=no\nSplitExpression=\\s+\nMaskString=___\nBatchSize=256\nCharLevel=yes\n"
                + "[Spurious]\nMaxTokenAssociation=0.3\nMinTokenDocuments=5\nNewReasonTop=0\nNewReasonsWarn=no\nPickExplanations=2\n"
        )
        try write("folders.d/a.conf", "[Folder]\nPath=/a\nEvaluationSet=/e\n")
        let settings = try DaemonConfiguration.load(mainFile: root + "/validated.conf").settings
        #expect(
            settings.lime
                == LimeSettings(
                    featureSelection: .lassoPath,
                    batchSize: 256,
                    bow: false,
                    splitExpression: #"\s+"#,
                    charLevel: true,
                    maskString: "___"
                )
        )
        #expect(settings.labels == .positive)
        #expect(settings.spurious.maxTokenAssociation == 0.3 && settings.spurious.minTokenDocuments == 5)
        try write("validated.conf.d/labels.conf", "[Explain]\nLabels=0, 2\n")
        #expect(
            try DaemonConfiguration.load(mainFile: root + "/validated.conf").settings.labels == .classes(["0", "2"])
        )
        try write("validated.conf.d/top.conf", "[Explain]\nTopLabels=2\n")
        #expect(try DaemonConfiguration.load(mainFile: root + "/validated.conf").settings.labels == .top(2))
        #expect(
            settings.spurious.newReasonTop == 0 && !settings.spurious.newReasonsWarn
                && settings.spurious.pickExplanations == 2
        )
    }

    @Test func dropInsAndFolderOverridesApplyInOrder() throws {
        try write("validated.conf", "[AUC]\nFloor=0.6\n[Daemon]\nAutoPromote=no\n")
        try write("validated.conf.d/10-floor.conf", "[AUC]\nFloor=0.65\n")
        try write("validated.conf.d/20-floor.conf", "[AUC]\nFloor=0.75\n")
        try write("folders.d/a.conf", "[Folder]\nPath=/a\nEvaluationSet=/e\n[Spurious]\nTopK=5\n")
        try write("folders.d/b.conf", "[Folder]\nPath=/b\nEvaluationSet=/e\nAutoPromote=yes\n")
        let configuration = try DaemonConfiguration.load(mainFile: root + "/validated.conf")
        #expect(configuration.settings.auc.floor == 0.75)
        #expect(configuration.folders[0].settings.spurious.topK == 5)
        #expect(configuration.folders[0].autoPromote == false)
        #expect(configuration.folders[1].settings.spurious.topK == SpuriousSettings().topK)
        #expect(configuration.folders[1].autoPromote == true)
        #expect(configuration.folders[0].fingerprint != configuration.folders[1].fingerprint)
    }

    @Test(arguments: [
        ("[AUC]\nFloor=1.5\n", 2, "Floor=: \"1.5\" is not a number in 0.0...1.0"),
        ("[AUC]\nFlor=0.5\n", 2, "unknown key \"Flor\" in [AUC]; did you mean \"Floor\"?"),
        ("[Daemon]\nAutoPromote=maybe\n", 2, "AutoPromote=: \"maybe\" is not a boolean; use yes or no"),
        (
            "[Daemon]\nDatabase=postgresql://ops:secret@db.example/validated?sslmode=require\n", 2,
            "Database=: the PostgreSQL URL carries a password; a configuration file is no place for it: put it in "
                + "the file DatabasePasswordFile= names (or the credential database-password, or PGPASSWORD)"
        ),
        (
            "[Daemon]\nDatabase=mysql://ops@db.example/validated\n", 2,
            "Database=: a mysql:// URL is not a store validated can use: write the path of an SQLite file, "
                + "such as /var/lib/validated/validated.sqlite, or a postgresql:// URL"
        ),
        (
            "[Daemon]\nDatabase=postgresql://ops@db.example/validated?sslmode=maybe\n", 2,
            "Database=: sslmode=maybe is not a TLS mode: use one of disable, prefer, require, verify-ca, verify-full"
        ),
        ("Floor=0.5\n", 1, "assignment outside of any [Section]"),
        ("[AUC\n", 1, "malformed section header \"[AUC\"; write it as [Name]"),
        ("[Explain]\n\n# comment\nSamples\n", 4, "expected Key=Value, found \"Samples\""),
        (
            "[Explain]\nFeatureSelection=lasso\n", 2,
            "FeatureSelection=: \"lasso\" is not one of auto, forward_selection, highest_weights, lasso_path, none"
        ),
        (
            "[Explain]\nSplitExpression=[a-\n", 2,
            "SplitExpression=: the split expression \"[a-\" is not a valid regular expression (ICU syntax, close to Python's re); correct LIME's split_expression, for example \\W+ or \\s+"
        ),
    ])
    func badValuesNameFileLineAndReason(text: String, line: Int, reason: String) throws {
        try write("validated.conf", text)
        try write("folders.d/a.conf", "[Folder]\nPath=/a\nEvaluationSet=/e\n")
        #expect(throws: ConfigurationError(source: root + "/validated.conf", line: line, reason: reason)) {
            try DaemonConfiguration.load(mainFile: root + "/validated.conf")
        }
    }

    @Test func aFolderNeedsPathAndEvaluationSet() throws {
        try write("validated.conf", "")
        try write("folders.d/a.conf", "[Folder]\nPath=/a\n")
        #expect(
            throws: ConfigurationError(
                source: root + "/folders.d/a.conf",
                reason: "[Folder] needs EvaluationSet= (a JSON Lines file)"
            )
        ) {
            try DaemonConfiguration.load(mainFile: root + "/validated.conf")
        }
    }

    @Test func theSampleFolderFileDocumentsEveryScorerKeyWithItsDefault() throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../etc/validated/folders.d/example.conf.sample").standardized.path
        // Uncomment every Key=value line, as a user would to change one.
        let uncommented = try String(contentsOfFile: sample, encoding: .utf8).split(
            separator: "\n",
            omittingEmptySubsequences: false
        )
        .map { line in
            line.hasPrefix("#") && line.dropFirst().first?.isLetter == true && line.contains("=")
                ? line.dropFirst() : line
        }
        .joined(separator: "\n")
        .replacingOccurrences(of: "Extensions=safetensors", with: "Extensions=safetensors onnx")
        try write("validated.conf", "")
        try write("folders.d/topics.conf", uncommented)
        let folder = try #require(try DaemonConfiguration.load(mainFile: root + "/validated.conf").folders.first)
        #expect(folder.scorer.commands == ["onnx": ["python3", "/usr/local/lib/validated/onnx_scorer.py"]])
        #expect(folder.scorer.limits == ScorerCommand(arguments: []), "the sample's values are the defaults")
        #expect(folder.fields == EvaluationFields() && folder.autoPromote, "the sample's values are the defaults")
    }

    @Test func scorersMapExtensionsToCommandsWithSharedLimits() throws {
        try write("validated.conf", "")
        try write(
            "folders.d/a.conf",
            """
            [Folder]
            Path=/a
            EvaluationSet=/e
            Extensions=safetensors onnx
            [Scorer]
            Command=.ONNX python3 '/opt/validated/onnx scorer.py' --threads 2
            StartTimeoutSec=5
            BatchTimeoutSec=2.5s
            BatchSize=64
            MemoryLimit=512M
            """
        )
        let folder = try #require(try DaemonConfiguration.load(mainFile: root + "/validated.conf").folders.first)
        #expect(folder.scorer.commands == ["onnx": ["python3", "/opt/validated/onnx scorer.py", "--threads", "2"]])
        #expect(
            folder.scorer.byExtension["onnx"]
                == ScorerCommand(
                    arguments: ["python3", "/opt/validated/onnx scorer.py", "--threads", "2"],
                    startTimeoutSeconds: 5,
                    batchTimeoutSeconds: 2.5,
                    batchSize: 64,
                    memoryLimitBytes: 512 << 20
                )
        )
    }

    @Test(arguments: [
        (
            "Extensions=onnx\n", "", 4,
            "Extensions=: .onnx files need a scorer; add [Scorer] Command=onnx COMMAND (docs/scorer-protocol.md) or remove it"
        ),
        (
            "", "Command=onnx python3 s.py\n", 5,
            "Command=: the scorer for .onnx is never used; add onnx to [Folder] Extensions="
        ),
        (
            "Extensions=onnx\n", "Command=onnx\n", 6,
            "Command=: write the extension, then the command line, e.g. onnx python3 /usr/local/lib/validated/onnx_scorer.py"
        ),
        ("Extensions=onnx\n", "Command=onnx python3 'x\n", 6, "Command=: a quote is not closed"),
        (
            "Extensions=onnx\n", "Command=onnx a\nCommand=onnx b\n", 7,
            "Command=: a second command for .onnx; each extension has one scorer"
        ),
        (
            "Extensions=onnx\n", "Command=onnx a\nMemoryLimit=1M\n", 7,
            "MemoryLimit=: \"1M\" is not a size of at least 16M; write bytes or a number with K, M, G or T, or infinity"
        ),
        ("Extensions=onnx\n", "Command=onnx a\nBatchSize=0\n", 7, "BatchSize=: \"0\" is not an integer in 1...100000"),
        (
            "Extensions=onnx\n", "Command=onnx a\nBatchTimoutSec=3\n", 7,
            "unknown key \"BatchTimoutSec\" in [Scorer]; did you mean \"BatchTimeoutSec\"?"
        ),
    ])
    func badScorerSectionsNameFileLineAndReason(
        folderLines: String,
        scorerLines: String,
        line: Int,
        reason: String
    ) throws {
        try write("validated.conf", "")
        try write("folders.d/a.conf", "[Folder]\nPath=/a\nEvaluationSet=/e\n\(folderLines)[Scorer]\n\(scorerLines)")
        #expect(throws: ConfigurationError(source: root + "/folders.d/a.conf", line: line, reason: reason)) {
            try DaemonConfiguration.load(mainFile: root + "/validated.conf")
        }
    }
}
