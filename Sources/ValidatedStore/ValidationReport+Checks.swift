import Foundation
import ValidatedCore

extension ValidationReport {
    /// The per-suite rows stored beside a run: each present check's verdict, summary and metrics as JSON.
    public var checkRecords: [CheckRecord] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func record(_ suite: CheckSuite, _ verdict: Verdict, _ summary: String, _ value: some Encodable) -> CheckRecord
        {
            let json = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return CheckRecord(suite: suite, verdict: verdict, summary: summary, metricsJSON: json)
        }
        var records: [CheckRecord] = []
        if let spurious = checks.spurious {
            records.append(record(.spurious, spurious.verdict, spurious.summary, spurious))
        }
        if let stability = checks.stability {
            records.append(record(.stability, stability.verdict, stability.summary, stability))
        }
        if let auc = checks.auc { records.append(record(.auc, auc.verdict, auc.summary, auc)) }
        if let counterfactual = checks.counterfactual {
            records.append(record(.counterfactual, counterfactual.verdict, counterfactual.summary, counterfactual))
        }
        return records
    }
}
