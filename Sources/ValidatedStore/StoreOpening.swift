import Foundation
import Logging
import ValidatedCore

/// Opens the store a `Database=` value names, for the daemon or for `validatectl`.
public enum StoreOpening {
    /// The password for a PostgreSQL store: the file `passwordFile` names, else the systemd credential
    /// `database-password` (`$CREDENTIALS_DIRECTORY/database-password`), else `PGPASSWORD`; `nil` when none is set.
    ///
    /// - Throws: ``StoreError`` naming the file that cannot be read.
    public static func password(file passwordFile: String?) throws(StoreError) -> String? {
        let environment = ProcessInfo.processInfo.environment
        let credential = environment["CREDENTIALS_DIRECTORY"].map { $0 + "/database-password" }
        let file = passwordFile ?? credential.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        guard let file else { return environment["PGPASSWORD"] }
        do {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            return String(text.prefix { $0 != "\n" && $0 != "\r" })
        } catch {
            throw StoreError(
                description: "\(file): cannot read the database password (\(error.localizedDescription)); check that "
                    + "the file exists and that the daemon's user may read it"
            )
        }
    }

    /// The holder name of this process in a shared store: `host:pid:start`.
    public static func holderName(startedAt: Date) -> String {
        "\(ThisHost.name):\(getpid()):\(Int64(startedAt.timeIntervalSince1970))"
    }
}
