import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization
import ValidatedCore

/// One connection to the PostgreSQL server, opened on first use and opened again after it broke (a restarted
/// server, a cut network): the store's methods block their caller for a round trip, as the SQLite store blocks
/// on its file, and a method that finds the server away throws ``StoreError`` for its caller to retry.
///
/// Transactions run one at a time on the connection; the daemon's writers are few (intake, worker, heartbeat).
final class PostgresSession: Sendable {
    let location: PostgresLocation
    private let password: String?
    private let logger: Logger
    private let connection = Mutex<PostgresConnection?>(nil)
    private let connections = Atomic<Int>(0)

    init(location: PostgresLocation, password: String?, logger: Logger) {
        self.location = location
        self.password = password
        self.logger = logger
    }

    deinit {
        connection.withLock { $0.map { try? $0.close().wait() } }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        try connection.withLock { open in
            let connection = try connected(&open)
            let transaction = PostgresTransaction(connection: connection, logger: logger, location: location)
            do {
                try transaction.execute("BEGIN")
                let result = try body(transaction)
                try transaction.execute("COMMIT")
                return result
            } catch {
                if connection.isClosed {
                    open = nil
                } else {
                    _ = try? transaction.execute("ROLLBACK")
                }
                throw Self.storeError(error, location: location)
            }
        }
    }

    /// A new connection of its own, for listening: its notifications must not wait behind transactions.
    func openConnection() throws -> PostgresConnection {
        let configuration = try connectionConfiguration()
        do {
            return try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(),
                configuration: configuration,
                id: connections.add(1, ordering: .relaxed).newValue,
                logger: logger
            ).wait()
        } catch {
            throw Self.storeError(error, location: location)
        }
    }

    private func connected(_ open: inout PostgresConnection?) throws -> PostgresConnection {
        if let connection = open, !connection.isClosed { return connection }
        if let stale = open { _ = try? stale.close().wait() }
        open = nil
        let connection = try openConnection()
        open = connection
        return connection
    }

    private func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: location.host,
            port: location.port,
            username: location.user,
            password: password,
            database: location.database,
            tls: try Self.tls(location.tls)
        )
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = [("application_name", "validated")]
        return configuration
    }

    private static func tls(_ mode: PostgresLocation.TLSMode) throws -> PostgresConnection.Configuration.TLS {
        var settings = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable: return .disable
        case .prefer, .require: settings.certificateVerification = .none
        case .verifyCA: settings.certificateVerification = .noHostnameVerification
        case .verifyFull: settings.certificateVerification = .fullVerification
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: settings)
        } catch {
            throw StoreError(description: "cannot set up TLS for PostgreSQL (\(error)); check the system's CA bundle")
        }
        return mode == .prefer ? .prefer(context) : .require(context)
    }

    /// `error` as a ``StoreError`` naming the server and the reason, never the password or the query's values.
    static func storeError(_ error: any Error, location: PostgresLocation) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? PSQLError else {
            return StoreError(description: "\(location): \(error)")
        }
        if let message = error.serverInfo?[.message] {
            let hint = error.serverInfo?[.hint].map { "; \($0)" } ?? ""
            let code = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return StoreError(description: "\(location): the server says: \(message)\(code)\(hint)")
        }
        let reason = error.underlying.map { "\($0)" } ?? "\(error.code)"
        return StoreError(
            description: "\(location): cannot reach the PostgreSQL server (\(reason)); check that it runs and "
                + "that this host may connect"
        )
    }
}

/// The statements of one transaction, run on its connection in order.
struct PostgresTransaction {
    let connection: PostgresConnection
    let logger: Logger
    let location: PostgresLocation

    /// The rows `query` returns.
    func rows(_ query: PostgresQuery) throws -> [PostgresRandomAccessRow] {
        try connection.query(query, logger: logger).wait().map { $0.makeRandomAccess() }
    }

    /// The first row `query` returns, if any.
    func row(_ query: PostgresQuery) throws -> PostgresRandomAccessRow? {
        try rows(query).first
    }

    /// Runs `query`; returns how many rows it changed.
    @discardableResult
    func execute(_ query: PostgresQuery) throws -> Int {
        try connection.query(query, logger: logger).wait().metadata.rows ?? 0
    }
}

extension PostgresRandomAccessRow {
    /// The column `name` as `T`; a column of another type is a ``StoreError``.
    func value<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        do {
            return try self[name].decode(T.self)
        } catch {
            throw StoreError(description: "the store's column \(name) is not a \(T.self); was it changed by hand?")
        }
    }
}
