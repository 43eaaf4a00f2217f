-- (PostgreSQL) A rating tablet is bound to one counter of its centre: it rates
-- there only. NULL for kiosks and displays, and for a tablet whose counter is
-- not known.
ALTER TABLE devices ADD COLUMN counter_number BIGINT;

-- Tablets registered before the binding: their name says where they stand
-- when it reads like the demo's "Máy đánh giá quầy 1" (the number after
-- "quầy"); bound only if the centre has that counter. The others answer 403
-- until an administrator registers them again for a counter.
UPDATE devices
   SET counter_number = CAST(substring(lower(name) from 'quầy\s*([0-9]{1,4})') AS BIGINT)
 WHERE kind = 'rating' AND lower(name) ~ 'quầy\s*[0-9]';
UPDATE devices
   SET counter_number = NULL
 WHERE counter_number IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM counters k
                    WHERE k.centre_id = devices.centre_id AND k.number = devices.counter_number);
