import ValidatedCore
import ValidatedModels

/// Applies parsed ``INIFile`` entries to a ``DaemonConfiguration``, validating every value.
///
/// Unknown sections and keys are errors (with a suggestion when the spelling is close), so a typo never
/// silently leaves a default in force.
enum ConfigurationParser {
    struct ValueReader: Sendable {
        var file: INIFile
        var entry: INIFile.Entry

        func error(_ reason: String) -> ConfigurationError {
            ConfigurationError(source: file.source, line: entry.line, reason: "\(entry.key)=: \(reason)")
        }

        func bool() throws(ConfigurationError) -> Bool {
            switch entry.value.lowercased() {
            case "yes", "true", "on", "1": return true
            case "no", "false", "off", "0": return false
            default: throw error("\"\(entry.value)\" is not a boolean; use yes or no")
            }
        }

        func int(in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
            guard let value = Int(entry.value), range.contains(value) else {
                throw error("\"\(entry.value)\" is not an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }

        func double(in range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
            var text = entry.value
            if text.hasSuffix("s") { text.removeLast() }
            guard let value = Double(text), value.isFinite, range.contains(value) else {
                throw error("\"\(entry.value)\" is not a number in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }

        func path() throws(ConfigurationError) -> String {
            guard !entry.value.isEmpty else { throw error("a path is required") }
            return Paths.resolve(entry.value, relativeTo: file.source)
        }

        /// The store: a `postgresql://` URL as written, or an SQLite path resolved like ``path()``; any other URL,
        /// or a URL with a password, is refused (``StoreLocation/parse(_:)``).
        func storePath() throws(ConfigurationError) -> String {
            do {
                if case .postgres = try StoreLocation.parse(entry.value) { return entry.value }
            } catch let problem {
                throw error(problem.reason)
            }
            return try path()
        }

        /// A size in bytes with an optional K, M, G or T suffix (powers of 1024), or `infinity` for `nil`.
        func bytes(atLeast minimum: Int) throws(ConfigurationError) -> Int? {
            let text = entry.value.uppercased()
            if text == "INFINITY" { return nil }
            let multipliers: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
            var digits = Substring(text)
            var multiplier = 1
            if let last = digits.last, let scale = multipliers[last] {
                multiplier = scale
                digits = digits.dropLast()
            }
            guard let value = Int(digits), value > 0, value <= Int.max / multiplier, value * multiplier >= minimum
            else {
                throw error(
                    "\"\(entry.value)\" is not a size of at least \(minimum >> 20)M; write bytes or a number with K, M, G or T, or infinity"
                )
            }
            return value * multiplier
        }

        func nonEmpty() throws(ConfigurationError) -> String {
            guard !entry.value.isEmpty else { throw error("a value is required") }
            return entry.value
        }
    }

    /// Applies a main file or drop-in.
    static func applyMain(_ file: INIFile, to config: inout DaemonConfiguration) throws(ConfigurationError) {
        let keys = ConfigurationKeys.self
        try checkSections(file, allowed: [keys.daemon.name] + keys.suites.map(\.name))
        for entry in file.entries {
            let reader = ValueReader(file: file, entry: entry)
            if entry.section == keys.daemon.name {
                try keys.daemon.apply(reader, to: &config)
            } else {
                try suite(entry.section).apply(reader, to: &config.settings)
            }
        }
    }

    /// Builds one folder from its file, starting from the daemon-wide settings.
    static func folder(_ file: INIFile, defaults: DaemonConfiguration) throws(ConfigurationError) -> FolderConfiguration
    {
        let keys = ConfigurationKeys.self
        try checkSections(file, allowed: [keys.folder.name, keys.scorer.name] + keys.suites.map(\.name))
        var name = Paths.baseName(file.source)
        if name.hasSuffix(".conf") { name.removeLast(5) }
        var folder = FolderConfiguration(
            name: name,
            autoPromote: defaults.autoPromote,
            settings: defaults.settings,
            source: file.source
        )
        for entry in file.entries {
            let reader = ValueReader(file: file, entry: entry)
            if entry.section == keys.folder.name {
                try keys.folder.apply(reader, to: &folder)
            } else if entry.section == keys.scorer.name {
                try keys.scorer.apply(reader, to: &folder.scorer)
            } else {
                try suite(entry.section).apply(reader, to: &folder.settings)
            }
        }
        guard !folder.path.isEmpty else {
            throw ConfigurationError(source: file.source, reason: "[Folder] needs Path= (the directory to watch)")
        }
        guard !folder.evaluationSet.isEmpty else {
            throw ConfigurationError(source: file.source, reason: "[Folder] needs EvaluationSet= (a JSON Lines file)")
        }
        let explicitExtensions = file.entries.contains { $0.section == keys.folder.name && $0.key == "Extensions" }
        folder = ReferenceScorers.complete(folder, explicitExtensions: explicitExtensions)
        try checkScorers(folder, file: file)
        return folder
    }

    /// Every listed extension must be readable: natively (`safetensors`) or by a scorer; every scorer must serve
    /// a listed extension, but the scorer for `folder`, which serves checkpoint folders.
    private static func checkScorers(_ folder: FolderConfiguration, file: INIFile) throws(ConfigurationError) {
        let listed = Set(folder.extensions.map { $0.lowercased() })
        for fileExtension in folder.extensions where fileExtension.lowercased() != "safetensors" {
            guard folder.scorer.commands[fileExtension.lowercased()] != nil else {
                throw ConfigurationError(
                    source: file.source,
                    line: file.entries.last { $0.section == "Folder" && $0.key == "Extensions" }?.line,
                    reason:
                        "Extensions=: .\(fileExtension) files need a scorer; add [Scorer] Command=\(fileExtension) COMMAND (docs/scorer-protocol.md) or remove it"
                )
            }
        }
        for fileExtension in folder.scorer.commands.keys.sorted()
        where !listed.contains(fileExtension) && fileExtension != ModelLoader.folderScorer {
            throw ConfigurationError(
                source: file.source,
                line: file.entries.last { entry in
                    entry.section == "Scorer" && entry.key == "Command"
                        && ScorerCommand.split(entry.value)?.first.map { $0.drop(while: { $0 == "." }).lowercased() }
                            == fileExtension
                }?.line,
                reason:
                    "Command=: the scorer for .\(fileExtension) is never used; add \(fileExtension) to [Folder] Extensions="
            )
        }
    }

    private static func checkSections(_ file: INIFile, allowed: [String]) throws(ConfigurationError) {
        for section in file.sections where !allowed.contains(section) {
            throw ConfigurationError(
                source: file.source,
                reason:
                    "unknown section [\(section)]; this file may contain \(allowed.map { "[\($0)]" }.joined(separator: ", "))"
            )
        }
    }

    /// The suite section `name`, which ``checkSections(_:allowed:)`` has admitted.
    private static func suite(_ name: String) -> SettingSection<ValidationSettings> {
        ConfigurationKeys.suites.first { $0.name == name }!
    }

    /// The known key within edit distance 2 of `key`, ignoring case, if there is one.
    static func closest(to key: String, in candidates: [String]) -> String? {
        let target = Array(key.lowercased())
        var best: (String, Int)?
        for candidate in candidates.sorted() {
            let distance = editDistance(target, Array(candidate.lowercased()))
            if distance <= 2, distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        return best?.0
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
