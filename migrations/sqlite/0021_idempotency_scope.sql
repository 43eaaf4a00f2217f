-- Idempotency-Keys belong to their caller (a kiosk device, a staff user, or
-- the public), not to the whole centre: two callers that happen to send the
-- same key get a ticket each, and none can fetch another's ticket by
-- guessing its key. `scope` is the issuing actor (`kiosk:12`, `staff:lan`,
-- `public`); existing keys take their ticket's.

CREATE TABLE idempotency_keys_new (
    centre_id   INTEGER NOT NULL REFERENCES centres(id),
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    created_at  INTEGER NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (centre_id, scope, key)
);

INSERT INTO idempotency_keys_new (centre_id, scope, key, fingerprint, ticket_id, created_at)
SELECT k.centre_id, COALESCE(t.issued_by, ''), k.key, k.fingerprint, k.ticket_id, k.created_at
FROM idempotency_keys k JOIN tickets t ON t.id = k.ticket_id;

DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_new RENAME TO idempotency_keys;
