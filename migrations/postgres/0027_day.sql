-- The day (issue #15).
-- A booking not checked in by the end of its slot plus the check-in grace is
-- `missed` (it was `no_show`, a word now kept for tickets called and never
-- come). Tickets gain the status `expired` (no schema change: statuses are text).
ALTER TABLE appointments DROP CONSTRAINT appointments_status_check;
UPDATE appointments SET status = 'missed' WHERE status = 'no_show';
ALTER TABLE appointments ADD CONSTRAINT appointments_status_check
    CHECK (status IN ('booked', 'checked_in', 'cancelled', 'missed'));

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
