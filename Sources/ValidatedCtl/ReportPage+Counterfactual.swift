import Foundation
import ValidatedCore

extension ReportPage {
    /// The counterfactual suite: a table of the erasures and injections with their 95% intervals, the candidate
    /// shortcuts, and LIME's agreement with the erasures.
    func counterfactualSection() -> String {
        var out = "<section id=\"counterfactual\">\n<h2>Counterfactual tests</h2>\n"
        guard let suite = report.checks.counterfactual else {
            return out + "<p class=\"missing\">The counterfactual suite did not run.</p>\n</section>\n"
        }
        out += "<p>\(Self.escaped(suite.summary))</p>\n"
        out += "<table><thead><tr><th>Test</th><th>Documents</th><th>Mean shift [95%]</th><th>Net flips [95%]</th>"
        out += "<th>Mean |shift| [95%]</th><th>Flips [95%]</th><th>Detects</th><th>Champion Δ [95%]</th>"
        out += "<th>Verdict</th></tr></thead><tbody>\n"
        for test in suite.tests {
            let what = test.kind == "erasure" ? test.entry : "\u{201C}\(test.inserted ?? test.entry)\u{201D}"
            out += "<tr><td>\(test.kind) of \(Self.escaped(what))</td><td>\(test.documents)</td>"
            out += "<td>\(Format.number(test.meanShift)) \(Self.bounds(test.meanShiftCI))</td>"
            out += "<td>\(Format.percent(test.netFlipRate)) \(Self.bounds(test.netFlipRateCI))</td>"
            out += "<td>\(Format.number(test.meanAbsShift)) \(Self.bounds(test.meanAbsShiftCI))</td>"
            out += "<td>\(Format.percent(test.flipRate)) \(Self.bounds(test.flipRateCI))</td>"
            out += "<td>\(Format.number(test.minDetectableShift))</td>"
            out +=
                "<td>\(test.champion.map { "\(Format.number($0.difference)) \(Self.bounds($0.differenceCI))" } ?? "")</td>"
            out += "<td class=\"\(test.verdict.rawValue)\">\(test.verdict.rawValue)</td></tr>\n"
        }
        out += "</tbody></table>\n<dl>"
        if !suite.erasureOnly.isEmpty {
            out += "<dt>Erasure only</dt><dd>\(Self.escaped(suite.erasureOnly.joined(separator: ", ")))</dd>"
        }
        if !suite.absent.isEmpty {
            out += "<dt>In no evaluation document</dt><dd>\(Self.escaped(suite.absent.joined(separator: ", ")))</dd>"
        }
        if let tau = suite.agreement?.kendallTau {
            out += "<dt>LIME vs erasure</dt><dd>Kendall τ \(Format.number(tau)) over "
            out += "\(suite.agreement?.tokens.count ?? 0) tokens</dd>"
        }
        if let seconds = suite.seconds {
            out += "<dt>Cost</dt><dd>\(Format.number(seconds, digits: 2)) s, \(suite.modelCalls ?? 0) model calls, "
            out += "\(Format.percent(suite.shareOfRun)) of the run</dd>"
        }
        return out + "</dl>\n" + candidatesTable(suite) + "</section>\n"
    }

    private func candidatesTable(_ suite: CounterfactualReport) -> String {
        guard !suite.candidates.isEmpty else { return "" }
        var out = "<h3>Candidate shortcuts (\(suite.candidatesWarn ? "warn" : "reported, not judged"))</h3>\n"
        out += "<table><thead><tr><th>Token</th><th>Shift when removed</th><th>Positive share</th><th>q</th>"
        out += "<th>Examples</th></tr></thead><tbody>\n"
        for candidate in suite.candidates {
            out += "<tr><td>\(Self.escaped(candidate.token))</td>"
            out += "<td>\(Format.number(candidate.meanShift)) over \(candidate.documents)</td>"
            out += "<td>\(Format.percent(candidate.positiveRate)) of \(candidate.labelDocuments) "
            out += "(base \(Format.percent(candidate.baseRate)))</td>"
            out += "<td>\(String(format: "%.2g", candidate.qValue))</td>"
            out += "<td>\(Self.escaped(candidate.examples.joined(separator: ", ")))</td></tr>\n"
        }
        return out + "</tbody></table>\n"
    }

    private static func bounds(_ bounds: [Double]?) -> String {
        guard let bounds, bounds.count == 2 else { return "" }
        return "[\(Format.number(bounds[0])), \(Format.number(bounds[1]))]"
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
