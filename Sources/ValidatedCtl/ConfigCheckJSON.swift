import Foundation
import ValidatedCore
import ValidatedModels
import ValidatedRuntime

// The JSON documents of `validatectl config check --json`, documented field by field in docs/validatectl.md.

/// A folder's suite settings in JSON: sections and keys in snake case (`spurious.top_k`), each value typed as its
/// setting (a number, a boolean, a string, a list of strings, or null for an optional setting left empty).
struct SettingsJSON: Encodable {
    var sections: [SectionValues]

    init(_ settings: ValidationSettings) {
        sections = ConfigurationKeys.values(of: settings)
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for section in sections {
            var nested = container.nestedContainer(keyedBy: Key.self, forKey: Key(Self.snakeCase(section.section)))
            for entry in section.entries { try nested.encode(entry.value, forKey: Key(Self.snakeCase(entry.key))) }
        }
    }

    /// `TopK` → `top_k`, `AUC` → `auc`.
    static func snakeCase(_ name: String) -> String {
        var out = ""
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            let startsWord =
                character.isUppercase && index > 0
                && (characters[index - 1].isLowercase
                    || (index + 1 < characters.count && characters[index + 1].isLowercase))
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
        var textTimeoutSeconds: Double
        var batchSize: Int
        var memoryLimitBytes: Int?

        init(_ entry: (key: String, value: ScorerCommand)) {
            fileExtension = entry.key
            command = entry.value.arguments
            startTimeoutSeconds = entry.value.startTimeoutSeconds
            batchTimeoutSeconds = entry.value.batchTimeoutSeconds
            textTimeoutSeconds = entry.value.textTimeoutSeconds
            batchSize = entry.value.batchSize
            memoryLimitBytes = entry.value.memoryLimitBytes
        }

        enum CodingKeys: String, CodingKey {
            case command
            case fileExtension = "extension"
            case startTimeoutSeconds = "start_timeout_seconds"
            case batchTimeoutSeconds = "batch_timeout_seconds"
            case textTimeoutSeconds = "text_timeout_seconds"
            case batchSize = "batch_size"
            case memoryLimitBytes = "memory_limit_bytes"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(fileExtension, forKey: .fileExtension)
            try container.encode(command, forKey: .command)
            try container.encode(startTimeoutSeconds, forKey: .startTimeoutSeconds)
            try container.encode(batchTimeoutSeconds, forKey: .batchTimeoutSeconds)
            try container.encode(textTimeoutSeconds, forKey: .textTimeoutSeconds)
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
