import Foundation

/// What `Database=` and `validatectl --database` may name: the path of an SQLite file. A URL (such as
/// `postgresql://user@host/db`) is refused with the reason, instead of being taken as a relative path and a file
/// named after it created beside the configuration.
public enum StorePath {
    /// Why `value` cannot name the store, or `nil` when it can. The value itself is not repeated: a URL may carry
    /// a password.
    public static func problem(_ value: String) -> String? {
        guard let separator = value.range(of: "://") else { return nil }
        let scheme = value[..<separator.lowerBound]
        guard let first = scheme.first, first.isLetter,
            scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+.-".contains($0) })
        else { return nil }
        return "a \(scheme.lowercased()):// URL is not a store this version can use; it keeps verdicts in SQLite: "
            + "write the path of its file, such as /var/lib/validated/validated.sqlite"
    }
}
