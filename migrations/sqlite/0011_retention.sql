-- Data retention: every minute the server erases personal data older than each
-- centre's `data_retention_days` (rating comments, transfer notes, audit-log
-- addresses, idle sessions; bookings have their own pass). These indexes hold
-- only rows that still carry such data, so a pass reads what it erases and
-- never the whole history.

CREATE INDEX feedback_comments ON feedback (centre_id, created_at) WHERE comment IS NOT NULL;
CREATE INDEX tickets_transfer_notes ON tickets (centre_id, service_day) WHERE transfer_note IS NOT NULL;
CREATE INDEX audit_log_addresses ON audit_log (at) WHERE ip IS NOT NULL;
CREATE INDEX sessions_last_seen ON sessions (last_seen);
