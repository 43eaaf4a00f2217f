-- Kiosk print jobs and kiosk health (PostgreSQL; see migrations/sqlite/0008).
-- A ticket issued from a kiosk and its print job commit together.

CREATE TABLE print_jobs (
    id          BIGSERIAL PRIMARY KEY,
    device_id   BIGINT NOT NULL,
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id),
    created_at  BIGINT NOT NULL,
    acked_at    BIGINT,
    attempts    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT
);

CREATE INDEX print_jobs_pending ON print_jobs (device_id, acked_at, id);

CREATE TABLE kiosk_health (
    device_id     BIGINT PRIMARY KEY,
    connected     BIGINT NOT NULL DEFAULT 0,
    printer       TEXT NOT NULL DEFAULT 'unknown',
    paper         TEXT,
    version       TEXT,
    last_seen     BIGINT NOT NULL,
    last_job_id   BIGINT,
    last_error    TEXT
);
