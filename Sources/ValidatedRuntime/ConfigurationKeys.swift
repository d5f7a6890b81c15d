import Foundation
import ValidatedCore
import ValidatedModels

/// Every configuration key, once: the parser reads files with this table, `validatectl config check` prints
/// with it, and the shipped-files tests hold `etc/validated/validated.conf` and `folders.d/example.conf.sample`
/// to it. Adding a key is one line here plus its documentation, commented out with its default, in the
/// shipped file.
public enum ConfigurationKeys {
    static let daemon = SettingSection<DaemonConfiguration>(
        "Daemon",
        [
            .storePath("Database", \.database),
            .optionalPath("DatabasePasswordFile", \.databasePasswordFile),
            .number("HeartbeatSec", \.heartbeatSeconds, in: 0.1...3600),
            .boolean("AutoPromote", \.autoPromote),
            .optionalPath("MetricsFile", \.metricsFile),
            .path("FoldersDirectory", \.foldersDirectory),
        ]
    )

    /// The suites' sections, allowed in the main file, its drop-ins and folder files.
    static let suites: [SettingSection<ValidationSettings>] = [
        explain, spurious, stability, auc, counterfactual, run,
    ]

    static let explain = SettingSection<ValidationSettings>(
        "Explain",
        [
            .integer("Samples", \.lime.samples, in: 10...1_000_000),
            .number("KernelWidth", \.lime.kernelWidth, in: 0.001...1e6),
            .integer("Features", \.lime.features, in: 1...10_000),
            .choice("FeatureSelection", \.lime.featureSelection),
            .boolean("Bow", \.lime.bow),
            ExplainKeys.splitExpression,
            .boolean("CharLevel", \.lime.charLevel),
            ExplainKeys.maskString,
            ExplainKeys.batchSize,
            ExplainKeys.labels,
            ExplainKeys.topLabels,
            ExplainKeys.certifyConfidence,
            .integer("CertifyStartSamples", \.lime.certifyStartSamples, in: 2...1_000_000),
            .number("CertifyNegligible", \.lime.certifyNegligible, in: 0...0.99),
            ExplainKeys.certifySaturation,
        ]
    )

    static let spurious = SettingSection<ValidationSettings>(
        "Spurious",
        [
            .integer("Documents", \.spurious.documents, in: 1...1_000_000),
            .integer("TopK", \.spurious.topK, in: 1...10_000),
            .number("MinWeightFraction", \.spurious.minWeightFraction, in: 0...1),
            .number("WarnHitRate", \.spurious.warnHitRate, in: 0...1),
            .number("MaxHitRate", \.spurious.maxHitRate, in: 0...1),
            .number("Confidence", \.spurious.confidence, in: 0.5...0.999999),
            .number("MaxMassShare", \.spurious.maxMassShare, in: 0...1),
            .number("WarnTokenAssociation", \.spurious.warnTokenAssociation, in: 0...1),
            .number("MaxTokenAssociation", \.spurious.maxTokenAssociation, in: 0...1),
            .integer("MinTokenDocuments", \.spurious.minTokenDocuments, in: 1...1_000_000_000),
            .integer("ReportTokens", \.spurious.reportTokens, in: 0...10_000),
            .integer("NewReasonTop", \.spurious.newReasonTop, in: 0...10_000),
            .number("NewReasonRatio", \.spurious.newReasonRatio, in: 1...1e6),
            .boolean("NewReasonsWarn", \.spurious.newReasonsWarn),
            .integer("PickExplanations", \.spurious.pickExplanations, in: 0...10_000),
        ]
    )

    static let stability = SettingSection<ValidationSettings>(
        "Stability",
        [
            .integer("Documents", \.stability.documents, in: 0...1_000_000),
            .integer("Seeds", \.stability.seeds, in: 2...1000),
            .number("WarnJaccard", \.stability.warnJaccard, in: 0...1),
            .number("MinJaccard", \.stability.minJaccard, in: 0...1),
            .integer("Perturbations", \.stability.perturbations, in: 0...1000),
            .number("WarnExcess", \.stability.warnExcess, in: 0...1),
            .number("MaxExcess", \.stability.maxExcess, in: 0...1),
            .integer("AttackDocuments", \.stability.attackDocuments, in: 0...1000),
            .integer("AttackSteps", \.stability.attackSteps, in: 1...100),
            .integer("AttackCandidates", \.stability.attackCandidates, in: 1...100),
            .integer("AttackSamples", \.stability.attackSamples, in: 0...1_000_000),
            .confidence("SettleConfidence", \.stability.settleConfidence),
            .integer("MinDocuments", \.stability.minimumDocuments, in: 2...1_000_000),
        ]
    )

    static let auc = SettingSection<ValidationSettings>(
        "AUC",
        [
            .number("Floor", \.auc.floor, in: 0...1),
            .number("Alpha", \.auc.alpha, in: 1e-12...0.5),
            .choice("Comparison", \.auc.comparison),
            .number("Margin", \.auc.margin, in: 0...0.5),
            .number("Power", \.auc.power, in: 0.5...0.999),
            .number("TargetDelta", \.auc.targetDelta, in: 1e-6...0.5),
        ]
    )

    static let counterfactual = SettingSection<ValidationSettings>(
        "Counterfactual",
        [
            .integer("Documents", \.counterfactual.documents, in: 0...1_000_000),
            .number("WarnShift", \.counterfactual.warnShift, in: 0...1),
            .number("MaxShift", \.counterfactual.maxShift, in: 0...1),
            .number("WarnFlipRate", \.counterfactual.warnFlipRate, in: 0...1),
            .number("MaxFlipRate", \.counterfactual.maxFlipRate, in: 0...1),
            CounterfactualKeys.artefact,
            .number("CandidateShift", \.counterfactual.candidateShift, in: 0...1),
            .number("CandidateQ", \.counterfactual.candidateQ, in: 0...1),
            .integer("CandidateMinDocuments", \.counterfactual.candidateMinDocuments, in: 1...1_000_000_000),
            .integer("ReportCandidates", \.counterfactual.reportCandidates, in: 0...10_000),
            .boolean("CandidatesWarn", \.counterfactual.candidatesWarn),
            .boolean("StopEarly", \.counterfactual.stopEarly),
        ]
    )

    static let run = SettingSection<ValidationSettings>(
        "Run",
        [
            .number("TimeoutSec", \.runTimeoutSeconds, in: 1...604_800),
            .integer("MaxTextChars", \.maxTextCharacters, in: 100...1_000_000_000),
        ]
    )

    static let folder = SettingSection<FolderConfiguration>(
        "Folder",
        [
            .path("Path", \.path),
            .path("EvaluationSet", \.evaluationSet),
            .optionalPath("BannedTokens", \.bannedTokens),
            .name("TextField", \.fields.text),
            .name("LabelField", \.fields.label),
            .name("IDField", \.fields.id),
            .name("PositiveLabel", \.fields.positiveLabel),
            .boolean("AutoPromote", \.autoPromote),
            FolderKeys.extensions,
            .number("RescanSec", \.rescanSeconds, in: 0...86_400),
        ]
    )

    static let scorer = SettingSection<ScorerConfiguration>(
        "Scorer",
        [
            ScorerKeys.command,
            .number("StartTimeoutSec", \.limits.startTimeoutSeconds, in: 0.1...3600),
            .number("BatchTimeoutSec", \.limits.batchTimeoutSeconds, in: 0.1...3600),
            .number("TextTimeoutSec", \.limits.textTimeoutSeconds, in: 0...3600),
            .integer("BatchSize", \.limits.batchSize, in: 1...100_000),
            ScorerKeys.memoryLimit,
        ]
    )

    /// The sections a main file and its drop-ins may hold, each with its keys, in documented order.
    public static var mainFileSections: [(section: String, keys: [String])] {
        [(daemon.name, daemon.keys.map(\.name))] + suites.map { ($0.name, $0.keys.map(\.name)) }
    }

    /// The sections a folder file may hold, each with its keys, in documented order.
    public static var folderFileSections: [(section: String, keys: [String])] {
        [(folder.name, folder.keys.map(\.name)), (scorer.name, scorer.keys.map(\.name))]
            + suites.map { ($0.name, $0.keys.map(\.name)) }
    }

    /// The `[Daemon]` section's values.
    public static func values(of configuration: DaemonConfiguration) -> SectionValues {
        daemon.values(of: configuration)
    }

    /// The `[Folder]` section's values, then the `[Scorer]` section's.
    public static func values(of folder: FolderConfiguration) -> [SectionValues] {
        [Self.folder.values(of: folder), scorer.values(of: folder.scorer)]
    }

    /// The suites' sections' values: `[Explain]`, `[Spurious]`, `[Stability]`, `[AUC]`, `[Counterfactual]`, `[Run]`.
    public static func values(of settings: ValidationSettings) -> [SectionValues] {
        suites.map { $0.values(of: settings) }
    }
}

/// The `[Explain]` keys that do more than store one value.
private enum ExplainKeys {
    static let splitExpression = SettingKey<ValidationSettings>("SplitExpression", read: readSplitExpression) {
        .text($0.lime.splitExpression)
    }

    /// A split expression LIME can use: refused here rather than when the first model is explained.
    @Sendable private static func readSplitExpression(
        _ settings: inout ValidationSettings,
        _ value: ConfigurationParser.ValueReader
    ) throws(ConfigurationError) {
        let expression = try value.nonEmpty()
        do {
            _ = try IndexedText("", splitExpression: expression)
        } catch {
            throw value.error("\(error)")
        }
        settings.lime.splitExpression = expression
    }

    static let maskString = SettingKey<ValidationSettings>(
        "MaskString",
        read: { s, v throws(ConfigurationError) in
            s.lime.maskString = v.entry.value.isEmpty ? nil : v.entry.value
        },
        value: { $0.lime.maskString.map(SettingValue.text) ?? .unset }
    )

    /// 0 turns certification off: every explanation draws Samples=.
    static let certifyConfidence = SettingKey<ValidationSettings>.confidence(
        "CertifyConfidence",
        \.lime.certifyConfidence
    )

    /// Empty or 0: off.
    static let certifySaturation = SettingKey<ValidationSettings>(
        "CertifySaturation",
        read: { s, v throws(ConfigurationError) in
            let margin = v.entry.value.isEmpty ? 0 : try v.double(in: 0...0.99)
            s.lime.certifySaturation = margin == 0 ? nil : margin
        },
        value: { $0.lime.certifySaturation.map(SettingValue.number) ?? .unset }
    )

    static let batchSize = SettingKey<ValidationSettings>(
        "BatchSize",
        read: { s, v throws(ConfigurationError) in
            s.lime.batchSize = v.entry.value.isEmpty ? nil : try v.int(in: 1...1_000_000)
        },
        value: { $0.lime.batchSize.map(SettingValue.integer) ?? .unset }
    )

    /// `Labels=` and `TopLabels=` share one setting: the last one given wins, and emptying one only clears its own.
    static let labels = SettingKey<ValidationSettings>(
        "Labels",
        read: { s, v throws(ConfigurationError) in
            let names = v.entry.value.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
            if names.isEmpty {
                if case .classes = s.labels { s.labels = .positive }
            } else {
                s.labels = .classes(names)
            }
        },
        value: { if case .classes(let names) = $0.labels { .list(names) } else { .list([]) } }
    )

    static let topLabels = SettingKey<ValidationSettings>(
        "TopLabels",
        read: { s, v throws(ConfigurationError) in
            let count = try v.int(in: 0...10_000)
            if count > 0 {
                s.labels = .top(count)
            } else if case .top = s.labels {
                s.labels = .positive
            }
        },
        value: { if case .top(let count) = $0.labels { .integer(count) } else { .integer(0) } }
    )
}

/// The `[Counterfactual]` keys that do more than store one value.
private enum CounterfactualKeys {
    /// `Artefact=STRING`, repeatable, one artefact string each; an empty one clears those given before (in the
    /// main file, for a folder that wants none of them).
    static let artefact = SettingKey<ValidationSettings>(
        "Artefact",
        read: { s, v throws(ConfigurationError) in
            if v.entry.value.isEmpty {
                s.counterfactual.artefacts = []
            } else {
                s.counterfactual.artefacts.append(v.entry.value)
            }
        },
        value: { .repeated($0.counterfactual.artefacts) }
    )
}

/// The `[Folder]` keys that do more than store one value.
private enum FolderKeys {
    static let extensions = SettingKey<FolderConfiguration>(
        "Extensions",
        read: { f, v throws(ConfigurationError) in
            let list = v.entry.value.split(whereSeparator: { $0 == " " || $0 == "," }).map {
                String($0.drop(while: { $0 == "." }))
            }
            guard !list.isEmpty else { throw v.error("list at least one extension, e.g. safetensors") }
            f.extensions = list
        },
        value: { .list($0.extensions) }
    )
}

/// The `[Scorer]` keys that do more than store one value.
private enum ScorerKeys {
    /// `Command=EXTENSION PROGRAM [ARGUMENTS...]`, repeatable, one extension each.
    static let command = SettingKey<ScorerConfiguration>(
        "Command",
        read: { s, v throws(ConfigurationError) in
            guard let words = ScorerCommand.split(v.entry.value) else {
                throw v.error("a quote is not closed")
            }
            guard words.count >= 2, let first = words.first else {
                throw v.error(
                    "write the extension, then the command line, e.g. onnx python3 /usr/local/lib/validated/onnx_scorer.py"
                )
            }
            let fileExtension = String(first.drop(while: { $0 == "." })).lowercased()
            guard !fileExtension.isEmpty, !fileExtension.contains("/") else {
                throw v.error("\"\(first)\" is not a file extension; write the extension first, e.g. onnx")
            }
            guard s.commands[fileExtension] == nil else {
                throw v.error("a second command for .\(fileExtension); each extension has one scorer")
            }
            s.commands[fileExtension] = Array(words.dropFirst())
        },
        value: { scorer in
            .repeated(
                scorer.commands.sorted { $0.key < $1.key }.map {
                    ([$0.key] + $0.value.map(quoted)).joined(separator: " ")
                }
            )
        }
    )

    static let memoryLimit = SettingKey<ScorerConfiguration>(
        "MemoryLimit",
        read: { s, v throws(ConfigurationError) in
            s.limits.memoryLimitBytes = try v.bytes(atLeast: 16 << 20)
        },
        value: { $0.limits.memoryLimitBytes.map(SettingValue.integer) ?? .text("infinity") }
    )

    /// An argument as `Command=` reads it back: quoted when it holds whitespace, quotes or backslashes.
    static func quoted(_ argument: String) -> String {
        guard argument.isEmpty || argument.contains(where: { " \t\"'\\".contains($0) }) else { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
