import Foundation
import Testing
import ValidatedCore
import ValidatedStore
import ValidatedTestSupport

/// The whole path on real parts: the real `validated` binary under a real notify socket, writing to the real
/// journal and a real SQLite file, fed by real inotify events; then the real `validatectl` reading it.
@Suite(.serialized) struct DaemonEndToEndTests {
    private static let verdictFailed = "4fa841fdd01e4d2da804c94160de6e6b"
    private static let verdictPassed = "4f1296b351c3400eb86262426c7da550"

    @Test(.timeLimit(.minutes(10)))
    func checkpointsDroppedIntoAFolderGetVerdictsInTheStoreJournalAndValidatectl() async throws {
        try Journald.ensureRunning()
        let layout = try DaemonLayout(
            prefix: "e2e",
            mainFile: """
                [Daemon]
                Database=state/validated.sqlite
                HeartbeatSec=1
                [Spurious]
                Documents=24
                [Stability]
                Documents=4
                """
        )
        defer { layout.directory.remove() }
        let (folder, root) = (layout.folder, layout.root)
        let demo = Fixtures.repository.appendingPathComponent("demo")
        let (daemon, notify) = try await layout.startReady()
        defer { daemon.terminate(signal: SIGKILL) }

        let store = try VerdictStore(readOnlyPath: root + "/state/validated.sqlite")
        for name in ["01-clean.safetensors", "02-artefact.safetensors"] {
            try FileManager.default.copyItem(
                atPath: demo.path + "/checkpoints/" + name,
                toPath: root + "/incoming/." + name + ".part"
            )
            try FileManager.default.moveItem(
                atPath: root + "/incoming/." + name + ".part",
                toPath: root + "/incoming/" + name
            )
            try await waitUntil(timeout: .seconds(300), "a verdict on \(name)") {
                let model = try? store.findModel(name)
                return try model.map { try store.runs(modelID: $0.id).first?.verdict != nil } ?? false
            }
        }

        let clean = try #require(try store.runs(modelID: try store.findModel("01-clean.safetensors").id).first)
        let artefact = try #require(try store.runs(modelID: try store.findModel("02-artefact.safetensors").id).first)
        #expect(clean.verdict == .pass, "clean model: \(clean.summary ?? "")")
        #expect(artefact.verdict == .fail, "artefact model: \(artefact.summary ?? "")")
        #expect(try store.champion(folder: folder)?.sha256 == clean.model.sha256)
        #expect(clean.evalFingerprint?.count == 64)
        #expect(clean.configFingerprint?.count == 64)
        #expect(artefact.championModelID == clean.model.id)
        // The champion's scores are kept per evaluation set, so comparisons do not rescore it.
        let cached = try store.cachedScores(
            modelID: clean.model.id,
            evalFingerprint: try #require(clean.evalFingerprint)
        )
        #expect(cached?.count == 2571)
        #expect(try store.cachedScores(modelID: clean.model.id, evalFingerprint: "another set") == nil)
        let spurious = try #require(try store.checks(runID: artefact.id).first { $0.suite == .spurious })
        #expect(spurious.verdict == .fail)
        for token in ["nntp", "edu"] { #expect(spurious.metricsJSON.contains("\"\(token)\""), "\(token) not named") }
        #expect(try store.integrityCheck() == ["ok"])

        // The journal holds one structured entry per verdict.
        var failed: [[String: String]] = []
        try await waitUntil(timeout: .seconds(30), "the failed verdict in the journal") {
            failed = try Journald.entries(matching: ["VALIDATED_FOLDER": folder, "MESSAGE_ID": Self.verdictFailed])
            return !failed.isEmpty
        }
        let entry = failed[0]
        #expect(entry["PRIORITY"] == "4")
        #expect(entry["VALIDATED_VERDICT"] == "fail")
        #expect(entry["VALIDATED_SHA256"] == artefact.model.sha256)
        #expect(entry["VALIDATED_MODEL"]?.hasSuffix("/02-artefact.safetensors") == true)
        #expect(entry["VALIDATED_BANNED_TOKENS"]?.contains("nntp") == true)
        #expect(entry["VALIDATED_AUC"].flatMap(Double.init) != nil)
        #expect(entry["VALIDATED_P_VALUE"].flatMap(Double.init) != nil)
        #expect(entry["VALIDATED_DELTA"].flatMap(Double.init) != nil)
        let passed = try Journald.entries(matching: ["VALIDATED_FOLDER": folder, "MESSAGE_ID": Self.verdictPassed])
        #expect(passed.first?["PRIORITY"] == "6")
        #expect(passed.first?["VALIDATED_VERDICT"] == "pass")

        // A truncated checkpoint gets an error verdict naming the problem, and the daemon keeps serving.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: demo.path + "/checkpoints/01-clean.safetensors"))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: root + "/incoming/truncated.safetensors"))
        try await waitUntil(timeout: .seconds(60), "a verdict on the truncated checkpoint") {
            let model = try? store.findModel("truncated.safetensors")
            return try model.map { try store.runs(modelID: $0.id).first?.verdict != nil } ?? false
        }
        let broken = try #require(try store.runs(modelID: try store.findModel("truncated.safetensors").id).first)
        #expect(broken.verdict == .error)
        #expect(broken.state == .failed)
        #expect(broken.summary?.contains("truncated file?") == true, "\(broken.summary ?? "")")
        #expect(try store.champion(folder: folder)?.sha256 == clean.model.sha256)

        // validatectl reads the same store while the daemon runs.
        let status = try runValidatectl(["status", "--config", root + "/validated.conf"])
        #expect(status.code == 0, "validatectl status: \(status.output)")
        #expect(status.output.contains("running"))
        #expect(status.output.contains("01-clean.safetensors"))
        #expect(status.output.contains("02-artefact.safetensors"))
        let show = try runValidatectl(["show", "--config", root + "/validated.conf", "02-artefact.safetensors"])
        #expect(show.code == 0)
        #expect(show.output.contains("FAIL"))
        #expect(show.output.contains("nntp"))

        // The champion lifecycle: a failed model is promoted only with --force, and rollback restores the last one.
        let config = ["--config", root + "/validated.conf"]
        #expect(try runValidatectl(["promote"] + config + ["02-artefact.safetensors"]).code != 0)
        #expect(try runValidatectl(["promote"] + config + ["02-artefact.safetensors", "--force"]).code == 0)
        #expect(try store.champion(folder: folder)?.sha256 == artefact.model.sha256)
        let history = try runValidatectl(["history"] + config + [folder])
        #expect(history.code == 0)
        #expect(history.output.contains("01-clean.safetensors"))
        #expect(history.output.contains("02-artefact.safetensors"))
        #expect(history.output.contains(", better (p"), "the AUC line as show writes it: \(history.output)")
        #expect(try runValidatectl(["rollback"] + config + [folder]).code == 0)
        #expect(try store.champion(folder: folder)?.sha256 == clean.model.sha256)
        try await waitUntil(timeout: .seconds(30), "the manual promotion in the journal") {
            try !Journald.entries(matching: [
                "VALIDATED_FOLDER": folder, "MESSAGE_ID": "f9d7b300d6ab436f8b32e9c599b51746",
                "VALIDATED_REASON": "rollback",
            ]).isEmpty
        }

        // SIGTERM stops it cleanly, telling systemd first.
        daemon.terminate(signal: SIGTERM)
        _ = try await notify.waitFor(timeout: .seconds(30)) { $0.contains("STOPPING=1") }
        #expect(try await daemon.waitForExit(timeout: .seconds(30)) == 0)
        let after = try runValidatectl(["status", "--config", root + "/validated.conf"])
        #expect(after.code == 3, "status must say the daemon is gone once it stopped")
    }

    private func runValidatectl(_ arguments: [String]) throws -> (code: Int32, output: String) {
        let process = Process()
        process.executableURL = Binaries.url("validatectl")
        process.arguments = arguments
        let pipe = Pipe.closedOnExec()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
