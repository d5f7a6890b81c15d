import Foundation
import Testing
import ValidatedCtl
import ValidatedStore
import ValidatedTestSupport

/// The real `validatectl` binary on a store the real daemon wrote.
@Suite(.timeLimit(.minutes(6))) struct ValidatectlTests {
    @Test func listShowsRunsNewestFirstAndFilters() async throws {
        let layout = try await DemoStore.shared.prepared()
        let config = ["--config", layout.config]
        let all = try JSONValue.parse(try await validatectl(["list", "--json"] + config).stdout)
        #expect(all["schema"]?.string == "validatectl/1")
        let runs = try #require(all["runs"]).array
        #expect(
            runs.compactMap { $0["model"]?["file_name"]?.string } == [
                "02-artefact.safetensors", "01-clean.safetensors",
            ]
        )
        for (index, run) in runs.enumerated() {
            expectShape(run, runShape, "runs[\(index)]")
            expectShape(run["model"], modelShape, "runs[\(index)].model")
        }
        let failed = try JSONValue.parse(
            try await validatectl(["list", "--json", "--verdict", "fail"] + config).stdout
        )
        #expect(failed["runs"]?.array.compactMap { $0["verdict"]?.string } == ["fail"])
        let limited = try JSONValue.parse(try await validatectl(["list", "--json", "--limit", "1"] + config).stdout)
        #expect(limited["runs"]?.array.count == 1)
        let future = try JSONValue.parse(
            try await validatectl(["list", "--json", "--since", "2999-01-01"] + config).stdout
        )
        #expect(future["runs"]?.array.isEmpty == true)
        let otherFolder = try JSONValue.parse(
            try await validatectl(["list", "--json", "--folder", "elsewhere"] + config).stdout
        )
        #expect(otherFolder["runs"]?.array.isEmpty == true)

        let text = try await validatectl(["list"] + config)
        #expect(text.code == 0)
        #expect(text.stdout.hasPrefix("RUN "))
        #expect(text.stdout.contains("2 runs listed."))
        let bare = try await validatectl(["list", "--no-legend", "--no-pager"] + config)
        #expect(bare.stdout.split(separator: "\n").count == 2, "one line per run: \(bare.stdout)")
        #expect(!bare.stdout.contains("\u{1B}["), "no colour when stdout is a pipe")
        #expect(try await validatectl(["list", "--since", "yesterday"] + config).code == 64)
    }

    @Test func statusShowAndHistoryPrintTheirDocumentedJSON() async throws {
        let layout = try await DemoStore.shared.prepared()
        let config = ["--config", layout.config]

        let status = try await validatectl(["status", "--json"] + config)
        #expect(status.code == 3, "the daemon was stopped after the verdicts")
        let snapshot = try JSONValue.parse(status.stdout)
        expectShape(
            snapshot,
            ["schema": .string, "daemon": .nullable(.object), "queue": .object, "champions": .array, "recent": .array],
            "status"
        )
        expectShape(
            snapshot["daemon"],
            [
                "running": .bool, "pid": .integer, "started_at": .date, "last_heartbeat": .date, "status": .string,
                "folders": .array,
            ],
            "status.daemon"
        )
        #expect(snapshot["daemon"]?["running"].map { if case .bool(false) = $0 { true } else { false } } == true)
        expectShape(
            snapshot["daemon"]?["folders"]?.array.first,
            ["name": .string, "path": .string],
            "status.daemon.folders[0]"
        )
        expectShape(snapshot["queue"], ["queued": .integer, "running": .integer], "status.queue")
        let champion = snapshot["champions"]?.array.first
        expectShape(
            champion,
            ["folder": .string, "reason": .string, "promoted_at": .date, "model": .object],
            "status.champions[0]"
        )
        #expect(champion?["model"]?["file_name"]?.string == "01-clean.safetensors")
        #expect(snapshot["recent"]?.array.count == 2)

        let show = try JSONValue.parse(
            try await validatectl(["show", "--json", "02-artefact.safetensors"] + config).stdout
        )
        expectShape(
            show,
            ["schema": .string, "model": .object, "run": .object, "checks": .array, "report": .object],
            "show"
        )
        expectShape(show["run"], runShape, "show.run")
        #expect(show["run"]?["verdict"]?.string == "fail")
        let checks = show["checks"]?.array ?? []
        #expect(
            checks.compactMap { $0["suite"]?.string }.sorted() == ["auc", "counterfactual", "spurious", "stability"]
        )
        for check in checks {
            expectShape(
                check,
                ["suite": .string, "verdict": .string, "summary": .string, "metrics": .object],
                "show.checks[]"
            )
        }
        let report = show["report"]
        expectShape(
            report,
            ["verdict": .string, "summary": .string, "checks": .object, "duration_seconds": .number],
            "show.report"
        )
        let hits = report?["checks"]?["spurious"]?["banned_hits"]?.array ?? []
        #expect(hits.contains { $0["token"]?.string == "nntp" })
        let associated = report?["checks"]?["spurious"]?["association"]?["banned"]?.array ?? []
        let nntp = try #require(associated.first { $0["token"]?.string == "nntp" })
        #expect(try #require(nntp["u_predicted"]?.number) > (try #require(nntp["u_label"]?.number)))
        let comparison = report?["checks"]?["spurious"]?["champion"]
        #expect(comparison?["new_reasons"]?.array.contains { $0["token"]?.string == "nntp" } == true)
        let text = try await validatectl(["show", "02-artefact.safetensors"] + config).stdout
        #expect(text.contains("Token association over 2571 documents"))
        #expect(text.contains("New reasons against the champion"))
        for suite in ["spurious", "stability", "auc", "counterfactual"] {
            // Both tables keep each suite's name whole, in one column: `  counterfactual fail …`, `  auc  0.01 s, …`.
            #expect(text.contains("\n  \(suite) "), "the check line of \(suite)")
            #expect(text.contains(try Regex("(?i)\n  \(suite) +[0-9.]+ s, [0-9]+ model calls")), "the cost of \(suite)")
        }

        let history = try JSONValue.parse(try await validatectl(["history", "--json"] + config).stdout)
        #expect(history["schema"]?.string == "validatectl/1")
        let folder = try #require(history["folders"]?.array.first)
        #expect(folder["folder"]?.string == layout.folder)
        let step = try #require(folder["promotions"]?.array.first)
        expectShape(
            step,
            [
                "promoted_at": .date, "reason": .string, "model": .object, "run_id": .nullable(.integer),
                "auc": .nullable(.number),
                "auc_ci": .nullable(.array), "delta": .nullable(.number), "p_value_two_sided": .nullable(.number),
                "significant": .nullable(.bool),
            ],
            "history.folders[0].promotions[0]"
        )
        #expect((step["auc"]?.number ?? 0) > 0.7)
    }

    @Test func configCheckPrintsTheEffectiveSettingsOrTheFaultyLine() async throws {
        let layout = try await DemoStore.shared.prepared()
        let good = try await validatectl(["config", "check", "--config", layout.config, "--json"])
        #expect(good.code == 0, "\(good.stderr)")
        let parsed = try JSONValue.parse(good.stdout)
        expectShape(
            parsed,
            [
                "schema": .string, "valid": .bool, "error": .nullable(.object), "sources": .array, "database": .string,
                "heartbeat_seconds": .number, "auto_promote": .bool, "folders_directory": .string, "folders": .array,
            ],
            "config"
        )
        let folder = parsed["folders"]?.array.first
        expectShape(
            folder,
            [
                "name": .string, "source": .string, "path": .string, "evaluation_set": .string,
                "banned_tokens": .nullable(.string),
                "fields": .object, "auto_promote": .bool, "extensions": .array, "settings": .object,
                "documents": .nullable(.integer), "banned_entries": .nullable(.integer), "problem": .nullable(.string),
            ],
            "config.folders[0]"
        )
        #expect(
            folder?["settings"]?["spurious"]?["documents"]?.number == 24,
            "the file's Documents=24, not the default"
        )
        #expect(folder?["settings"]?["explain"]?["samples"]?.number == 1000)
        #expect(folder?["settings"]?["auc"]?["comparison"]?.string == "worse")
        #expect(folder?["documents"]?.number == 2571)

        let text = try await validatectl(["config", "check", "--config", layout.config])
        #expect(text.code == 0)
        #expect(text.stdout.contains("[Spurious]\nDocuments=24\n"))
        #expect(text.stdout.contains("Configuration OK."))

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bad = directory.path + "/validated.conf"
        try "[Daemon]\nHeartbeatSec=2\n\n[Spurious]\nTopK=ten\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try await validatectl(["config", "check", "--config", bad])
        #expect(refused.code == 1)
        #expect(refused.stderr.hasPrefix("\(bad):5: TopK=:"), "\(refused.stderr)")
        let refusedJSON = try JSONValue.parse(
            try await validatectl(["config", "check", "--config", bad, "--json"]).stdout
        )
        expectShape(
            refusedJSON["error"],
            ["file": .string, "line": .nullable(.integer), "reason": .string],
            "config.error"
        )
        #expect(refusedJSON["error"]?["line"]?.number == 5)
    }

    @Test func configCheckShowsScorersAndFlagsAProgramThatCannotRun() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.path
        let demo = Fixtures.repository.appendingPathComponent("demo").path
        try FileManager.default.createDirectory(atPath: root + "/folders.d", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/incoming", withIntermediateDirectories: true)
        try "".write(toFile: root + "/validated.conf", atomically: true, encoding: .utf8)
        func folder(_ program: String) throws {
            try """
            [Folder]
            Path=../incoming
            EvaluationSet=\(demo)/eval.jsonl
            Extensions=safetensors onnx
            [Scorer]
            Command=onnx \(program) '/opt/my scorer.py'
            MemoryLimit=infinity
            [Explain]
            Labels=1
            """.write(toFile: root + "/folders.d/topics.conf", atomically: true, encoding: .utf8)
        }
        try folder("python3")
        let text = try await validatectl(["config", "check", "--config", root + "/validated.conf"])
        #expect(text.code == 0, "\(text.stderr)")
        #expect(
            text.stdout.contains(
                "[Scorer]\nCommand=onnx python3 '/opt/my scorer.py'\nStartTimeoutSec=120\nBatchTimeoutSec=10\nTextTimeoutSec=1\nBatchSize=256\nMemoryLimit=infinity\n"
            ),
            "\(text.stdout)"
        )
        let json = try JSONValue.parse(
            try await validatectl(["config", "check", "--config", root + "/validated.conf", "--json"]).stdout
        )
        let scorer = json["folders"]?.array.first?["scorers"]?.array.first
        expectShape(
            scorer,
            [
                "extension": .string, "command": .array, "start_timeout_seconds": .number,
                "batch_timeout_seconds": .number,
                "batch_size": .integer, "memory_limit_bytes": .nullable(.integer),
            ],
            "config.folders[0].scorers[0]"
        )
        #expect(scorer?["command"]?.array.compactMap(\.string) == ["python3", "/opt/my scorer.py"])
        // Settings are typed as their setting, not guessed from the text: the class named "1" stays a name.
        let explain = json["folders"]?.array.first?["settings"]?["explain"]
        #expect(explain?["labels"] == .array([.string("1")]))
        #expect(explain?["top_labels"] == .number(0) && explain?["samples"] == .number(5000))
        #expect(explain?["bow"] == .bool(true) && explain?["batch_size"] == .null && explain?["mask_string"] == .null)
        #expect(text.stdout.contains("[Explain]\nSamples=5000\n") && text.stdout.contains("\nLabels=1\nTopLabels=0\n"))

        try folder("no-such-scorer-program")
        let refused = try await validatectl(["config", "check", "--config", root + "/validated.conf"])
        #expect(refused.code == 1)
        #expect(
            refused.stderr.contains("[Scorer] Command=onnx: no-such-scorer-program is not an executable file in PATH"),
            "\(refused.stderr)"
        )
    }

    @Test func validateServesOtherFormatsThroughAScorer() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data("any bytes".utf8).write(to: URL(fileURLWithPath: directory.path + "/m.onnx"))
        let eval = Fixtures.repository.appendingPathComponent("demo/eval.jsonl").path
        let scorer = "python3 \(Fixtures.url("scorers/misbehaving_scorer.py").path) crash-mid-batch"
        let result = try await validatectl([
            "validate", directory.path + "/m.onnx", "--eval", eval, "--scorer", "onnx=\(scorer)",
        ])
        #expect(result.code == 2)
        #expect(result.stdout.contains("was killed by signal 11"), "\(result.stdout)")
        #expect(result.stdout.contains("about to crash in the middle of a reply"), "the stderr tail: \(result.stdout)")
        let unserved = try await validatectl(["validate", directory.path + "/m.onnx", "--eval", eval])
        #expect(unserved.code == 2)
        #expect(unserved.stdout.contains("--scorer EXTENSION=COMMAND"))
        #expect(
            try await validatectl(["validate", directory.path + "/m.onnx", "--eval", eval, "--scorer", "onnx"]).code
                == 64
        )

        // explain serves scored checkpoints the same way.
        let honest = "python3 \(Fixtures.url("scorers/misbehaving_scorer.py").path) honest"
        let explained = try await validatectl([
            "explain", directory.path + "/m.onnx", "--text", "a telegraph sent over the wire", "--features", "3",
            "--no-legend",
            "--scorer", "onnx=\(honest)", "--database", directory.path + "/none.sqlite",
        ])
        #expect(explained.code == 0, "\(explained.stderr)")
        #expect(explained.stdout.split(separator: "\n").count == 3, "\(explained.stdout)")
    }

    @Test func explainOfAStoredDocumentReproducesTheDaemonsExplanation() async throws {
        let layout = try await DemoStore.shared.prepared()
        let store = try VerdictStore(readOnlyPath: layout.database)
        let run = try #require(try store.runs(modelID: try store.findModel("02-artefact.safetensors").id).first)
        let stored = try JSONValue.parse(try #require(run.reportJSON))
        let worst = try #require(stored["checks"]?["spurious"]?["worst"]?.array.first)
        let document = try #require(worst["document"]?.string)

        let result = try await validatectl([
            "explain", "02-artefact.safetensors", "--doc", document, "--json", "--config", layout.config,
        ])
        #expect(result.code == 0, "\(result.stderr)")
        let explained = try JSONValue.parse(result.stdout)
        expectShape(
            explained,
            [
                "schema": .string, "model": .object, "document": .object, "label": .string, "prediction": .number,
                "local_prediction": .number, "intercept": .number, "score": .number, "weights": .array,
            ],
            "explain"
        )
        // The same seed and settings as the daemon: the same features with the same weights.
        let storedWeights = (worst["weights"]?.array ?? []).compactMap { entry in
            entry["feature"]?.string.flatMap { feature in entry["weight"]?.number.map { (feature, $0) } }
        }
        let newWeights = (explained["weights"]?.array ?? []).compactMap { entry in
            entry["feature"]?.string.flatMap { feature in entry["weight"]?.number.map { (feature, $0) } }
        }
        #expect(!storedWeights.isEmpty)
        #expect(storedWeights.map(\.0) == Array(newWeights.map(\.0).prefix(storedWeights.count)))
        for (old, new) in zip(storedWeights, newWeights) {
            #expect(abs(old.1 - new.1) < 1e-9, "\(old.0): \(old.1) vs \(new.1)")
        }

        let chart = try await validatectl([
            "explain", layout.demo + "/checkpoints/02-artefact.safetensors", "--text",
            "Posting-Host: nntp.cs.example.edu a telegraph",
            "--features", "4", "--no-legend",
        ])
        #expect(chart.code == 0, "\(chart.stderr)")
        let lines = chart.stdout.split(separator: "\n")
        #expect(lines.count == 4, "one bar per feature: \(chart.stdout)")
        #expect(lines.allSatisfy { $0.contains("│") })
        #expect(!chart.stdout.contains("\u{1B}["))
        #expect(
            try await validatectl(["explain", "02-artefact.safetensors", "--config", layout.config]).code == 64,
            "needs --text or --doc"
        )
    }

    @Test func validateJudgesAsTheDaemonDoesWithTheFoldersConfigurationAndChampion() async throws {
        let layout = try await DemoStore.shared.prepared()
        let artefact = layout.demo + "/checkpoints/02-artefact.safetensors"
        let arguments = ["validate", artefact, "--folder", "topics", "--config", layout.config]
        let gate = try await validatectl(arguments)
        #expect(gate.code == 1, "\(gate.stdout)\(gate.stderr)")
        #expect(gate.stderr.isEmpty, "piped, validate prints its result only: \(gate.stderr)")
        let lines = gate.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix(artefact + ": FAIL — spurious features: banned token") == true, "\(gate.stdout)")
        #expect(lines.contains { $0.hasPrefix("  settings: folder topics (") })
        #expect(lines.last == "  champion: \(layout.incoming)/01-clean.safetensors")

        // Same settings, seeds and champion scores as the daemon: the gate's checks are the stored report's.
        let gateJSON = try JSONValue.parse(try await validatectl(arguments + ["--json"]).stdout)
        #expect(gateJSON["schema"]?.string == "validatectl/1")
        #expect(gateJSON["folder"]?.string == "topics")
        #expect(gateJSON["champion"]?.string == "\(layout.incoming)/01-clean.safetensors")
        let stored = try JSONValue.parse(
            try await validatectl(["show", "--json", "02-artefact.safetensors", "--config", layout.config]).stdout
        )
        // What the suites cost (time, model calls) is measured, not judged: it is left out.
        func judged(_ check: JSONValue?) -> JSONValue? {
            guard case .object(var fields) = check else { return check }
            for key in ["seconds", "model_calls", "cached_calls"] { fields[key] = nil }
            guard case .object(var champion) = fields["champion"] else { return .object(fields) }
            champion["seconds"] = nil
            champion["share_of_run"] = nil
            fields["champion"] = .object(champion)
            return .object(fields)
        }
        for suite in ["spurious", "auc"] {
            let mine = judged(gateJSON["checks"]?[suite])
            let daemons = judged(stored["report"]?["checks"]?[suite])
            #expect(
                mine != nil && mine == daemons,
                "checks.\(suite) differ: \(String(describing: mine)) vs \(String(describing: daemons))"
            )
        }

        let unknown = try await validatectl(["validate", artefact, "--folder", "nope", "--config", layout.config])
        #expect(unknown.code == 2)
        #expect(unknown.stderr == "validatectl: \(layout.config) has no folder \"nope\"; it configures topics\n")
        // A CI gate may keep its own settings-only file, without a watched folder.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let settingsOnly = directory.path + "/gate.conf"
        try "[Spurious]\nDocuments=7\n[Stability]\nDocuments=1\n".write(
            toFile: settingsOnly,
            atomically: true,
            encoding: .utf8
        )
        let gated = try JSONValue.parse(
            try await validatectl([
                "validate", artefact, "--eval", layout.demo + "/eval.jsonl", "--config", settingsOnly, "--json",
            ]).stdout
        )
        #expect(gated["settings_source"]?.string == settingsOnly)
        #expect(gated["checks"]?["spurious"]?["explained"]?.number == 7)
        let noConfiguration = try await validatectl([
            "validate", artefact, "--folder", "topics", "--config", "/nonexistent.conf",
        ])
        #expect(noConfiguration.code == 2)
        #expect(noConfiguration.stderr.contains("there is none at /nonexistent.conf; pass --config FILE"))
        let noEval = try await validatectl(["validate", artefact, "--config", layout.config])
        #expect(noEval.code == 2)
        #expect(noEval.stderr.contains("--eval is required"))
    }

    @Test func validateShowsProgressOnATerminal() async throws {
        let layout = try await DemoStore.shared.prepared()
        // script(1) gives validatectl a pseudo-terminal, as an interactive shell would.
        let command = [
            Binaries.url("validatectl").path, "validate", layout.demo + "/checkpoints/01-clean.safetensors", "--folder",
            "topics", "--config", layout.config,
        ]
        .map { "'\($0)'" }.joined(separator: " ")
        let terminal = Process()
        terminal.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        terminal.arguments = ["-qec", command, "/dev/null"]
        let output = Pipe.closedOnExec()
        terminal.standardOutput = output
        terminal.standardInput = FileHandle.nullDevice
        try terminal.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        terminal.waitUntilExit()
        #expect(terminal.terminationStatus == 0, "\(text)")
        #expect(text.contains("\r\u{1B}[Kscoring"), "no progress line: \(text)")
        #expect(text.contains("explaining 24/24"), "the 24 documents' explanations counted: \(text)")
        #expect(text.contains("seeds ✓"), "the stability suite's seeds shown: \(text)")
        #expect(text.contains("01-clean.safetensors: PASS"))
    }

    @Test func rootHelpDocumentsTheExitCodes() async throws {
        let help = try await validatectl(["--help"])
        #expect(help.code == 0)
        for line in [
            "EXIT CODES", "0  success", "1  validate: the model failed", "2  validate: the model could not",
            "3  status", "64",
        ] {
            #expect(help.stdout.contains(line), "--help lacks \"\(line)\"")
        }
        let missing = try await validatectl(["show", "--database", "/nonexistent/validated.sqlite", "x"])
        #expect(missing.code == 2)
        #expect(missing.stderr.hasPrefix("validatectl: /nonexistent/validated.sqlite: no store here yet"))
    }

    @Test func aStoreURLWithAPasswordIsRefusedAsAUsageErrorWithoutRepeatingIt() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = "postgresql://ops:secret@db.example/validated"
        let refused = try await validatectl(["status", "--database", url, "--config", directory.path + "/none.conf"])
        #expect(refused.code == 64, "\(refused.stderr)")
        #expect(refused.stderr.contains("--database: the PostgreSQL URL carries a password"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("secret"), "the password is not printed: \(refused.stderr)")
    }
}
