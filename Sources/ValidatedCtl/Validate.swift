import ArgumentParser
import Foundation
import Glibc
import Synchronization
import ValidatedCore
import ValidatedModels
import ValidatedRuntime
import ValidatedStore

/// `validatectl validate`: the one-shot CI gate, running the daemon's suites in-process with the daemon's
/// configuration, so that a gate and the daemon agree.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a checkpoint now, without the daemon (a CI gate).",
        discussion: """
            The suites run with the settings the daemon would use: those of the folder named by --folder (or of the \
            configured folder the checkpoint lies in), else the [Explain], [Spurious], [Stability] and [AUC] sections \
            of --config, else the built-in defaults when that file does not exist. A folder also supplies the \
            evaluation set, the banned-token list, the field names and the current champion (from the daemon's \
            store); --eval, --banned, --champion and the field options override them. Checkpoints other than \
            .safetensors are served by the folder's [Scorer] commands, or by --scorer (docs/scorer-protocol.md), \
            else .onnx files and checkpoint folders by the installed reference scorers (PREFIX/lib/validated); a \
            checkpoint folder (a Hugging Face save_pretrained folder, say) by the scorer for folder, e.g. \
            --scorer 'folder=python3 /usr/local/lib/validated/hf_scorer.py'.

            Progress (documents scored and explained, time left) goes to standard error while it is a terminal; \
            piped, validate prints only its result.

            Exit code 0 for pass or warn, 1 for fail, 2 when the model could not be evaluated.
            """
    )

    @OptionGroup var options: StoreOptions

    @Argument(help: "The checkpoint to validate: a file, or a checkpoint folder (served by the folder scorer).")
    var model: String

    @Option(
        name: .long,
        help: "Judge the checkpoint as this configured folder's daemon would (its name in folders.d/)."
    )
    var folder: String?

    @Option(name: .long, help: "The evaluation set (JSON Lines); required without a folder.")
    var eval: String?

    @Option(name: .long, help: "The current champion to compare with (default: the folder's champion).")
    var champion: String?

    @Option(name: .long, help: "A banned-token list (default: the folder's).")
    var banned: String?

    @Option(name: .long, help: "Name of the text field in the evaluation set (default: the folder's, or text).")
    var textField: String?

    @Option(name: .long, help: "Name of the label field in the evaluation set (default: the folder's, or label).")
    var labelField: String?

    @Option(name: .long, help: "The label value that marks a positive document (default: the folder's, or 1).")
    var positiveLabel: String?

    @OptionGroup var scorers: ScorerOptions

    @Flag(
        name: .long,
        help: "Print one JSON object (schema validatectl/1, see docs/validatectl.md) instead of a summary."
    )
    var json = false

    @Option(
        name: .long,
        help: ArgumentHelp("Also write the self-contained HTML page validatectl report writes.", valueName: "file.html")
    )
    var report: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also write JUnit XML for CI: one test case per suite, passed ones included.",
            valueName: "file.xml"
        )
    )
    var junit: String?

    func run() async throws {
        let plan = try plan()
        let progress = ProgressLine.standardError
        let outcome: ValidationOutcome
        do {
            let job = try recipe(plan).job()
            let report: (@Sendable (ValidationProgress) -> Void)? = progress.map { line in
                { @Sendable in line.update($0) }
            }
            outcome = await job.run(progress: report)
            progress?.finish()
        } catch {
            progress?.finish()
            FileHandle.standardError.write(Data("validatectl: \(Visible.text("\(error)"))\n".utf8))
            let failed = ValidationOutcome(
                path: model,
                sha256: nil,
                report: .failure("\(error)"),
                championProblem: nil
            )
            try GateFiles(outcome: failed, plan: plan).write(report: report, junit: junit)
            throw ExitCode(2)
        }
        if let problem = outcome.championProblem {
            FileHandle.standardError.write(Data("validatectl: warning: \(Visible.text(problem))\n".utf8))
        }
        if json {
            print(try Self.json(outcome, plan: plan))
        } else {
            printSummary(outcome, plan: plan)
        }
        try GateFiles(outcome: outcome, plan: plan).write(report: report, junit: junit)
        switch outcome.report.verdict {
        case .skipped, .pass, .warn: return
        case .fail: throw ExitCode(1)
        case .error: throw ExitCode(2)
        }
    }

    /// The verdict, one line per suite, the cost, and where the settings and champion came from.
    private func printSummary(_ outcome: ValidationOutcome, plan: Plan) {
        let summary = Visible.text(outcome.report.summary)
        print("\(Visible.text(model)): \(outcome.report.verdict.rawValue.uppercased()) — \(summary)")
        for check in outcome.report.checkRecords {
            let suite = Format.suiteColumn(check.suite.rawValue)
            let verdict = check.verdict.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            print("  \(suite)\(verdict)\(Visible.text(check.summary))")
        }
        if let sampling = outcome.report.sampling { print("  sampling: \(Show.samplingLine(sampling))") }
        if let calls = outcome.report.modelCalls {
            print("  cost:     \(Format.number(outcome.report.durationSeconds, digits: 1)) s, \(calls) model calls")
        }
        print("  settings: \(plan.settingsSource)")
        print("  champion: \(plan.champion?.path ?? "none")")
    }

    /// The job's recipe: the daemon's composition, with the plan's parts.
    func recipe(_ plan: Plan) throws -> JobRecipe {
        var recipe = JobRecipe(
            modelPath: model,
            evaluationSet: plan.evaluationSet,
            fields: plan.fields,
            bannedTokens: plan.banned,
            settings: plan.settings,
            scorers: try scorers.scorers(folder: plan.folder)
        )
        recipe.championPath = plan.champion?.path
        if let champion = plan.champion, let store = champion.store {
            let id = champion.id
            recipe.storedChampionScores = { try? store.cachedScores(modelID: id, evalFingerprint: $0) }
        }
        return recipe
    }

    /// What the gate judges with, and where each part came from.
    struct Plan {
        struct Champion {
            var path: String
            /// The store and model id, when the champion is the folder's: its cached scores are used, as the daemon
            /// uses them.
            var store: (any VerdictStoring)?
            var id: Int64
        }

        var folder: FolderConfiguration?
        var settings: ValidationSettings
        var settingsSource: String
        var evaluationSet: String
        var fields: EvaluationFields
        var banned: String?
        var champion: Champion?
    }

    /// Resolves the folder, settings, resources and champion from the options and the configuration.
    func plan() throws -> Plan {
        let configuration = try options.configuration()
        let folder = try resolveFolder(configuration)
        guard let evaluationSet = eval ?? folder?.evaluationSet else {
            throw ValidationError("--eval is required: no --folder was given and \(model) lies in no configured folder")
        }
        var fields = folder?.fields ?? EvaluationFields()
        if let textField { fields.text = textField }
        if let labelField { fields.label = labelField }
        if let positiveLabel { fields.positiveLabel = positiveLabel }
        let settingsSource =
            if let folder { "folder \(folder.name) (\(folder.source))" } else if configuration != nil {
                options.config
            } else {
                "built-in defaults (no \(options.config))"
            }
        return Plan(
            folder: folder,
            settings: folder?.settings ?? configuration?.settings ?? ValidationSettings(),
            settingsSource: settingsSource,
            evaluationSet: evaluationSet,
            fields: fields,
            banned: banned ?? folder?.bannedTokens,
            champion: try resolveChampion(folder)
        )
    }

    /// `--folder`, or the configured folder whose directory holds the checkpoint.
    private func resolveFolder(_ configuration: DaemonConfiguration?) throws -> FolderConfiguration? {
        let folders = configuration?.folders ?? []
        if let folder {
            guard configuration != nil else {
                throw ValidationError(
                    "--folder \(folder) needs the daemon's configuration, and there is none at \(options.config); pass --config FILE"
                )
            }
            guard let found = folders.first(where: { $0.name == folder }) else {
                let known =
                    folders.isEmpty
                    ? "it configures none" : "it configures \(folders.map(\.name).joined(separator: ", "))"
                throw ValidationError("\(options.config) has no folder \"\(folder)\"; \(known)")
            }
            return found
        }
        return StoreOptions.folder(holding: model, in: configuration)
    }

    /// `--champion`, or the folder's current champion in the daemon's store (none when there is no store yet).
    private func resolveChampion(_ folder: FolderConfiguration?) throws -> Plan.Champion? {
        if let champion { return Plan.Champion(path: champion, store: nil, id: 0) }
        guard let folder, let store = try? openStore(options).0, let record = try? store.champion(folder: folder.name)
        else {
            return nil
        }
        return Plan.Champion(path: record.path, store: store, id: record.id)
    }

    /// The report with `schema`, `model`, `sha256`, `settings` (where they came from) and `champion` added at the
    /// top level.
    static func json(_ outcome: ValidationOutcome, plan: Plan) throws -> String {
        let encoded = try JSONEncoder().encode(outcome.report)
        var object = try JSONSerialization.jsonObject(with: encoded) as? [String: Any] ?? [:]
        object["schema"] = jsonSchema
        object["model"] = outcome.path
        object["sha256"] = outcome.sha256 ?? NSNull()
        object["folder"] = plan.folder?.name ?? NSNull()
        object["settings_source"] = plan.settingsSource
        object["champion"] = plan.champion?.path ?? NSNull()
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// One self-rewriting status line on a terminal: the phase, its count and the time left in it.
final class ProgressLine: Sendable {
    private struct State {
        var phase: ValidationPhase?
        var phaseStart = ContinuousClock.now
        var finished: [ValidationPhase] = []
        var lastDraw = ContinuousClock.now - .seconds(1)
    }

    private let state = Mutex(State())
    private let started = ContinuousClock.now

    /// A line on standard error, or `nil` when standard error is not a terminal.
    static var standardError: ProgressLine? {
        isatty(STDERR_FILENO) == 1 ? ProgressLine() : nil
    }

    /// Redraws the line for `progress`, at most ten times a second (and always at a phase's end).
    func update(_ progress: ValidationProgress) {
        let text: String? = state.withLock { state in
            let now = ContinuousClock.now
            if progress.phase != state.phase {
                if let phase = state.phase { state.finished.append(phase) }
                state.phase = progress.phase
                state.phaseStart = now
            }
            guard progress.done == progress.total || now - state.lastDraw >= .milliseconds(100) else { return nil }
            state.lastDraw = now
            var parts = state.finished.map { "\($0) ✓" }
            parts.append("\(progress.phase) \(progress.done)/\(progress.total)")
            let elapsed = now - state.phaseStart
            if progress.done > 0, progress.done < progress.total {
                let left = elapsed * Double(progress.total - progress.done) / Double(progress.done)
                if left >= .seconds(1) { parts.append("~\(Self.format(left)) left in \(progress.phase)") }
            }
            parts.append(Self.format(now - started))
            return parts.joined(separator: " · ")
        }
        if let text { write("\r\u{1B}[K" + text) }
    }

    /// Clears the line.
    func finish() {
        write("\r\u{1B}[K")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    private static func format(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        return seconds < 60 ? "\(seconds) s" : "\(seconds / 60) min \(seconds % 60) s"
    }
}
