-- Idempotency-Keys live a day (luot_store::KEY_LIFETIME): housekeeping deletes
-- older ones oldest first, in batches, through this index.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
