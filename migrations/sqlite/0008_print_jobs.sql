-- Kiosk print jobs and kiosk health. A ticket issued from a kiosk and its print
-- job commit together; the kiosk client acknowledges each job once printed.

CREATE TABLE print_jobs (
    id          INTEGER PRIMARY KEY,
    device_id   INTEGER NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    created_at  INTEGER NOT NULL,
    acked_at    INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);

CREATE INDEX print_jobs_pending ON print_jobs (device_id, acked_at, id);

CREATE TABLE kiosk_health (
    device_id     INTEGER PRIMARY KEY,
    connected     INTEGER NOT NULL DEFAULT 0,
    printer       TEXT NOT NULL DEFAULT 'unknown',
    paper         TEXT,
    version       TEXT,
    last_seen     INTEGER NOT NULL,
    last_job_id   INTEGER,
    last_error    TEXT
);
