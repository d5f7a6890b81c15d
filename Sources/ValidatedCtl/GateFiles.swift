import Foundation
import ValidatedCore
import ValidatedRuntime
import ValidatedStore

/// The files `validatectl validate` writes beside its verdict for CI: the HTML page of `validatectl report`
/// and JUnit XML.
struct GateFiles {
    var outcome: ValidationOutcome
    var plan: Validate.Plan

    /// Writes the page to `report` and the XML to `junit`, each when given.
    func write(report: String?, junit: String?) throws(CtlError) {
        let finished = Date()
        if let report { try Self.write(page(finishedAt: finished).html(), to: report) }
        if let junit {
            let xml = JUnitReport(
                model: outcome.path,
                sha256: outcome.sha256,
                report: outcome.report,
                checks: outcome.report.checkRecords,
                finishedAt: finished
            )
            try Self.write(xml.xml(), to: junit)
        }
    }

    private func page(finishedAt: Date) -> ReportPage {
        let championName = plan.champion.map { Format.fileName($0.path) }
        return ReportPage(
            subject: ReportPage.Subject(
                gate: outcome.path,
                sha256: outcome.sha256,
                folder: plan.folder?.name,
                finishedAt: finishedAt
            ),
            report: outcome.report,
            checks: outcome.report.checkRecords,
            championImportance: championName.map { name in
                ReportPage.Champion(
                    name: name,
                    importance: outcome.report.checks.spurious?.champion?.championImportance
                )
            },
            roc: rocCurves(championName: championName),
            generatedAt: finishedAt
        )
    }

    /// The challenger's ROC curve and, when the run compared with one, the champion's, from the scores the gate
    /// just computed and the evaluation set's labels.
    private func rocCurves(championName: String?) -> Result<[ReportPage.Curve], ReportPage.Missing> {
        guard let scores = outcome.report.scores else {
            return .failure(ReportPage.Missing("the model was not scored on the evaluation set"))
        }
        guard
            let resources = try? FolderResources.load(
                evaluationSet: plan.evaluationSet,
                fields: plan.fields,
                bannedTokens: nil
            ),
            !resources.evaluation.isMultiClass, resources.evaluation.documents.count == scores.count
        else {
            return .failure(ReportPage.Missing("the evaluation set is not a two-class set the scores match"))
        }
        let labels = resources.evaluation.documents.map(\.isPositive)
        var curves = [
            ReportPage.Curve(name: Format.fileName(outcome.path), points: ROC.points(scores: scores, positives: labels))
        ]
        if let theirs = outcome.report.championScores, theirs.count == labels.count {
            curves.append(
                ReportPage.Curve(
                    name: "\(championName ?? "champion") (champion)",
                    points: ROC.points(scores: theirs, positives: labels)
                )
            )
        }
        return .success(curves)
    }

    private static func write(_ text: String, to path: String) throws(CtlError) {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw .cannotWrite(path: path, cause: error)
        }
    }
}
