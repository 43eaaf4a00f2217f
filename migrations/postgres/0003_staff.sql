-- (PostgreSQL) Staff accounts, their sessions, registered devices, the audit log and
-- satisfaction ratings. Secrets (session and device tokens) are stored only as
-- SHA-256 hashes; passwords only as argon2id PHC strings.

CREATE TABLE accounts (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
    -- Centre code the account belongs to; NULL = every centre.
    centre        TEXT,
    -- JSON array of counter numbers the account may use; NULL = every counter.
    counters      TEXT,
    active        BIGINT NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts(id),
    created_at  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    ip          TEXT
);

CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE devices (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('kiosk', 'display', 'rating')),
    name        TEXT NOT NULL,
    centre_id   BIGINT NOT NULL REFERENCES centres(id),
    token_hash  TEXT NOT NULL UNIQUE,
    revoked     BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    last_seen   BIGINT,
    revoked_at  BIGINT
);

-- Who did what, when, from where. `details` is JSON without personal data.
CREATE TABLE audit_log (
    id       BIGSERIAL PRIMARY KEY,
    at       BIGINT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    centre   TEXT,
    ip       TEXT,
    details  TEXT NOT NULL DEFAULT '{}'
);

-- One rating per ticket, linked to the counter and staff member who served it.
CREATE TABLE feedback (
    id          BIGSERIAL PRIMARY KEY,
    ticket_id   BIGINT NOT NULL UNIQUE REFERENCES tickets(id),
    centre_id   BIGINT NOT NULL REFERENCES centres(id),
    counter_id  BIGINT REFERENCES counters(id),
    service_id  BIGINT NOT NULL REFERENCES services(id),
    staff       TEXT,
    rating      BIGINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment     TEXT,
    source      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE INDEX feedback_centre ON feedback (centre_id, created_at);
