import ValidatedCore
import ValidatedModels

/// Applies parsed ``INIFile`` entries to a ``DaemonConfiguration``, validating every value.
///
/// Unknown sections and keys are errors (with a suggestion when the spelling is close), so a typo never
/// silently leaves a default in force.
enum ConfigurationParser {
    typealias Apply<Target> = @Sendable (inout Target, String, ValueReader) throws(ConfigurationError) -> Void

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
            guard let value = Int(digits), value > 0, value <= Int.max / multiplier, value * multiplier >= minimum else {
                throw error("\"\(entry.value)\" is not a size of at least \(minimum >> 20)M; write bytes or a number with K, M, G or T, or infinity")
            }
            return value * multiplier
        }

        func nonEmpty() throws(ConfigurationError) -> String {
            guard !entry.value.isEmpty else { throw error("a value is required") }
            return entry.value
        }
    }

    static let daemonKeys: [String: Apply<DaemonConfiguration>] = [
        "Database": { config, _, value throws(ConfigurationError) in config.database = try value.path() },
        "HeartbeatSec": { config, _, value throws(ConfigurationError) in
            config.heartbeatSeconds = try value.double(in: 0.1...3600)
        },
        "AutoPromote": { config, _, value throws(ConfigurationError) in config.autoPromote = try value.bool() },
        "FoldersDirectory": { config, _, value throws(ConfigurationError) in
            config.foldersDirectory = try value.path()
        },
    ]

    static let settingsKeys: [String: [String: Apply<ValidationSettings>]] = [
        "Explain": [
            "Samples": { s, _, v throws(ConfigurationError) in s.lime.samples = try v.int(in: 10...1_000_000) },
            "KernelWidth": { s, _, v throws(ConfigurationError) in s.lime.kernelWidth = try v.double(in: 0.001...1e6) },
            "Features": { s, _, v throws(ConfigurationError) in s.lime.features = try v.int(in: 1...10_000) },
            "FeatureSelection": { s, _, v throws(ConfigurationError) in
                guard let method = FeatureSelection(rawValue: v.entry.value) else {
                    throw v.error("\"\(v.entry.value)\" is not one of \(FeatureSelection.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                s.lime.featureSelection = method
            },
            "Bow": { s, _, v throws(ConfigurationError) in s.lime.bow = try v.bool() },
            "SplitExpression": { s, _, v throws(ConfigurationError) in
                let expression = try v.nonEmpty()
                do {
                    _ = try IndexedText("", splitExpression: expression)
                } catch {
                    throw v.error("\(error)")
                }
                s.lime.splitExpression = expression
            },
            "CharLevel": { s, _, v throws(ConfigurationError) in s.lime.charLevel = try v.bool() },
            "MaskString": { s, _, v throws(ConfigurationError) in s.lime.maskString = v.entry.value.isEmpty ? nil : v.entry.value },
            "Labels": { s, _, v throws(ConfigurationError) in
                let names = v.entry.value.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
                if names.isEmpty {
                    if case .classes = s.labels { s.labels = .positive }
                } else {
                    s.labels = .classes(names)
                }
            },
            "TopLabels": { s, _, v throws(ConfigurationError) in
                let count = try v.int(in: 0...10_000)
                if count > 0 {
                    s.labels = .top(count)
                } else if case .top = s.labels {
                    s.labels = .positive
                }
            },
            "BatchSize": { s, _, v throws(ConfigurationError) in
                s.lime.batchSize = v.entry.value.isEmpty ? nil : try v.int(in: 1...1_000_000)
            },
        ],
        "Spurious": [
            "Documents": { s, _, v throws(ConfigurationError) in s.spurious.documents = try v.int(in: 1...1_000_000) },
            "TopK": { s, _, v throws(ConfigurationError) in s.spurious.topK = try v.int(in: 1...10_000) },
            "MinWeightFraction": { s, _, v throws(ConfigurationError) in
                s.spurious.minWeightFraction = try v.double(in: 0...1)
            },
            "WarnHitRate": { s, _, v throws(ConfigurationError) in s.spurious.warnHitRate = try v.double(in: 0...1) },
            "MaxHitRate": { s, _, v throws(ConfigurationError) in s.spurious.maxHitRate = try v.double(in: 0...1) },
            "Confidence": { s, _, v throws(ConfigurationError) in s.spurious.confidence = try v.double(in: 0.5...0.999999) },
            "MaxMassShare": { s, _, v throws(ConfigurationError) in s.spurious.maxMassShare = try v.double(in: 0...1) },
            "WarnTokenAssociation": { s, _, v throws(ConfigurationError) in
                s.spurious.warnTokenAssociation = try v.double(in: 0...1)
            },
            "MaxTokenAssociation": { s, _, v throws(ConfigurationError) in
                s.spurious.maxTokenAssociation = try v.double(in: 0...1)
            },
            "MinTokenDocuments": { s, _, v throws(ConfigurationError) in
                s.spurious.minTokenDocuments = try v.int(in: 1...1_000_000_000)
            },
            "ReportTokens": { s, _, v throws(ConfigurationError) in s.spurious.reportTokens = try v.int(in: 0...10_000) },
            "NewReasonTop": { s, _, v throws(ConfigurationError) in s.spurious.newReasonTop = try v.int(in: 0...10_000) },
            "NewReasonRatio": { s, _, v throws(ConfigurationError) in s.spurious.newReasonRatio = try v.double(in: 1...1e6) },
            "NewReasonsWarn": { s, _, v throws(ConfigurationError) in s.spurious.newReasonsWarn = try v.bool() },
            "PickExplanations": { s, _, v throws(ConfigurationError) in s.spurious.pickExplanations = try v.int(in: 0...10_000) },
        ],
        "Stability": [
            "Documents": { s, _, v throws(ConfigurationError) in s.stability.documents = try v.int(in: 0...1_000_000) },
            "Seeds": { s, _, v throws(ConfigurationError) in s.stability.seeds = try v.int(in: 2...1000) },
            "WarnJaccard": { s, _, v throws(ConfigurationError) in s.stability.warnJaccard = try v.double(in: 0...1) },
            "MinJaccard": { s, _, v throws(ConfigurationError) in s.stability.minJaccard = try v.double(in: 0...1) },
            "Perturbations": { s, _, v throws(ConfigurationError) in s.stability.perturbations = try v.int(in: 0...1000) },
            "WarnExcess": { s, _, v throws(ConfigurationError) in s.stability.warnExcess = try v.double(in: 0...1) },
            "MaxExcess": { s, _, v throws(ConfigurationError) in s.stability.maxExcess = try v.double(in: 0...1) },
            "AttackDocuments": { s, _, v throws(ConfigurationError) in s.stability.attackDocuments = try v.int(in: 0...1000) },
            "AttackSteps": { s, _, v throws(ConfigurationError) in s.stability.attackSteps = try v.int(in: 1...100) },
            "AttackCandidates": { s, _, v throws(ConfigurationError) in s.stability.attackCandidates = try v.int(in: 1...100) },
        ],
        "AUC": [
            "Floor": { s, _, v throws(ConfigurationError) in s.auc.floor = try v.double(in: 0...1) },
            "Alpha": { s, _, v throws(ConfigurationError) in s.auc.alpha = try v.double(in: 1e-12...0.5) },
            "Comparison": { s, _, v throws(ConfigurationError) in
                guard let comparison = AUCSettings.Comparison(rawValue: v.entry.value) else {
                    throw v.error("\"\(v.entry.value)\" is not one of worse, non-inferiority")
                }
                s.auc.comparison = comparison
            },
            "Margin": { s, _, v throws(ConfigurationError) in s.auc.margin = try v.double(in: 0...0.5) },
            "Power": { s, _, v throws(ConfigurationError) in s.auc.power = try v.double(in: 0.5...0.999) },
            "TargetDelta": { s, _, v throws(ConfigurationError) in s.auc.targetDelta = try v.double(in: 1e-6...0.5) },
        ],
    ]

    static let folderKeys: [String: Apply<FolderConfiguration>] = [
        "Path": { f, _, v throws(ConfigurationError) in f.path = try v.path() },
        "EvaluationSet": { f, _, v throws(ConfigurationError) in f.evaluationSet = try v.path() },
        "BannedTokens": { f, _, v throws(ConfigurationError) in f.bannedTokens = v.entry.value.isEmpty ? nil : try v.path() },
        "TextField": { f, _, v throws(ConfigurationError) in f.fields.text = try v.nonEmpty() },
        "LabelField": { f, _, v throws(ConfigurationError) in f.fields.label = try v.nonEmpty() },
        "IDField": { f, _, v throws(ConfigurationError) in f.fields.id = try v.nonEmpty() },
        "PositiveLabel": { f, _, v throws(ConfigurationError) in f.fields.positiveLabel = try v.nonEmpty() },
        "AutoPromote": { f, _, v throws(ConfigurationError) in f.autoPromote = try v.bool() },
        "Extensions": { f, _, v throws(ConfigurationError) in
            let list = v.entry.value.split(whereSeparator: { $0 == " " || $0 == "," }).map {
                String($0.drop(while: { $0 == "." }))
            }
            guard !list.isEmpty else { throw v.error("list at least one extension, e.g. safetensors") }
            f.extensions = list
        },
    ]

    static let scorerKeys: [String: Apply<ScorerConfiguration>] = [
        "Command": { s, _, v throws(ConfigurationError) in
            guard let words = ScorerCommand.split(v.entry.value) else {
                throw v.error("a quote is not closed")
            }
            guard words.count >= 2, let first = words.first else {
                throw v.error("write the extension, then the command line, e.g. onnx python3 /usr/local/lib/validated/onnx_scorer.py")
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
        "StartTimeoutSec": { s, _, v throws(ConfigurationError) in s.limits.startTimeoutSeconds = try v.double(in: 0.1...3600) },
        "BatchTimeoutSec": { s, _, v throws(ConfigurationError) in s.limits.batchTimeoutSeconds = try v.double(in: 0.1...3600) },
        "BatchSize": { s, _, v throws(ConfigurationError) in s.limits.batchSize = try v.int(in: 1...100_000) },
        "MemoryLimit": { s, _, v throws(ConfigurationError) in s.limits.memoryLimitBytes = try v.bytes(atLeast: 16 << 20) },
    ]

    /// Applies a main file or drop-in.
    static func applyMain(_ file: INIFile, to config: inout DaemonConfiguration) throws(ConfigurationError) {
        try checkSections(file, allowed: ["Daemon"] + settingsKeys.keys)
        for entry in file.entries {
            let reader = ValueReader(file: file, entry: entry)
            if entry.section == "Daemon" {
                try apply(entry, reader, table: daemonKeys, to: &config)
            } else {
                try apply(entry, reader, table: settingsKeys[entry.section] ?? [:], to: &config.settings)
            }
        }
    }

    /// Builds one folder from its file, starting from the daemon-wide settings.
    static func folder(_ file: INIFile, defaults: DaemonConfiguration) throws(ConfigurationError) -> FolderConfiguration {
        try checkSections(file, allowed: ["Folder", "Scorer"] + settingsKeys.keys)
        var name = Paths.baseName(file.source)
        if name.hasSuffix(".conf") { name.removeLast(5) }
        var folder = FolderConfiguration(
            name: name, autoPromote: defaults.autoPromote, settings: defaults.settings, source: file.source
        )
        for entry in file.entries {
            let reader = ValueReader(file: file, entry: entry)
            if entry.section == "Folder" {
                try apply(entry, reader, table: folderKeys, to: &folder)
            } else if entry.section == "Scorer" {
                try apply(entry, reader, table: scorerKeys, to: &folder.scorer)
            } else {
                try apply(entry, reader, table: settingsKeys[entry.section] ?? [:], to: &folder.settings)
            }
        }
        guard !folder.path.isEmpty else {
            throw ConfigurationError(source: file.source, reason: "[Folder] needs Path= (the directory to watch)")
        }
        guard !folder.evaluationSet.isEmpty else {
            throw ConfigurationError(source: file.source, reason: "[Folder] needs EvaluationSet= (a JSON Lines file)")
        }
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
                    reason: "Extensions=: .\(fileExtension) files need a scorer; add [Scorer] Command=\(fileExtension) COMMAND (docs/scorer-protocol.md) or remove it"
                )
            }
        }
        for fileExtension in folder.scorer.commands.keys.sorted()
        where !listed.contains(fileExtension) && fileExtension != ModelLoader.folderScorer {
            throw ConfigurationError(
                source: file.source,
                line: file.entries.last { entry in
                    entry.section == "Scorer" && entry.key == "Command"
                        && ScorerCommand.split(entry.value)?.first.map { $0.drop(while: { $0 == "." }).lowercased() } == fileExtension
                }?.line,
                reason: "Command=: the scorer for .\(fileExtension) is never used; add \(fileExtension) to [Folder] Extensions="
            )
        }
    }

    private static func checkSections(_ file: INIFile, allowed: [String]) throws(ConfigurationError) {
        for section in file.sections where !allowed.contains(section) {
            throw ConfigurationError(
                source: file.source,
                reason: "unknown section [\(section)]; this file may contain \(allowed.map { "[\($0)]" }.joined(separator: ", "))"
            )
        }
    }

    private static func apply<Target>(
        _ entry: INIFile.Entry,
        _ reader: ValueReader,
        table: [String: Apply<Target>],
        to target: inout Target
    ) throws(ConfigurationError) {
        guard let handler = table[entry.key] else {
            var reason = "unknown key \"\(entry.key)\" in [\(entry.section)]"
            if let guess = closest(to: entry.key, in: Array(table.keys)) { reason += "; did you mean \"\(guess)\"?" }
            throw ConfigurationError(source: reader.file.source, line: entry.line, reason: reason)
        }
        try handler(&target, entry.key, reader)
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
