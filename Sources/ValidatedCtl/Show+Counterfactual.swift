import Foundation
import ValidatedCore

extension Show {
    /// The counterfactual suite: each erasure and injection with its intervals, the candidate shortcuts and the
    /// agreement of LIME with the erasures.
    static func renderCounterfactual(_ suite: CounterfactualReport) -> String {
        var out = "\nCounterfactual (interventions: banned entries erased and injected)\n"
        for test in suite.tests {
            let what = test.kind == "erasure" ? test.entry : "\"\(test.inserted ?? test.entry)\""
            out += "  \(test.kind) of \(what): \(test.documents) documents, \(test.texts) texts\n"
            out += "    shift \(Format.number(test.meanShift))\(bracket(test.meanShiftCI))"
            out += "  net flips \(Format.percent(test.netFlipRate))\(bracket(test.netFlipRateCI))"
            out += "  detects \(Format.number(test.minDetectableShift))  \(test.verdict.rawValue)\n"
            out += "    either way: |shift| \(Format.number(test.meanAbsShift))\(bracket(test.meanAbsShiftCI))"
            out += "  flips \(Format.percent(test.flipRate))\(bracket(test.flipRateCI))\n"
            if let champion = test.champion {
                out += "    champion shift \(Format.number(champion.meanShift)); challenger − champion "
                out += "\(Format.number(champion.difference))\(bracket(champion.differenceCI))\n"
            }
            if !test.examples.isEmpty { out += "    moved most: \(test.examples.joined(separator: ", "))\n" }
        }
        if !suite.erasureOnly.isEmpty {
            out += "  erasure only (no artefact string carries them): \(suite.erasureOnly.joined(separator: ", "))\n"
        }
        if !suite.absent.isEmpty {
            out += "  in no evaluation document (injected only): \(suite.absent.joined(separator: ", "))\n"
        }
        out += renderCandidates(suite)
        if let agreement = suite.agreement, let tau = agreement.kendallTau {
            out += "  LIME vs erasure: Kendall τ \(Format.number(tau)) over \(agreement.tokens.count) tokens\n"
        }
        if let seconds = suite.seconds {
            out += "  \(Format.number(seconds, digits: 2)) s, \(suite.modelCalls ?? 0) model calls"
            out += ", \(Format.percent(suite.shareOfRun)) of the run\n"
        }
        return out
    }

    /// The candidate shortcuts, with the leave-one-out shift and the label skew.
    private static func renderCandidates(_ suite: CounterfactualReport) -> String {
        guard !suite.candidates.isEmpty else {
            return "  candidate shortcuts: none (\(suite.leaveOneOutDocuments) documents left one token out)\n"
        }
        var out = "  candidate shortcuts (\(suite.candidatesWarn ? "warn" : "reported, not judged");"
        out += " \(suite.leaveOneOutDocuments) documents left one token out):\n"
        for candidate in suite.candidates {
            out += "    \(candidate.token): removing it moves P by \(Format.number(candidate.meanShift))"
            out += " (|\(Format.number(candidate.meanAbsShift))| over \(candidate.documents) documents);"
            out += " \(Format.percent(candidate.positiveRate)) positive of \(candidate.labelDocuments)"
            out += " against \(Format.percent(candidate.baseRate)), q \(String(format: "%.2g", candidate.qValue))"
            out += "; e.g. \(candidate.examples.joined(separator: ", "))\n"
        }
        return out
    }

    /// ` [low, high]` for a two-sided interval, nothing otherwise.
    private static func bracket(_ bounds: [Double]?) -> String {
        guard let bounds, bounds.count == 2 else { return "" }
        return " [\(Format.number(bounds[0])), \(Format.number(bounds[1]))]"
    }
}
