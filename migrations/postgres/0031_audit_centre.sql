-- An administrator of one centre pages through that centre's audit entries
-- (WHERE centre = $1 AND id < $2 ORDER BY id DESC LIMIT n): without this index
-- a province's log is walked from its newest entry past every other centre's.
CREATE INDEX audit_log_centre ON audit_log (centre, id);
