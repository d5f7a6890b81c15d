import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Wakes idle daemons when runs are queued: a connection of its own that `LISTEN`s on
/// ``PostgresVerdictStore/channel``. A lost connection is opened again on the next ``keepListening()``, which the
/// daemon calls on every heartbeat; meanwhile the heartbeat's own wake-up is the fallback.
public final class QueueListener: Sendable {
    private let session: PostgresSession
    private let onQueued: @Sendable (_ folder: String) -> Void
    private let connection = Mutex<PostgresConnection?>(nil)

    /// Listens on `store`'s server, calling `onQueued` with the folder of each run queued.
    public init(store: PostgresVerdictStore, onQueued: @escaping @Sendable (_ folder: String) -> Void) {
        session = store.session
        self.onQueued = onQueued
    }

    deinit {
        connection.withLock { $0.map { try? $0.close().wait() } }
    }

    /// Listens, unless it already does; throws ``StoreError`` when the server cannot be reached.
    public func keepListening() throws {
        try connection.withLock { open in
            if let current = open, !current.isClosed { return }
            open = nil
            let new = try session.openConnection()
            let onQueued = self.onQueued
            new.addListener(channel: PostgresVerdictStore.channel) { _, notification in
                onQueued(notification.payload)
            }
            do {
                _ = try new.query("LISTEN validated_queue", logger: new.logger).wait()
            } catch {
                _ = try? new.close().wait()
                throw PostgresSession.storeError(error, location: session.location)
            }
            open = new
        }
    }
}
