import Foundation

/// Where verdicts are kept, as `Database=` and `validatectl --database` name it: the path of an SQLite file, or a
/// PostgreSQL connection URL shared by several daemons.
public enum StoreLocation: Sendable, Equatable {
    /// An SQLite file, the embedded default.
    case sqlite(path: String)
    /// A PostgreSQL server.
    case postgres(PostgresLocation)

    /// Reads `value`: a `postgresql://` (or `postgres://`) URL, or a path. Any other URL is refused rather than
    /// taken as a relative path, and so is a URL that carries a password.
    ///
    /// - Throws: ``StoreLocationError`` with the reason; it never repeats the value, which may hold a secret.
    public static func parse(_ value: String) throws(StoreLocationError) -> StoreLocation {
        guard let separator = value.range(of: "://") else { return .sqlite(path: value) }
        let scheme = value[..<separator.lowerBound].lowercased()
        guard let first = scheme.first, first.isLetter,
            scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+.-".contains($0) })
        else { return .sqlite(path: value) }
        guard scheme == "postgresql" || scheme == "postgres" else {
            throw StoreLocationError(
                reason: "a \(scheme):// URL is not a store validated can use: write the path of an SQLite file, "
                    + "such as /var/lib/validated/validated.sqlite, or a postgresql:// URL"
            )
        }
        return .postgres(try PostgresLocation(parsing: String(value[separator.upperBound...])))
    }
}

/// A PostgreSQL server and database, from a `postgresql://user@host:port/database?sslmode=…` URL.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// How the connection uses TLS, as libpq's `sslmode` names it.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, without checking its certificate.
        case prefer
        /// TLS, without checking the certificate.
        case require
        /// TLS, checking the certificate's chain but not the host name.
        case verifyCA = "verify-ca"
        /// TLS, checking the chain and the host name.
        case verifyFull = "verify-full"
    }

    /// The server's host name or address.
    public var host: String
    /// Its TCP port (5432 by default).
    public var port: Int
    /// The role to log in as.
    public var user: String
    /// The database (the user's name by default, as with libpq).
    public var database: String
    /// TLS (`prefer` by default, as with libpq).
    public var tls: TLSMode

    /// The URL without a password, for messages and `validatectl config check`.
    public var description: String {
        "postgresql://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    init(parsing rest: String) throws(StoreLocationError) {
        let (authority, path, query) = Self.split(rest)
        guard let at = authority.lastIndex(of: "@") else {
            throw StoreLocationError(reason: "the PostgreSQL URL names no user: write postgresql://USER@HOST/DATABASE")
        }
        let userInfo = authority[..<at]
        guard !userInfo.contains(":") else {
            throw StoreLocationError(
                reason: "the PostgreSQL URL carries a password; a configuration file is no place for it: put it in "
                    + "the file DatabasePasswordFile= names (or the credential database-password, or PGPASSWORD)"
            )
        }
        user = Self.decoded(userInfo)
        (host, port) = try Self.hostAndPort(authority[authority.index(after: at)...])
        database = path.isEmpty ? user : Self.decoded(path)
        tls = .prefer
        for item in query.split(separator: "&") where !item.isEmpty {
            try apply(item)
        }
        guard !user.isEmpty else {
            throw StoreLocationError(reason: "the PostgreSQL URL names no user: write postgresql://USER@HOST/DATABASE")
        }
    }

    private mutating func apply(_ item: Substring) throws(StoreLocationError) {
        let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
        let value = parts.count > 1 ? Self.decoded(Substring(parts[1])) : ""
        switch parts[0] {
        case "sslmode":
            guard let mode = TLSMode(rawValue: value == "allow" ? "prefer" : value) else {
                throw StoreLocationError(
                    reason: "sslmode=\(value) is not a TLS mode: use one of "
                        + TLSMode.allCases.map(\.rawValue).joined(separator: ", ")
                )
            }
            tls = mode
        case "password":
            throw StoreLocationError(
                reason: "the PostgreSQL URL carries a password; put it in the file DatabasePasswordFile= names instead"
            )
        default:
            throw StoreLocationError(
                reason: "the PostgreSQL URL has the parameter \(parts[0]), which validated does not use; only "
                    + "sslmode is read"
            )
        }
    }

    private static func split(_ rest: String) -> (authority: Substring, path: Substring, query: Substring) {
        let queryStart = rest.firstIndex(of: "?") ?? rest.endIndex
        let beforeQuery = rest[..<queryStart]
        let query = queryStart < rest.endIndex ? rest[rest.index(after: queryStart)...] : ""
        guard let slash = beforeQuery.firstIndex(of: "/") else { return (beforeQuery, "", query) }
        return (beforeQuery[..<slash], beforeQuery[beforeQuery.index(after: slash)...], query)
    }

    private static func hostAndPort(_ text: Substring) throws(StoreLocationError) -> (String, Int) {
        var host = text
        var portText: Substring = ""
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            portText = after.hasPrefix(":") ? after.dropFirst() : after
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else {
            throw StoreLocationError(reason: "the PostgreSQL URL names no host: write postgresql://USER@HOST/DATABASE")
        }
        guard !portText.isEmpty else { return (String(host), 5432) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw StoreLocationError(
                reason: "the PostgreSQL URL's port \"\(portText)\" is not a number from 1 to 65535"
            )
        }
        return (String(host), port)
    }

    private static func decoded(_ text: Substring) -> String {
        String(text).removingPercentEscapes()
    }
}

/// Why a `Database=` value cannot name a store.
public struct StoreLocationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason and what to write instead.
    public var reason: String
    /// The reason.
    public var description: String { reason }
}

extension String {
    /// The string with `%XX` escapes decoded as UTF-8; an invalid escape is kept as written.
    fileprivate func removingPercentEscapes() -> String {
        var bytes: [UInt8] = []
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), let end = utf8.index(index, offsetBy: 3, limitedBy: utf8.endIndex),
                let value = UInt8(String(decoding: utf8[utf8.index(after: index)..<end], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index = end
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
