import Foundation
import Testing
import ValidatedCore
import ValidatedCtl
import ValidatedStore
import ValidatedTestSupport

/// `validatectl rerun` with the real daemon, and `validatectl report` on a real run.
@Suite(.timeLimit(.minutes(3))) struct RerunAndReportTests {
    @Test func rerunQueuesARunThatTheDaemonValidates() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let layout = try DemoStore.writeConfiguration(root: directory.path)
        try await DemoStore.runDaemon(layout, dropping: ["01-clean.safetensors"]) { store in
            guard let model = try? store.findModel("01-clean.safetensors") else { return false }
            return try store.runs(modelID: model.id).first?.verdict != nil
        }
        let config = ["--config", layout.config]
        let queued = try await validatectl(["rerun", "01-clean.safetensors"] + config)
        #expect(queued.code == 0, "\(queued.stderr)")
        #expect(queued.stdout.hasPrefix("queued run 2 of 01-clean.safetensors"), "\(queued.stdout)")
        let again = try await validatectl(["rerun", "01-clean.safetensors"] + config)
        #expect(again.stdout.contains("already has run 2 queued"), "one queued run per model: \(again.stdout)")
        let pending = try JSONValue.parse(try await validatectl(["list", "--json"] + config).stdout)
        #expect(pending["runs"]?.array.compactMap { $0["state"]?.string } == ["queued", "done"])

        // The daemon takes the queued run at its next start; a run queued while it is running is taken within a
        // heartbeat (HeartbeatSec=1 here), without a checkpoint arriving.
        var requeuedWhileRunning: CtlResult?
        try await DemoStore.runDaemon(layout, dropping: []) { store in
            let runs = try store.runs(modelID: try store.findModel("01-clean.safetensors").id)
            guard runs.allSatisfy({ $0.verdict != nil }) else { return false }
            if requeuedWhileRunning == nil {
                requeuedWhileRunning = try validatectlBlocking(["rerun", "01-clean.safetensors"] + config)
                return false
            }
            return runs.count == 3
        }
        #expect(requeuedWhileRunning?.stdout.hasPrefix("queued run 3 of 01-clean.safetensors") == true)
        let store = try VerdictStore(readOnlyPath: layout.database)
        let runs = try store.runs(modelID: try store.findModel("01-clean.safetensors").id)
        #expect(runs.map(\.id) == [3, 2, 1])
        #expect(runs.allSatisfy { $0.verdict == .pass })
        #expect(try await validatectl(["rerun", "no-such-model"] + config).code == 2)
    }

    @Test func theHeartbeatRowFollowsRunsWithoutWaitingForTheNextBeat() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let layout = try DemoStore.writeConfiguration(root: directory.path)
        // A heartbeat every 10 minutes: only the worker's own updates can bring the row up to date in this test.
        let main = try String(contentsOfFile: layout.config, encoding: .utf8)
        try main.replacingOccurrences(of: "HeartbeatSec=1", with: "HeartbeatSec=600")
            .write(toFile: layout.config, atomically: true, encoding: .utf8)
        try await DemoStore.runDaemon(layout, dropping: ["01-clean.safetensors"]) { store in
            try store.status().heartbeat?.status.hasSuffix("last verdict: 01-clean.safetensors pass") == true
        }
    }

    @Test func reportIsOneSelfContainedPageWithEverySection() async throws {
        let layout = try await DemoStore.shared.prepared()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let page = directory.path + "/report.html"
        let result = try await validatectl(["report", "02-artefact.safetensors", "-o", page, "--config", layout.config])
        #expect(result.code == 0, "\(result.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.hasSuffix("</html>\n"))
        for id in ["verdict", "documents", "banned", "importance", "auc", "stability"] {
            #expect(html.contains("id=\"\(id)\""), "no section \(id)")
        }
        #expect(html.contains("<span class=\"badge\">FAIL</span>"))
        // Self-contained: no scripts, and nothing loaded from elsewhere.
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(!html.contains(" src="))
        // Banned tokens in the table, highlighted words in both colours, the champion beside the challenger.
        let banned = try #require(html.range(of: "<table class=\"banned\">")).upperBound
        let bannedTable = String(html[banned...]).components(separatedBy: "</table>")[0]
        #expect(bannedTable.contains("<code>nntp</code>"))
        #expect(html.contains("<mark class=\"pos\""))
        #expect(html.contains("<mark class=\"neg\""))
        #expect(html.contains("Champion: 01-clean.safetensors"))
        // The store has both models' scores on the folder's evaluation set, so both ROC curves are drawn.
        #expect(html.contains("<polyline class=\"curve c0\""))
        #expect(html.contains("<polyline class=\"curve c1\""))
        #expect(html.contains("DeLong p (two-sided)"))
        // The header names the suites that did not pass; their summaries appear once, in the table.
        let store = try VerdictStore(readOnlyPath: layout.database)
        let run = try #require(try store.runs(modelID: try store.findModel("02-artefact.safetensors").id).first)
        for check in try store.checks(runID: run.id) {
            let escaped = check.summary.replacingOccurrences(of: "&", with: "&amp;")
                .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
            let header = html.components(separatedBy: "</header>")[0]
            #expect(header.components(separatedBy: escaped).count - 1 == 1, "\(check.suite): \(escaped)")
        }
        // Stability: a bar per measured document (2 in this configuration) across seeds, and with its edits.
        let stability = String(html[try #require(html.range(of: "id=\"stability\"")).upperBound...])
        #expect(stability.contains("<figure class=\"stability\"><svg"))
        #expect(stability.components(separatedBy: "<rect class=\"fill c0\"").count - 1 == 2)
        #expect(stability.contains("<rect class=\"fill c1\""))

        // Without the configuration the labels are unknown: the page says why there is no curve.
        let bare = directory.path + "/bare.html"
        #expect(try await validatectl(["report", "1", "-o", bare, "--database", layout.database]).code == 0)
        let bareHTML = try String(contentsOfFile: bare, encoding: .utf8)
        #expect(bareHTML.contains("ROC curve not drawn: the configuration"))
        #expect(bareHTML.contains("<span class=\"badge\">PASS</span>"))
    }

    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Where the browser test keeps its screenshot: `.build/test-artefacts/report.png`.
    static let artefacts = Fixtures.repository.appendingPathComponent(".build/test-artefacts")

    @Test(.enabled(if: chromium != nil, "chromium is not installed (apt-get install -y chromium)"))
    func reportRendersInAHeadlessBrowser() async throws {
        let layout = try await DemoStore.shared.prepared()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let page = directory.path + "/report.html"
        try FileManager.default.createDirectory(at: Self.artefacts, withIntermediateDirectories: true)
        let screenshot = Self.artefacts.appendingPathComponent("report.png").path
        try? FileManager.default.removeItem(atPath: screenshot)
        #expect(
            try await validatectl(["report", "02-artefact.safetensors", "-o", page, "--config", layout.config]).code
                == 0
        )
        let browser = Process()
        browser.executableURL = URL(fileURLWithPath: try #require(Self.chromium))
        browser.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--user-data-dir=\(directory.path)/profile",
            "--enable-logging=stderr", "--v=0", "--window-size=1200,2400", "--screenshot=\(screenshot)",
            "file://\(page)",
        ]
        let log = directory.path + "/chromium.log"
        #expect(FileManager.default.createFile(atPath: log, contents: nil))
        browser.standardOutput = FileHandle.nullDevice
        browser.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try browser.run()
        try await waitUntil(timeout: .seconds(90), "chromium to render the report") { !browser.isRunning }
        #expect(browser.terminationStatus == 0)
        // The page has no scripts and loads nothing, so the console must stay silent: any message is an error
        // (a blocked resource, a parse failure).
        let console = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter {
            $0.contains(":CONSOLE")
        }
        #expect(console.isEmpty, "the browser console reported: \(console.joined(separator: "\n"))")
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
        // A blank 1200×2400 page compresses to a few kilobytes; text, tables and the curve make it much larger.
        #expect(png.count > 40_000, "screenshot of \(png.count) bytes looks empty")
    }
}
