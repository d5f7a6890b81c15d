import ArgumentParser
import Foundation
import ValidatedCore
import ValidatedRuntime
import ValidatedStore

/// `validatectl report MODEL|RUN -o FILE`: one self-contained HTML page about a run; `validatectl report FOLDER`:
/// the folder's champion lineage (``LineagePage``).
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Write a self-contained HTML report of a run: explanations, banned tokens, importance, AUC, stability.",
        discussion: """
            The page has inline CSS and SVG only: no scripts, fonts or images from the network. The ROC curve is \
            drawn when the store has the model's scores on the run's evaluation set and the configuration still \
            names that exact set; otherwise the page says why it is missing. Given a folder's name, the page draws \
            the folder's champion lineage instead: each champion's AUC with its interval over time, and each \
            challenger's verdict.
            """
    )

    @OptionGroup var options: StoreOptions

    @Argument(
        help: """
            A run id (see validatectl list), a model (path, file name or sha256 prefix) for its latest run, or a \
            folder's name for its champion lineage.
            """
    )
    var target: String

    @Option(name: [.short, .long], help: "The HTML file to write.")
    var output: String

    func run() async throws {
        let (store, _) = try openStore(options)
        if Int64(target) == nil, try store.folders().contains(target) { return try writeLineage(store) }
        let run = try resolveRun(store)
        guard let report = try run.storedReport() else { throw CtlError.noReport(run) }
        let page = ReportPage(
            subject: ReportPage.Subject(run: run),
            report: report,
            checks: try store.checks(runID: run.id),
            championImportance: championImportance(run, store: store),
            roc: rocCurves(run, store: store),
            generatedAt: Date()
        )
        do {
            try page.html().write(toFile: output, atomically: true, encoding: .utf8)
        } catch {
            throw CtlError.cannotWrite(path: output, cause: error)
        }
        print("wrote \(output) (run \(run.id), \(Format.fileName(run.model.path)), \(report.verdict.rawValue))")
    }

    private func resolveRun(_ store: any VerdictStoring) throws -> RunRecord {
        if let id = Int64(target), let run = try openStore(options).0.run(id: id) { return run }
        let model = try findModel(target, in: store)
        guard let run = try store.runs(modelID: model.id).first(where: { $0.reportJSON != nil }) else {
            throw CtlError.model(model, problem: "has no finished run yet; wait for its verdict (validatectl list)")
        }
        return run
    }

    /// The champion's global importance from its latest stored report, when the run was compared with one.
    private func championImportance(_ run: RunRecord, store: any VerdictStoring) -> ReportPage.Champion? {
        guard let id = run.championModelID, let model = try? store.model(id: id) else { return nil }
        let report = (try? store.runs(modelID: id))?.lazy.compactMap { try? $0.storedReport() }.first
        return ReportPage.Champion(
            name: Format.fileName(model.path),
            importance: report?.checks.spurious?.globalImportance
        )
    }

    /// ROC curves of the challenger and the champion, or why they cannot be drawn.
    private func rocCurves(
        _ run: RunRecord,
        store: any VerdictStoring
    ) -> Result<[ReportPage.Curve], ReportPage.Missing> {
        guard let fingerprint = run.evalFingerprint else {
            return .failure(
                ReportPage.Missing(
                    "the run stored no evaluation-set fingerprint, so its scores cannot be matched to labels"
                )
            )
        }
        guard let scores = try? store.cachedScores(modelID: run.model.id, evalFingerprint: fingerprint) else {
            return .failure(ReportPage.Missing("the store has no scores of this model on the run's evaluation set"))
        }
        guard
            let folder = try? DaemonConfiguration.load(mainFile: options.config).folders.first(where: {
                $0.name == run.model.folder
            })
        else {
            return .failure(
                ReportPage.Missing(
                    "the configuration \(options.config) does not name folder \"\(run.model.folder)\", so the labels are unknown; pass --config"
                )
            )
        }
        guard
            let resources = try? FolderResources.load(
                evaluationSet: folder.evaluationSet,
                fields: folder.fields,
                bannedTokens: nil
            ),
            resources.evaluationFingerprint == fingerprint, resources.evaluation.documents.count == scores.count
        else {
            return .failure(
                ReportPage.Missing(
                    "\(folder.evaluationSet) is no longer the evaluation set this run used (its fingerprint changed)"
                )
            )
        }
        let labels = resources.evaluation.documents.map(\.isPositive)
        var curves = [
            ReportPage.Curve(
                name: Format.fileName(run.model.path),
                points: ROC.points(scores: scores, positives: labels)
            )
        ]
        if let championID = run.championModelID,
            let championScores = try? store.cachedScores(modelID: championID, evalFingerprint: fingerprint),
            championScores.count == labels.count
        {
            let name = (try? store.model(id: championID)).flatMap { $0.map { Format.fileName($0.path) } } ?? "champion"
            curves.append(
                ReportPage.Curve(
                    name: "\(name) (champion)",
                    points: ROC.points(scores: championScores, positives: labels)
                )
            )
        }
        return .success(curves)
    }
}

/// The empirical ROC curve.
enum ROC {
    /// (false positive rate, true positive rate) from (0, 0) to (1, 1), one point per distinct score, so tied
    /// scores make one diagonal step.
    static func points(scores: [Double], positives: [Bool]) -> [(Double, Double)] {
        let positiveCount = Double(positives.filter { $0 }.count)
        let negativeCount = Double(positives.count) - positiveCount
        guard positiveCount > 0, negativeCount > 0 else { return [] }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var points = [(0.0, 0.0)]
        var truePositives = 0.0
        var falsePositives = 0.0
        var index = 0
        while index < order.count {
            let score = scores[order[index]]
            while index < order.count, scores[order[index]] == score {
                if positives[order[index]] { truePositives += 1 } else { falsePositives += 1 }
                index += 1
            }
            points.append((falsePositives / negativeCount, truePositives / positiveCount))
        }
        return points
    }
}
