import ArgumentParser
import ValidatedModels
import ValidatedRuntime

/// `--scorer EXT=COMMAND`, shared by the verbs that load checkpoints (`validate`, `explain`).
struct ScorerOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Serve checkpoints with this extension by an external scorer (docs/scorer-protocol.md), with the folder's [Scorer] limits or their defaults; repeatable, and ahead of the folder's own command.",
            valueName: "extension=command"
        )
    )
    var scorer: [String] = []

    func validate() throws {
        _ = try Self.scorers(scorer, limits: ScorerCommand(arguments: []))
    }

    /// A loader that serves the folder's `[Scorer]` commands, with `--scorer` ahead of them.
    func loader(folder: FolderConfiguration?) throws -> ModelLoader {
        ModelLoader(scorers: try scorers(folder: folder))
    }

    /// The folder's `[Scorer]` commands by extension, with `--scorer` ahead of them, and the installed reference
    /// scorers (``ReferenceScorers``) for `.onnx` and checkpoint folders when neither names one.
    func scorers(folder: FolderConfiguration?) throws -> [String: ScorerCommand] {
        var folderScorers = folder?.scorer ?? ScorerConfiguration()
        folderScorers.commands.merge(ReferenceScorers.commands) { configured, _ in configured }
        let given = try Self.scorers(scorer, limits: folderScorers.limits)
        return folderScorers.byExtension.merging(given) { _, option in option }
    }

    /// `--scorer onnx=python3 /usr/local/lib/validated/onnx_scorer.py` options, by extension, with `limits`
    /// (`folder=COMMAND` serves checkpoint folders).
    private static func scorers(_ options: [String], limits: ScorerCommand) throws -> [String: ScorerCommand] {
        var scorers: [String: ScorerCommand] = [:]
        for option in options {
            guard let equals = option.firstIndex(of: "="),
                let arguments = ScorerCommand.split(String(option[option.index(after: equals)...])), !arguments.isEmpty
            else {
                throw ValidationError(
                    "--scorer \"\(option)\": write the extension, =, and the command, e.g. --scorer 'onnx=python3 /usr/local/lib/validated/onnx_scorer.py'"
                )
            }
            let fileExtension = option[..<equals].drop(while: { $0 == "." }).lowercased()
            guard !fileExtension.isEmpty else {
                throw ValidationError("--scorer \"\(option)\": the extension before = is missing")
            }
            var command = limits
            command.arguments = arguments
            scorers[fileExtension] = command
        }
        return scorers
    }
}
