-- The queue (PostgreSQL): the same tables as migrations/sqlite, in BIGINT throughout
-- because both backends are read through one driver. Timestamps are BIGINT
-- microseconds since the Unix epoch (UTC); service days TEXT YYYY-MM-DD local.

CREATE TABLE centres (
    id          BIGSERIAL PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    -- The whole domain::Centre as JSON: names, timezone, hours, priority classes,
    -- announcement phrase. Edited as a unit by the administrator.
    config      TEXT NOT NULL,
    notice      TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);

CREATE TABLE services (
    id                   BIGSERIAL PRIMARY KEY,
    centre_id            BIGINT NOT NULL REFERENCES centres(id),
    code                 TEXT NOT NULL,
    prefix               TEXT NOT NULL,
    name                 TEXT NOT NULL,
    name_en              TEXT NOT NULL,
    start_number         BIGINT NOT NULL,
    daily_cap            BIGINT,
    mean_service_minutes BIGINT NOT NULL,
    hours                TEXT,            -- JSON domain::OpeningHours, NULL = centre's
    examples             TEXT NOT NULL DEFAULT '[]',
    active               BIGINT NOT NULL DEFAULT 1,
    sort                 BIGINT NOT NULL DEFAULT 0,
    UNIQUE (centre_id, code),
    UNIQUE (centre_id, prefix)
);

CREATE TABLE counters (
    id                BIGSERIAL PRIMARY KEY,
    centre_id         BIGINT NOT NULL REFERENCES centres(id),
    number            BIGINT NOT NULL,
    name              TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('open', 'paused', 'closed')),
    staff             TEXT,
    current_ticket_id BIGINT,
    UNIQUE (centre_id, number)
);

-- The services a counter serves, in its order of preference.
CREATE TABLE counter_services (
    counter_id  BIGINT NOT NULL REFERENCES counters(id),
    service_id  BIGINT NOT NULL REFERENCES services(id),
    rank        BIGINT NOT NULL,
    PRIMARY KEY (counter_id, service_id)
);

-- The last sequence number issued per service and service day.
CREATE TABLE daily_sequences (
    service_id   BIGINT NOT NULL REFERENCES services(id),
    service_day  TEXT NOT NULL,
    last_seq     BIGINT NOT NULL,
    PRIMARY KEY (service_id, service_day)
);

CREATE TABLE tickets (
    id                BIGSERIAL PRIMARY KEY,
    centre_id         BIGINT NOT NULL REFERENCES centres(id),
    -- The service whose sequence gave the number; a transfer changes service_id only.
    numbered_service_id BIGINT NOT NULL REFERENCES services(id),
    service_id        BIGINT NOT NULL REFERENCES services(id),
    service_day       TEXT NOT NULL,
    number            TEXT NOT NULL,
    token             TEXT NOT NULL UNIQUE,
    channel           TEXT NOT NULL,
    priority          TEXT,
    priority_by       TEXT,
    status            TEXT NOT NULL,
    counter_id        BIGINT REFERENCES counters(id),
    target_counter_id BIGINT REFERENCES counters(id),
    slot_start        BIGINT,
    issued_by         TEXT,
    staff             TEXT,
    recalls           BIGINT NOT NULL DEFAULT 0,
    transfer_note     TEXT,
    issued_at         BIGINT NOT NULL,
    -- Place in time: the issue time, or the slot start for an appointment; kept by transfers.
    queued_at         BIGINT NOT NULL,
    called_at         BIGINT,
    recalled_at       BIGINT,
    started_at        BIGINT,
    finished_at       BIGINT,
    UNIQUE (centre_id, service_day, number)
);

CREATE INDEX tickets_waiting ON tickets (service_id, status, queued_at);
CREATE INDEX tickets_day ON tickets (centre_id, service_day);

CREATE TABLE idempotency_keys (
    centre_id   BIGINT NOT NULL REFERENCES centres(id),
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (centre_id, key)
);

-- Every state change, in commit order; the source of the live streams.
CREATE TABLE events (
    id          BIGSERIAL PRIMARY KEY,
    centre_id   BIGINT NOT NULL REFERENCES centres(id),
    kind        TEXT NOT NULL,
    ticket_id   BIGINT,
    counter_id  BIGINT,
    actor       TEXT,
    at          BIGINT NOT NULL,
    payload     TEXT NOT NULL
);

CREATE INDEX events_centre ON events (centre_id, id);
