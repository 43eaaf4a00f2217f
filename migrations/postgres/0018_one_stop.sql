-- Part of the province's one-stop system (issue 17; PostgreSQL, BIGINT throughout as in 0001): dossier codes attached to
-- tickets, per-service targets, and outbound webhooks whose outbox is the event
-- log itself (every event row commits with its state change; a hook's cursor
-- says how far it has been handed on, a delivery row holds what was sent).

ALTER TABLE services ADD COLUMN target_wait_minutes BIGINT;
ALTER TABLE services ADD COLUMN target_service_minutes BIGINT;

CREATE TABLE dossiers (
    id          BIGSERIAL PRIMARY KEY,
    centre_id   BIGINT NOT NULL REFERENCES centres(id),
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id),
    code        TEXT NOT NULL,
    counter_id  BIGINT REFERENCES counters(id),
    staff       TEXT,
    attached_at BIGINT NOT NULL,
    CONSTRAINT dossiers_ticket_code UNIQUE (ticket_id, code)
);
CREATE INDEX dossiers_centre_time ON dossiers (centre_id, attached_at);

CREATE TABLE webhooks (
    id            BIGSERIAL PRIMARY KEY,
    centre_id     BIGINT NOT NULL REFERENCES centres(id),
    url           TEXT NOT NULL,
    -- JSON array of event names (`ticket.called`, ...).
    events        TEXT NOT NULL,
    -- HMAC-SHA256 key for X-Luot-Signature; the receiver holds the same.
    secret        TEXT NOT NULL,
    active        BIGINT NOT NULL DEFAULT 1,
    -- The last event id handed on (delivered, given up, or not subscribed).
    last_event_id BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    created_by    TEXT
);
CREATE INDEX webhooks_centre ON webhooks (centre_id) WHERE active = 1;

CREATE TABLE webhook_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    webhook_id      BIGINT NOT NULL REFERENCES webhooks(id),
    event_id        BIGINT NOT NULL,
    -- X-Luot-Delivery: the same on every retry, so receivers drop duplicates.
    delivery        TEXT NOT NULL,
    event           TEXT NOT NULL,
    -- The exact body sent (and signed) on every attempt.
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    -- Also the lease: an attempt in flight pushes it 30 s ahead, so one process sends.
    next_attempt_at BIGINT NOT NULL,
    last_attempt_at BIGINT,
    response_status BIGINT,
    last_error      TEXT,
    delivered_at    BIGINT,
    CONSTRAINT webhook_deliveries_event UNIQUE (webhook_id, event_id),
    CONSTRAINT webhook_deliveries_delivery UNIQUE (delivery)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id) WHERE status = 'pending';
