import ArgumentParser

/// `validatectl`: inspect the daemon's verdicts and run one-shot validations.
public struct ValidateCtl: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "validatectl",
        abstract: "Show what validated decided about your models, or validate one now.",
        discussion: """
            Exit codes: status returns 0 when the daemon is running and 3 when it is not; validate returns 0 for \
            pass or warn, 1 for fail and 2 when the model could not be evaluated; other errors return 2.
            """,
        subcommands: [Status.self, Show.self, Validate.self, Promote.self, Rollback.self, History.self],
        defaultSubcommand: Status.self
    )

    public init() {}
}

/// Options shared by the verbs that read the store.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's main configuration file.")
    var config = "/etc/validated/validated.conf"

    @Option(name: .long, help: "The store to read (default: Database= from the configuration).")
    var database: String?
}
