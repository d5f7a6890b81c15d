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
            throw ValidationError("\(record.path) has no verdict yet; wait for its run to finish")
        }
        guard verdict != .error else { throw ValidationError("\(record.path) could not be evaluated; it cannot be champion") }
        guard verdict != .fail || force else {
            throw ValidationError("\(record.path) failed validation (\(run.summary ?? "")); pass --force to promote it anyway")
        }
        try store.promote(modelID: record.id, reason: "manual")
        announcePromotion(record, reason: "manual")
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
        let restored: ModelRecord
        do {
            restored = try store.rollback(folder: folder)
        } catch {
            throw ValidationError("\(error)")
        }
        announcePromotion(restored, reason: "rollback")
        print("\(Format.fileName(restored.path)) is again the champion of folder \(folder)")
    }
}

/// `validatectl history [FOLDER]`: the champion lineage with AUC and interval for each.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show each folder's champion lineage: AUC with its interval, and whether each step was a significant improvement."
    )

    @OptionGroup var options: StoreOptions

    @Argument(help: "Only this folder.")
    var folder: String?

    func run() async throws {
        let (store, _) = try openStore(options)
        let folders = try folder.map { [$0] } ?? store.folders()
        for name in folders {
            print("Folder \(name)")
            let lineage = try store.promotions(folder: name)
            if lineage.isEmpty { print("  (no champion yet)") }
            for (promotion, run) in lineage {
                let auc = run.flatMap { try? store.checks(runID: $0.id).first { $0.suite == "auc" } }
                let metrics = auc.flatMap { try? JSONSerialization.jsonObject(with: Data($0.metricsJSON.utf8)) as? [String: Any] }
                var line = "  \(Format.timestamp(promotion.promotedAt))  \(promotion.reason.padding(toLength: 8, withPad: " ", startingAt: 0))"
                line += " \(Format.fileName(promotion.model.path))  AUC \(Format.number(metrics?["auc"]))"
                if let ci = metrics?["auc_ci"] as? [Double], ci.count == 2 {
                    line += " [\(Format.number(ci[0])), \(Format.number(ci[1]))]"
                }
                if let delta = metrics?["delta"] as? Double, let p = metrics?["p_value_two_sided"] as? Double {
                    let significant = delta > 0 && p < 0.05
                    line += "  Δ \(Format.number(delta, digits: 4)) "
                    line += significant ? "(significant improvement, p=\(Format.number(p, digits: 4)))" : "(not significant, p=\(Format.number(p, digits: 4)))"
                } else if promotion.reason == "auto" || promotion.reason == "manual" {
                    line += "  (first champion: judged on the floor)"
                }
                print(line)
            }
        }
    }
}

func findModel(_ query: String, in store: VerdictStore) throws -> ModelRecord {
    do {
        return try store.findModel(query)
    } catch {
        throw ValidationError("\(error)")
    }
}

/// Writes the champion change to the journal, as the daemon does for automatic promotions.
func announcePromotion(_ model: ModelRecord, reason: String) {
    Journal.send([
        ("MESSAGE", "\(model.path) is now the champion of folder \(model.folder) (\(reason), by validatectl)"),
        ("PRIORITY", "5"),
        ("SYSLOG_IDENTIFIER", "validatectl"),
        ("MESSAGE_ID", ValidatedMessageID.championPromoted.rawValue),
        ("VALIDATED_MODEL", model.path),
        ("VALIDATED_SHA256", model.sha256),
        ("VALIDATED_FOLDER", model.folder),
        ("VALIDATED_REASON", reason),
    ])
}
