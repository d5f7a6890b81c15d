import ArgumentParser
import Foundation
import ValidatedCore
import ValidatedRuntime

/// `validatectl`: inspect the daemon's verdicts and run one-shot validations.
public struct ValidateCtl: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "validatectl",
        abstract: "Show what validated decided about your models, or validate one now.",
        discussion: """
            Read verbs (status, list, show, history, explain, config check) take --json for one JSON object with \
            "schema": "validatectl/1" at the top, documented field by field in docs/validatectl.md.

            EXIT CODES
              0  success; for validate, a pass or warn verdict; for status, the daemon is running
              1  validate: the model failed; config check: the configuration cannot be used
              2  validate: the model could not be evaluated; any verb: an error (no store, unknown model, \
            unreadable file), printed as "validatectl: MESSAGE" with what to do next
              3  status: the daemon is not running (as systemctl status)
             64  the command line itself is wrong (unknown option, missing argument)
            """,
        subcommands: [
            Status.self, List.self, Show.self, History.self, Explain.self, Report.self, Validate.self, Rerun.self,
            Promote.self, Rollback.self, Adopt.self, Config.self,
        ],
        defaultSubcommand: Status.self
    )

    public init() {}

    /// Parses the arguments and runs the verb, mapping failures to the documented exit codes: a usage error
    /// exits 64 with the usage; any other error prints `validatectl: <message>` and exits 2.
    public static func main() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            // Help, versions and explicit exit codes keep argument-parser's handling.
            if error is ExitCode || exitCode(for: error) == .success { exit(withError: error) }
            FileHandle.standardError.write(Data("validatectl: \(Visible.text("\(error)"))\n".utf8))
            exit(withError: ExitCode(2))
        }
    }
}

/// Options shared by the verbs that read the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's main configuration file.")
    var config = "/etc/validated/validated.conf"

    @Option(
        name: .long,
        help: "The store to read: an SQLite path or a postgresql:// URL (default: Database= from the configuration)."
    )
    var database: String?

    func validate() throws {
        if let database {
            do {
                _ = try StoreLocation.parse(database)
            } catch {
                throw ValidationError("--database: \(error.reason)")
            }
        }
    }

    /// The daemon's configuration, or `nil` when there is no file at `--config`; a file that cannot be used is
    /// an error naming its fault. Folders are not required: a CI gate may keep a settings-only file.
    func configuration() throws -> DaemonConfiguration? {
        guard FileManager.default.fileExists(atPath: config) else { return nil }
        do {
            return try DaemonConfiguration.load(mainFile: config, requireFolders: false)
        } catch {
            throw CtlError.configuration(error, hint: "; fix it, or pass --config with another file")
        }
    }

    /// The configured folder whose directory holds `checkpoint` (symbolic links resolved).
    static func folder(holding checkpoint: String, in configuration: DaemonConfiguration?) -> FolderConfiguration? {
        let directory = URL(fileURLWithPath: checkpoint).standardizedFileURL.resolvingSymlinksInPath()
            .deletingLastPathComponent().path
        return configuration?.folders.first {
            URL(fileURLWithPath: $0.path).standardizedFileURL.resolvingSymlinksInPath().path == directory
        }
    }
}
