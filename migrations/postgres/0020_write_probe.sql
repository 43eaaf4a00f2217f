-- The health check's write probe (PostgreSQL; see migrations/sqlite/0020):
-- `/healthz` commits one row here when no write committed for a few seconds.

CREATE TABLE write_probe (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    at BIGINT NOT NULL
);
