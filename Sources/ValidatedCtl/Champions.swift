import ArgumentParser
import Foundation
import ValidatedCore
import ValidatedStore
import ValidatedSystemd

/// `validatectl promote MODEL`: make a model its folder's champion.
struct Promote: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a validated model its folder's champion.",
        discussion: "Refuses a model whose latest verdict is fail or error unless --force is given."
    )

    @OptionGroup var options: StoreOptions

    @Argument(help: "A model: its path, file name, or a sha256 prefix (6+ hex digits).")
    var model: String

    @Flag(name: .long, help: "Promote even a model whose latest verdict is fail.")
    var force = false

    func run() async throws {
        let (store, _) = try openStore(options, writable: true)
        let record = try findModel(model, in: store)
        guard let run = try store.runs(modelID: record.id).first, let verdict = run.verdict else {
            throw CtlError.model(record, problem: "has no verdict yet; wait for its run to finish")
        }
        guard verdict != .error else {
            throw CtlError.model(record, problem: "could not be evaluated; it cannot be champion")
        }
        guard verdict != .fail || force else {
            throw CtlError.model(
                record,
                problem: "failed validation (\(run.summary ?? "")); pass --force to promote it anyway"
            )
        }
        try store.promote(modelID: record.id, reason: .manual)
        announcePromotion(record, reason: .manual)
        print("\(Format.fileName(record.path)) is now the champion of folder \(record.folder)")
    }
}

/// `validatectl rollback FOLDER`: return a folder to its previous champion.
struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Return a folder to its previous champion.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "The watched folder's name (see validatectl status).")
    var folder: String

    func run() async throws {
        let (store, _) = try openStore(options, writable: true)
        let restored = try store.rollback(folder: folder)
        announcePromotion(restored, reason: .rollback)
        print("\(Format.fileName(restored.path)) is again the champion of folder \(folder)")
    }
}

/// `validatectl history [FOLDER]`: the champion lineage with AUC and interval for each.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Show each folder's champion lineage: AUC with its interval, and whether each step was a significant improvement."
    )

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "Only this folder.")
    var folder: String?

    func run() async throws {
        let (store, _) = try openStore(options)
        let folders = try folder.map { [$0] } ?? store.folders()
        let lineages = try folders.map { name in
            (name, try store.promotions(folder: name).map { HistoryJSON.Step($0.promotion, run: $0.run) })
        }
        if output.json {
            try printJSON(HistoryJSON(folders: lineages.map { HistoryJSON.Folder(folder: $0.0, promotions: $0.1) }))
            return
        }
        for (name, steps) in lineages {
            if !output.noLegend { print("Folder \(Visible.text(name))") }
            if steps.isEmpty && !output.noLegend { print("  (no champion yet)") }
            for step in steps {
                var line = output.noLegend ? "\(name)  " : "  "
                line +=
                    "\(Format.timestamp(step.promotedAt))  \(step.reason.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))"
                line += " \(Visible.text(step.model.fileName))  AUC \(Format.number(step.auc))"
                if let ci = step.aucCI, ci.count == 2 {
                    line += " [\(Format.number(ci[0])), \(Format.number(ci[1]))]"
                }
                if let difference = step.difference {
                    line += "  \(difference)"
                } else if step.reason != .rollback {
                    line += "  (first champion: judged on the floor)"
                }
                print(line)
            }
        }
    }
}

/// `validatectl history --json`.
struct HistoryJSON: Encodable {
    struct Folder: Encodable {
        var folder: String
        var promotions: [Step]
    }

    /// One champion change with the AUC of the run that justified it.
    struct Step: Encodable {
        var promotedAt: Date
        var reason: PromotionReason
        var model: ModelJSON
        var runID: Int64?
        var auc: Double?
        var aucCI: [Double]?
        var delta: Double?
        var pValueTwoSided: Double?
        /// A positive difference with a two-sided p below 0.05; `nil` without a comparison.
        var significant: Bool?
        /// The text line's `Δ +0.046 [0.037, 0.056], better (p < 0.001)`, as `show` writes it; not in the JSON.
        var difference: String?

        init(_ promotion: PromotionRecord, run: RunRecord?) {
            promotedAt = promotion.promotedAt
            reason = promotion.reason
            model = ModelJSON(promotion.model)
            runID = run?.id
            // The run's stored report, read with the same typed model as show and report.
            guard let report = (try? run?.storedReport())?.checks.auc else { return }
            auc = report.auc
            aucCI = report.aucCI
            delta = report.delta
            pValueTwoSided = report.pValueTwoSided
            difference = report.championDifference
            if let delta, let pValueTwoSided { significant = delta > 0 && pValueTwoSided < 0.05 }
        }

        enum CodingKeys: String, CodingKey {
            case reason, model, auc, delta, significant
            case promotedAt = "promoted_at"
            case runID = "run_id"
            case aucCI = "auc_ci"
            case pValueTwoSided = "p_value_two_sided"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(promotedAt, forKey: .promotedAt)
            try container.encode(reason, forKey: .reason)
            try container.encode(model, forKey: .model)
            try container.encode(runID, forKey: .runID)
            try container.encode(auc, forKey: .auc)
            try container.encode(aucCI, forKey: .aucCI)
            try container.encode(delta, forKey: .delta)
            try container.encode(pValueTwoSided, forKey: .pValueTwoSided)
            try container.encode(significant, forKey: .significant)
        }
    }

    var schema = jsonSchema
    var folders: [Folder]
}

/// The model `query` names (path, file name or sha256 prefix).
///
/// - Throws: The store's error, which says which models it found instead.
func findModel(_ query: String, in store: any VerdictStoring) throws -> ModelRecord {
    try store.findModel(query)
}

/// Writes the champion change to the journal, as the daemon does for automatic promotions.
func announcePromotion(_ model: ModelRecord, reason: PromotionReason) {
    Journal.send([
        ("MESSAGE", "\(model.path) is now the champion of folder \(model.folder) (\(reason.rawValue), by validatectl)"),
        ("PRIORITY", "5"),
        ("SYSLOG_IDENTIFIER", "validatectl"),
        ("MESSAGE_ID", ValidatedMessageID.championPromoted.rawValue),
        ("VALIDATED_MODEL", model.path),
        ("VALIDATED_SHA256", model.sha256),
        ("VALIDATED_FOLDER", model.folder),
        ("VALIDATED_REASON", reason.rawValue),
    ])
}
