import ArgumentParser
import Foundation
import Logging
import ValidatedDaemon
import ValidatedSystemd

/// `validated`: the model validation daemon.
@main
struct ValidatedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validated",
        abstract: "Guards model folders: validates every new checkpoint and reports to the systemd journal.",
        discussion: "Runs in the foreground until SIGTERM. SIGHUP reloads the configuration."
    )

    enum LogTarget: String, ExpressibleByArgument, CaseIterable {
        case auto, journal, console
    }

    @Option(name: .long, help: "The main configuration file.")
    var config = "/etc/validated/validated.conf"

    @Option(name: .long, help: "Where logs go: auto (the journal when started by systemd), journal, or console.")
    var logTarget = LogTarget.auto

    @Option(name: .long, help: "The lowest log level written.")
    var logLevel = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let toJournal =
            logTarget == .journal
            || (logTarget == .auto && ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil)
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                toJournal ? JournalLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            try await Daemon.run(configurationFile: config, logger: Logger(label: "validated"))
        } catch let error as StartupError {
            FileHandle.standardError.write(Data("validated: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
