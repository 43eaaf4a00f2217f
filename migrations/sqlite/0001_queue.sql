-- The queue: centres, their services and counters, tickets, and the event log.
-- Timestamps are INTEGER microseconds since the Unix epoch (UTC); service days are
-- TEXT 'YYYY-MM-DD' in the centre's timezone.

CREATE TABLE centres (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    -- The whole domain::Centre as JSON: names, timezone, hours, priority classes,
    -- announcement phrase. Edited as a unit by the administrator.
    config      TEXT NOT NULL,
    notice      TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

CREATE TABLE services (
    id                   INTEGER PRIMARY KEY,
    centre_id            INTEGER NOT NULL REFERENCES centres(id),
    code                 TEXT NOT NULL,
    prefix               TEXT NOT NULL,
    name                 TEXT NOT NULL,
    name_en              TEXT NOT NULL,
    start_number         INTEGER NOT NULL,
    daily_cap            INTEGER,
    mean_service_minutes INTEGER NOT NULL,
    hours                TEXT,            -- JSON domain::OpeningHours, NULL = centre's
    examples             TEXT NOT NULL DEFAULT '[]',
    active               BIGINT NOT NULL DEFAULT 1,
    sort                 INTEGER NOT NULL DEFAULT 0,
    UNIQUE (centre_id, code),
    UNIQUE (centre_id, prefix)
);

CREATE TABLE counters (
    id                INTEGER PRIMARY KEY,
    centre_id         INTEGER NOT NULL REFERENCES centres(id),
    number            INTEGER NOT NULL,
    name              TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('open', 'paused', 'closed')),
    staff             TEXT,
    current_ticket_id INTEGER,
    UNIQUE (centre_id, number)
);

-- The services a counter serves, in its order of preference.
CREATE TABLE counter_services (
    counter_id  INTEGER NOT NULL REFERENCES counters(id),
    service_id  INTEGER NOT NULL REFERENCES services(id),
    rank        INTEGER NOT NULL,
    PRIMARY KEY (counter_id, service_id)
);

-- The last sequence number issued per service and service day.
CREATE TABLE daily_sequences (
    service_id   INTEGER NOT NULL REFERENCES services(id),
    service_day  TEXT NOT NULL,
    last_seq     INTEGER NOT NULL,
    PRIMARY KEY (service_id, service_day)
);

CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY,
    centre_id         INTEGER NOT NULL REFERENCES centres(id),
    -- The service whose sequence gave the number; a transfer changes service_id only.
    numbered_service_id INTEGER NOT NULL REFERENCES services(id),
    service_id        INTEGER NOT NULL REFERENCES services(id),
    service_day       TEXT NOT NULL,
    number            TEXT NOT NULL,
    token             TEXT NOT NULL UNIQUE,
    channel           TEXT NOT NULL,
    priority          TEXT,
    priority_by       TEXT,
    status            TEXT NOT NULL,
    counter_id        INTEGER REFERENCES counters(id),
    target_counter_id INTEGER REFERENCES counters(id),
    slot_start        INTEGER,
    issued_by         TEXT,
    staff             TEXT,
    recalls           INTEGER NOT NULL DEFAULT 0,
    transfer_note     TEXT,
    issued_at         INTEGER NOT NULL,
    -- Place in time: the issue time, or the slot start for an appointment; kept by transfers.
    queued_at         INTEGER NOT NULL,
    called_at         INTEGER,
    recalled_at       INTEGER,
    started_at        INTEGER,
    finished_at       INTEGER,
    UNIQUE (centre_id, service_day, number)
);

CREATE INDEX tickets_waiting ON tickets (service_id, status, queued_at);
CREATE INDEX tickets_day ON tickets (centre_id, service_day);

CREATE TABLE idempotency_keys (
    centre_id   INTEGER NOT NULL REFERENCES centres(id),
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (centre_id, key)
);

-- Every state change, in commit order; the source of the live streams.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    centre_id   INTEGER NOT NULL REFERENCES centres(id),
    kind        TEXT NOT NULL,
    ticket_id   INTEGER,
    counter_id  INTEGER,
    actor       TEXT,
    at          INTEGER NOT NULL,
    payload     TEXT NOT NULL
);

CREATE INDEX events_centre ON events (centre_id, id);
