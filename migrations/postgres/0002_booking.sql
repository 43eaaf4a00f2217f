-- Online booking (PostgreSQL, BIGINT throughout): per-service booking settings, centre holidays and booking
-- rules, appointments, and the per-slot counters that keep a slot from being
-- overbooked. Personal data lives only in `appointments` and is anonymised after
-- the centre's retention period; ID numbers are never stored in full.

CREATE TABLE booking_settings (
    service_id    BIGINT PRIMARY KEY REFERENCES services(id),
    enabled       BIGINT NOT NULL DEFAULT 1,
    slot_minutes  BIGINT NOT NULL,
    capacity      BIGINT NOT NULL,
    horizon_days  BIGINT NOT NULL,
    lead_minutes  BIGINT NOT NULL,
    bring_note    TEXT NOT NULL DEFAULT '',
    bring_note_en TEXT NOT NULL DEFAULT ''
);

-- Per-centre booking rules; a centre without a row uses the defaults.
CREATE TABLE booking_rules (
    centre_id           BIGINT PRIMARY KEY REFERENCES centres(id),
    per_day             BIGINT NOT NULL,
    per_service_per_day BIGINT NOT NULL,
    checkin_before_min  BIGINT NOT NULL,
    checkin_after_min   BIGINT NOT NULL,
    retention_days      BIGINT NOT NULL
);

-- Days without booking (Tết, national holidays), local dates YYYY-MM-DD.
CREATE TABLE holidays (
    centre_id  BIGINT NOT NULL REFERENCES centres(id),
    day        TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (centre_id, day)
);

-- Places taken per slot; incremented only while below capacity (one
-- conditional upsert), so no interleaving of writers can overbook.
CREATE TABLE slot_counts (
    service_id  BIGINT NOT NULL REFERENCES services(id),
    slot_start  BIGINT NOT NULL,
    booked      BIGINT NOT NULL,
    PRIMARY KEY (service_id, slot_start)
);

CREATE TABLE appointments (
    id               BIGSERIAL PRIMARY KEY,
    centre_id        BIGINT NOT NULL REFERENCES centres(id),
    service_id       BIGINT NOT NULL REFERENCES services(id),
    code             TEXT NOT NULL UNIQUE,
    slot_start       BIGINT NOT NULL,
    slot_end         BIGINT NOT NULL,
    service_day      TEXT NOT NULL,
    name             TEXT NOT NULL,
    phone            TEXT NOT NULL,
    -- HMAC-SHA256 of the ID number under the store's pepper, and its last 4 digits.
    id_hash          TEXT,
    id_last4         TEXT,
    consent_version  TEXT NOT NULL,
    consent_text     TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('booked', 'checked_in', 'cancelled', 'no_show')),
    ticket_id        BIGINT REFERENCES tickets(id),
    created_at       BIGINT NOT NULL,
    cancelled_at     BIGINT,
    checked_in_at    BIGINT,
    reminded_day_at  BIGINT,
    reminded_hour_at BIGINT,
    anonymised_at    BIGINT
);

CREATE INDEX appointments_phone ON appointments (phone, service_day);
CREATE INDEX appointments_id_hash ON appointments (id_hash, service_day);
CREATE INDEX appointments_status ON appointments (status, slot_start);

-- The pepper for ID-number hashes, generated once per database.
CREATE TABLE booking_secret (
    pepper  TEXT NOT NULL
);
INSERT INTO booking_secret (pepper) VALUES (replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''));
