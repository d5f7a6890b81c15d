import Foundation
import Logging
import Metrics
import Prometheus
import Synchronization
import ValidatedCore
import ValidatedStore

/// The daemon's metrics (docs/metrics.md), recorded through swift-metrics into a Prometheus registry of their own
/// and written to a ``MetricsFile`` after every change: when a run is queued, claimed or ended.
final class DaemonMetrics: Sendable {
    private let store: any VerdictStoring
    private let file: MetricsFile
    private let logger: Logger
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    /// Serialises writes, which share one temporary file name.
    private let writing = Mutex(())

    /// Histogram buckets, in seconds: runs take seconds to an hour, a suite a fraction of that.
    static let runBuckets: [Duration] = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600].map { .seconds($0) }
    static let suiteBuckets: [Duration] = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800].map { .seconds($0) }

    init(store: any VerdictStoring, file: MetricsFile, logger: Logger) {
        self.store = store
        self.file = file
        self.logger = logger
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            "validated_run_duration_seconds": Self.runBuckets,
            "validated_suite_duration_seconds": Self.suiteBuckets,
        ]
        self.factory = factory
    }

    /// Records a run's end: its verdict, durations, model calls, whether its scorer failed, and the time.
    func runEnded(folder: String, report: ValidationReport, at time: Date = Date()) {
        let byFolder = [("folder", folder)]
        let verdict = ("verdict", report.verdict.rawValue)
        Counter(label: "validated_runs_total", dimensions: byFolder + [verdict], factory: factory).increment()
        Metrics.Timer(label: "validated_run_duration_seconds", dimensions: byFolder, factory: factory)
            .recordSeconds(report.durationSeconds)
        let suites = [
            ("spurious", report.checks.spurious?.seconds), ("stability", report.checks.stability?.seconds),
            ("auc", report.checks.auc?.seconds),
        ]
        for case (let suite, let seconds?) in suites {
            let dimensions = byFolder + [("suite", suite)]
            Metrics.Timer(label: "validated_suite_duration_seconds", dimensions: dimensions, factory: factory)
                .recordSeconds(seconds)
        }
        let calls = Counter(label: "validated_model_calls_total", dimensions: byFolder, factory: factory)
        calls.increment(by: report.modelCalls ?? 0)
        let failures = Counter(label: "validated_scorer_failures_total", dimensions: byFolder, factory: factory)
        failures.increment(by: Self.scorerFailed(report) ? 1 : 0)
        Gauge(label: "validated_last_verdict_timestamp_seconds", dimensions: byFolder, factory: factory)
            .record(time.timeIntervalSince1970)
        queueChanged()
    }

    /// Reads the queue's depth from the store and writes the file.
    func queueChanged() {
        if let counts = try? store.queueCounts() {
            Gauge(label: "validated_queue_depth", factory: factory).record(counts.queued)
            Gauge(label: "validated_runs_in_progress", factory: factory).record(counts.running)
        }
        writing.withLock { _ in
            do {
                try file.replace(with: registry.emitToString())
            } catch {
                logger.warning("Cannot write the metrics: \(error)")
            }
        }
    }

    /// Whether the run ended in error because its external scorer failed: its error is a ``ScorerError``'s
    /// message, which names the scorer's command.
    static func scorerFailed(_ report: ValidationReport) -> Bool {
        report.verdict == .error && (report.error?.contains(": scorer `") ?? false)
    }
}
