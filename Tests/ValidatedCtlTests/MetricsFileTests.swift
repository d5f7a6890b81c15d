import Foundation
import Testing
import ValidatedCore
import ValidatedStore
import ValidatedTestSupport

/// The real daemon writes `MetricsFile=` in the Prometheus text format as runs are queued and end: the demo's
/// clean and artefact checkpoints in one folder, a checkpoint whose scorer fails in another.
@Suite(.timeLimit(.minutes(3))) struct MetricsFileTests {
    @Test func theDaemonWritesItsMetricsForTheTextfileCollector() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let layout = try DemoStore.writeConfiguration(root: directory.path)
        try Self.addMetricsAndABrokenScorerFolder(layout)
        let metricsFile = directory.path + "/metrics/validated.prom"
        let started = Date()
        try await DemoStore.runDaemon(layout, dropping: ["01-clean.safetensors", "02-artefact.safetensors"]) { _ in
            let text = try? String(contentsOfFile: metricsFile, encoding: .utf8)
            return text.map { PrometheusText($0).sum("validated_runs_total") } == 3
        }
        let ended = Date()
        let metrics = PrometheusText(try String(contentsOfFile: metricsFile, encoding: .utf8))

        #expect(metrics.value("validated_runs_total", ["folder": "topics", "verdict": "pass"]) == 1)
        #expect(metrics.value("validated_runs_total", ["folder": "topics", "verdict": "fail"]) == 1)
        #expect(metrics.value("validated_runs_total", ["folder": "broken", "verdict": "error"]) == 1)
        #expect(metrics.samples("validated_runs_total").count == 3, "\(metrics.text)")
        #expect(metrics.value("validated_queue_depth", [:]) == 0)
        #expect(metrics.value("validated_runs_in_progress", [:]) == 0)
        #expect(metrics.value("validated_scorer_failures_total", ["folder": "broken"]) == 1)
        #expect(metrics.value("validated_scorer_failures_total", ["folder": "topics"]) == 0)

        // The numbers the stored reports hold.
        let store = try VerdictStore(readOnlyPath: layout.database)
        let reports = try ["01-clean.safetensors", "02-artefact.safetensors"].map { name in
            let run = try #require(try store.runs(modelID: try store.findModel(name).id).first)
            return try JSONDecoder().decode(ValidationReport.self, from: Data(try #require(run.reportJSON).utf8))
        }
        let calls = reports.compactMap(\.modelCalls).reduce(0, +)
        #expect(calls > 0)
        #expect(metrics.value("validated_model_calls_total", ["folder": "topics"]) == Double(calls))
        #expect(metrics.value("validated_run_duration_seconds_count", ["folder": "topics"]) == 2)
        #expect(metrics.value("validated_run_duration_seconds_count", ["folder": "broken"]) == 1)
        let runSeconds = try #require(metrics.value("validated_run_duration_seconds_sum", ["folder": "topics"]))
        #expect(abs(runSeconds - reports.map(\.durationSeconds).reduce(0, +)) < 1e-6)
        #expect(metrics.value("validated_run_duration_seconds_bucket", ["folder": "topics", "le": "+Inf"]) == 2)
        for suite in ["spurious", "stability", "auc"] {
            let labels = ["folder": "topics", "suite": suite]
            #expect(metrics.value("validated_suite_duration_seconds_count", labels) == 2, "\(suite)")
        }
        let spuriousSeconds = reports.compactMap { $0.checks.spurious?.seconds }.reduce(0, +)
        let measured = metrics.value("validated_suite_duration_seconds_sum", ["folder": "topics", "suite": "spurious"])
        #expect(abs((measured ?? 0) - spuriousSeconds) < 1e-6)

        let last = try #require(metrics.value("validated_last_verdict_timestamp_seconds", ["folder": "topics"]))
        #expect(last >= started.timeIntervalSince1970 && last <= ended.timeIntervalSince1970)
        #expect(metrics.type(of: "validated_runs_total") == "counter")
        #expect(metrics.type(of: "validated_queue_depth") == "gauge")
        #expect(metrics.type(of: "validated_run_duration_seconds") == "histogram")
        #expect(metrics.type(of: "validated_suite_duration_seconds") == "histogram")

        // Replaced by a rename: no temporary file is left beside it, and the collector's user may read it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/metrics") == ["validated.prom"])
        let mode = try FileManager.default.attributesOfItem(atPath: metricsFile)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    /// `MetricsFile=` in `[Daemon]`, and a folder `broken` whose scorer exits at once, with one checkpoint in it.
    static func addMetricsAndABrokenScorerFolder(_ layout: DemoStore.Layout) throws {
        try FileManager.default.createDirectory(atPath: layout.root + "/metrics", withIntermediateDirectories: true)
        let main = try String(contentsOfFile: layout.config, encoding: .utf8)
        try main.replacingOccurrences(of: "HeartbeatSec=1", with: "HeartbeatSec=1\nMetricsFile=metrics/validated.prom")
            .write(toFile: layout.config, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: layout.root + "/broken", withIntermediateDirectories: true)
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: layout.root + "/broken/model.onnx"))
        try """
        [Folder]
        Path=../broken
        EvaluationSet=\(layout.demo)/eval.jsonl
        Extensions=onnx
        [Scorer]
        Command=onnx /bin/false
        """.write(toFile: layout.root + "/folders.d/broken.conf", atomically: true, encoding: .utf8)
    }
}

/// The Prometheus text exposition format, read as node_exporter's textfile collector reads it: `# TYPE` lines and
/// samples `name{label="value",...} number`.
struct PrometheusText {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let text: String
    let samples: [Sample]
    private let types: [String: String]

    init(_ text: String) {
        self.text = text
        var samples: [Sample] = []
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if let type = line.wholeMatch(of: /# TYPE (\S+) (\S+)/) {
                types[String(type.1)] = String(type.2)
            } else if let sample = line.wholeMatch(of: /([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/),
                let value = Double(sample.3)
            {
                var labels: [String: String] = [:]
                for pair in (sample.2 ?? "").matches(of: /([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/) {
                    labels[String(pair.1)] = String(pair.2)
                }
                samples.append(Sample(name: String(sample.1), labels: labels, value: value))
            }
        }
        self.samples = samples
        self.types = types
    }

    func samples(_ name: String) -> [Sample] { samples.filter { $0.name == name } }

    /// The value of the one sample with exactly these labels.
    func value(_ name: String, _ labels: [String: String]) -> Double? {
        let matching = samples(name).filter { $0.labels == labels }
        return matching.count == 1 ? matching[0].value : nil
    }

    func sum(_ name: String) -> Double { samples(name).map(\.value).reduce(0, +) }

    func type(of name: String) -> String? { types[name] }
}
