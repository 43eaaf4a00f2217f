-- The ticket logo's version (PostgreSQL; see migrations/sqlite/0010): bumped by
-- every upload and removal, never reused for a centre.

ALTER TABLE centres ADD COLUMN logo_version BIGINT NOT NULL DEFAULT 0;
