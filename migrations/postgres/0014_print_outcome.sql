-- The truth about a print (#13); see migrations/sqlite/0014.

ALTER TABLE print_jobs ADD COLUMN outcome TEXT;
ALTER TABLE print_jobs ADD COLUMN reprint_of BIGINT;
