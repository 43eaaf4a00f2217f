-- The ticket logo's version: bumped by every upload and removal (in the same
-- transaction), never reused for a centre, so a server keeps the logo converted
-- for the printer under its version and checks it without reading the PNG.

ALTER TABLE centres ADD COLUMN logo_version INTEGER NOT NULL DEFAULT 0;
