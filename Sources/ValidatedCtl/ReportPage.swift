// Over 450 lines: one self-contained page, its sections in the order the page shows them; split further, the
// template would be read in pieces.
import Foundation
import ValidatedCore
import ValidatedStore

/// The HTML of `validatectl report`: one page, inline CSS and SVG, nothing fetched.
struct ReportPage {
    /// The champion the run was compared with, and its global importance when its report has one.
    struct Champion {
        /// Its file name.
        var name: String
        var importance: [SpuriousReport.Importance]?
    }

    /// What the page is about: a stored run, or a checkpoint `validatectl validate` judged just now.
    struct Subject {
        var path: String
        var sha256: String
        var folder: String
        /// The run's id and attempts, for a stored run.
        var run: (id: Int64, attempts: Int)?
        var finishedAt: Date?
        /// Who wrote the page, for the footer: `validatectl report … from run 12`.
        var writer: String

        /// A run in the store.
        init(run: RunRecord) {
            path = run.model.path
            sha256 = run.model.sha256
            folder = run.model.folder
            self.run = (run.id, run.attempts)
            finishedAt = run.finishedAt
            writer = "validatectl report from run \(run.id)"
        }

        /// A checkpoint judged by the gate; `folder` is the configured folder it was judged as, if any.
        init(gate path: String, sha256: String?, folder: String?, finishedAt: Date) {
            self.path = path
            self.sha256 = sha256 ?? "–"
            self.folder = folder ?? "none (validatectl validate)"
            run = nil
            self.finishedAt = finishedAt
            writer = "validatectl validate"
        }
    }

    /// One model's ROC curve.
    struct Curve {
        var name: String
        var points: [(Double, Double)]
    }

    /// Why a part of the page could not be drawn.
    struct Missing: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    var subject: Subject
    var report: ValidationReport
    var checks: [CheckRecord]
    var championImportance: Champion?
    var roc: Result<[Curve], Missing>
    var generatedAt: Date

    func html() -> String {
        let title = "\(Format.fileName(subject.path)): \(report.verdict.rawValue)"
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>\(Self.style)</style>
            </head>
            <body>

            """
        out += verdictSection()
        out += documentsSection()
        out += bannedSection()
        out += importanceSection()
        out += aucSection()
        out += stabilitySection()
        out += counterfactualSection()
        out +=
            "<footer>Written by \(escape(subject.writer)) at \(escape(Format.timestamp(generatedAt))).</footer>\n"
        out += "</body>\n</html>\n"
        return out
    }

    // MARK: - Sections

    private func verdictSection() -> String {
        var out = "<header id=\"verdict\" class=\"verdict \(report.verdict.rawValue)\">\n"
        out +=
            "<h1><span class=\"badge\">\(report.verdict.rawValue.uppercased())</span> \(escape(Format.fileName(subject.path)))</h1>\n"
        out += "<p class=\"summary\">\(escape(checks.isEmpty ? report.summary : headline))</p>\n"
        out += "<dl>"
        out += item("Path", escape(subject.path))
        out += item("SHA-256", "<code>\(escape(subject.sha256))</code>")
        out += item("Folder", escape(subject.folder))
        if let run = subject.run {
            out += item("Run", "\(run.id), \(run.attempts) attempt\(run.attempts == 1 ? "" : "s")")
        }
        if let finished = subject.finishedAt { out += item("Finished", escape(Format.timestamp(finished))) }
        out += item("Duration", String(format: "%.1f s", report.durationSeconds))
        if let error = report.error { out += item("Error", escape(error)) }
        out += "</dl>\n"
        if !checks.isEmpty {
            out +=
                "<table class=\"checks\"><thead><tr><th>Suite</th><th>Verdict</th><th>Summary</th></tr></thead><tbody>\n"
            for check in checks {
                out +=
                    "<tr><td>\(escape(check.suite.rawValue))</td><td class=\"\(check.verdict.rawValue)\">\(check.verdict.rawValue)</td>"
                out += "<td>\(escape(check.summary))</td></tr>\n"
            }
            out += "</tbody></table>\n"
        }
        return out + "</header>\n"
    }

    /// The suites that did not pass, by name: their summaries are in the table below the header.
    private var headline: String {
        let others = checks.filter { $0.verdict != .pass }
        guard !others.isEmpty else { return "Every suite passed; the table below says what each measured." }
        let named = others.map { "\($0.suite.rawValue) \($0.verdict.rawValue)" }.joined(separator: ", ")
        return "\(named); the table below says why."
    }

    private func documentsSection() -> String {
        var out = "<section id=\"documents\">\n<h2>Explained documents</h2>\n"
        out +=
            "<p class=\"legend\">Each word is shaded by its LIME weight: <span class=\"pos\">towards the positive class</span>, "
        out +=
            "<span class=\"neg\">against it</span>; stronger shade, larger weight. Hover a word for its weight.</p>\n"
        var any = false
        for example in report.checks.spurious?.worst ?? [] {
            any = true
            out += document("Document \(example.document): most banned attribution", example.text, example.weights)
        }
        let stability = report.checks.stability
        for pair in (stability?.worstPairs ?? []) + (stability?.attack.map { [$0] } ?? []) {
            any = true
            let heading =
                "Document \(pair.document), edited (\(pair.edits.joined(separator: "; "))): top-k intersection "
                + Format.number(pair.topKIntersection)
            out += "<div class=\"pair\"><h3>\(escape(heading))</h3>\n"
            out += document("original", pair.original, pair.originalWeights, level: 4)
            out += document("edited", pair.perturbed, pair.perturbedWeights, level: 4)
            out += "</div>\n"
        }
        if !any {
            out += "<p class=\"missing\">The stored report keeps no per-document explanations for this run.</p>\n"
        }
        return out + "</section>\n"
    }

    private func bannedSection() -> String {
        var out = "<section id=\"banned\">\n<h2>Banned tokens</h2>\n"
        guard let spurious = report.checks.spurious else {
            return out + "<p class=\"missing\">The spurious-feature suite did not run.</p>\n</section>\n"
        }
        out +=
            "<p>\(spurious.explained) explanations, top \(spurious.topK) features each. \(escape(spurious.summary))</p>\n"
        guard !spurious.bannedHits.isEmpty else {
            return out + "<p>No banned token among the top features.</p>\n</section>\n"
        }
        out += "<table class=\"banned\"><thead><tr><th>Token</th><th>Hits</th><th>In top-k</th><th>Lower bound</th>"
        out += "<th>Top-1</th><th>Mass share</th><th>Mean |weight|</th><th>Examples</th></tr></thead><tbody>\n"
        for hit in spurious.bannedHits {
            out +=
                "<tr><td><code>\(escape(hit.token))</code></td><td>\(hit.hits)</td><td>\(Format.percent(hit.rate))</td>"
            out += "<td>\(Format.percent(hit.rateLowerBound))</td><td>\(Format.percent(hit.topRate))</td>"
            out += "<td>\(Format.percent(hit.massShare))</td><td>\(Format.number(hit.meanAbsWeight))</td>"
            out += "<td>\(escape(hit.examples.joined(separator: ", ")))</td></tr>\n"
        }
        return out + "</tbody></table>\n" + associationTable(spurious.association) + "</section>\n"
    }

    /// The banned tokens' association with the predictions and the labels, then the strongest of the others.
    private func associationTable(_ association: TokenAssociationReport?) -> String {
        guard let association else { return "" }
        let rows = association.banned + association.strongest.filter { !$0.banned }.prefix(5)
        guard !rows.isEmpty else { return "" }
        var out = "<h3>Token association over \(association.documents) documents</h3>\n"
        out +=
            "<p class=\"legend\">Theil's U: how much of the predicted class (or the true label) a token's presence explains, 0 to 1.</p>\n"
        out +=
            "<table class=\"banned\"><thead><tr><th>Token</th><th>Documents</th><th>U(predicted)</th><th>U(label)</th>"
        out += "<th>Predicted</th><th>Lift</th></tr></thead><tbody>\n"
        for entry in rows {
            out +=
                "<tr><td><code>\(escape(entry.token))</code>\(entry.banned ? " (banned)" : "")</td><td>\(entry.documents)</td>"
            out += "<td>\(Format.number(entry.uPredicted))</td><td>\(Format.number(entry.uLabel))</td>"
            out +=
                "<td>\(escape(entry.predictedClass)) \(Format.percent(entry.predictedShare))</td><td>\(Format.number(entry.lift, digits: 2))</td></tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    private func importanceSection() -> String {
        var out = "<section id=\"importance\">\n<h2>Global importance</h2>\n"
        out += "<p>Mean |weight| of each token over the explained documents (0 where it is not a top feature).</p>\n"
        let challenger = report.checks.spurious?.globalImportance ?? []
        let champion = championImportance?.importance
        let championTokens = Set(champion?.map(\.token) ?? [])
        let largest = (challenger + (champion ?? [])).map(\.meanAbsWeight).max() ?? 0
        out += "<div class=\"columns\">\n"
        out += "<div><h3>Challenger: \(escape(Format.fileName(subject.path)))</h3>\n"
        out += importanceBars(challenger, largest: largest, newAgainst: champion == nil ? nil : championTokens)
        out += "</div>\n<div>"
        if let championImportance {
            out += "<h3>Champion: \(escape(championImportance.name))</h3>\n"
            if let champion {
                out += importanceBars(champion, largest: largest, newAgainst: nil)
            } else {
                out += "<p class=\"missing\">The champion has no stored report with global importance.</p>\n"
            }
        } else {
            out += "<h3>Champion</h3>\n<p class=\"missing\">This run was not compared with a champion.</p>\n"
        }
        out += "</div>\n</div>\n"
        if champion != nil {
            out +=
                "<p class=\"legend\"><span class=\"new\">new</span> marks a token absent from the champion's list.</p>\n"
        }
        if let comparison = report.checks.spurious?.champion {
            out += "<h3>New reasons against the champion's explanations of the same documents</h3>\n"
            if let error = comparison.error {
                out += "<p class=\"missing\">\(escape(error))</p>\n"
            } else if comparison.newReasons.isEmpty {
                out += "<p>None in the challenger's top \(comparison.top).</p>\n"
            } else {
                out +=
                    "<table class=\"banned\"><thead><tr><th>Token</th><th>Rank</th><th>Share</th><th>Champion</th></tr></thead><tbody>\n"
                for reason in comparison.newReasons {
                    let theirs =
                        reason.championRank.map { "#\($0), \(Format.percent(reason.championShare))" } ?? "absent"
                    out +=
                        "<tr><td><code>\(escape(reason.token))</code>\(reason.banned ? " (banned)" : "")</td><td>#\(reason.rank)</td>"
                    out += "<td>\(Format.percent(reason.share))</td><td>\(theirs)</td></tr>\n"
                }
                out += "</tbody></table>\n"
            }
        }
        if let pick = report.checks.spurious?.pick, !pick.isEmpty {
            let entries = pick.map { "\(escape($0.document)) (\(Format.percent($0.coverage)))" }
            out +=
                "<p>SP-LIME's pick, the explanations covering the most global importance: \(entries.joined(separator: ", ")).</p>\n"
        }
        return out + "</section>\n"
    }

    private func aucSection() -> String {
        var out = "<section id=\"auc\">\n<h2>AUC</h2>\n"
        guard let auc = report.checks.auc else {
            return out + "<p class=\"missing\">The AUC suite did not run.</p>\n</section>\n"
        }
        out += "<p>\(escape(auc.summary))</p>\n<dl>"
        out += item("Challenger AUC", "\(Format.number(auc.auc)) \(interval(auc.aucCI))")
        out += item("Documents", "\(auc.nPos) positive, \(auc.nNeg) negative")
        out += item("Floor", Format.number(auc.floor, digits: 2))
        if let championAUC = auc.championAUC {
            out += item("Champion AUC", Format.number(championAUC))
            out += item("Difference", escape(auc.championDifference ?? ""))
            out += item("DeLong p (two-sided)", Format.number(auc.pValueTwoSided, digits: 4))
            out += item("DeLong p (one-sided, challenger worse)", Format.number(auc.pValue, digits: 4))
            out += item("z", Format.number(auc.z, digits: 3))
            if let comparison = auc.comparison { out += item("Comparison", escape(comparison.rawValue)) }
            if let p = auc.pValueNonInferiority { out += item("p (non-inferiority)", Format.number(p, digits: 4)) }
            if let detectable = auc.minDetectableDelta {
                out += item("Smallest detectable difference", Format.number(detectable, digits: 4))
            }
            if let needed = auc.docsNeeded { out += item("Documents for the target difference", "\(needed)") }
        } else {
            out += item("Champion", "none: judged on the floor alone")
        }
        out += "</dl>\n"
        if let perClass = auc.perClass, !perClass.isEmpty {
            out +=
                "<table><thead><tr><th>Class</th><th>AUC</th><th>95% CI</th><th>Champion</th><th>Difference</th></tr></thead><tbody>\n"
            for entry in perClass {
                out +=
                    "<tr><td>\(escape(entry.label))</td><td>\(Format.number(entry.auc))</td><td>\(interval(entry.aucCI))</td>"
                out += "<td>\(Format.number(entry.championAUC))</td>"
                out += "<td>\(escape(entry.championDifference ?? "–"))</td></tr>\n"
            }
            out += "</tbody></table>\n"
        }
        switch roc {
        case .success(let curves) where curves.contains(where: { !$0.points.isEmpty }):
            out += rocSVG(curves)
        case .success:
            out += "<p class=\"missing\">ROC curve not drawn: the evaluation set has only one class.</p>\n"
        case .failure(let missing):
            out += "<p class=\"missing\">ROC curve not drawn: \(escape(missing.reason)).</p>\n"
        }
        return out + "</section>\n"
    }

    private func stabilitySection() -> String {
        var out = "<section id=\"stability\">\n<h2>Stability</h2>\n"
        guard let stability = report.checks.stability else {
            return out + "<p class=\"missing\">The stability suite did not run.</p>\n</section>\n"
        }
        guard stability.verdict != .skipped else {
            return out + "<p class=\"missing\">Skipped: \(escape(stability.summary)).</p>\n</section>\n"
        }
        out += "<p>\(escape(stability.summary))</p>\n"
        out +=
            "<table><thead><tr><th>Measure</th><th>Seeds (\(stability.seeds))</th><th>Edits</th></tr></thead><tbody>\n"
        let seed = stability.seed
        let edits = stability.perturbation
        let rows: [(String, Double?, Double?)] = [
            ("Top-k intersection", seed?.topKIntersection, edits?.topKIntersection),
            ("Jaccard", seed?.jaccard ?? stability.seedJaccard, edits?.jaccard),
            ("Spearman", seed?.spearman, edits?.spearman),
            ("Kendall", seed?.kendall, edits?.kendall),
            ("Weight CV", seed?.weightCV, nil),
            ("Fidelity change", nil, edits?.fidelityChange),
        ]
        for (name, seedValue, editValue) in rows {
            out += "<tr><td>\(name)</td><td>\(Format.number(seedValue))</td><td>\(Format.number(editValue))</td></tr>\n"
        }
        out += "</tbody></table>\n"
        if let perDocument = stability.perDocument, !perDocument.isEmpty {
            out += stabilitySVG(perDocument, topK: report.checks.spurious?.topK)
        }
        out += "<dl>"
        out += item("Documents", "\(stability.documents)")
        if let vsi = seed?.vsi { out += item("VSI", Format.number(vsi, digits: 1)) }
        if let csi = seed?.csi { out += item("CSI", Format.number(csi, digits: 1)) }
        if let edits {
            out += item("Edited pairs", "\(edits.pairs) (\(edits.labelChanged) dropped for a changed label)")
            out += item("Noise floor (seed Jaccard)", Format.number(edits.noiseFloorJaccard))
            out += item("Excess over the noise floor", Format.number(edits.excess))
        }
        if !stability.leastStable.isEmpty {
            let list = stability.leastStable.map { "\($0.document) (Jaccard \(Format.number($0.jaccard)))" }
            out += item("Least stable under seeds", escape(list.joined(separator: ", ")))
        }
        if let seconds = stability.seconds {
            out += item(
                "Cost",
                "\(Format.number(seconds, digits: 2)) s, \(Format.percent(stability.shareOfRun)) of the run"
            )
        }
        return out + "</dl>\n</section>\n"
    }

    // MARK: - Pieces

    /// A text with each word shaded by its weight, and the weights as a list.
    private func document(_ heading: String, _ text: String, _ weights: [FeatureWeight], level: Int = 3) -> String {
        let weightOf = Dictionary(weights.map { ($0.feature, $0.weight) }, uniquingKeysWith: { first, _ in first })
        let largest = weights.map { abs($0.weight) }.max() ?? 0
        let indexed = IndexedText(text)
        var body = ""
        for (token, feature) in zip(indexed.tokens, indexed.featureOfToken) {
            guard feature >= 0, let weight = weightOf[indexed.words[feature]], largest > 0 else {
                body += escape(token)
                continue
            }
            let strength = String(format: "%.2f", 0.15 + 0.85 * abs(weight) / largest)
            let kind = weight >= 0 ? "pos" : "neg"
            body +=
                "<mark class=\"\(kind)\" style=\"--w:\(strength)\" title=\"\(String(format: "%+.4f", weight))\">\(escape(token))</mark>"
        }
        var out =
            "<div class=\"doc\"><h\(level)>\(escape(heading))</h\(level)>\n<p class=\"text\">\(body)</p>\n<ol class=\"weights\">"
        for entry in weights {
            out +=
                "<li class=\"\(entry.weight >= 0 ? "pos" : "neg")\"><code>\(escape(entry.feature))</code> \(String(format: "%+.4f", entry.weight))</li>"
        }
        return out + "</ol></div>\n"
    }

    private func importanceBars(
        _ entries: [SpuriousReport.Importance],
        largest: Double,
        newAgainst: Set<String>?
    ) -> String {
        guard !entries.isEmpty else { return "<p class=\"missing\">No global importance in the stored report.</p>\n" }
        var out = "<table class=\"importance\"><tbody>\n"
        for entry in entries {
            let width = largest > 0 ? entry.meanAbsWeight / largest * 100 : 0
            let isNew = newAgainst.map { !$0.contains(entry.token) } ?? false
            out += "<tr><td><code>\(escape(entry.token))</code>\(isNew ? " <span class=\"new\">new</span>" : "")</td>"
            out += "<td class=\"bar\"><span style=\"width:\(String(format: "%.1f", width))%\"></span></td>"
            out +=
                "<td>\(Format.number(entry.meanAbsWeight, digits: 4))</td><td>\(Format.percent(entry.topKRate))</td></tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    private func rocSVG(_ curves: [Curve]) -> String {
        let size = 320.0
        let margin = 40.0
        func x(_ value: Double) -> String { String(format: "%.1f", margin + value * size) }
        func y(_ value: Double) -> String { String(format: "%.1f", margin + (1 - value) * size) }
        var out = "<figure class=\"roc\"><svg width=\"\(Int(size + 2 * margin))\" "
        out +=
            "height=\"\(Int(size + 2 * margin))\" viewBox=\"0 0 \(Int(size + 2 * margin)) \(Int(size + 2 * margin))\" role=\"img\">\n"
        out += "<title>ROC curve</title>\n"
        out += "<rect x=\"\(x(0))\" y=\"\(y(1))\" width=\"\(Int(size))\" height=\"\(Int(size))\" class=\"frame\"/>\n"
        out += "<line x1=\"\(x(0))\" y1=\"\(y(0))\" x2=\"\(x(1))\" y2=\"\(y(1))\" class=\"chance\"/>\n"
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            out +=
                "<text x=\"\(x(tick))\" y=\"\(y(0))\" dy=\"16\" text-anchor=\"middle\">\(String(format: "%g", tick))</text>"
            out +=
                "<text x=\"\(x(0))\" dx=\"-6\" y=\"\(y(tick))\" dy=\"4\" text-anchor=\"end\">\(String(format: "%g", tick))</text>\n"
        }
        out += "<text x=\"\(x(0.5))\" y=\"\(y(0))\" dy=\"32\" text-anchor=\"middle\">false positive rate</text>\n"
        out +=
            "<text transform=\"translate(12 \(y(0.5))) rotate(-90)\" text-anchor=\"middle\">true positive rate</text>\n"
        for (index, curve) in curves.enumerated() where !curve.points.isEmpty {
            let path = curve.points.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " ")
            out += "<polyline class=\"curve c\(index)\" points=\"\(path)\"/>\n"
        }
        out += "</svg><figcaption>"
        out += curves.enumerated().map { "<span class=\"key c\($0.offset)\"></span>\(escape($0.element.name))" }.joined(
            separator: " "
        )
        return out + "</figcaption></figure>\n"
    }

    /// One row per measured document: its top-k intersection across seeds and, when edits of it kept the
    /// label, with its edited texts, as two bars on a 0–1 scale.
    private func stabilitySVG(_ documents: [StabilityReport.DocumentStability], topK: Int?) -> String {
        let labelWidth = 110.0
        let barWidth = 300.0
        let rowHeight = 26.0
        let top = 24.0
        let height = top + rowHeight * Double(documents.count) + 24
        func x(_ value: Double) -> String { String(format: "%.1f", labelWidth + max(0, min(1, value)) * barWidth) }
        var out =
            "<figure class=\"stability\"><svg width=\"\(Int(labelWidth + barWidth + 20))\" height=\"\(Int(height))\" "
        out += "viewBox=\"0 0 \(Int(labelWidth + barWidth + 20)) \(Int(height))\" role=\"img\">\n"
        out += "<title>Top-\(topK.map(String.init) ?? "k") intersection per document</title>\n"
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            out +=
                "<line x1=\"\(x(tick))\" y1=\"\(Int(top - 6))\" x2=\"\(x(tick))\" y2=\"\(Int(height - 20))\" class=\"grid\"/>"
            out +=
                "<text x=\"\(x(tick))\" y=\"\(Int(height - 6))\" text-anchor=\"middle\">\(String(format: "%g", tick))</text>\n"
        }
        for (row, document) in documents.enumerated() {
            let y = top + rowHeight * Double(row)
            out +=
                "<text x=\"\(Int(labelWidth - 8))\" y=\"\(String(format: "%.1f", y + 13))\" text-anchor=\"end\">\(escape(document.document))</text>"
            let bars: [(Double?, String, Double)] = [
                (document.topKIntersection, "c0", 2), (document.editTopKIntersection, "c1", 12),
            ]
            for (value, kind, offset) in bars {
                guard let value else { continue }
                out +=
                    "<rect class=\"fill \(kind)\" x=\"\(Int(labelWidth))\" y=\"\(String(format: "%.1f", y + offset))\" "
                out += "width=\"\(String(format: "%.1f", max(0, min(1, value)) * barWidth))\" height=\"8\">"
                out += "<title>\(escape(document.document)): \(Format.number(value))</title></rect>"
            }
            out += "\n"
        }
        out += "</svg><figcaption>Top-\(topK.map(String.init) ?? "k") intersection per document: "
        out +=
            "<span class=\"key c0\"></span>across seeds <span class=\"key c1\"></span>with its edited texts</figcaption></figure>\n"
        return out
    }

    private func item(_ term: String, _ definition: String) -> String {
        "<dt>\(term)</dt><dd>\(definition)</dd>"
    }

    private func interval(_ bounds: [Double]?, digits: Int = 3) -> String {
        guard let bounds, bounds.count == 2 else { return "" }
        return "[\(Format.number(bounds[0], digits: digits)), \(Format.number(bounds[1], digits: digits))]"
    }

    private func escape(_ text: String) -> String {
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

    private static let style = """
        :root{--pos:33,102,172;--neg:214,96,77;font-family:system-ui,sans-serif;color:#222;background:#fff}
        body{max-width:68rem;margin:1rem auto;padding:0 1rem;line-height:1.45}
        h1{margin:.2rem 0}h2{border-bottom:1px solid #ccc;margin-top:2rem}
        .verdict{padding:1rem;border-radius:6px;border:2px solid #999}
        .verdict.pass{border-color:#2e7d32;background:#f1f8f1}.verdict.warn{border-color:#b26a00;background:#fff8e6}
        .verdict.fail,.verdict.error{border-color:#c62828;background:#fdf0f0}
        .badge{display:inline-block;padding:.1rem .6rem;border-radius:4px;color:#fff;background:#555}
        .pass .badge{background:#2e7d32}.warn .badge{background:#b26a00}.fail .badge,.error .badge{background:#c62828}
        td.pass{color:#2e7d32}td.warn{color:#b26a00}td.fail,td.error{color:#c62828;font-weight:bold}td.skipped{color:#777}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem}dt{color:#555}dd{margin:0}
        table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.2rem .6rem;border-bottom:1px solid #e3e3e3;text-align:left}
        mark{border-radius:3px;padding:0 1px;color:inherit}
        mark.pos{background:rgba(var(--pos),var(--w))}mark.neg{background:rgba(var(--neg),var(--w))}
        span.pos{background:rgba(var(--pos),.5)}span.neg{background:rgba(var(--neg),.5)}
        .doc{margin:.8rem 0}.text{font-size:1.05rem}.pair{border-left:3px solid #ddd;padding-left:.8rem}
        ol.weights{display:flex;flex-wrap:wrap;gap:.2rem 1rem;padding:0;list-style:none;font-size:.9rem}
        li.pos{color:rgb(var(--pos))}li.neg{color:rgb(var(--neg))}
        .columns{display:grid;grid-template-columns:1fr 1fr;gap:2rem}
        td.bar{width:40%}td.bar span{display:block;height:.8rem;background:#5b7fa6}
        .new{font-size:.75rem;color:#fff;background:#b26a00;border-radius:3px;padding:0 .3rem}
        .missing{color:#777;font-style:italic}
        svg text{font-size:11px;fill:#444}.frame{fill:none;stroke:#999}.chance{stroke:#bbb;stroke-dasharray:4 4}
        .curve{fill:none;stroke-width:2}.c0{stroke:#2166ac}.c1{stroke:#d6604d}
        .key{display:inline-block;width:1.2rem;height:.25rem;margin:0 .3rem .2rem 1rem}
        .key.c0{background:#2166ac}.key.c1{background:#d6604d}
        .fill.c0{fill:#2166ac;stroke:none}.fill.c1{fill:#d6604d;stroke:none}.grid{stroke:#e3e3e3}
        footer{margin:2rem 0;color:#777;font-size:.85rem}
        """
}
