import ArgumentParser
import Foundation
import ValidatedStore
import ValidatedSystemd
import ValidatedTestSupport

/// A real `validated` (the one built beside this benchmark) on a scratch layout fed from the demo: its
/// evaluation set and banned list, and copies of the clean demo checkpoint made distinct by a few trailing bytes.
struct ScratchDaemon {
    let root: TemporaryDirectory
    let notify: NotifySocket
    let process: RunningProcess
    var incoming: String { root.path + "/incoming" }
    var database: String { root.path + "/state/validated.sqlite" }
    private let checkpoint: Data

    /// Writes the configuration and starts the daemon; returns once it sent READY=1.
    static func start(_ work: CheckpointWork) async throws -> ScratchDaemon {
        let root = try TemporaryDirectory()
        let demo = Fixtures.repository.appendingPathComponent("demo").path
        try FileManager.default.createDirectory(atPath: root.path + "/incoming", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root.path + "/folders.d", withIntermediateDirectories: true)
        try """
        [Daemon]
        Database=state/validated.sqlite
        [Explain]
        Samples=\(work.samples)
        [Spurious]
        Documents=\(work.documents)
        [Stability]
        Documents=2
        """.write(toFile: root.path + "/validated.conf", atomically: true, encoding: .utf8)
        try """
        [Folder]
        Path=../incoming
        EvaluationSet=\(demo)/eval.jsonl
        BannedTokens=\(demo)/banned-tokens.txt
        """.write(toFile: root.path + "/folders.d/bench.conf", atomically: true, encoding: .utf8)
        let notify = try NotifySocket()
        let process = try RunningProcess(
            executable: Binaries.url("validated"),
            arguments: ["--config", root.path + "/validated.conf", "--log-target", "journal"],
            environment: ["NOTIFY_SOCKET": notify.path]
        )
        _ = try await notify.waitFor(timeout: .seconds(120)) { $0.contains("READY=1") }
        let checkpoint = try Data(
            contentsOf: Fixtures.repository.appendingPathComponent("demo/checkpoints/01-clean.safetensors")
        )
        return ScratchDaemon(root: root, notify: notify, process: process, checkpoint: checkpoint)
    }

    /// Writes checkpoint `index` beside the folder and renames it in, as a careful copier would.
    /// Returns its path in the folder.
    @discardableResult
    func drop(_ index: Int, staging: String? = nil) throws -> String {
        let name = String(format: "model-%05d.safetensors", index)
        let temporary = (staging ?? incoming) + "/." + name + ".part"
        try (checkpoint + Data("\(index)".utf8)).write(to: URL(fileURLWithPath: temporary))
        let path = incoming + "/" + name
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
        return path
    }

    /// The daemon's resident set now and its peak so far, in MiB, from `/proc/PID/status`.
    func memory() -> (rss: Double, peak: Double) {
        let status = (try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else {
                return .nan
            }
            return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan) / 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// The last `STATUS=` the daemon sent.
    var lastStatus: String {
        notify.messages.last { $0.contains("STATUS=") }?.split(separator: "\n").first { $0.hasPrefix("STATUS=") }
            .map { String($0.dropFirst(7)) } ?? "-"
    }

    /// What `validatectl status` prints for this layout.
    func validatectlStatus() throws -> String {
        let process = Process()
        process.executableURL = Binaries.url("validatectl")
        process.arguments = ["status", "--config", root.path + "/validated.conf"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self)
    }

    func stop() async throws {
        process.terminate(signal: SIGTERM)
        _ = try await process.waitForExit(timeout: .seconds(60))
        root.remove()
    }
}

/// How much validation each checkpoint of a daemon benchmark costs.
struct CheckpointWork: ParsableArguments {
    @Option(help: "Documents explained per checkpoint by the spurious-feature suite.")
    var documents = 6

    @Option(help: "LIME samples per explanation.")
    var samples = 1000
}

/// Many checkpoints dropped at once: every one validated, the queue visible, memory bounded. Prints throughput
/// and peak RSS beside the targets.
struct LoadBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Drop many checkpoints at once and measure throughput and peak memory."
    )

    @Option(help: "Checkpoints dropped at once.")
    var checkpoints = 500

    @OptionGroup var work: CheckpointWork

    func run() async throws {
        try Journald.ensureRunning()
        let daemon = try await ScratchDaemon.start(work)
        let idle = daemon.memory()
        let staging = daemon.root.path + "/staging"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        let clock = ContinuousClock()
        let started = clock.now
        for index in 0..<checkpoints { try daemon.drop(index, staging: staging) }
        let dropped = clock.now - started
        let store = try VerdictStore(readOnlyPath: daemon.database)

        var rssSamples: [(done: Int, rss: Double)] = []
        var queueSeen = (validatectl: "", status: "")
        var done = 0
        while done < checkpoints {
            try await Task.sleep(for: .milliseconds(500))
            done = try store.status(recent: checkpoints).recent.count
            rssSamples.append((done, daemon.memory().rss))
            if queueSeen.validatectl.isEmpty, try store.queueCounts().queued > checkpoints / 2 {
                queueSeen = (try daemon.validatectlStatus(), daemon.lastStatus)
            }
            guard daemon.process.isRunning else { throw ValidationError("validated exited during the benchmark") }
        }
        let elapsed = clock.now - started
        let memory = daemon.memory()
        let verdicts = try store.status(recent: checkpoints).recent
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "load: \(checkpoints) checkpoints dropped at once (\(work.documents) documents x \(work.samples) LIME samples each)"
        )
        print("  dropped in           \(dropped)")
        print(
            "  all validated in     \(String(format: "%.1f s", seconds))   \(String(format: "%.2f", Double(checkpoints) / seconds)) checkpoints/s, \(String(format: "%.0f ms", seconds * 1000 / Double(checkpoints))) each"
        )
        print(
            "  verdicts             \(verdicts.count) (\(Set(verdicts.map(\.model.sha256)).count) distinct), integrity \(try store.integrityCheck().joined())"
        )
        print(
            "  RSS idle / peak      \(String(format: "%.1f / %.1f MiB", idle.rss, memory.peak))   (target: bounded, independent of queue length)"
        )
        let quarter = rssSamples.count / 4
        if quarter > 0 {
            let early = rssSamples[quarter].rss
            let late = rssSamples[rssSamples.count - 1].rss
            print("  RSS at 25% / 100%    \(String(format: "%.1f / %.1f MiB", early, late))")
        }
        print("  validatectl status while queued:")
        print(queueSeen.validatectl.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        print("  STATUS= while queued: \(queueSeen.status)")
        try await daemon.stop()
    }
}

/// A steady stream of checkpoints for minutes: latency from a file's close to its verdict in the journal
/// (median and p99) and RSS over time, which must not grow.
struct SoakBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Feed checkpoints at a steady rate and measure verdict latency and memory over time."
    )

    @Option(help: "How long to feed checkpoints, in minutes.")
    var minutes = 2.0

    @Option(help: "Seconds between checkpoints.")
    var interval = 2.0

    @OptionGroup var work: CheckpointWork

    func run() async throws {
        try Journald.ensureRunning()
        let daemon = try await ScratchDaemon.start(work)
        let clock = ContinuousClock()
        let end = clock.now + .seconds(minutes * 60)
        var closed: [String: Date] = [:]
        var rss: [(minute: Double, mib: Double)] = []
        let started = clock.now
        var index = 0
        while clock.now < end {
            let path = try daemon.drop(index)
            closed[path] = Date()
            index += 1
            let elapsed = clock.now - started
            rss.append((Double(elapsed.components.seconds) / 60, daemon.memory().rss))
            try await Task.sleep(for: .seconds(interval))
        }
        let store = try VerdictStore(readOnlyPath: daemon.database)
        try await waitUntil(timeout: .seconds(600), "the last verdicts") {
            try store.status(recent: index).recent.count == index
        }

        let verdictIDs = [ValidatedMessageID.verdictPassed, .verdictFailed, .verdictError].map(\.rawValue)
        var latencies: [Double] = []
        for id in verdictIDs {
            for entry in try Journald.entries(matching: ["MESSAGE_ID": id, "_PID": "\(daemon.process.pid)"]) {
                guard let path = entry["VALIDATED_MODEL"], let close = closed[path],
                    let stamp = entry["__REALTIME_TIMESTAMP"].flatMap(Double.init)
                else { continue }
                latencies.append(stamp / 1e6 - close.timeIntervalSince1970)
            }
        }
        latencies.sort()
        func quantile(_ q: Double) -> Double {
            latencies.isEmpty
                ? .nan : latencies[min(latencies.count - 1, Int((Double(latencies.count) * q).rounded(.up)) - 1)]
        }
        print(
            "soak: \(index) checkpoints over \(minutes) min, one every \(interval) s (\(work.documents) documents x \(work.samples) samples each)"
        )
        print("  journal verdicts     \(latencies.count) of \(index)")
        print(
            "  close -> journal     median \(String(format: "%.2f s", quantile(0.5))), p99 \(String(format: "%.2f s", quantile(0.99))), max \(String(format: "%.2f s", latencies.last ?? .nan))"
        )
        let third = max(1, rss.count / 3)
        let first = rss.prefix(third).map(\.mib).reduce(0, +) / Double(third)
        let last = rss.suffix(third).map(\.mib).reduce(0, +) / Double(third)
        print(
            "  RSS first / last third  \(String(format: "%.1f / %.1f MiB", first, last))   (target: no growth; change \(String(format: "%+.1f%%", (last - first) / first * 100)))"
        )
        print(
            "  RSS over time (minute: MiB)  "
                + stride(from: 0, to: rss.count, by: max(1, rss.count / 8)).map {
                    String(format: "%.1f: %.1f", rss[$0].minute, rss[$0].mib)
                }.joined(separator: "  ")
        )
        try await daemon.stop()
    }
}
