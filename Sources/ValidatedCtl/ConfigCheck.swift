import ArgumentParser
import Foundation
import ValidatedCore
import ValidatedModels
import ValidatedRuntime

/// `validatectl config`: verbs about the daemon's configuration.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the daemon's configuration.",
        subcommands: [ConfigCheck.self],
        defaultSubcommand: ConfigCheck.self
    )
}

/// `validatectl config check`: parse the configuration as the daemon would and print what it would use.
struct ConfigCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Parse the configuration with the daemon's own loader and print the effective settings.",
        discussion: """
            Also reads each folder's evaluation set and banned-token list, which the daemon reads only when it \
            validates a model. Exit code 0 when everything can be used, 1 with FILE:LINE: REASON otherwise.
            """
    )

    @Option(name: .long, help: "The daemon's main configuration file.")
    var config = "/etc/validated/validated.conf"

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.load(mainFile: config)
        } catch {
            if output.json {
                try printJSON(ConfigJSON(error: error))
            } else {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
            }
            throw ExitCode(1)
        }
        let folders = configuration.folders.map(FolderCheck.init)
        if output.json {
            try printJSON(ConfigJSON(configuration, folders: folders))
        } else {
            print(Self.render(configuration, folders: folders, legend: !output.noLegend), terminator: "")
            for problem in folders.compactMap(\.problem) { FileHandle.standardError.write(Data("\(problem)\n".utf8)) }
        }
        if folders.contains(where: { $0.problem != nil }) { throw ExitCode(1) }
    }

    static func render(_ configuration: DaemonConfiguration, folders: [FolderCheck], legend: Bool) -> String {
        var out = ""
        if legend { out += "Read \(configuration.sources.joined(separator: ", "))\n\n" }
        out += "[Daemon]\nDatabase=\(configuration.database)\nHeartbeatSec=\(Self.number(configuration.heartbeatSeconds))\n"
        out += "AutoPromote=\(configuration.autoPromote ? "yes" : "no")\nFoldersDirectory=\(configuration.foldersDirectory)\n"
        for check in folders {
            let folder = check.folder
            out += "\n# folder \"\(folder.name)\" from \(folder.source)\n[Folder]\n"
            out += "Path=\(folder.path)\nEvaluationSet=\(folder.evaluationSet)\nBannedTokens=\(folder.bannedTokens ?? "")\n"
            out += "TextField=\(folder.fields.text)\nLabelField=\(folder.fields.label)\nIDField=\(folder.fields.id)\n"
            out += "PositiveLabel=\(folder.fields.positiveLabel)\nAutoPromote=\(folder.autoPromote ? "yes" : "no")\n"
            out += "Extensions=\(folder.extensions.joined(separator: " "))\n"
            if !folder.scorer.commands.isEmpty {
                let limits = folder.scorer.limits
                out += "[Scorer]\n"
                for (fileExtension, arguments) in folder.scorer.commands.sorted(by: { $0.key < $1.key }) {
                    out += "Command=\(fileExtension) \(arguments.map(Self.quoted).joined(separator: " "))\n"
                }
                out += "StartTimeoutSec=\(Self.number(limits.startTimeoutSeconds))\n"
                out += "BatchTimeoutSec=\(Self.number(limits.batchTimeoutSeconds))\n"
                out += "BatchSize=\(limits.batchSize)\nMemoryLimit=\(limits.memoryLimitBytes.map(String.init) ?? "infinity")\n"
            }
            for (section, keys) in SettingsJSON(folder.settings).sections {
                out += "[\(section)]\n"
                for (key, value) in keys { out += "\(key)=\(value)\n" }
            }
            if legend {
                if let problem = check.problem {
                    out += "# problem: \(problem)\n"
                } else {
                    out += "# \(check.documents) evaluation documents, \(check.bannedEntries) banned-token entries\n"
                }
            }
        }
        if legend {
            let problems = folders.filter { $0.problem != nil }.count
            out += problems == 0 ? "\nConfiguration OK.\n" : "\n\(problems) folder\(problems == 1 ? "" : "s") cannot be used.\n"
        }
        return out
    }

    /// An argument as `Command=` reads it back: quoted when it holds whitespace, quotes or backslashes.
    static func quoted(_ argument: String) -> String {
        guard argument.isEmpty || argument.contains(where: { " \t\"'\\".contains($0) }) else { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

/// A folder with the result of reading its evaluation set and banned-token list.
struct FolderCheck {
    var folder: FolderConfiguration
    var documents = 0
    var bannedEntries = 0
    var problem: String?

    init(_ folder: FolderConfiguration) {
        self.folder = folder
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) || !isDirectory.boolValue {
            problem = "\(folder.source): Path=\(folder.path) is not a directory; create it or fix Path="
            return
        }
        for (fileExtension, arguments) in folder.scorer.commands.sorted(by: { $0.key < $1.key }) {
            if let program = arguments.first, !Self.isRunnable(program) {
                problem = "\(folder.source): [Scorer] Command=\(fileExtension): \(program) is not an executable file\(program.contains("/") ? "" : " in PATH"); install it or give its absolute path"
                return
            }
        }
        do {
            let resources = try FolderResources.load(
                evaluationSet: folder.evaluationSet, fields: folder.fields, bannedTokens: folder.bannedTokens
            )
            documents = resources.evaluation.documents.count
            bannedEntries = resources.banned.entries.count
        } catch {
            problem = "\(error)"
        }
    }
}

extension FolderCheck {
    /// Whether `program` names an executable file, directly or through `PATH` as the scorer's `exec` finds it.
    static func isRunnable(_ program: String) -> Bool {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(program)") }
    }
}

/// A folder's suite settings, by configuration section and key, in the order the shipped file documents them.
struct SettingsJSON: Encodable {
    var sections: [(String, [(String, String)])]

    init(_ settings: ValidationSettings) {
        let n = ConfigCheck.number
        sections = [
            (
                "Explain",
                [
                    ("Samples", "\(settings.lime.samples)"), ("KernelWidth", n(settings.lime.kernelWidth)),
                    ("Features", "\(settings.lime.features)"),
                    ("FeatureSelection", settings.lime.featureSelection.rawValue),
                    ("Bow", settings.lime.bow ? "yes" : "no"), ("SplitExpression", settings.lime.splitExpression),
                    ("CharLevel", settings.lime.charLevel ? "yes" : "no"), ("MaskString", settings.lime.maskString ?? ""),
                    ("BatchSize", settings.lime.batchSize.map(String.init) ?? ""),
                    ("Labels", { if case .classes(let names) = settings.labels { names.joined(separator: " ") } else { "" } }()),
                    ("TopLabels", { if case .top(let count) = settings.labels { "\(count)" } else { "0" } }()),
                ]
            ),
            (
                "Spurious",
                [
                    ("Documents", "\(settings.spurious.documents)"), ("TopK", "\(settings.spurious.topK)"),
                    ("MinWeightFraction", n(settings.spurious.minWeightFraction)),
                    ("WarnHitRate", n(settings.spurious.warnHitRate)), ("MaxHitRate", n(settings.spurious.maxHitRate)),
                    ("MaxMassShare", n(settings.spurious.maxMassShare)), ("Confidence", n(settings.spurious.confidence)),
                    ("WarnTokenAssociation", n(settings.spurious.warnTokenAssociation)),
                    ("MaxTokenAssociation", n(settings.spurious.maxTokenAssociation)),
                    ("MinTokenDocuments", "\(settings.spurious.minTokenDocuments)"),
                    ("ReportTokens", "\(settings.spurious.reportTokens)"),
                    ("NewReasonTop", "\(settings.spurious.newReasonTop)"),
                    ("NewReasonRatio", n(settings.spurious.newReasonRatio)),
                    ("NewReasonsWarn", settings.spurious.newReasonsWarn ? "yes" : "no"),
                    ("PickExplanations", "\(settings.spurious.pickExplanations)"),
                ]
            ),
            (
                "Stability",
                [
                    ("Documents", "\(settings.stability.documents)"), ("Seeds", "\(settings.stability.seeds)"),
                    ("WarnJaccard", n(settings.stability.warnJaccard)), ("MinJaccard", n(settings.stability.minJaccard)),
                    ("Perturbations", "\(settings.stability.perturbations)"),
                    ("WarnExcess", n(settings.stability.warnExcess)), ("MaxExcess", n(settings.stability.maxExcess)),
                    ("AttackDocuments", "\(settings.stability.attackDocuments)"),
                    ("AttackSteps", "\(settings.stability.attackSteps)"),
                    ("AttackCandidates", "\(settings.stability.attackCandidates)"),
                ]
            ),
            (
                "AUC",
                [
                    ("Floor", n(settings.auc.floor)), ("Alpha", n(settings.auc.alpha)),
                    ("Comparison", settings.auc.comparison.rawValue), ("Margin", n(settings.auc.margin)),
                    ("Power", n(settings.auc.power)), ("TargetDelta", n(settings.auc.targetDelta)),
                ]
            ),
        ]
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Sections and keys in snake case (`spurious.top_k`); numbers as numbers.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (section, keys) in sections {
            var nested = container.nestedContainer(keyedBy: Key.self, forKey: Key(Self.snakeCase(section)))
            for (key, value) in keys {
                if let number = Double(value) {
                    try nested.encode(JSONValue.number(number), forKey: Key(Self.snakeCase(key)))
                } else {
                    try nested.encode(value, forKey: Key(Self.snakeCase(key)))
                }
            }
        }
    }

    /// `TopK` → `top_k`, `AUC` → `auc`.
    static func snakeCase(_ name: String) -> String {
        var out = ""
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            let startsWord = character.isUppercase && index > 0
                && (characters[index - 1].isLowercase || (index + 1 < characters.count && characters[index + 1].isLowercase))
            if startsWord { out += "_" }
            out += character.lowercased()
        }
        return out
    }
}

/// `validatectl config check --json`.
struct ConfigJSON: Encodable {
    struct Problem: Encodable {
        var file: String
        var line: Int?
        var reason: String

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(file, forKey: .file)
            try container.encode(line, forKey: .line)
            try container.encode(reason, forKey: .reason)
        }

        enum CodingKeys: String, CodingKey { case file, line, reason }
    }

    /// One `[Scorer] Command=` with the section's limits.
    struct Scorer: Encodable {
        var fileExtension: String
        var command: [String]
        var startTimeoutSeconds: Double
        var batchTimeoutSeconds: Double
        var batchSize: Int
        var memoryLimitBytes: Int?

        init(_ entry: (key: String, value: ScorerCommand)) {
            fileExtension = entry.key
            command = entry.value.arguments
            startTimeoutSeconds = entry.value.startTimeoutSeconds
            batchTimeoutSeconds = entry.value.batchTimeoutSeconds
            batchSize = entry.value.batchSize
            memoryLimitBytes = entry.value.memoryLimitBytes
        }

        enum CodingKeys: String, CodingKey {
            case command
            case fileExtension = "extension"
            case startTimeoutSeconds = "start_timeout_seconds"
            case batchTimeoutSeconds = "batch_timeout_seconds"
            case batchSize = "batch_size"
            case memoryLimitBytes = "memory_limit_bytes"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(fileExtension, forKey: .fileExtension)
            try container.encode(command, forKey: .command)
            try container.encode(startTimeoutSeconds, forKey: .startTimeoutSeconds)
            try container.encode(batchTimeoutSeconds, forKey: .batchTimeoutSeconds)
            try container.encode(batchSize, forKey: .batchSize)
            try container.encode(memoryLimitBytes, forKey: .memoryLimitBytes)
        }
    }

    struct Folder: Encodable {
        var name: String
        var source: String
        var path: String
        var evaluationSet: String
        var bannedTokens: String?
        var fields: [String: String]
        var autoPromote: Bool
        var extensions: [String]
        var scorers: [Scorer]
        var settings: SettingsJSON
        var documents: Int?
        var bannedEntries: Int?
        var problem: String?

        init(_ check: FolderCheck) {
            let folder = check.folder
            name = folder.name
            source = folder.source
            path = folder.path
            evaluationSet = folder.evaluationSet
            bannedTokens = folder.bannedTokens
            fields = [
                "text": folder.fields.text, "label": folder.fields.label, "id": folder.fields.id,
                "positive_label": folder.fields.positiveLabel,
            ]
            autoPromote = folder.autoPromote
            extensions = folder.extensions
            scorers = folder.scorer.byExtension.sorted(by: { $0.key < $1.key }).map(Scorer.init)
            settings = SettingsJSON(folder.settings)
            documents = check.problem == nil ? check.documents : nil
            bannedEntries = check.problem == nil ? check.bannedEntries : nil
            problem = check.problem
        }

        enum CodingKeys: String, CodingKey {
            case name, source, path, fields, extensions, scorers, settings, documents, problem
            case evaluationSet = "evaluation_set"
            case bannedTokens = "banned_tokens"
            case autoPromote = "auto_promote"
            case bannedEntries = "banned_entries"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(source, forKey: .source)
            try container.encode(path, forKey: .path)
            try container.encode(evaluationSet, forKey: .evaluationSet)
            try container.encode(bannedTokens, forKey: .bannedTokens)
            try container.encode(fields, forKey: .fields)
            try container.encode(autoPromote, forKey: .autoPromote)
            try container.encode(extensions, forKey: .extensions)
            try container.encode(scorers, forKey: .scorers)
            try container.encode(settings, forKey: .settings)
            try container.encode(documents, forKey: .documents)
            try container.encode(bannedEntries, forKey: .bannedEntries)
            try container.encode(problem, forKey: .problem)
        }
    }

    var valid: Bool
    var error: Problem?
    var sources: [String] = []
    var database: String?
    var heartbeatSeconds: Double?
    var autoPromote: Bool?
    var foldersDirectory: String?
    var folders: [Folder] = []

    init(error: ConfigurationError) {
        valid = false
        self.error = Problem(file: error.source, line: error.line, reason: error.reason)
    }

    init(_ configuration: DaemonConfiguration, folders: [FolderCheck]) {
        valid = !folders.contains { $0.problem != nil }
        sources = configuration.sources
        database = configuration.database
        heartbeatSeconds = configuration.heartbeatSeconds
        autoPromote = configuration.autoPromote
        foldersDirectory = configuration.foldersDirectory
        self.folders = folders.map(Folder.init)
    }

    enum CodingKeys: String, CodingKey {
        case schema, valid, error, sources, database, folders
        case heartbeatSeconds = "heartbeat_seconds"
        case autoPromote = "auto_promote"
        case foldersDirectory = "folders_directory"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jsonSchema, forKey: .schema)
        try container.encode(valid, forKey: .valid)
        try container.encode(error, forKey: .error)
        try container.encode(sources, forKey: .sources)
        try container.encode(database, forKey: .database)
        try container.encode(heartbeatSeconds, forKey: .heartbeatSeconds)
        try container.encode(autoPromote, forKey: .autoPromote)
        try container.encode(foldersDirectory, forKey: .foldersDirectory)
        try container.encode(folders, forKey: .folders)
    }
}
