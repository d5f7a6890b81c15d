import Testing
import ValidatedCore

struct StoreLocationTests {
    @Test func aPathIsAnSQLiteStoreAndAPostgreSQLURLAServer() throws {
        #expect(try StoreLocation.parse("state/validated.sqlite") == .sqlite(path: "state/validated.sqlite"))
        #expect(try StoreLocation.parse("/var/lib/a://b") == .sqlite(path: "/var/lib/a://b"))
        guard
            case .postgres(let full) = try StoreLocation.parse(
                "postgresql://ops%40team@db.example:6543/verdicts?sslmode=verify-full"
            )
        else {
            Issue.record("a postgresql:// URL was not read as a server")
            return
        }
        #expect(full.user == "ops@team" && full.host == "db.example" && full.port == 6543)
        #expect(full.database == "verdicts" && full.tls == .verifyFull)
        guard case .postgres(let short) = try StoreLocation.parse("postgres://ops@[::1]") else {
            Issue.record("a postgres:// URL was not read as a server")
            return
        }
        #expect(short.host == "::1" && short.port == 5432 && short.database == "ops" && short.tls == .prefer)
        #expect(short.description == "postgresql://ops@[::1]:5432/ops?sslmode=prefer")
    }

    @Test(arguments: [
        ("postgresql://ops:s3cret@db/v", "carries a password"),
        ("postgresql://ops@db/v?password=s3cret", "carries a password"),
        ("postgresql://db/v", "names no user"),
        ("postgresql://ops@/v", "names no host"),
        ("postgresql://ops@db:99999/v", "is not a number from 1 to 65535"),
        ("postgresql://ops@db/v?sslmode=maybe", "is not a TLS mode"),
        ("postgresql://ops@db/v?connect_timeout=3", "which validated does not use"),
        ("mysql://ops@db/v", "not a store validated can use"),
    ])
    func aURLTheStoreCannotUseIsRefusedWithoutRepeatingASecret(value: String, reason: String) {
        let error = #expect(throws: StoreLocationError.self) { try StoreLocation.parse(value) }
        #expect(error?.reason.contains(reason) == true, "\(error?.reason ?? "no error")")
        #expect(error?.reason.contains("s3cret") == false)
    }
}
