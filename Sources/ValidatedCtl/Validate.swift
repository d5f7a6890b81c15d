import ArgumentParser
import Foundation
import ValidatedCore
import ValidatedModels
import ValidatedRuntime
import ValidatedStore

/// `validatectl validate`: the one-shot CI gate, running the daemon's suites in-process.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a checkpoint now, without the daemon (a CI gate).",
        discussion: "Exit code 0 for pass or warn, 1 for fail, 2 when the model could not be evaluated."
    )

    @Argument(help: "The checkpoint to validate.")
    var model: String

    @Option(name: .long, help: "The evaluation set (JSON Lines).")
    var eval: String

    @Option(name: .long, help: "The current champion to compare with.")
    var champion: String?

    @Option(name: .long, help: "A banned-token list.")
    var banned: String?

    @Option(name: .long, help: "Name of the text field in the evaluation set.")
    var textField = "text"

    @Option(name: .long, help: "Name of the label field in the evaluation set.")
    var labelField = "label"

    @Option(name: .long, help: "The label value that marks a positive document.")
    var positiveLabel = "1"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Serve checkpoints with this extension by an external scorer (docs/scorer-protocol.md), with the default limits of [Scorer]; repeatable.",
            valueName: "extension=command"
        )
    )
    var scorer: [String] = []

    @Flag(name: .long, help: "Print one JSON object instead of a summary.")
    var json = false

    func validate() throws {
        _ = try Self.scorers(scorer)
    }

    /// `--scorer onnx=python3 /usr/local/lib/validated/onnx_scorer.py` options, by extension.
    static func scorers(_ options: [String]) throws -> [String: ScorerCommand] {
        var scorers: [String: ScorerCommand] = [:]
        for option in options {
            guard let equals = option.firstIndex(of: "="),
                let arguments = ScorerCommand.split(String(option[option.index(after: equals)...])), !arguments.isEmpty
            else {
                throw ValidationError("--scorer \"\(option)\": write the extension, =, and the command, e.g. --scorer 'onnx=python3 /usr/local/lib/validated/onnx_scorer.py'")
            }
            let fileExtension = option[..<equals].drop(while: { $0 == "." }).lowercased()
            guard !fileExtension.isEmpty else {
                throw ValidationError("--scorer \"\(option)\": the extension before = is missing")
            }
            scorers[fileExtension] = ScorerCommand(arguments: arguments)
        }
        return scorers
    }

    func run() async throws {
        var fields = EvaluationFields()
        fields.text = textField
        fields.label = labelField
        fields.positiveLabel = positiveLabel
        let outcome: ValidationOutcome
        do {
            let resources = try FolderResources.load(evaluationSet: eval, fields: fields, bannedTokens: banned)
            var job = ValidationJob(
                modelPath: model, championPath: champion, resources: resources, settings: ValidationSettings()
            )
            job.loader = ModelLoader(scorers: try Self.scorers(scorer))
            outcome = await job.run()
        } catch {
            FileHandle.standardError.write(Data("validatectl: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if let problem = outcome.championProblem {
            FileHandle.standardError.write(Data("validatectl: warning: \(problem)\n".utf8))
        }
        if json {
            print(try Self.json(outcome))
        } else {
            print("\(model): \(outcome.report.verdict.rawValue.uppercased()) — \(outcome.report.summary)")
            for check in outcome.report.checkRecords {
                print("  \(check.suite.padding(toLength: 10, withPad: " ", startingAt: 0))\(check.verdict.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0))\(check.summary)")
            }
        }
        switch outcome.report.verdict {
        case .pass, .warn: return
        case .fail: throw ExitCode(1)
        case .error: throw ExitCode(2)
        }
    }

    /// The report with `model` and `sha256` added at the top level.
    static func json(_ outcome: ValidationOutcome) throws -> String {
        let encoded = try JSONEncoder().encode(outcome.report)
        var object = try JSONSerialization.jsonObject(with: encoded) as? [String: Any] ?? [:]
        object["model"] = outcome.path
        object["sha256"] = outcome.sha256 ?? NSNull()
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
