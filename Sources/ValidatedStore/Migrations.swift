import GRDB

/// The store's schema, as an ordered list of migrations. Never edit a shipped migration: add a new one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE model (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        folder TEXT NOT NULL,
                        path TEXT NOT NULL,
                        sha256 TEXT NOT NULL,
                        size INTEGER NOT NULL,
                        first_seen DATETIME NOT NULL,
                        UNIQUE (folder, sha256)
                    );
                    CREATE TABLE run (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        model_id INTEGER NOT NULL REFERENCES model(id),
                        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
                        queued_at DATETIME NOT NULL,
                        started_at DATETIME,
                        finished_at DATETIME,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        config_fingerprint TEXT,
                        eval_fingerprint TEXT,
                        seed INTEGER NOT NULL DEFAULT 0,
                        champion_model_id INTEGER REFERENCES model(id),
                        verdict TEXT CHECK (verdict IN ('pass', 'warn', 'fail', 'error')),
                        summary TEXT,
                        report TEXT
                    );
                    CREATE INDEX run_state ON run(state, id);
                    CREATE INDEX run_model ON run(model_id);
                    CREATE TABLE check_result (
                        run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                        suite TEXT NOT NULL,
                        verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'warn', 'fail', 'error')),
                        summary TEXT NOT NULL,
                        metrics TEXT NOT NULL,
                        PRIMARY KEY (run_id, suite)
                    );
                    CREATE TABLE promotion (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        folder TEXT NOT NULL,
                        model_id INTEGER NOT NULL REFERENCES model(id),
                        run_id INTEGER REFERENCES run(id),
                        previous_model_id INTEGER REFERENCES model(id),
                        reason TEXT NOT NULL,
                        promoted_at DATETIME NOT NULL
                    );
                    CREATE INDEX promotion_folder ON promotion(folder, id);
                    CREATE TABLE heartbeat (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        pid INTEGER NOT NULL,
                        started_at DATETIME NOT NULL,
                        beat_at DATETIME NOT NULL,
                        status TEXT NOT NULL,
                        folders TEXT NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v2 score cache") { db in
            try db.execute(
                sql: """
                    CREATE TABLE score_cache (
                        model_id INTEGER NOT NULL REFERENCES model(id),
                        eval_fingerprint TEXT NOT NULL,
                        scores BLOB NOT NULL,
                        PRIMARY KEY (model_id, eval_fingerprint)
                    );
                    """
            )
        }
        migrator.registerMigration("v3 skipped checks") { db in
            // A suite that measured nothing is stored as `skipped`; SQLite cannot change a CHECK, so the table is
            // rebuilt with its rows.
            try db.execute(
                sql: """
                    CREATE TABLE check_result_new (
                        run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                        suite TEXT NOT NULL,
                        verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'warn', 'fail', 'error', 'skipped')),
                        summary TEXT NOT NULL,
                        metrics TEXT NOT NULL,
                        PRIMARY KEY (run_id, suite)
                    );
                    INSERT INTO check_result_new (run_id, suite, verdict, summary, metrics)
                        SELECT run_id, suite, verdict, summary, metrics FROM check_result;
                    DROP TABLE check_result;
                    ALTER TABLE check_result_new RENAME TO check_result;
                    """
            )
        }
        migrator.registerMigration("v4 heartbeat host") { db in
            try db.execute(sql: "ALTER TABLE heartbeat ADD COLUMN host TEXT NOT NULL DEFAULT ''")
        }
        return migrator
    }
}
