-- The day (issue #15).
-- A booking not checked in by the end of its slot plus the check-in grace is
-- `missed` (it was `no_show`, a word now kept for tickets called and never
-- come). Tickets gain the status `expired` (no schema change: statuses are text).
-- SQLite cannot change a CHECK constraint: the table is rebuilt (nothing
-- references it), its rows copied with the new word. Numbered after 0026, whose
-- column it keeps, so databases that already ran 0026 migrate too.
CREATE TABLE appointments_new (
    id               INTEGER PRIMARY KEY,
    centre_id        INTEGER NOT NULL REFERENCES centres(id),
    service_id       INTEGER NOT NULL REFERENCES services(id),
    code             TEXT NOT NULL UNIQUE,
    slot_start       INTEGER NOT NULL,
    slot_end         INTEGER NOT NULL,
    service_day      TEXT NOT NULL,
    name             TEXT NOT NULL,
    phone            TEXT NOT NULL,
    -- HMAC-SHA256 of the ID number under the store's pepper, and its last 4 digits.
    id_hash          TEXT,
    id_last4         TEXT,
    consent_version  TEXT NOT NULL,
    consent_text     TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('booked', 'checked_in', 'cancelled', 'missed')),
    ticket_id        INTEGER REFERENCES tickets(id),
    created_at       INTEGER NOT NULL,
    cancelled_at     INTEGER,
    checked_in_at    INTEGER,
    reminded_day_at  INTEGER,
    reminded_hour_at INTEGER,
    anonymised_at    INTEGER,
    -- 0026: the version of the turn-notice consent given with the booking.
    notice_consent_version TEXT
);
INSERT INTO appointments_new (id, centre_id, service_id, code, slot_start, slot_end, service_day,
    name, phone, id_hash, id_last4, consent_version, consent_text, status, ticket_id, created_at,
    cancelled_at, checked_in_at, reminded_day_at, reminded_hour_at, anonymised_at, notice_consent_version)
SELECT id, centre_id, service_id, code, slot_start, slot_end, service_day,
    name, phone, id_hash, id_last4, consent_version, consent_text,
    CASE status WHEN 'no_show' THEN 'missed' ELSE status END, ticket_id, created_at,
    cancelled_at, checked_in_at, reminded_day_at, reminded_hour_at, anonymised_at, notice_consent_version
FROM appointments;
DROP TABLE appointments;
ALTER TABLE appointments_new RENAME TO appointments;
CREATE INDEX appointments_phone ON appointments (phone, service_day);
CREATE INDEX appointments_id_hash ON appointments (id_hash, service_day);
CREATE INDEX appointments_status ON appointments (status, slot_start);
CREATE INDEX appointments_day ON appointments (centre_id, service_day, status);

-- "What to bring" was stored twice (services.note, shown on the kiosk and
-- the portal's service list, and booking_settings.bring_note/_en, shown with
-- bookings); now once, on the service, in both languages. The booking note
-- wins where both were set: it was the one edited with the documents to bring.
ALTER TABLE services ADD COLUMN note_en TEXT NOT NULL DEFAULT '';
UPDATE services SET note = COALESCE((SELECT b.bring_note FROM booking_settings b
    WHERE b.service_id = services.id AND b.bring_note <> ''), note);
UPDATE services SET note_en = COALESCE((SELECT b.bring_note_en FROM booking_settings b
    WHERE b.service_id = services.id), '');
ALTER TABLE booking_settings DROP COLUMN bring_note;
ALTER TABLE booking_settings DROP COLUMN bring_note_en;
