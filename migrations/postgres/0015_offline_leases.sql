-- Numbers leased to kiosks for issuing through a server outage (PostgreSQL; see
-- crates/store/src/offline.rs). A block belongs to one kiosk, one service and
-- one service day; the online sequence skips the span the day's blocks cover
-- (daily_sequences.lease_lo..lease_hi), so a leased number is never issued
-- online. A ticket issued offline and replayed names its block.

CREATE TABLE number_leases (
    id           BIGSERIAL PRIMARY KEY,
    device_id    BIGINT NOT NULL,
    service_id   BIGINT NOT NULL REFERENCES services(id),
    service_day  TEXT NOT NULL,
    first_seq    BIGINT NOT NULL,
    last_seq     BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    -- Set once the day is over: nobody will issue its unused numbers.
    released_at  BIGINT,
    CONSTRAINT number_leases_span CHECK (first_seq <= last_seq)
);

CREATE INDEX number_leases_device ON number_leases (device_id, service_day, service_id);
CREATE INDEX number_leases_open ON number_leases (service_day) WHERE released_at IS NULL;

ALTER TABLE daily_sequences ADD COLUMN lease_lo BIGINT;
ALTER TABLE daily_sequences ADD COLUMN lease_hi BIGINT;

ALTER TABLE tickets ADD COLUMN lease_id BIGINT REFERENCES number_leases(id);
CREATE INDEX tickets_lease ON tickets (lease_id) WHERE lease_id IS NOT NULL;
