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
        guard let run = runs.first else { throw ValidationError("\(record.path) has no runs; queue one with validatectl rerun \(record.sha256.prefix(12))") }
        let checks = try store.checks(runID: run.id)
        if output.json {
            try printJSON(ShowJSON(model: record, run: run, checks: checks))
            return
        }
        let report = (run.reportJSON?.data(using: .utf8)).flatMap {
            try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
        }
        print(Self.render(record, run, checks, report: report, legend: !output.noLegend, palette: .standardOutput), terminator: "")
    }

    static func render(
        _ model: ModelRecord, _ run: RunRecord, _ checks: [CheckRecord], report: [String: Any]?, legend: Bool, palette: Palette
    ) -> String {
        var out = "\(Format.fileName(model.path))\n"
        out += "  path:    \(model.path)\n  sha256:  \(model.sha256)\n"
        out += "  folder:  \(model.folder), first seen \(Format.timestamp(model.firstSeen)), \(model.size) bytes\n"
        let state = run.verdict.map { palette.verdict($0, uppercased: true) } ?? run.state.rawValue
        out += "\nRun \(run.id): \(state)"
        if let finished = run.finishedAt { out += " at \(Format.timestamp(finished))" }
        out += "\n"
        if let error = report?["error"] as? String { out += "  error: \(error)\n" }
        for check in checks {
            out += "  \(check.suite.padding(toLength: 10, withPad: " ", startingAt: 0))"
            out += "\(palette.verdict(check.verdict, width: 6))\(check.summary)\n"
        }
        let reportChecks = report?["checks"] as? [String: Any]
        if let spurious = reportChecks?["spurious"] as? [String: Any] {
            out += renderSpurious(spurious, legend: legend)
        }
        if let auc = reportChecks?["auc"] as? [String: Any] {
            out += "\nAUC\n"
            out += "  challenger \(Format.number(auc["auc"]))"
            if let ci = auc["auc_ci"] as? [Double], ci.count == 2 {
                out += " [\(Format.number(ci[0])), \(Format.number(ci[1]))]"
            }
            out += "  on \(auc["n_pos"] ?? "?") positive / \(auc["n_neg"] ?? "?") negative documents\n"
            for entry in auc["per_class"] as? [[String: Any]] ?? [] {
                out += "  class \(entry["label"] ?? "?"): AUC \(Format.number(entry["auc"]))"
                if let ci = entry["auc_ci"] as? [Double], ci.count == 2 {
                    out += " [\(Format.number(ci[0])), \(Format.number(ci[1]))]"
                }
                if entry["champion_auc"] != nil {
                    out += "  champion \(Format.number(entry["champion_auc"]))  Δ \(Format.number(entry["delta"], digits: 4))"
                    out += "  p \(Format.number(entry["p_value"], digits: 4))"
                }
                out += "\n"
            }
            if auc["champion_auc"] != nil {
                out += "  champion   \(Format.number(auc["champion_auc"]))  Δ \(Format.number(auc["delta"], digits: 4))"
                if let ci = auc["delta_ci"] as? [Double], ci.count == 2 {
                    out += " [\(Format.number(ci[0], digits: 4)), \(Format.number(ci[1], digits: 4))]"
                }
                out += "  p (challenger worse) \(Format.number(auc["p_value"], digits: 4))\n"
                if let detectable = auc["min_detectable_delta"] as? Double {
                    out += "  this evaluation set detects differences of \(Format.number(detectable, digits: 4)) or more"
                    if let needed = auc["docs_needed"] as? Int { out += "; \(needed) documents would detect the target difference" }
                    out += "\n"
                }
            } else {
                out += "  no champion: judged on the floor \(Format.number(auc["floor"], digits: 2))\n"
            }
        }
        if let stability = reportChecks?["stability"] as? [String: Any] {
            out += renderStability(stability)
        }
        return out
    }

    private static func renderStability(_ stability: [String: Any]) -> String {
        var out = "\nStability (\(stability["documents"] ?? "?") documents)\n"
        if let seed = stability["seed"] as? [String: Any] {
            out += "  seeds (\(stability["seeds"] ?? "?")): top-k intersection \(Format.number(seed["top_k_intersection"]))"
            out += ", Jaccard \(Format.number(seed["jaccard"])), Spearman \(Format.number(seed["spearman"]))"
            out += ", Kendall \(Format.number(seed["kendall"])), weight CV \(Format.number(seed["weight_cv"]))"
            out += ", VSI \(Format.number(seed["vsi"], digits: 1))"
            out += (seed["csi"] as? Double).map { ", CSI \(Format.number($0, digits: 1))\n" } ?? "\n"
        } else {
            out += "  seeds (\(stability["seeds"] ?? "?")): Jaccard \(Format.number(stability["seed_jaccard"]))\n"
        }
        if let edits = stability["perturbation"] as? [String: Any] {
            out += "  edits (\(edits["pairs"] ?? "?") pairs, \(edits["label_changed"] ?? 0) dropped for a changed label):"
            out += " top-k intersection \(Format.number(edits["top_k_intersection"])), Jaccard \(Format.number(edits["jaccard"]))"
            out += " vs noise floor \(Format.number(edits["noise_floor_jaccard"])) (excess \(Format.number(edits["excess"])))"
            out += ", Spearman \(Format.number(edits["spearman"])), Kendall \(Format.number(edits["kendall"]))\n"
        }
        for entry in stability["least_stable"] as? [[String: Any]] ?? [] {
            out += "  least stable under seeds: \(entry["document"] ?? "?") (Jaccard \(Format.number(entry["jaccard"])))\n"
        }
        let pairs = (stability["worst_pairs"] as? [[String: Any]] ?? []).prefix(2).map { ("edited", $0) }
        let attack = (stability["attack"] as? [String: Any]).map { [("searched edits", $0)] } ?? []
        for (kind, pair) in pairs + attack {
            out += "\n  \(kind), document \(pair["document"] ?? "?"): top-k intersection \(Format.number(pair["top_k_intersection"]))"
            out += " after \((pair["edits"] as? [String] ?? []).joined(separator: "; "))\n"
            for (side, text, weights) in [
                ("original", pair["original"], pair["original_weights"]), ("edited  ", pair["perturbed"], pair["perturbed_weights"]),
            ] {
                out += "    \(side) \"\(Self.clip(text as? String ?? "", 90))\"\n"
                let top = (weights as? [[String: Any]] ?? []).prefix(6).map { entry in
                    String(format: "%@ %+.3f", entry["feature"] as? String ?? "?", entry["weight"] as? Double ?? 0)
                }
                out += "             \(top.joined(separator: ", "))\n"
            }
        }
        if let seconds = stability["seconds"] as? Double {
            out += "  cost: \(Format.number(seconds, digits: 2)) s, \(Format.percent(stability["share_of_run"])) of the run\n"
        }
        return out
    }

    private static func renderSpurious(_ spurious: [String: Any], legend: Bool) -> String {
        var out = "\nSpurious features (\(spurious["explained"] ?? "?") explanations, top \(spurious["top_k"] ?? "?"))\n"
        let hits = spurious["banned_hits"] as? [[String: Any]] ?? []
        if hits.isEmpty {
            out += "  no banned token among the top features\n"
        } else {
            if legend { out += "  TOKEN            IN TOP-K   ≥ (95%)  TOP-1   MASS    EXAMPLES\n" }
            for hit in hits {
                let token = (hit["token"] as? String ?? "?").padding(toLength: 16, withPad: " ", startingAt: 0)
                let examples = (hit["examples"] as? [String] ?? []).joined(separator: ", ")
                out += "  \(token) \(Format.percent(hit["rate"]).padding(toLength: 10, withPad: " ", startingAt: 0))"
                out += " \(Format.percent(hit["rate_lower_bound"]).padding(toLength: 8, withPad: " ", startingAt: 0))"
                out += " \(Format.percent(hit["top_rate"]).padding(toLength: 7, withPad: " ", startingAt: 0))"
                out += " \(Format.percent(hit["mass_share"]).padding(toLength: 7, withPad: " ", startingAt: 0)) \(examples)\n"
            }
        }
        out += renderAssociation(spurious["association"] as? [String: Any], legend: legend)
        out += renderChampion(spurious["champion"] as? [String: Any], legend: legend)
        if let pick = spurious["pick"] as? [[String: Any]], !pick.isEmpty {
            let entries = pick.map { "\($0["document"] ?? "?") (\(Format.percent($0["coverage"])))" }
            out += "  SP-LIME pick (coverage of global importance): \(entries.joined(separator: ", "))\n"
        }
        for worst in spurious["worst"] as? [[String: Any]] ?? [] {
            out += "\n  document \(worst["document"] ?? "?"): \"\(Self.clip(worst["text"] as? String ?? "", 100))\"\n"
            let weights = (worst["weights"] as? [[String: Any]] ?? []).prefix(8).map { entry in
                String(format: "%@ %+.3f", entry["feature"] as? String ?? "?", entry["weight"] as? Double ?? 0)
            }
            out += "    \(weights.joined(separator: ", "))\n"
        }
        return out
    }

    /// The banned tokens' association with the predictions, then the strongest tokens not on the list.
    private static func renderAssociation(_ association: [String: Any]?, legend: Bool) -> String {
        guard let association else { return "" }
        let banned = association["banned"] as? [[String: Any]] ?? []
        let others = (association["strongest"] as? [[String: Any]] ?? []).filter { ($0["banned"] as? Bool) != true }.prefix(5)
        var out = "\n  Token association over \(association["documents"] ?? "?") documents (Theil's U; tokens in "
        out += "\(association["min_documents"] ?? "?")+ documents)\n"
        if legend { out += "  TOKEN            DOCS   U(PRED)  U(LABEL)  PREDICTED      LIFT\n" }
        func row(_ entry: [String: Any], _ mark: String) -> String {
            let token = (entry["token"] as? String ?? "?").padding(toLength: 16, withPad: " ", startingAt: 0)
            let documents = "\(entry["documents"] ?? "?")".padding(toLength: 6, withPad: " ", startingAt: 0)
            let predicted = "\(entry["predicted_class"] ?? "?") \(Format.percent(entry["predicted_share"]))"
            return "  \(token) \(documents) \(Format.number(entry["u_predicted"]).padding(toLength: 8, withPad: " ", startingAt: 0))"
                + " \(Format.number(entry["u_label"]).padding(toLength: 9, withPad: " ", startingAt: 0))"
                + " \(predicted.padding(toLength: 14, withPad: " ", startingAt: 0)) \(Format.number(entry["lift"], digits: 2))\(mark)\n"
        }
        for entry in banned { out += row(entry, "  banned") }
        for entry in others { out += row(entry, "") }
        return out
    }

    /// The challenger's new reasons against the champion's explanations of the same documents.
    private static func renderChampion(_ champion: [String: Any]?, legend: Bool) -> String {
        guard let champion else { return "" }
        if let error = champion["error"] as? String { return "\n  New reasons: not computed, \(error)\n" }
        var out = "\n  New reasons against the champion (top \(champion["top"] ?? "?"), \(champion["explained"] ?? "?") champion explanations"
        if let seconds = champion["seconds"] as? Double {
            out += ", \(Format.number(seconds, digits: 2)) s, \(Format.percent(champion["share_of_run"])) of the run"
        }
        out += ")\n"
        let reasons = champion["new_reasons"] as? [[String: Any]] ?? []
        if reasons.isEmpty { return out + "  none: the challenger's most important tokens are the champion's\n" }
        if legend { out += "  TOKEN            RANK  SHARE   CHAMPION\n" }
        for reason in reasons {
            let token = (reason["token"] as? String ?? "?").padding(toLength: 16, withPad: " ", startingAt: 0)
            let championRank = (reason["champion_rank"] as? Int).map { "#\($0), \(Format.percent(reason["champion_share"]))" } ?? "absent"
            out += "  \(token) #\("\(reason["rank"] ?? "?")".padding(toLength: 4, withPad: " ", startingAt: 0))"
            out += " \(Format.percent(reason["share"]).padding(toLength: 7, withPad: " ", startingAt: 0)) \(championRank)"
            out += (reason["banned"] as? Bool) == true ? "  banned\n" : "\n"
        }
        return out
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
            Check(suite: $0.suite, verdict: $0.verdict.rawValue, summary: $0.summary, metrics: JSONValue(parsing: $0.metricsJSON) ?? .null)
        }
        report = JSONValue(parsing: run.reportJSON) ?? .null
    }
}
