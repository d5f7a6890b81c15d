import Foundation
import ValidatedCore
import ValidatedStore

/// The HTML of `validatectl report FOLDER`: the folder's champion lineage drawn as inline SVG — each champion's
/// AUC with its 95% interval from the run that crowned it, held until the next champion, and every challenger's
/// verdict and AUC — then the same as a table. One page, inline CSS and SVG, nothing fetched.
struct LineagePage {
    /// One finished run of the folder, in the order runs finished.
    struct Challenge {
        var runID: Int64
        var model: String
        var finishedAt: Date
        var verdict: Verdict
        var summary: String
        var auc: Double?
        var interval: [Double]?
    }

    /// One champion, from its promotion on.
    struct Reign {
        var model: String
        var since: Date
        var reason: PromotionReason
        /// The run that justified it, when there is one.
        var runID: Int64?
        var auc: Double?
        var interval: [Double]?
    }

    var folder: String
    /// Oldest first.
    var challenges: [Challenge]
    /// Oldest first.
    var reigns: [Reign]
    var generatedAt: Date

    /// The page from the folder's finished runs (any order) and its promotions (oldest first).
    init(folder: String, runs: [RunRecord], promotions: [(promotion: PromotionRecord, run: RunRecord?)], at: Date) {
        self.folder = folder
        challenges = runs.compactMap { run in
            guard let verdict = run.verdict, let finished = run.finishedAt else { return nil }
            let auc = (try? run.storedReport())?.checks.auc
            return Challenge(
                runID: run.id,
                model: Format.fileName(run.model.path),
                finishedAt: finished,
                verdict: verdict,
                summary: run.summary ?? "",
                auc: auc?.auc,
                interval: auc?.aucCI
            )
        }.sorted { ($0.finishedAt, $0.runID) < ($1.finishedAt, $1.runID) }
        reigns = promotions.map { step in
            let auc = (try? step.run?.storedReport())?.checks.auc
            return Reign(
                model: Format.fileName(step.promotion.model.path),
                since: step.promotion.promotedAt,
                reason: step.promotion.reason,
                runID: step.run?.id,
                auc: auc?.auc,
                interval: auc?.aucCI
            )
        }
        generatedAt = at
    }

    func html() -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Folder \(HTML.escape(folder)): champion lineage</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <h1>Folder \(HTML.escape(folder)): champion lineage</h1>

            """
        out += "<p class=\"summary\">\(reigns.count) champion\(reigns.count == 1 ? "" : "s"), "
        out += "\(challenges.count) finished run\(challenges.count == 1 ? "" : "s")"
        if let current = reigns.last { out += "; the champion is \(HTML.escape(current.model))" }
        out += ".</p>\n"
        out += challenges.isEmpty && reigns.isEmpty ? "<p class=\"missing\">No finished run yet.</p>\n" : chart()
        out += table()
        out += "<footer>Written by validatectl report at \(HTML.escape(Format.timestamp(generatedAt))).</footer>\n"
        out += "</body>\n</html>\n"
        return out
    }

    // MARK: - The chart

    private func chart() -> String {
        let plot = LineagePlot(slots: max(challenges.count, 1), values: plottedValues())
        var out = "<figure id=\"lineage\"><svg class=\"lineage\" viewBox=\"0 0 \(LineagePlot.width) "
        out += "\(LineagePlot.height)\" role=\"img\" aria-label=\"AUC of each champion and challenger over time\">\n"
        out += plot.axes(labels: challenges.map { "run \($0.runID)" })
        out += reignPath(plot)
        for (slot, challenge) in challenges.enumerated() {
            out += marker(
                plot,
                slot: Double(slot),
                kind: "challenger \(challenge.verdict.rawValue)",
                model: challenge.model,
                auc: challenge.auc,
                interval: challenge.interval,
                title:
                    "run \(challenge.runID), \(challenge.model): \(challenge.verdict.rawValue) — \(challenge.summary)"
            )
        }
        for reign in reigns {
            out += marker(
                plot,
                slot: slot(of: reign),
                kind: "champion",
                model: reign.model,
                auc: reign.auc,
                interval: reign.interval,
                title: "\(reign.model): champion since \(Format.timestamp(reign.since)) (\(reign.reason.rawValue))"
            )
        }
        out += "</svg><figcaption><span class=\"key champion\"></span>"
        out += "champion: AUC and 95% interval, held until the next"
        for verdict in Verdict.allCases {
            out += " <span class=\"key \(verdict.rawValue)\"></span>challenger \(verdict.rawValue)"
        }
        out += " (runs without an AUC sit on the bottom line)</figcaption></figure>\n"
        return out
    }

    private func plottedValues() -> [Double] {
        challenges.flatMap { [$0.auc].compactMap { $0 } + ($0.interval ?? []) }
            + reigns.flatMap { [$0.auc].compactMap { $0 } + ($0.interval ?? []) }
    }

    /// A champion's place: its run's, or between the runs that finished before and after its promotion.
    private func slot(of reign: Reign) -> Double {
        if let id = reign.runID, let index = challenges.firstIndex(where: { $0.runID == id }) { return Double(index) }
        return Double(challenges.filter { $0.finishedAt <= reign.since }.count) - 0.5
    }

    /// The champions' AUC as a step line: each holds from its promotion to the next one, or to the right edge.
    private func reignPath(_ plot: LineagePlot) -> String {
        var out = ""
        for (index, reign) in reigns.enumerated() {
            guard let auc = reign.auc else { continue }
            let start = plot.x(slot(of: reign))
            let end = index + 1 < reigns.count ? plot.x(slot(of: reigns[index + 1])) : plot.right
            out += "<line class=\"reign\" x1=\"\(LineagePlot.f(start))\" x2=\"\(LineagePlot.f(end))\" "
            out += "y1=\"\(LineagePlot.f(plot.y(auc)))\" y2=\"\(LineagePlot.f(plot.y(auc)))\"/>\n"
        }
        return out
    }

    private func marker(
        _ plot: LineagePlot,
        slot: Double,
        kind: String,
        model: String,
        auc: Double?,
        interval: [Double]?,
        title: String
    ) -> String {
        let x = LineagePlot.f(plot.x(slot))
        var out = "<g class=\"\(kind)\" data-model=\"\(HTML.escape(model))\""
        if let auc { out += " data-auc=\"\(Format.number(auc, digits: 4))\"" }
        out += "><title>\(HTML.escape(title))</title>"
        if let interval, interval.count == 2 {
            out += "<line class=\"interval\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(LineagePlot.f(plot.y(interval[0])))\" "
            out += "y2=\"\(LineagePlot.f(plot.y(interval[1])))\" data-low=\"\(Format.number(interval[0], digits: 4))\" "
            out += "data-high=\"\(Format.number(interval[1], digits: 4))\"/>"
        }
        let y = LineagePlot.f(auc.map(plot.y) ?? plot.bottom)
        out += "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"\(kind == "champion" ? 7 : 4)\"/>"
        return out + "</g>\n"
    }

    // MARK: - The table

    private func table() -> String {
        var out = "<h2>Runs</h2>\n<table class=\"runs\"><thead><tr><th>Finished</th><th>Run</th><th>Model</th>"
        out += "<th>Verdict</th><th>AUC [95% interval]</th><th>Champion</th></tr></thead><tbody>\n"
        for challenge in challenges {
            let crowned = reigns.filter { $0.runID == challenge.runID }.map { "crowned (\($0.reason.rawValue))" }
            out += "<tr><td>\(HTML.escape(Format.timestamp(challenge.finishedAt)))</td><td>\(challenge.runID)</td>"
            out += "<td>\(HTML.escape(challenge.model))</td>"
            out += "<td class=\"\(challenge.verdict.rawValue)\">\(challenge.verdict.rawValue)</td>"
            out += "<td>\(Format.number(challenge.auc)) \(interval(challenge.interval))</td>"
            out += "<td>\(crowned.first ?? "")</td></tr>\n"
        }
        out += "</tbody></table>\n"
        for reign in reigns where reign.runID.map({ id in !challenges.contains { $0.runID == id } }) ?? true {
            out += "<p>\(HTML.escape(reign.model)) became champion at \(HTML.escape(Format.timestamp(reign.since))) "
            out += "(\(reign.reason.rawValue)) without a finished run of its own in this folder.</p>\n"
        }
        return out
    }

    private func interval(_ bounds: [Double]?) -> String {
        guard let bounds, bounds.count == 2 else { return "" }
        return "[\(Format.number(bounds[0])), \(Format.number(bounds[1]))]"
    }

    private static let style = """
        :root{font-family:system-ui,sans-serif;color:#222;background:#fff}
        body{max-width:68rem;margin:1rem auto;padding:0 1rem;line-height:1.45}
        h2{border-bottom:1px solid #ccc;margin-top:2rem}figure{margin:1rem 0}svg.lineage{width:100%;height:auto}
        svg text{font-size:11px;fill:#444}.frame{fill:none;stroke:#999}.grid{stroke:#e3e3e3}
        .reign{stroke:#2166ac;stroke-width:2}.interval{stroke-width:2}
        .champion circle{fill:none;stroke:#2166ac;stroke-width:3}.champion .interval{stroke:#2166ac;stroke-width:4}
        .challenger .interval{stroke-opacity:.6}
        .pass circle{fill:#2e7d32}.pass .interval{stroke:#2e7d32}.warn circle{fill:#b26a00}.warn .interval{stroke:#b26a00}
        .fail circle{fill:#c62828}.fail .interval{stroke:#c62828}.error circle{fill:#777}.error .interval{stroke:#777}
        .key{display:inline-block;width:.8rem;height:.8rem;border-radius:50%;margin:0 .3rem -.1rem 1rem}
        .key.champion{border:3px solid #2166ac;width:.5rem;height:.5rem}.key.pass{background:#2e7d32}
        .key.warn{background:#b26a00}.key.fail{background:#c62828}.key.error{background:#777}
        table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.2rem .6rem;border-bottom:1px solid #e3e3e3;text-align:left}
        td.pass{color:#2e7d32}td.warn{color:#b26a00}td.fail,td.error{color:#c62828;font-weight:bold}
        .missing{color:#777;font-style:italic}footer{margin:2rem 0;color:#777;font-size:.85rem}
        """
}

extension Report {
    /// Writes the champion lineage of the folder `target` names.
    func writeLineage(_ store: any VerdictStoring) throws {
        let runs = try openStore(options).0.runs(RunFilter(folder: target, limit: Int.max))
        let promotions = try store.promotions(folder: target)
        let page = LineagePage(folder: target, runs: runs, promotions: promotions, at: Date())
        do {
            try page.html().write(toFile: output, atomically: true, encoding: .utf8)
        } catch {
            throw CtlError.cannotWrite(path: output, cause: error)
        }
        print(
            "wrote \(output) (folder \(target): \(page.reigns.count) champion(s), \(page.challenges.count) finished run(s))"
        )
    }
}

/// The lineage chart's geometry: one slot per finished run left to right, AUC upwards.
struct LineagePlot {
    static let width = 900.0
    static let height = 360.0
    let left = 56.0
    let right = width - 16
    let top = 16.0
    let bottom = height - 48
    let slots: Int
    /// The AUC range shown, in steps of 0.05 around every value drawn.
    let low: Double
    let high: Double

    init(slots: Int, values: [Double]) {
        self.slots = slots
        low = max(0, ((values.min() ?? 0.5) * 20 - 0.5).rounded(.down) / 20)
        high = min(1, ((values.max() ?? 1) * 20 + 0.5).rounded(.up) / 20)
    }

    func x(_ slot: Double) -> Double { left + (slot + 0.5) * (right - left) / Double(slots) }

    func y(_ auc: Double) -> Double { bottom - (auc - low) / max(high - low, 0.05) * (bottom - top) }

    /// The frame, a grid line and label every 0.05 of AUC, and run labels under the slots (at most about 12).
    func axes(labels: [String]) -> String {
        var out = "<rect class=\"frame\" x=\"\(Self.f(left))\" y=\"\(Self.f(top))\" "
        out += "width=\"\(Self.f(right - left))\" height=\"\(Self.f(bottom - top))\"/>\n"
        var tick = low
        while tick <= high + 1e-9 {
            out += "<line class=\"grid\" x1=\"\(Self.f(left))\" x2=\"\(Self.f(right))\" y1=\"\(Self.f(y(tick)))\" "
            out += "y2=\"\(Self.f(y(tick)))\"/><text x=\"\(Self.f(left - 6))\" y=\"\(Self.f(y(tick) + 4))\" "
            out += "text-anchor=\"end\">\(Format.number(tick, digits: 2))</text>\n"
            tick += 0.05
        }
        let every = max(1, (labels.count + 11) / 12)
        for (slot, label) in labels.enumerated() where slot % every == 0 {
            out += "<text x=\"\(Self.f(x(Double(slot))))\" y=\"\(Self.f(bottom + 18))\" text-anchor=\"middle\">"
            out += "\(HTML.escape(label))</text>\n"
        }
        out += "<text x=\"\(Self.f((left + right) / 2))\" y=\"\(Self.f(Self.height - 8))\" text-anchor=\"middle\">"
        out += "finished runs, oldest first</text>\n"
        let middle = Self.f((top + bottom) / 2)
        out += "<text x=\"14\" y=\"\(middle)\" transform=\"rotate(-90 14 \(middle))\" "
        out += "text-anchor=\"middle\">AUC</text>\n"
        return out
    }

    /// A coordinate with one decimal.
    static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// Text for HTML.
enum HTML {
    /// `text` with `& < > " '` escaped, safe in element content and quoted attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
