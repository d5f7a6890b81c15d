import Foundation
import Synchronization
import ValidatedRuntime

/// The configuration in force, replaced atomically on reload, and the daemon's status line.
final class SharedState: Sendable {
    private struct Values {
        var configuration: DaemonConfiguration
        var lastVerdict: String = "none yet"
    }

    private let values: Mutex<Values>
    let startedAt = Date()

    init(configuration: DaemonConfiguration) {
        values = Mutex(Values(configuration: configuration))
    }

    var configuration: DaemonConfiguration {
        get { values.withLock { $0.configuration } }
    }

    func replace(configuration: DaemonConfiguration) {
        values.withLock { $0.configuration = configuration }
    }

    func folder(named name: String) -> FolderConfiguration? {
        configuration.folders.first { $0.name == name }
    }

    var lastVerdict: String {
        get { values.withLock { $0.lastVerdict } }
    }

    func record(lastVerdict: String) {
        values.withLock { $0.lastVerdict = lastVerdict }
    }
}
