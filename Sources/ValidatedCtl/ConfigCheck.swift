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
        out += Self.section(ConfigurationKeys.values(of: configuration))
        for check in folders {
            let folder = check.folder
            out += "\n# folder \"\(folder.name)\" from \(folder.source)\n"
            let sections = ConfigurationKeys.values(of: folder) + ConfigurationKeys.values(of: folder.settings)
            // A folder without scorers has no [Scorer] section to show.
            for values in sections where values.section != "Scorer" || !folder.scorer.commands.isEmpty {
                out += Self.section(values)
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
            out +=
                problems == 0
                ? "\nConfiguration OK.\n" : "\n\(problems) folder\(problems == 1 ? "" : "s") cannot be used.\n"
        }
        return out
    }

    /// `[Section]` and one `Key=value` line per assignment, as a configuration file writes them.
    private static func section(_ values: SectionValues) -> String {
        var out = "[\(values.section)]\n"
        for entry in values.entries {
            for written in entry.value.written { out += "\(entry.key)=\(written)\n" }
        }
        return out
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
                problem =
                    "\(folder.source): [Scorer] Command=\(fileExtension): \(program) is not an executable file\(program.contains("/") ? "" : " in PATH"); install it or give its absolute path"
                return
            }
        }
        do {
            let resources = try FolderResources.load(
                evaluationSet: folder.evaluationSet,
                fields: folder.fields,
                bannedTokens: folder.bannedTokens
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
