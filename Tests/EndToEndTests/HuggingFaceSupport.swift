import Foundation
import Testing
import ValidatedCtl
import ValidatedTestSupport

/// What the Hugging Face end-to-end tests share: settings that keep a tiny BERT's run short but meaningful, the
/// scorer command, and the numbers a report is judged by.
enum HuggingFace {
    /// The suites with few documents and samples (`Tests/Fixtures/hf/fast-settings.conf`, which the counterfactual
    /// calibration script reads too).
    static func settings() throws -> String {
        try String(contentsOf: Fixtures.url("hf/fast-settings.conf"), encoding: .utf8)
    }

    /// The scorer command for checkpoint folders, on one thread so parallel builds keep their share of the machine.
    static let scorerCommand = "python3 \(TinyBert.scorer) --threads 1"

    /// The demo's banned tokens that the planted header `Posting-Host: nntp.cs.example.edu` carries.
    static let headerTokens = ["nntp", "host", "edu"]

    /// Copies `source` (a save_pretrained folder) into `directory` as `.name.part/` and renames it to `name`, as a
    /// user is told to drop a folder; returns its new path.
    static func drop(_ source: String, as name: String, into directory: String) throws -> String {
        let partial = directory + "/." + name + ".part"
        let target = directory + "/" + name
        try FileManager.default.copyItem(atPath: source, toPath: partial)
        try FileManager.default.moveItem(atPath: partial, toPath: target)
        return target
    }

    /// Runs `validatectl ARGUMENTS` to its end.
    static func validatectl(_ arguments: [String]) async throws -> (code: Int32, stdout: String, stderr: String) {
        let result = try await ValidatedTestSupport.validatectl(arguments)
        return (result.code, result.stdout, result.stderr)
    }
}

/// The numbers of one report (as `validate --json` prints it or `show --json` stores it) that the tests print and
/// judge: the verdict, each banned token's hit rate and lower bound, the AUC and the champion's.
struct ReportNumbers: CustomStringConvertible {
    var verdict: String
    var spuriousVerdict: String
    var spuriousSummary: String
    /// Banned token → (rate, one-sided lower bound), for the tokens with hits.
    var hitRates: [String: (rate: Double, lower: Double)]
    /// Banned token → U(predicted class | token present) over the whole evaluation set.
    var association: [String: Double]
    var auc: Double?
    var championAUC: Double?
    var seconds: Double?

    init(_ report: JSONValue) {
        verdict = report["verdict"]?.string ?? "?"
        let spurious = report["checks"]?["spurious"]
        spuriousVerdict = spurious?["verdict"]?.string ?? "?"
        spuriousSummary = spurious?["summary"]?.string ?? ""
        var rates: [String: (rate: Double, lower: Double)] = [:]
        for hit in spurious?["banned_hits"]?.array ?? [] {
            guard let token = hit["token"]?.string else { continue }
            rates[token] = (hit["rate"]?.number ?? .nan, hit["rate_lower_bound"]?.number ?? .nan)
        }
        hitRates = rates
        var association: [String: Double] = [:]
        for token in spurious?["association"]?["banned"]?.array ?? [] {
            if let name = token["token"]?.string, let u = token["u_predicted"]?.number { association[name] = u }
        }
        self.association = association
        auc = report["checks"]?["auc"]?["auc"]?.number
        championAUC = report["checks"]?["auc"]?["champion_auc"]?.number
        seconds = report["duration_seconds"]?.number
    }

    /// How much the predictions follow the header: the highest U(predicted | token) of a header token (0 when none
    /// was measured). LIME ranks the header's words high for both twins (a tiny BERT's explanations of short glosses
    /// are crowded); what tells them apart is whether the predictions follow the header.
    var headerAssociation: Double {
        HuggingFace.headerTokens.compactMap { association[$0] }.max() ?? 0
    }

    var description: String {
        let rates = hitRates.sorted { $0.key < $1.key }
            .map { "\($0.key) \(Self.format($0.value.rate)) (≥\(Self.format($0.value.lower)))" }
        return "\(verdict): banned hit rates [\(rates.joined(separator: ", "))], U(predicted | header) "
            + "\(Self.format(headerAssociation)), AUC \(auc.map(Self.format) ?? "-"), "
            + "champion AUC \(championAUC.map(Self.format) ?? "-"), \(seconds.map(Self.format) ?? "-") s; "
            + "spurious \(spuriousVerdict): \(spuriousSummary)"
    }

    private static func format(_ value: Double) -> String { String(format: "%.3f", value) }
}
