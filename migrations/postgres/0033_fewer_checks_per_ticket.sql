-- Fewer index entries and foreign-key checks per ticket (issue 16). Flat out,
-- the write connection's backend limits how many tickets a deployment issues,
-- and foreign-key checks were 28% of its time: PostgreSQL runs one query per
-- inserted row and key (docs/benchmarks.md).
--
-- tickets_day (centre_id, service_day) repeats the head of the unique index on
-- (centre_id, service_day, number), which serves every query by centre and day.
DROP INDEX IF EXISTS tickets_day;

-- A ticket's service and numbering service are now checked against its centre
-- in one key each: (centre_id, service_id) must be a service of that centre,
-- which also proves the centre exists (services reference centres), so the
-- ticket's own key to centres goes. Three checks per ticket become two, and a
-- ticket can no longer name another centre's service.
CREATE UNIQUE INDEX services_centre_id ON services (centre_id, id);
ALTER TABLE tickets
    DROP CONSTRAINT tickets_centre_id_fkey,
    DROP CONSTRAINT tickets_service_id_fkey,
    DROP CONSTRAINT tickets_numbered_service_id_fkey,
    ADD CONSTRAINT tickets_service_fkey FOREIGN KEY (centre_id, service_id)
        REFERENCES services (centre_id, id),
    ADD CONSTRAINT tickets_numbered_service_fkey FOREIGN KEY (centre_id, numbered_service_id)
        REFERENCES services (centre_id, id);

-- An Idempotency-Key always names its ticket (NOT NULL, checked against
-- tickets), and a ticket keeps its centre: the key's own check of the centre
-- proved nothing more.
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_centre_id_fkey;
