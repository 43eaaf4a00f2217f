-- The health check's write probe: when no write committed for a few seconds,
-- `/healthz` commits one row here (an upsert of a single row), so it answers
-- 503 when the database can no longer commit, not only when it cannot be read.

CREATE TABLE write_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at BIGINT NOT NULL
);
