import ArgumentParser
import Foundation
import ValidatedCore
import ValidatedStore

extension Verdict: ExpressibleByArgument {}

/// `validatectl list`: runs, newest first, filtered by folder, verdict and date.
struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List validation runs, newest first.",
        discussion: "Queued and running runs are listed too; --verdict keeps finished runs with that verdict only."
    )

    @OptionGroup var options: StoreOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .long, help: "Only runs of models in this watched folder.")
    var folder: String?

    @Option(name: .long, help: "Only runs with this verdict: pass, warn, fail or error.")
    var verdict: Verdict?

    @Option(
        name: .long,
        help:
            "Only runs queued at or after this time: a date (2025-06-01, UTC midnight) or an ISO 8601 time (2025-06-01T12:00:00Z)."
    )
    var since: String?

    @Option(name: .long, help: "At most this many runs.")
    var limit = 20

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("Please give a --limit of at least 1.") }
        if let since, Self.parseDate(since) == nil {
            throw ValidationError("--since \(since) is not a date; write it as 2025-06-01 or 2025-06-01T12:00:00Z")
        }
    }

    func run() async throws {
        let filter = RunFilter(folder: folder, verdict: verdict, since: since.flatMap(Self.parseDate), limit: limit)
        let runs = try openStore(options).0.runs(filter)
        if output.json {
            try printJSON(ListJSON(runs: runs.map(RunJSON.init)))
        } else {
            let text = Self.render(runs.map(Visible.run), legend: !output.noLegend, palette: .standardOutput)
            print(text, terminator: "")
        }
    }

    /// Reads an ISO 8601 date or date-time; a bare date means midnight UTC.
    static func parseDate(_ text: String) -> Date? {
        let withTime = ISO8601DateFormatter()
        if let date = withTime.date(from: text) { return date }
        withTime.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withTime.date(from: text) { return date }
        let dateOnly = ISO8601DateFormatter()
        dateOnly.formatOptions = [.withFullDate]
        return dateOnly.date(from: text)
    }

    static func render(_ runs: [RunRecord], legend: Bool, palette: Palette) -> String {
        var out = ""
        let width = max(5, runs.map { Format.fileName($0.model.path).count }.max() ?? 0)
        let folderWidth = max(6, runs.map(\.model.folder.count).max() ?? 0)
        if legend {
            out +=
                "RUN    QUEUED               STATE    VERDICT  \("FOLDER".padding(toLength: folderWidth, withPad: " ", startingAt: 0))"
            out += "  \("MODEL".padding(toLength: width, withPad: " ", startingAt: 0))  SHA256        SUMMARY\n"
        }
        for run in runs {
            out += String(run.id).padding(toLength: 6, withPad: " ", startingAt: 0)
            out +=
                " \(Format.timestamp(run.queuedAt))  \(run.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))"
            out += " \(run.verdict == nil ? "-      " : palette.verdict(run.verdict, width: 7))"
            out += "  \(run.model.folder.padding(toLength: folderWidth, withPad: " ", startingAt: 0))"
            out += "  \(Format.fileName(run.model.path).padding(toLength: width, withPad: " ", startingAt: 0))"
            out += "  \(run.model.sha256.prefix(12))  \(run.summary ?? "")\n"
        }
        if legend { out += "\n\(runs.count) run\(runs.count == 1 ? "" : "s") listed.\n" }
        return out
    }
}

/// `validatectl list --json`.
struct ListJSON: Encodable {
    var schema = jsonSchema
    var runs: [RunJSON]
}
