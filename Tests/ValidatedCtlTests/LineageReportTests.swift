import Foundation
import Testing
import ValidatedCore
import ValidatedStore
import ValidatedTestSupport

/// `validatectl report FOLDER`: the champion lineage of the demo store (01-clean crowned, 02-artefact failed).
@Suite(.timeLimit(.minutes(3))) struct LineageReportTests {
    @Test func theLineageDrawsEachChampionAndEachChallengerAsSVG() async throws {
        let layout = try await DemoStore.shared.prepared()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let page = directory.path + "/lineage.html"
        let result = try await validatectl(["report", layout.folder, "-o", page, "--config", layout.config])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(result.stdout.contains("folder topics: 1 champion(s), 2 finished run(s)"), "\(result.stdout)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        #expect(!html.lowercased().contains("<script") && !html.contains("http") && !html.contains(" src="))

        let clean = try Self.auc(of: "01-clean.safetensors", layout)
        let artefact = try Self.auc(of: "02-artefact.safetensors", layout)
        let svg = try #require(html.firstMatch(of: /<svg class="lineage"[\s\S]*?<\/svg>/)).output
        let champions = svg.matches(of: /<g class="champion" data-model="([^"]+)" data-auc="([^"]+)">/)
        #expect(champions.map { String($0.output.1) } == ["01-clean.safetensors"])
        #expect(champions.first.map { String($0.output.2) } == String(format: "%.4f", clean.auc))
        let intervals = svg.matches(
            of:
                /<g class="champion"[^>]*><title>[^<]*<\/title><line class="interval"[^>]*data-low="([^"]+)" data-high="([^"]+)"/
        )
        #expect(
            intervals.map { [String($0.output.1), String($0.output.2)] } == [
                clean.aucCI.map { String(format: "%.4f", $0) }
            ]
        )
        let challengers = svg.matches(of: /<g class="challenger (\w+)" data-model="([^"]+)" data-auc="([^"]+)">/)
        #expect(
            challengers.map { "\($0.output.2) \($0.output.1)" } == [
                "01-clean.safetensors pass", "02-artefact.safetensors fail",
            ]
        )
        #expect(challengers.last.map { String($0.output.3) } == String(format: "%.4f", artefact.auc))
        // One champion holds to the right edge; a higher AUC is drawn higher (a smaller y).
        #expect(svg.matches(of: /<line class="reign" [^>]*x2="884.0"/).count == 1)
        let heights = svg.matches(of: /<g class="challenger \w+"[^>]*>.*?<circle cx="[^"]+" cy="([^"]+)"/)
            .compactMap { Double($0.output.1) }
        #expect(heights.count == 2)
        #expect(((heights.first ?? 0) < (heights.last ?? 0)) == (clean.auc > artefact.auc))
        #expect(html.contains("<td class=\"fail\">fail</td>"))
        #expect(html.contains("crowned (auto)"))
    }

    @Test(.enabled(if: RerunAndReportTests.chromium != nil, "chromium is not installed (apt-get install -y chromium)"))
    func theLineageRendersInAHeadlessBrowser() async throws {
        let layout = try await DemoStore.shared.prepared()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let page = directory.path + "/lineage.html"
        #expect(try await validatectl(["report", layout.folder, "-o", page, "--config", layout.config]).code == 0)
        try FileManager.default.createDirectory(at: RerunAndReportTests.artefacts, withIntermediateDirectories: true)
        let screenshot = RerunAndReportTests.artefacts.appendingPathComponent("lineage.png").path
        try? FileManager.default.removeItem(atPath: screenshot)
        let browser = Process()
        browser.executableURL = URL(fileURLWithPath: try #require(RerunAndReportTests.chromium))
        browser.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--user-data-dir=\(directory.path)/profile", "--enable-logging=stderr", "--v=0",
            "--window-size=1200,900", "--screenshot=\(screenshot)", "file://\(page)",
        ]
        let log = directory.path + "/chromium.log"
        #expect(FileManager.default.createFile(atPath: log, contents: nil))
        browser.standardOutput = FileHandle.nullDevice
        browser.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try browser.run()
        try await waitUntil(timeout: .seconds(90), "chromium to render the lineage") { !browser.isRunning }
        #expect(browser.terminationStatus == 0)
        let console = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter {
            $0.contains(":CONSOLE")
        }
        #expect(console.isEmpty, "the browser console reported: \(console.joined(separator: "\n"))")
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
        // A blank 1200×900 page compresses to a few kilobytes; the chart, its labels and the table are more.
        #expect(png.count > 20_000, "screenshot of \(png.count) bytes looks empty")
    }

    /// The AUC the store holds for a model's latest run.
    static func auc(of name: String, _ layout: DemoStore.Layout) throws -> AUCReport {
        let store = try VerdictStore(readOnlyPath: layout.database)
        let run = try #require(try store.runs(modelID: try store.findModel(name).id).first)
        let report = try JSONDecoder().decode(ValidationReport.self, from: Data(try #require(run.reportJSON).utf8))
        return try #require(report.checks.auc)
    }
}
