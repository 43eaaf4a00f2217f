-- Indexes and a running queue length for the hot paths (issue 8). Call-next asks,
-- per service it serves and per call group, for the first waiting ticket in
-- (queued_at, id) order: each partial index below serves one of those questions by
-- reading one entry, whatever the length of the queue. A ticket's position is the
-- queue length minus those behind it, so issuing never counts the whole queue.

-- Superseded by tickets_queue (the planner preferred it and then sorted).
DROP INDEX IF EXISTS tickets_waiting;

CREATE INDEX tickets_queue ON tickets (service_id, service_day, queued_at, id)
    WHERE status IN ('waiting', 'transferred');
CREATE INDEX tickets_queue_priority ON tickets (service_id, service_day, queued_at, id)
    WHERE status IN ('waiting', 'transferred') AND priority IS NOT NULL;
CREATE INDEX tickets_queue_slot ON tickets (service_id, service_day, queued_at, id)
    WHERE status IN ('waiting', 'transferred') AND slot_start IS NOT NULL;
-- Tickets transferred to one counter.
CREATE INDEX tickets_targeted ON tickets (target_counter_id, service_day)
    WHERE target_counter_id IS NOT NULL;
-- The most recent services, for the ETA's mean service time.
CREATE INDEX tickets_done ON tickets (service_id, service_day, finished_at)
    WHERE status = 'done';
CREATE INDEX counter_services_service ON counter_services (service_id);

-- Waiting (or transferred, not yet called) tickets per service and day, kept by
-- triggers so that every writer, present or future, keeps it exact.
CREATE TABLE queue_lengths (
    service_id  INTEGER NOT NULL,
    service_day TEXT NOT NULL,
    waiting     INTEGER NOT NULL,
    PRIMARY KEY (service_id, service_day)
);

INSERT INTO queue_lengths (service_id, service_day, waiting)
    SELECT service_id, service_day, COUNT(*) FROM tickets
    WHERE status IN ('waiting', 'transferred') GROUP BY service_id, service_day;

CREATE TRIGGER tickets_queue_insert AFTER INSERT ON tickets
    WHEN NEW.status IN ('waiting', 'transferred')
BEGIN
    INSERT INTO queue_lengths (service_id, service_day, waiting)
        VALUES (NEW.service_id, NEW.service_day, 1)
        ON CONFLICT (service_id, service_day) DO UPDATE SET waiting = waiting + 1;
END;

CREATE TRIGGER tickets_queue_leave AFTER UPDATE OF status, service_id, service_day ON tickets
    WHEN OLD.status IN ('waiting', 'transferred')
BEGIN
    UPDATE queue_lengths SET waiting = waiting - 1
        WHERE service_id = OLD.service_id AND service_day = OLD.service_day;
END;

CREATE TRIGGER tickets_queue_enter AFTER UPDATE OF status, service_id, service_day ON tickets
    WHEN NEW.status IN ('waiting', 'transferred')
BEGIN
    INSERT INTO queue_lengths (service_id, service_day, waiting)
        VALUES (NEW.service_id, NEW.service_day, 1)
        ON CONFLICT (service_id, service_day) DO UPDATE SET waiting = waiting + 1;
END;

CREATE TRIGGER tickets_queue_delete AFTER DELETE ON tickets
    WHEN OLD.status IN ('waiting', 'transferred')
BEGIN
    UPDATE queue_lengths SET waiting = waiting - 1
        WHERE service_id = OLD.service_id AND service_day = OLD.service_day;
END;
