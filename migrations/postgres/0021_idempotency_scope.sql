-- Idempotency-Keys belong to their caller (a kiosk device, a staff user, or
-- the public), not to the whole centre: two callers that happen to send the
-- same key get a ticket each, and none can fetch another's ticket by
-- guessing its key. `scope` is the issuing actor (`kiosk:12`, `staff:lan`,
-- `public`); existing keys take their ticket's.

ALTER TABLE idempotency_keys ADD COLUMN scope TEXT;
UPDATE idempotency_keys k SET scope = COALESCE(t.issued_by, '') FROM tickets t WHERE t.id = k.ticket_id;
ALTER TABLE idempotency_keys ALTER COLUMN scope SET NOT NULL;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (centre_id, scope, key);
