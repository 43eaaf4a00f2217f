-- Administration: what-to-bring notes on services and the logo printed on tickets
-- (holidays live in the `holidays` table of 0002, edited by the admin API too).

ALTER TABLE services ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- One PNG per centre, base64 (the same TEXT column type on both backends);
-- size-limited by the API.
CREATE TABLE centre_logos (
    centre_id   INTEGER PRIMARY KEY REFERENCES centres(id),
    png         TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
