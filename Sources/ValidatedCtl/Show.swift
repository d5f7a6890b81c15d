import ArgumentParser
import Foundation
import ValidatedCore
import ValidatedStore

/// `validatectl show MODEL`: every check of a model's latest run, with its numbers and offending tokens.
struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model's latest verdict: every check with its numbers, offending tokens and example documents."
    )

    @OptionGroup var options: StoreOptions

    @Argument(help: "A model: its path, file name, or a sha256 prefix (6+ hex digits).")
    var model: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let (store, _) = try openStore(options)
        let record = try findModel(model, in: store)
        let runs = try store.runs(modelID: record.id)
        guard let run = runs.first else {
            let problem = "has no runs; queue one with validatectl rerun \(record.sha256.prefix(12))"
            throw CtlError.model(record, problem: problem)
        }
        let checks = try store.checks(runID: run.id)
        if output.json {
            // The stored report passes through as it was written, keys the typed model may not know included.
            try printJSON(ShowJSON(model: record, run: run, checks: checks))
            return
        }
        let shown = Visible.run(run)
        let report = Result { () throws(CtlError) -> ValidationReport? in try shown.storedReport() }
        let text = Self.render(
            Visible.model(record),
            shown,
            checks.map(Visible.check),
            report: report,
            legend: !output.noLegend,
            palette: .standardOutput
        )
        print(text, terminator: "")
    }

    static func render(
        _ model: ModelRecord,
        _ run: RunRecord,
        _ checks: [CheckRecord],
        report: Result<ValidationReport?, CtlError>,
        legend: Bool,
        palette: Palette
    ) -> String {
        var out = "\(Format.fileName(model.path))\n"
        out += "  path:    \(model.path)\n  sha256:  \(model.sha256)\n"
        out += "  folder:  \(model.folder), first seen \(Format.timestamp(model.firstSeen)), \(model.size) bytes\n"
        let state = run.verdict.map { palette.verdict($0, uppercased: true) } ?? run.state.rawValue
        out += "\nRun \(run.id): \(state)"
        if let finished = run.finishedAt { out += " at \(Format.timestamp(finished))" }
        out += "\n"
        if case .failure(let error) = report { out += "  report: \(error)\n" }
        let report = try? report.get()
        if let error = report?.error { out += "  error: \(error)\n" }
        for check in checks {
            out += "  \(Format.suiteColumn(check.suite.rawValue))"
            out += "\(palette.verdict(check.verdict, width: 8))\(check.summary)\n"
        }
        if let truncation = report?.truncation {
            out += "  truncated: \(truncation.summary); first: \(truncation.examples.joined(separator: ", "))\n"
        }
        guard let report, report.error == nil else { return out }
        let checks = report.checks
        if let spurious = checks.spurious { out += renderSpurious(spurious, legend: legend) }
        if let auc = checks.auc { out += renderAUC(auc) }
        if let stability = checks.stability { out += renderStability(stability) }
        if let counterfactual = checks.counterfactual { out += renderCounterfactual(counterfactual) }
        return out + renderCost(report)
    }

    /// How the explanations settled their sample sizes, in one line.
    static func samplingLine(_ sampling: SamplingSummary) -> String {
        var line = "explanations: \(sampling.explanations), \(Format.percent(sampling.certifiedShare)) certified"
        if sampling.saturated > 0 { line += ", \(sampling.saturated) stopped where more samples could not help" }
        if sampling.settled > 0 { line += ", \(sampling.settled) settled on their banned words" }
        line +=
            ", \(Format.number(sampling.meanSamples, digits: 0)) samples each on average (ceiling \(sampling.ceiling))"
        return line + ", \(sampling.samplesSaved) model calls saved"
    }

    /// Each suite's seconds and model calls, and the run's, when the report counted them.
    private static func renderCost(_ report: ValidationReport) -> String {
        guard let total = report.modelCalls else { return "" }
        let suites: [(String, Double?, Int?, Int?)] = [
            ("AUC", report.checks.auc?.seconds, report.checks.auc?.modelCalls, report.checks.auc?.cachedCalls),
            (
                "spurious", report.checks.spurious?.seconds, report.checks.spurious?.modelCalls,
                report.checks.spurious?.cachedCalls
            ),
            (
                "stability", report.checks.stability?.seconds, report.checks.stability?.modelCalls,
                report.checks.stability?.cachedCalls
            ),
            (
                "counterfactual", report.checks.counterfactual?.seconds, report.checks.counterfactual?.modelCalls,
                report.checks.counterfactual?.cachedCalls
            ),
        ]
        var out = "\nCost: \(Format.number(report.durationSeconds, digits: 1)) s, \(total) model calls"
        out += ", \(report.cachedCalls ?? 0) answered from the run's cache\n"
        if let sampling = report.sampling { out += "  \(samplingLine(sampling))\n" }
        for (name, seconds, calls, cached) in suites where calls != nil {
            out += "  \(Format.suiteColumn(name))\(Format.number(seconds, digits: 2)) s, \(calls ?? 0) model calls"
            out += ", \(cached ?? 0) cached\n"
        }
        return out
    }

    private static func renderAUC(_ auc: AUCReport) -> String {
        var out = "\nAUC\n"
        out += "  challenger \(Format.number(auc.auc))\(interval(auc.aucCI))"
        out += "  on \(auc.nPos) positive / \(auc.nNeg) negative documents\n"
        for entry in auc.perClass ?? [] {
            out += "  class \(entry.label): AUC \(Format.number(entry.auc))\(interval(entry.aucCI))"
            if let championAUC = entry.championAUC {
                out += "  champion \(Format.number(championAUC))  \(entry.championDifference ?? "")"
                if entry.pValueTwoSided == nil {
                    out += "  p (challenger worse) \(Format.number(entry.pValue, digits: 4))"
                }
            }
            out += "\n"
        }
        guard let championAUC = auc.championAUC else {
            return out + "  no champion: judged on the floor \(Format.number(auc.floor, digits: 2))\n"
        }
        out += "  champion   \(Format.number(championAUC))  \(auc.championDifference ?? "")"
        out += "  (one-sided p of \"worse\" \(Format.number(auc.pValue, digits: 4)))\n"
        if let detectable = auc.minDetectableDelta {
            out += "  this evaluation set detects differences of \(Format.number(detectable, digits: 4)) or more"
            if let needed = auc.docsNeeded { out += "; \(needed) documents would detect the target difference" }
            out += "\n"
        }
        return out
    }

    /// ` [low, high]` for a two-sided interval, nothing otherwise.
    private static func interval(_ bounds: [Double]?, digits: Int = 3) -> String {
        guard let bounds, bounds.count == 2 else { return "" }
        return " [\(Format.number(bounds[0], digits: digits)), \(Format.number(bounds[1], digits: digits))]"
    }

    private static func renderStability(_ stability: StabilityReport) -> String {
        guard stability.verdict != .skipped else { return "\nStability: skipped, \(stability.summary)\n" }
        var out = "\nStability (\(stability.documents) documents)\n"
        if let seed = stability.seed {
            out += "  seeds (\(stability.seeds)): top-k intersection \(Format.number(seed.topKIntersection))"
            out += ", Jaccard \(Format.number(seed.jaccard)), Spearman \(Format.number(seed.spearman))"
            out += ", Kendall \(Format.number(seed.kendall)), weight CV \(Format.number(seed.weightCV))"
            out += ", VSI \(Format.number(seed.vsi, digits: 1))"
            out += seed.csi.map { ", CSI \(Format.number($0, digits: 1))\n" } ?? "\n"
        } else {
            out += "  seeds (\(stability.seeds)): Jaccard \(Format.number(stability.seedJaccard))\n"
        }
        if let edits = stability.perturbation {
            out += "  edits (\(edits.pairs) pairs, \(edits.labelChanged) dropped for a changed label):"
            out += " top-k intersection \(Format.number(edits.topKIntersection))"
            out += ", Jaccard \(Format.number(edits.jaccard))"
            out += " vs noise floor \(Format.number(edits.noiseFloorJaccard)) (excess \(Format.number(edits.excess)))"
            out += ", Spearman \(Format.number(edits.spearman)), Kendall \(Format.number(edits.kendall))\n"
        }
        for entry in stability.leastStable {
            out += "  least stable under seeds: \(entry.document) (Jaccard \(Format.number(entry.jaccard)))\n"
        }
        let pairs = (stability.worstPairs ?? []).prefix(2).map { ("edited", $0) }
        for (kind, pair) in pairs + (stability.attack.map { [("searched edits", $0)] } ?? []) {
            out += renderPair(pair, kind: kind)
        }
        if let seconds = stability.seconds {
            out += "  cost: \(Format.number(seconds, digits: 2)) s"
            out += ", \(Format.percent(stability.shareOfRun)) of the run\n"
        }
        return out
    }

    private static func renderPair(_ pair: StabilityReport.PerturbedPair, kind: String) -> String {
        var out = "\n  \(kind), document \(pair.document): top-k intersection \(Format.number(pair.topKIntersection))"
        out += " after \(pair.edits.joined(separator: "; "))\n"
        for (side, text, weights) in [
            ("original", pair.original, pair.originalWeights), ("edited  ", pair.perturbed, pair.perturbedWeights),
        ] {
            out += "    \(side) \"\(Self.clip(text, 90))\"\n"
            out += "             \(Self.weights(weights.prefix(6)))\n"
        }
        return out
    }

    /// `feature +0.123, …`.
    private static func weights(_ weights: some Sequence<FeatureWeight>) -> String {
        weights.map { String(format: "%@ %+.3f", $0.feature, $0.weight) }.joined(separator: ", ")
    }

    private static func renderSpurious(_ spurious: SpuriousReport, legend: Bool) -> String {
        var out = "\nSpurious features (\(spurious.explained) explanations, top \(spurious.topK))\n"
        if spurious.bannedHits.isEmpty {
            out += "  no banned token among the top features\n"
        } else {
            if legend { out += "  TOKEN            IN TOP-K   ≥ (95%)  TOP-1   MASS    EXAMPLES\n" }
            for hit in spurious.bannedHits {
                out += "  \(pad(hit.token, 16)) \(pad(Format.percent(hit.rate), 10))"
                out += " \(pad(Format.percent(hit.rateLowerBound), 8)) \(pad(Format.percent(hit.topRate), 7))"
                out += " \(pad(Format.percent(hit.massShare), 7)) \(hit.examples.joined(separator: ", "))\n"
            }
        }
        out += renderAssociation(spurious.association, legend: legend)
        out += renderChampion(spurious.champion, legend: legend)
        if let pick = spurious.pick, !pick.isEmpty {
            let entries = pick.map { "\($0.document) (\(Format.percent($0.coverage)))" }
            out += "  SP-LIME pick (coverage of global importance): \(entries.joined(separator: ", "))\n"
        }
        for worst in spurious.worst {
            out += "\n  document \(worst.document): \"\(Self.clip(worst.text, 100))\"\n"
            out += "    \(Self.weights(worst.weights.prefix(8)))\n"
        }
        return out
    }

    /// The banned tokens' association with the predictions, then the strongest tokens not on the list.
    private static func renderAssociation(_ association: TokenAssociationReport?, legend: Bool) -> String {
        guard let association else { return "" }
        var out = "\n  Token association over \(association.documents) documents (Theil's U; tokens in "
        out += "\(association.minDocuments)+ documents)\n"
        if legend { out += "  TOKEN            DOCS   U(PRED)  U(LABEL)  PREDICTED      LIFT\n" }
        func row(_ entry: TokenAssociationReport.Token, _ mark: String) -> String {
            let predicted = "\(entry.predictedClass) \(Format.percent(entry.predictedShare))"
            let uncertainty = "\(pad(Format.number(entry.uPredicted), 8)) \(pad(Format.number(entry.uLabel), 9))"
            return "  \(pad(entry.token, 16)) \(pad("\(entry.documents)", 6)) \(uncertainty)"
                + " \(pad(predicted, 14)) \(Format.number(entry.lift, digits: 2))\(mark)\n"
        }
        for entry in association.banned { out += row(entry, "  banned") }
        for entry in association.strongest.filter({ !$0.banned }).prefix(5) { out += row(entry, "") }
        return out
    }

    /// The challenger's new reasons against the champion's explanations of the same documents.
    private static func renderChampion(_ champion: SpuriousReport.ChampionComparison?, legend: Bool) -> String {
        guard let champion else { return "" }
        if let error = champion.error { return "\n  New reasons: not computed, \(error)\n" }
        var out = "\n  New reasons against the champion (top \(champion.top)"
        out += ", \(champion.explained) champion explanations"
        out += ", \(Format.number(champion.seconds, digits: 2)) s, \(Format.percent(champion.shareOfRun)) of the run)\n"
        if champion.newReasons.isEmpty {
            return out + "  none: the challenger's most important tokens are the champion's\n"
        }
        if legend { out += "  TOKEN            RANK  SHARE   CHAMPION\n" }
        for reason in champion.newReasons {
            let championRank = reason.championRank.map { "#\($0), \(Format.percent(reason.championShare))" } ?? "absent"
            out += "  \(pad(reason.token, 16)) #\(pad("\(reason.rank)", 4))"
            out += " \(pad(Format.percent(reason.share), 7)) \(championRank)"
            out += reason.banned ? "  banned\n" : "\n"
        }
        return out
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.padding(toLength: width, withPad: " ", startingAt: 0)
    }

    private static func clip(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }
}

/// `validatectl show --json`: the model, its latest run, the run's checks and the stored report.
struct ShowJSON: Encodable {
    struct Check: Encodable {
        var suite: String
        var verdict: String
        var summary: String
        var metrics: JSONValue
    }

    var schema = jsonSchema
    var model: ModelJSON
    var run: RunJSON
    var checks: [Check]
    var report: JSONValue

    init(model: ModelRecord, run: RunRecord, checks: [CheckRecord]) {
        self.model = ModelJSON(model)
        self.run = RunJSON(run)
        self.checks = checks.map {
            Check(
                suite: $0.suite.rawValue,
                verdict: $0.verdict.rawValue,
                summary: $0.summary,
                metrics: JSONValue(parsing: $0.metricsJSON) ?? .null
            )
        }
        report = JSONValue(parsing: run.reportJSON) ?? .null
    }
}
