import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import ValidatedCore
import ValidatedModels
import ValidatedRuntime
import ValidatedStore
import ValidatedSystemd
import ValidatedWatch

/// The composition root of `validated`: loads the configuration, opens the store, watches the folders, tells
/// systemd it is ready, queues what is already there, and runs until SIGTERM.
public enum Daemon {
    /// Runs the daemon until SIGTERM or SIGINT.
    ///
    /// - Parameters:
    ///   - configurationFile: The main configuration file.
    ///   - logger: Where events go (the journal under systemd).
    /// - Throws: ``StartupError`` when the configuration, the store or the watches cannot be set up.
    public static func run(configurationFile: String, logger: Logger) async throws {
        let notifier = SystemdNotifier()
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.load(mainFile: configurationFile)
        } catch {
            logger.critical(
                "Refusing to start: \(error)",
                metadata: [
                    "MESSAGE_ID": "\(ValidatedMessageID.configRejected.rawValue)", "VALIDATED_ERROR": "\(error)",
                ]
            )
            throw StartupError(description: "\(error)")
        }
        let state = SharedState(configuration: configuration)
        guard let store = await openStore(configuration, startedAt: state.startedAt, notifier: notifier, logger: logger)
        else {
            throw StartupError(description: "stopped while waiting for the store \(configuration.database)")
        }
        let signal = WorkSignal()
        // Woken for runs of its own folders only: 50 daemons need not all query the queue for each arrival.
        let listener = (store as? PostgresVerdictStore).map { shared in
            QueueListener(store: shared) { folder in
                if state.folder(named: folder) != nil { signal.notify() }
            }
        }
        let health = FolderHealth(store: store, state: state, signal: signal, logger: logger)
        health.checkAll()
        // One hasher for the intake and the worker: a checkpoint is hashed once, when it arrives.
        let hasher = CheckpointHasher()
        let metrics = configuration.metricsFile.map {
            DaemonMetrics(store: store, file: MetricsFile(path: $0), logger: logger)
        }
        let intake = ModelIntake(store: store, signal: signal, logger: logger, hasher: hasher, metrics: metrics)
        let watcher: FolderWatcher
        do {
            watcher = try FolderWatcher(
                folders: configuration.folders.map {
                    WatchedFolder(name: $0.name, path: $0.path, filter: FileNameFilter(extensions: $0.extensions))
                }
            )
        } catch {
            logger.critical("Refusing to start: \(error)")
            throw StartupError(description: "\(error)")
        }
        // The checkpoints already there are hashed and queued by the watch service, after READY=1.
        let watch = WatchService(
            watcher: watcher,
            intake: intake,
            state: state,
            logger: logger,
            startupFolders: configuration.folders
        )
        signal.notify()

        // Trapped before READY=1: a stop or reload that systemd sends right after start must not find the
        // signals' default actions, which would kill the daemon.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let terminations = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let reporter = StatusReporter(store: store, state: state, notifier: notifier, logger: logger)
        var worker = ValidationWorker(
            store: store,
            state: state,
            signal: signal,
            status: reporter,
            logger: logger,
            hasher: hasher,
            health: health,
            metrics: metrics
        )
        worker.wedgeForTesting = ProcessInfo.processInfo.environment["VALIDATED_TEST_WEDGE_WORKER"] == "1"
        let services: [any Service] = [
            watch,
            worker,
            HeartbeatService(
                state: state,
                notifier: notifier,
                status: reporter,
                signal: signal,
                health: health,
                listener: listener,
                logger: logger
            ),
            ReloadService(
                hangups: hangups,
                configurationFile: configurationFile,
                state: state,
                notifier: notifier,
                health: health,
                logger: logger
            ),
            // Last, so it is the first to hear of a graceful shutdown.
            StoppingNotice(notifier: notifier, logger: logger),
        ]
        let status = reporter.line(current: nil)
        logger.notice(
            "validated is ready: watching \(configuration.folders.map(\.path).joined(separator: ", ")); \(status)",
            metadata: ["MESSAGE_ID": "\(ValidatedMessageID.daemonStarted.rawValue)"]
        )
        notifier.ready(status: status)
        metrics?.queueChanged()
        let group = ServiceGroup(services: services, logger: logger)
        // Whether the finished task is the service group, which ends only after a shutdown or an error.
        try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await group.run()
                return true
            }
            tasks.addTask {
                for await _ in terminations {
                    await group.triggerGracefulShutdown()
                    break
                }
                return false
            }
            while let groupEnded = try await tasks.next() {
                if groupEnded {
                    tasks.cancelAll()
                    return
                }
            }
        }
        logger.notice("validated stopped", metadata: ["MESSAGE_ID": "\(ValidatedMessageID.daemonStopping.rawValue)"])
    }
}

extension Daemon {
    /// Opens the store `Database=` names and requeues runs the last stop interrupted. A store that cannot be
    /// opened yet (a read-only or full file system, a missing mount, a PostgreSQL server away) is retried with
    /// backoff, with the reason in the journal and in `STATUS=`, rather than ending the daemon: it starts once the
    /// store is usable.
    static func openStore(
        _ configuration: DaemonConfiguration,
        startedAt: Date,
        notifier: SystemdNotifier,
        logger: Logger
    ) async -> (any VerdictStoring)? {
        await StoreRetry(logger: logger).run("open the store") {
            do {
                let store = try store(configuration, startedAt: startedAt, logger: logger)
                let requeued = try store.requeueInterrupted()
                if requeued > 0 { logger.notice("Requeued \(requeued) run(s) interrupted by the last stop") }
                return store
            } catch {
                notifier.status("Waiting for the store: \(error)")
                throw error
            }
        }
    }

    private static func store(
        _ configuration: DaemonConfiguration,
        startedAt: Date,
        logger: Logger
    ) throws
        -> any VerdictStoring
    {
        switch try StoreLocation.parse(configuration.database) {
        case .sqlite(let path):
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            return try VerdictStore(path: path) { message in
                logger.critical(
                    "\(message)",
                    metadata: ["MESSAGE_ID": "\(ValidatedMessageID.storeRecreated.rawValue)"]
                )
            }
        case .postgres(let location):
            return try PostgresVerdictStore(
                location: location,
                password: try StoreOpening.password(file: configuration.databasePasswordFile),
                holder: StoreOpening.holderName(startedAt: startedAt),
                lease: leaseDuration(heartbeatSeconds: configuration.heartbeatSeconds),
                logger: logger
            )
        }
    }

    /// How long a claimed run stays this daemon's without a heartbeat: four beats, and at least 5 s, so one late
    /// beat never loses a run while a killed daemon's run is taken over within seconds.
    static func leaseDuration(heartbeatSeconds: Double) -> Duration {
        .milliseconds(Int64(max(5, 4 * heartbeatSeconds) * 1000))
    }
}

/// Why the daemon could not start.
public struct StartupError: Error, CustomStringConvertible {
    /// The file, line and reason.
    public var description: String
}

/// Sends `STOPPING=1` as soon as a graceful shutdown begins.
struct StoppingNotice: Service {
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return
        }
        logger.notice("Stopping: finishing or abandoning the current run")
        notifier.stopping()
    }
}
