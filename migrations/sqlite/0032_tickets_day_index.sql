-- tickets_day (centre_id, service_day) repeats the head of the unique index on
-- (centre_id, service_day, number), which serves every query by centre and day:
-- one index entry fewer per ticket (issue 16).
DROP INDEX IF EXISTS tickets_day;
