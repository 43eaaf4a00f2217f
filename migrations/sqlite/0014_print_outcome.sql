-- The truth about a print (#13): a job ends `printed` (the printer confirmed
-- after the cut), `unknown` (sent, never confirmed), `failed` (paper out, cover
-- open) or `expired` (dropped unprinted past its life). `acked_at` still marks
-- a job answered, so it is never sent again by itself. `reprint_of` marks a
-- second copy asked for explicitly (kiosk button or staff): "BẢN IN LẠI".

ALTER TABLE print_jobs ADD COLUMN outcome TEXT;
ALTER TABLE print_jobs ADD COLUMN reprint_of INTEGER;
