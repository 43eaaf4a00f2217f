-- Short display names of services (issue #15): what the waiting-room board
-- shows instead of a long name, set by the administrator; empty = the full name.
ALTER TABLE services ADD COLUMN short_name TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN short_name_en TEXT NOT NULL DEFAULT '';
