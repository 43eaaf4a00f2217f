-- The rest of issue 17: booking webhooks, webhooks allowed to receive personal
-- data, and "your turn is near" notices (phone, consent, outbox).

-- The appointment a booking event is about: the `booking.created` and
-- `booking.cancelled` webhooks read it (the public stream carries nothing of a
-- booking; its payload stays `{"type":"booking_changed"}`).
ALTER TABLE events ADD COLUMN appointment_id INTEGER;
-- Set by an administrator: this hook may receive personal data (a booking's
-- name, phone and code). Off by default.
ALTER TABLE webhooks ADD COLUMN personal_data BIGINT NOT NULL DEFAULT 0;
-- The booking holder's separate consent to a turn notice (its version); the
-- booking's phone is copied to `notice_phones` at check-in.
ALTER TABLE appointments ADD COLUMN notice_consent_version TEXT;

-- How a centre's turn notices leave: `webhook` (signed JSON POST), `sms_http`
-- (an HTTP SMS gateway) or `zalo_zns` (Zalo template messages); `config` is
-- the JSON of its settings, with the people ahead at which "your turn is near"
-- goes out (default 3, per service if set). No Zalo token: that is read from a
-- file by the server.
CREATE TABLE notifiers (
    centre_id  INTEGER PRIMARY KEY REFERENCES centres(id),
    kind       TEXT NOT NULL CHECK (kind IN ('webhook', 'sms_http', 'zalo_zns')),
    config     TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT
);

-- Personal data: the phone a citizen left for turn notices on one ticket, with
-- its own consent (Law 91/2025/QH15). Deleted when the ticket ends (trigger).
CREATE TABLE notice_phones (
    ticket_id       INTEGER PRIMARY KEY REFERENCES tickets(id),
    centre_id       INTEGER NOT NULL REFERENCES centres(id),
    phone           TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('status_page', 'kiosk', 'booking')),
    consent_version TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX notice_phones_centre ON notice_phones (centre_id);

-- The outbox of turn notices: one row per ticket and threshold (`near`: N
-- ahead; `called`), so each is sent once. No phone here: it is read from
-- `notice_phones` when sending. Rows stay (without personal data) for reports.
CREATE TABLE turn_notices (
    id              INTEGER PRIMARY KEY,
    centre_id       INTEGER NOT NULL REFERENCES centres(id),
    ticket_id       INTEGER NOT NULL REFERENCES tickets(id),
    threshold       TEXT NOT NULL CHECK (threshold IN ('near', 'called')),
    -- People ahead when `near` was reached; the counter for `called`.
    ahead           INTEGER,
    counter_number  INTEGER,
    -- Sent as X-Luot-Delivery / tracking id: the same on every retry.
    delivery        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'dropped')),
    -- The notifier kind of the last attempt.
    channel         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    -- Also the lease: an attempt in flight pushes it ahead, so one process sends.
    next_attempt_at INTEGER NOT NULL,
    last_attempt_at INTEGER,
    sent_at         INTEGER,
    response_status INTEGER,
    last_error      TEXT,
    CONSTRAINT turn_notices_once UNIQUE (ticket_id, threshold),
    CONSTRAINT turn_notices_delivery UNIQUE (delivery)
);
CREATE INDEX turn_notices_pending ON turn_notices (next_attempt_at) WHERE status = 'pending';
CREATE INDEX turn_notices_centre_time ON turn_notices (centre_id, created_at);

-- The phone serves this ticket only: when it ends (done, no-show, cancelled,
-- or any later final state), the phone is deleted in the same transaction and
-- unsent notices are dropped.
CREATE TRIGGER tickets_end_notice AFTER UPDATE OF status ON tickets
    WHEN NEW.status NOT IN ('waiting', 'transferred', 'called', 'serving')
BEGIN
    DELETE FROM notice_phones WHERE ticket_id = NEW.id;
    UPDATE turn_notices SET status = 'dropped', last_error = 'ticket ended'
        WHERE ticket_id = NEW.id AND status = 'pending';
END;
