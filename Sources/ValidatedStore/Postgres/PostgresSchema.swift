import PostgresNIO

/// The PostgreSQL store's schema: the SQLite store's tables, plus the run's holder and lease, one heartbeat row per
/// daemon, the order of a run's checks, and the copies of evaluation sets and banned lists each folder was
/// judged with. Never edit a shipped migration: add a new one.
enum PostgresSchema {
    /// Applied in order, each once, under a lock: daemons starting together migrate once.
    static let migrations: [(version: Int, sql: [PostgresQuery])] = [
        (
            1,
            [
                """
                CREATE TABLE model (
                    id BIGSERIAL PRIMARY KEY,
                    folder TEXT NOT NULL,
                    path TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    size BIGINT NOT NULL,
                    first_seen TIMESTAMPTZ NOT NULL,
                    UNIQUE (folder, sha256)
                )
                """,
                """
                CREATE TABLE run (
                    id BIGSERIAL PRIMARY KEY,
                    model_id BIGINT NOT NULL REFERENCES model(id),
                    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
                    queued_at TIMESTAMPTZ NOT NULL,
                    started_at TIMESTAMPTZ,
                    finished_at TIMESTAMPTZ,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    config_fingerprint TEXT,
                    eval_fingerprint TEXT,
                    champion_model_id BIGINT REFERENCES model(id),
                    verdict TEXT CHECK (verdict IN ('pass', 'warn', 'fail', 'error', 'skipped')),
                    summary TEXT,
                    report TEXT,
                    holder TEXT,
                    lease_until TIMESTAMPTZ
                )
                """,
                "CREATE INDEX run_open ON run (id) WHERE state IN ('queued', 'running')",
                "CREATE INDEX run_model ON run (model_id)",
                "CREATE INDEX run_finished ON run (finished_at DESC, id DESC) WHERE state IN ('done', 'failed')",
                """
                CREATE TABLE check_result (
                    run_id BIGINT NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    suite TEXT NOT NULL,
                    verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'warn', 'fail', 'error', 'skipped')),
                    summary TEXT NOT NULL,
                    metrics TEXT NOT NULL,
                    PRIMARY KEY (run_id, suite)
                )
                """,
                """
                CREATE TABLE promotion (
                    id BIGSERIAL PRIMARY KEY,
                    folder TEXT NOT NULL,
                    model_id BIGINT NOT NULL REFERENCES model(id),
                    run_id BIGINT REFERENCES run(id),
                    previous_model_id BIGINT REFERENCES model(id),
                    reason TEXT NOT NULL,
                    promoted_at TIMESTAMPTZ NOT NULL
                )
                """,
                "CREATE INDEX promotion_folder ON promotion (folder, id)",
                """
                CREATE TABLE heartbeat (
                    daemon TEXT PRIMARY KEY,
                    host TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    started_at TIMESTAMPTZ NOT NULL,
                    beat_at TIMESTAMPTZ NOT NULL,
                    status TEXT NOT NULL,
                    folders TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE score_cache (
                    model_id BIGINT NOT NULL REFERENCES model(id),
                    eval_fingerprint TEXT NOT NULL,
                    scores BYTEA NOT NULL,
                    PRIMARY KEY (model_id, eval_fingerprint)
                )
                """,
                """
                CREATE TABLE folder_copy (
                    folder TEXT PRIMARY KEY,
                    fingerprint TEXT NOT NULL,
                    recorded_by TEXT NOT NULL,
                    recorded_at TIMESTAMPTZ NOT NULL
                )
                """,
            ]
        )
    ]

    /// Brings the database to the newest version.
    static func migrate(_ transaction: PostgresTransaction) throws {
        // One key for every validated store: a second daemon waits here until the first has migrated.
        try transaction.execute("SELECT pg_advisory_xact_lock(5170003001)")
        try transaction.execute(
            """
            CREATE TABLE IF NOT EXISTS validated_schema (
                version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """
        )
        let applied = Set(
            try transaction.rows("SELECT version FROM validated_schema").map { try $0.value("version", as: Int.self) }
        )
        for migration in migrations where !applied.contains(migration.version) {
            for statement in migration.sql { try transaction.execute(statement) }
            try transaction.execute("INSERT INTO validated_schema (version) VALUES (\(migration.version))")
        }
    }
}
