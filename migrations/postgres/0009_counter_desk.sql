-- The counter console's staff view of the queue (issue 6) asks, on every event of
-- the centre, for today's bookings by status: those not yet checked in, and the
-- checked-in ones whose tickets still wait (for the citizen's name). Without this
-- index each refresh would read every booking ever kept.

CREATE INDEX appointments_day ON appointments (centre_id, service_day, status);
